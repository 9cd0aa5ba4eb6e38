// Package command reads AWS CLI commands typed in chat and turns them into
// validated invocations, or into an answer that helps the user get them
// right. It sits between the chat adapters and the executor: the bot hands
// it the text of a message, gets back an *Invocation (service, operation,
// typed parameters, the IAM actions AWS will check, region, query, output)
// and passes that to the guardrails and command/awsexec. It is a leaf
// package: pure functions, no I/O, nothing of this module imported. Commands are validated against a
// Catalog (services → operations → parameters); command/awsexec builds one
// from aws-sdk-go-v2, commandtest has a small static one.
//
// # Walkthrough for the bot
//
// Read every message addressed to the bot with Interpret:
//
//	req, err := command.Interpret(msg.Text, catalog, command.WithDefaultRegion(channelRegion))
//	if err != nil {
//		// *command.Error or *command.SyntaxError: show UserMessage() to the
//		// user (it says what was wrong, "Did you mean …?", where to get
//		// help); errors.Is(err, command.ErrRefused) etc. for the audit log.
//	}
//	switch req.Kind {
//	case command.KindHelp:    // render req.Help.Title and req.Help.Text (neutral Markdown)
//	case command.KindAlias:   // req.Alias: create/list/delete/run, see below
//	case command.KindParams:  // "@aws --function-name my-fn": Answer(pending, req.Text, catalog)
//	case command.KindCommand: // req.Invocation
//	}
//
// An invocation with Missing parameters is asked for, one at a time, with
// Prompt(inv.Missing[0]). Keep inv.Text in the Store (with a TTL): it is the
// whole pending state. When a reply arrives in the thread, IsCancel(reply)
// drops it; otherwise Resume(text, catalog) and Answer(inv, reply, catalog)
// give the updated invocation, which may lack more.
//
// Authorize inv.IAMActions, all of them: the operation's Actions (the real
// IAM actions, "lambda:InvokeFunction" for lambda invoke, "s3:GetObject"
// and "s3:PutObject" for s3api copy-object) plus the ConditionalActions of
// the parameters given ("s3:GetObjectVersion" with --version-id). Ask for
// confirmation unless inv.Op.ReadOnly: it follows inv.Op.Access, the
// operation's IAM access level (List and Read run at once; Tagging, Write,
// Permissions management and Unknown ask). Text longer than MaxCommandLen
// is refused with ErrTooLong before it is read.
//
// Aliases: for AliasCreate call NewAlias(name, command, catalog), check
// Alias.Actions against the guardrails, and store json.Marshal(alias) under
// the channel configuration; for AliasRun load it with DecodeAlias and call
// alias.Invocation(req.Alias.Args, req.Alias.Named, catalog), which parses
// the expanded command again (so refused options and values are caught at
// creation and at every run). AliasHelpText is the help for "alias help".
//
// # How parameters are read
//
// As the AWS CLI reads them: "SERVICE OPERATION" in kebab case (an API name
// such as DescribeInstances is accepted too), then "--param value". Lists
// take space-separated values (--instance-ids i-1 i-2) or one JSON array;
// lists of structures take one shorthand or JSON object per word
// (--filters Name=a,Values=b Name=c,Values=d). Structures and maps take
// JSON (text starting with "{") or the CLI's shorthand syntax, parsed by
// ParseShorthand exactly as awscli/shorthand.py does, with the CLI's
// model-based fixes (a scalar given for a list becomes a one-element list,
// a scalar given for a one-member structure becomes that structure, and a
// single-"Value" structure takes a bare word). Booleans are --flag and
// --no-flag (or --flag true|false). Integers, floats and timestamps (ISO
// 8601 or epoch seconds) are converted; enum values are checked, and a
// value differing only in case is taken as the API spells it. Blobs are the
// text as given (AWS Chatbot's --payload {"k":"v"}), never base64-decoded.
// Global options: --region (checked against the regions of every
// partition, see Partitions), --query (JMESPath, compiled; non-JSON
// literals like `running` are rewritten to JSON strings as the CLI's
// JMESPath does), --output json|table|text, and for paginated operations
// --max-items, --page-size, --starting-token. --no-cli-pager and
// --no-paginate are accepted and ignored.
//
// Chat text is cleaned first (Clean): the mention (Slack <@U…>, Teams
// <at>…</at>, @aws) and a leading "aws" are removed, Slack links unwrapped,
// HTML entities decoded, typographic quotes straightened, code fences and
// inline-code backticks dropped. Options may start with "-", "--", an en or
// em dash (phones turn "--" into "—"), in any case, with "=value" or not.
// Words are split like a POSIX shell (quotes, backslashes), except that a
// bracketed span ({…} or […]) is kept verbatim so JSON can be pasted
// unquoted; a quoted word is always a value, never an option.
//
// # High-level commands and suggestions
//
// The AWS CLI's everyday high-level commands and AWS Chatbot's simplified
// Lambda syntax are mapped onto the API operation they run, before the
// catalog is consulted, so the guardrails check that operation's IAM
// actions: "s3 ls [s3://bucket/prefix]" (s3api list-buckets or
// list-objects-v2 with delimiter "/", Invocation.Display DisplayS3Ls for the
// CLI's listing layout), "logs tail GROUP [--since 10m] [--filter-pattern
// P]" (logs filter-log-events from a start time, WithNow sets the clock),
// "invoke FN [--payload P]" and "lambda invoke FN" (lambda invoke
// --function-name FN). "lambda invoke ... out.json", the CLI's positional
// outfile, is accepted and dropped. Invocation.Text is then the full API
// command (what to show, audit and resume) and Invocation.Typed what the
// user wrote. A command pasted in a code fence or inline code starting with
// "aws" runs as typed.
//
// An unknown operation is answered with suggestions by intent first
// (SuggestOperation: "ec2 list-instances" → describe-instances, "lambda
// list" → list-functions, "sqs list" → list-queues), then by spelling; an
// unknown service never gets a credential service as its suggestion
// (SuggestService: "sqs" is not "sts").
//
// # Refused
//
// --endpoint-url, --profile, --ca-bundle, --no-verify-ssl, --debug,
// --cli-input-json, --cli-input-yaml and --generate-cli-skeleton are refused
// (ErrRefused) in every spelling and position, as are values starting with
// file:// or fileb:// (and shorthand "key@=file://…"), since they would read
// files or redirect credentials on the bot's host. http:// and https://
// values are ordinary strings, never fetched. WithRefusedOption adds more.
//
// Everything here is safe for concurrent use; nothing blocks.
package command
