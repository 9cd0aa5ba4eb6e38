package guardrail

import (
	"errors"
	"strconv"
	"strings"
)

// Decision is the outcome of evaluating a request. The zero value is
// ImplicitDeny, so a Decision that was never set denies.
type Decision int

const (
	// ImplicitDeny: nothing denied the request, but some layer did not allow it.
	ImplicitDeny Decision = iota
	// Allow: every layer allowed the request and nothing denied it.
	Allow
	// ExplicitDeny: a Deny statement matched; it wins over any Allow.
	ExplicitDeny
)

// String returns "Allow", "ExplicitDeny" or "ImplicitDeny".
func (d Decision) String() string {
	switch d {
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	case ImplicitDeny:
		return "ImplicitDeny"
	}
	return "Decision(" + strconv.Itoa(int(d)) + ")"
}

// UnknownResource is the resource to use when a command's resource ARN is not
// known (the usual case for chat commands). Evaluation then fails closed: a
// Deny statement counts as matching whatever resources it names (unless it is
// a NotResource of "*"), and an Allow statement counts only if it has
// Resource "*". An empty Request.Resource is treated the same way.
const UnknownResource = "*"

// Request is what is being asked: an IAM action ("ec2:StopInstances"), the
// resource ARN, and the request context (condition keys to values; key names
// are matched case-insensitively, values case-sensitively unless the operator
// says otherwise). A key with no values is treated as absent. Keys that
// differ only in letter case ("aws:username", "AWS:USERNAME") leave a
// condition on them undecided, and it fails closed: true in a Deny, false in
// an Allow.
//
// Evaluation only reads the request; the Context map must not be modified
// while an evaluation that uses it runs.
type Request struct {
	Action, Resource string
	Context          map[string][]string
}

func (r *Request) unknownResource() bool {
	return r.Resource == "" || r.Resource == UnknownResource
}

// Evaluate decides req against layers of policies with IAM's rules: an
// explicit Deny in any policy of any layer wins; otherwise every layer must
// contain a statement that allows the request; otherwise ImplicitDeny. No
// layers at all is ImplicitDeny. Nil policies (e.g. from a failed parse) are
// skipped, so they can never allow anything.
//
// Evaluate is pure IAM semantics: it does not apply the built-in blocklist.
// The bot uses Authorize, which does. It does not allocate and is safe for
// concurrent use.
func Evaluate(req Request, layers ...[]*Policy) Decision {
	acts := [1]string{req.Action}
	rc := reqContext{m: req.Context}
	d, _ := decide(acts[:], &req, &rc, layerList{plain: layers}, false)
	return d
}

// Layer is a named set of policies that must allow a request: the channel
// or user role's policies ("role"), the channel guardrails ("guardrail"), an
// organization-wide policy ("organization"). Its Name is used in explanations:
// "denied by guardrail `ReadOnly`, statement `DenyStop`".
type Layer struct {
	Name     string
	Policies []*Policy
	// DenyOnly marks a layer that can only deny (like the built-in
	// blocklist or a set of Deny-only SCPs): it does not need to allow.
	DenyOnly bool
}

// Match locates a statement: which layer, policy and statement.
type Match struct {
	LayerIndex int
	Layer      string
	// PolicyIndex is -1 when no single policy is responsible (a layer that
	// does not allow).
	PolicyIndex int
	Policy      string
	// StatementIndex is -1 when no single statement is responsible.
	StatementIndex int
	Sid            string
}

// Statement returns the statement's Sid, or "#<index>" when it has none.
func (m Match) Statement() string {
	if m.Sid != "" {
		return m.Sid
	}
	if m.StatementIndex < 0 {
		return ""
	}
	return "#" + strconv.Itoa(m.StatementIndex)
}

// Explanation says why a request got its decision.
type Explanation struct {
	Decision Decision
	// Action is the action the explanation is about: for an operation that
	// needs several actions (AuthorizeActions), the one that decided a
	// denial, or the first one for Allow.
	Action   string
	Resource string
	// Actions lists every action of an operation that needs more than one
	// (AuthorizeActions); nil for a single action.
	Actions []string
	// By is, for ExplicitDeny, the statement that denied; for ImplicitDeny,
	// the first layer that did not allow (PolicyIndex and StatementIndex -1);
	// zero for Allow.
	By Match
	// Grants is, for Allow, the first allowing statement of each layer that
	// must allow.
	Grants []Match
	// Builtin is set when the built-in blocklist denied the request.
	Builtin bool
	// Reason adds a sentence for the user, e.g. why the blocklist exists.
	Reason string
	// policies of the layer that did not allow, for the message
	layerPolicies []string
}

