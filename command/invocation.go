package command

// Invocation is a parsed, validated command: what the executor runs.
//
// Params maps each given parameter's CLI name ("instance-ids") to its value,
// converted according to the catalog's Param:
//
//	TypeString    string (enum values validated)
//	TypeInteger   int64
//	TypeFloat     float64
//	TypeBoolean   bool
//	TypeTimestamp time.Time (UTC)
//	TypeBlob      []byte
//	TypeList      []any of the element's type
//	TypeMap       map[string]any of the value's type
//	TypeStructure map[string]any keyed by member name ("Name", "Values")
//	TypeDocument  any decoded JSON value (map[string]any, []any, string, float64, bool, nil)
type Invocation struct {
	Service   string // CLI service name ("ec2")
	Operation string // CLI operation name ("describe-instances")
	// IAMActions are the IAM actions AWS checks for this invocation: the
	// operation's Actions, then its ConditionalActions whose parameter was
	// given, without duplicates ("s3:GetObject", "s3:GetObjectVersion" for
	// "s3api get-object ... --version-id v1"). An authorizer must allow
	// every one of them.
	IAMActions []string
	// IAMAction is IAMActions[0], the operation's main action
	// ("ec2:DescribeInstances"); kept for callers that show one action.
	IAMAction string
	Params    map[string]any
	// Global options.
	Region string // --region, validated; "" when not given
	Query  string // --query JMESPath expression, compiled at parse time; "" when not given
	Output string // --output: "json", "table" or "text"; "" when not given
	// Pagination options of paginated operations (0 and "" when not
	// given): --max-items bounds the items returned across pages,
	// --page-size the items per request, --starting-token resumes.
	MaxItems      int
	PageSize      int
	StartingToken string
	// Missing lists required parameters that were not given; the bot
	// prompts for them before running.
	Missing []Param
	// Op is the catalog entry of the operation.
	Op *Operation
	// Text is the normalised command line, suitable for echoing back and
	// for the audit log ("ec2 describe-instances --instance-ids i-1"). For
	// a high-level command ("s3 ls s3://b", "logs tail G", "invoke fn") it
	// is the full API command that runs ("s3api list-objects-v2 --bucket b
	// --delimiter /"): that is what the bot shows, audits and stores for a
	// confirmation.
	Text string
	// Typed is the high-level command as the user wrote it ("s3 ls s3://b"),
	// or "" when the command was typed as the API operation.
	Typed string
	// Display asks the renderer for a special layout of the result
	// (DisplayS3Ls), or "" for the usual one.
	Display string
}

// Action returns the main IAM action of the invocation
// ("ec2:DescribeInstances"); see IAMActions for all of them.
func (inv *Invocation) Action() string { return inv.IAMAction }

// Actions returns IAMActions, or IAMAction alone when an invocation was
// built by hand without IAMActions.
func (inv *Invocation) Actions() []string {
	if len(inv.IAMActions) > 0 || inv.IAMAction == "" {
		return inv.IAMActions
	}
	return []string{inv.IAMAction}
}

// Complete reports whether no required parameter is missing.
func (inv *Invocation) Complete() bool { return len(inv.Missing) == 0 }
