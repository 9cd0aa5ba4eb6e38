package command

import (
	"fmt"
	"slices"
)

// AccessLevel is the access level the IAM Service Authorization Reference
// gives an action: List, Read, Tagging, Write or Permissions management.
// The values are ordered by how much an action can change, so the level of
// an operation that needs several actions is the highest of them:
//
//	List < Read < Tagging < Write < Permissions management
//
// Tagging ranks above Read because tagging changes a resource (and tags can
// grant access through ABAC), and below Write because it changes only
// metadata. The zero value is AccessUnknown, which counts as mutating.
type AccessLevel int

// Access levels, in increasing order.
const (
	AccessUnknown     AccessLevel = iota // not classified: treated like Write
	AccessList                           // lists resources ("ec2:DescribeInstances")
	AccessRead                           // reads data or configuration ("s3:GetObject")
	AccessTagging                        // changes tags only ("ec2:CreateTags")
	AccessWrite                          // creates, changes or deletes ("lambda:InvokeFunction")
	AccessPermissions                    // changes who may do what ("iam:AttachRolePolicy")
)

// accessNames are the Service Authorization Reference's spellings.
var accessNames = [...]string{"Unknown", "List", "Read", "Tagging", "Write", "Permissions management"}

// String returns the level as the Service Authorization Reference writes
// it ("List", "Permissions management").
func (a AccessLevel) String() string {
	if a < 0 || int(a) >= len(accessNames) {
		return "Unknown"
	}
	return accessNames[a]
}

// ReadOnly reports whether actions of this level only read (List or Read):
// such operations run without confirmation. Unknown is not read-only.
func (a AccessLevel) ReadOnly() bool { return a == AccessList || a == AccessRead }

// ParseAccessLevel reads a level as String writes it; it also accepts
// "Permissions" for "Permissions management".
func ParseAccessLevel(s string) (AccessLevel, error) {
	if s == "Permissions" {
		return AccessPermissions, nil
	}
	for i := AccessList; int(i) < len(accessNames); i++ {
		if accessNames[i] == s {
			return i, nil
		}
	}
	return AccessUnknown, fmt.Errorf("command: %w: %q", ErrUnknownAccessLevel, s)
}

// MarshalText implements encoding.TextMarshaler, for audit records.
func (a AccessLevel) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *AccessLevel) UnmarshalText(b []byte) error {
	l, err := ParseAccessLevel(string(b))
	if err != nil {
		return err
	}
	*a = l
	return nil
}

// ConditionalAction is an IAM action AWS checks in addition to an
// operation's Actions only when a CLI parameter is given, such as
// s3:GetObjectVersion for "s3api get-object --version-id".
type ConditionalAction struct {
	// Action is the full IAM action ("s3:GetObjectVersion").
	Action string `json:"action"`
	// Param is the CLI name of the parameter ("version-id").
	Param string `json:"param"`
}

// iamActions returns the IAM actions AWS checks for an invocation of op in
// service svc with the given parameters: the operation's actions (the
// name-derived prefix:APIName when the catalog gave none), then each
// conditional action whose parameter is present, without duplicates.
func iamActions(svc Service, op *Operation, params map[string]any) []string {
	var out []string
	if len(op.Actions) > 0 {
		out = make([]string, 0, len(op.Actions)+len(op.ConditionalActions))
		for _, a := range op.Actions {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	} else {
		out = []string{iamPrefixOf(svc) + ":" + op.APIName}
	}
	for _, c := range op.ConditionalActions {
		if _, given := params[c.Param]; given && !slices.Contains(out, c.Action) {
			out = append(out, c.Action)
		}
	}
	return out
}