// String renders the explanation as one sentence for a chat reply.
func (e Explanation) String() string {
	var b strings.Builder
	action := e.Action
	if action == "" {
		action = "(no action)"
	}
	if e.Decision != Allow {
		b.WriteString(actionsPrefix(e.Actions))
	}
	switch e.Decision {
	case Allow:
		if len(e.Actions) > 1 {
			for i, a := range e.Actions {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("`" + a + "`")
			}
			b.WriteString(" are allowed")
		} else {
			b.WriteString("`" + action + "` is allowed")
		}
		for i, g := range e.Grants {
			if i == 0 {
				b.WriteString(" by ")
			} else {
				b.WriteString(" and ")
			}
			b.WriteString(g.Layer + " `" + g.Policy + "`, statement `" + g.Statement() + "`")
		}
	case ExplicitDeny:
		if e.Builtin {
			b.WriteString("`" + action + "` is blocked for everyone by the built-in blocklist (statement `" + e.By.Statement() + "`)")
		} else {
			b.WriteString("`" + action + "` denied by " + e.By.Layer + " `" + nameOr(e.By.Policy, e.By.PolicyIndex) + "`, statement `" + e.By.Statement() + "`")
		}
	default:
		b.WriteString("`" + action + "` is not allowed")
		switch {
		case e.By.LayerIndex < 0:
			b.WriteString(": no policies are configured")
		case len(e.layerPolicies) == 0:
			b.WriteString(": the " + e.By.Layer + " layer has no policies")
		default:
			b.WriteString(": no statement in the " + e.By.Layer + " policies (")
			for i, n := range e.layerPolicies {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("`" + n + "`")
			}
			b.WriteString(") allows it")
		}
		if e.Resource == "" || e.Resource == UnknownResource {
			b.WriteString(" (the resource is not known in advance, so only statements with Resource \"*\" can allow it)")
		}
	}
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	}
	return b.String()
}

func nameOr(name string, idx int) string {
	if name != "" {
		return name
	}
	return "policy #" + strconv.Itoa(idx)
}

// Err returns nil for Allow and a *DeniedError otherwise.
func (e Explanation) Err() error {
	if e.Decision == Allow {
		return nil
	}
	return &DeniedError{Explanation: e}
}

// ErrDenied is matched (errors.Is) by every error that reports a denied
// request: *DeniedError and *OrgPolicyError.
var ErrDenied = errors.New("guardrail: denied")

// DeniedError reports a request that the policies did not allow. Its message
// is written for the chat user.
type DeniedError struct {
	Explanation Explanation
}

func (e *DeniedError) Error() string { return "guardrail: " + e.Explanation.String() }

// Unwrap makes errors.Is(err, ErrDenied) true.
func (e *DeniedError) Unwrap() error { return ErrDenied }

// Explain is Evaluate with named layers and an explanation of the decision.
// Like Evaluate it does not apply the built-in blocklist; Authorize does.
// It is safe for concurrent use.
func Explain(req Request, layers ...Layer) Explanation {
	exp := Explanation{Action: req.Action, Resource: req.Resource}
	exp.Decision = explain(&req, layers, &exp)
	return exp
}

// Authorize is how the bot decides a chat command: the built-in blocklist
// (see BlocklistLayer) applies first and always, then the layers as in
// Explain. A request whose action is not one IAM action ("service:Operation"
// in ASCII, without wildcards or spaces) is refused by the blocklist (SidInvalidAction),
// since no statement of it could match. It returns the explanation and, unless
// the decision is Allow, a
// *DeniedError (errors.Is(err, ErrDenied)). No layers means ImplicitDeny.
func Authorize(req Request, layers ...Layer) (Explanation, error) {
	if !validRequestAction(req.Action) {
		exp := invalidActionExplanation(req.Action, req.Resource)
		return exp, exp.Err()
	}
	all := make([]Layer, 0, len(layers)+1)
	all = append(all, BlocklistLayer())
	all = append(all, layers...)
	exp := Explain(req, all...)
	if exp.Decision == ExplicitDeny && exp.By.LayerIndex == 0 {
		exp.Builtin = true
		exp.Reason = blockReasons[exp.By.Sid]
		if exp.By.Sid == sidBlockSSMDecryptionAny {
			exp.By.Sid, exp.By.StatementIndex = SidBlockSSMDecryption, exp.By.StatementIndex-1
		}
	}
	// Indexes refer to the caller's layers.
	exp.By.LayerIndex--
	for i := range exp.Grants {
		exp.Grants[i].LayerIndex--
	}
	if exp.Decision == ImplicitDeny && exp.By.LayerIndex < 0 {
		exp.By.LayerIndex = -1
	}
	return exp, exp.Err()
}

