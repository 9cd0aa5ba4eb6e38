// Package guardrail decides, before any AWS call, whether a chat command may
// run, and says why not. It sits between command parsing and execution in the
// inbound flow: command.Parse gives the IAM action, guardrail evaluates it
// against the layers that AWS Chatbot's permission model stacks (the channel or
// user role's policies, the channel guardrail policies, organization-wide
// policies), then the executor runs it and the audit log records the decision.
//
// Policies are IAM JSON documents, parsed and compiled once (ParsePolicy,
// ParseNamedPolicy) and evaluated many times with IAM's real semantics
// (compilation indexes each policy's Action patterns by service, so a
// decision finds the statements that cover an action with a hash probe or
// two instead of trying every pattern):
// explicit Deny wins, every layer must Allow, otherwise implicit deny;
// case-insensitive actions, * and ? wildcards, ARN matching segment by
// segment, every condition operator including IfExists and the ForAnyValue /
// ForAllValues set qualifiers, and policy variables. Evaluate is the pure,
// allocation-free entry point; Explain names the layer, policy and statement
// that decided; Authorize adds the built-in blocklist (operations blocked for
// everyone, as in AWS Chatbot) and returns an error matching ErrDenied.
//
// An AWS operation can need several IAM actions (s3api copy-object needs
// s3:GetObject and s3:PutObject): AuthorizeActions allows it only when every
// action is allowed and names the action that was refused; DecideActions is
// its allocation-free decision. A Context (NewContext) is a request context
// read once for all the decisions of a command, refusing condition keys that
// differ only by case; DecideActions with a plain map reads every key on
// each call to find them. BlockedService says whether the blocklist
// denies a whole service, by IAM prefix.
//
// Where IAM's rules would let a request through on something the evaluator
// cannot check, it fails closed: a condition whose context value is not of
// the operator's type (an unparseable aws:CurrentTime or aws:SourceIp, a
// non-ARN for ArnLike) or whose policy variable does not resolve is true in
// a Deny and false in an Allow, as is a statement whose resource is not
// known (UnknownResource), and a Resource or NotResource element whose
// policy variable does not resolve (absent without a default, several
// values, a key the context spells in two cases) unless no value of the
// variable could make its pattern match. What IAM might read otherwise is
// refused at parse: a "${" that is neither a variable nor an escape in a
// 2012-10-17 document, a condition key or operator written twice in two
// letter cases in one block, a policy variable in a condition key, a key
// with space around it, null elements. IgnoreCase operators fold case as
// strings.EqualFold does, even across byte lengths (the Kelvin sign "K"
// equals "k").
//
// The same guardrails are enforced by AWS too: NewSessionPolicy turns the
// channel's managed guardrail ARNs, inline guardrails and the blocklist into
// AssumeRole session policies, so a mistake in the local check can at worst
// refuse a command, never let one through.
//
// CommandContext builds the request context of a chat command (aws: keys and
// the chatops: keys documented on the Key constants). OrgPolicy is the
// organization chat policy (AWS Organizations' "chatbot" policy type) that
// restricts platforms, workspaces, channel types and role settings. Resolver
// and CachingResolver fetch managed policies by ARN; the AWS implementation is
// in guardrail/iamresolver.
//
// The package is a leaf: standard library only, no I/O in the evaluator.
// Every type is immutable after construction and safe for concurrent use
// unless its documentation says otherwise.
package guardrail