// explain decides req as Evaluate does and records in exp which statements
// decided: the first Deny that applies, else the first allowing statement of
// each layer, else the first layer that does not allow. It visits the
// statements in document order, which is what makes "first" well defined.
func explain(req *Request, layers []Layer, exp *Explanation) Decision {
	unknown := req.unknownResource()
	key := makeActionKey(req.Action)
	rc := reqContext{m: req.Context}
	firstMissing := -1
	mustAllow := 0
	for li := range layers {
		l := &layers[li]
		allowed, denied := false, false
		for pi, pol := range l.Policies {
			if pol == nil {
				continue
			}
			pol.forEachMatch(&key, func(st *Statement) bool {
				if st.Effect == EffectAllow && (allowed || l.DenyOnly) {
					return true // this layer already allows; only denies matter now
				}
				if !st.appliesBeyondAction(req, &rc, unknown) {
					return true
				}
				if st.Effect == EffectDeny {
					exp.By = matchOf(li, layerName(l, li), pi, pol, st)
					denied = true
					return false
				}
				allowed = true
				exp.Grants = append(exp.Grants, matchOf(li, layerName(l, li), pi, pol, st))
				return true
			})
			if denied {
				exp.Grants = nil
				exp.layerPolicies = nil
				return ExplicitDeny
			}
		}
		if l.DenyOnly {
			continue
		}
		mustAllow++
		if !allowed && firstMissing < 0 {
			firstMissing = li
			exp.By = Match{LayerIndex: li, Layer: layerName(l, li), PolicyIndex: -1, StatementIndex: -1}
			for pi, pol := range l.Policies {
				if pol != nil {
					exp.layerPolicies = append(exp.layerPolicies, nameOr(pol.Name(), pi))
				}
			}
		}
	}
	if mustAllow > 0 && firstMissing < 0 {
		return Allow
	}
	exp.Grants = nil
	if mustAllow == 0 {
		exp.By = Match{LayerIndex: -1, PolicyIndex: -1, StatementIndex: -1}
	}
	return ImplicitDeny
}

func layerName(l *Layer, i int) string {
	if l.Name != "" {
		return l.Name
	}
	return "layer #" + strconv.Itoa(i)
}

func matchOf(li int, layer string, pi int, pol *Policy, st *Statement) Match {
	return Match{LayerIndex: li, Layer: layer, PolicyIndex: pi, Policy: pol.Name(), StatementIndex: st.Index, Sid: st.Sid}
}

// appliesBeyondAction reports whether the request's resource and context
// (ctx, req.Context prepared for the decision) satisfy the statement's
// Resource and Condition elements, which do not depend on the action.
// A Resource or NotResource pattern whose policy variables do not resolve
// leaves the element undecided unless another pattern matches for
// certain; undecided fails closed.
func (s *Statement) appliesBeyondAction(req *Request, ctx *reqContext, unknown bool) bool {
	switch {
	case s.anyResource:
		// Resource "*" covers every resource, known or not; NotResource
		// "*" excludes every one.
		if s.notResource {
			return false
		}
	case unknown:
		if !s.unknownResourceMatches() {
			return false
		}
	default:
		matched, undecided := false, false
		for i := range s.resources {
			m, unresolved := s.resources[i].matchVars(req.Resource, ctx)
			if m && !unresolved {
				matched = true
				break
			}
			undecided = undecided || m
		}
		switch {
		case !matched && undecided:
			// Whether the element holds hangs on a policy variable the
			// context cannot give: true in a Deny, false in an Allow,
			// for NotResource as for Resource, as for conditions.
			if s.Effect != EffectDeny {
				return false
			}
		case matched == s.notResource:
			return false
		}
	}
	for i := range s.conditions {
		if !s.conditions[i].eval(ctx, s.Effect == EffectDeny) {
			return false
		}
	}
	return true
}

// unknownResourceMatches is the fail-closed rule for requests whose resource
// is not known: a Deny may match any resource it names, an Allow must cover
// every resource.
func (s *Statement) unknownResourceMatches() bool {
	if s.Effect == EffectDeny {
		// NotResource "*" excludes every resource: that Deny cannot match.
		return !(s.notResource && s.anyResource)
	}
	return !s.notResource && s.anyResource
}
