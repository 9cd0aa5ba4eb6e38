package guardrail

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Attacks on the statement elements around Action and Resource: NotAction
// with NotResource, unknown resources, variables in both, and 2008-10-17
// documents where ${...} is text. Expected answers are IAM's rules worked
// by hand, with the fail-closed rules (unknown resource, undecided
// variable: a Deny applies, an Allow does not).

// TestAttackNotActionNotResource: a statement with NotAction and
// NotResource applies to every action outside the first and every
// resource outside the second.
func TestAttackNotActionNotResource(t *testing.T) {
	t.Parallel()
	const (
		bucket   = "arn:aws:s3:::b/x"
		instance = "arn:aws:ec2:eu-west-1:123456789012:instance/i-1"
		home     = "arn:aws:s3:::home/alice/x"
	)
	deny := attackPolicy(t, `{"Effect":"Deny","NotAction":"s3:*","NotResource":["arn:aws:s3:::b/*","arn:aws:s3:::home/${aws:username}/*"]}`, allowAllDoc)
	allow := attackPolicy(t, `{"Effect":"Allow","NotAction":"s3:*","NotResource":["arn:aws:s3:::b/*","arn:aws:s3:::home/${aws:username}/*"]}`)
	alice := map[string][]string{"aws:username": {"alice"}}
	tests := []struct {
		name, action, resource string
		ctx                    map[string][]string
		deny, allow            Decision
	}{
		{"listed action", "s3:PutObject", instance, alice, Allow, ImplicitDeny},
		{"other action, other resource", "ec2:StopInstances", instance, alice, ExplicitDeny, Allow},
		{"other action, listed resource", "ec2:StopInstances", bucket, alice, Allow, ImplicitDeny},
		{"other action, resource listed by a variable", "ec2:StopInstances", home, alice, Allow, ImplicitDeny},
		// Whether home/alice is listed depends on aws:username.
		{"other action, variable missing", "ec2:StopInstances", home, nil, ExplicitDeny, ImplicitDeny},
		{"other action, variable for someone else", "ec2:StopInstances", home, map[string][]string{"aws:username": {"bob"}}, ExplicitDeny, Allow},
		{"other action, unknown resource", "ec2:StopInstances", "", alice, ExplicitDeny, ImplicitDeny},
		{"other action, unknown resource spelled *", "ec2:StopInstances", UnknownResource, alice, ExplicitDeny, ImplicitDeny},
		{"listed action, unknown resource", "s3:PutObject", "", alice, Allow, ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := Request{Action: tt.action, Resource: tt.resource, Context: tt.ctx}
			attackEval(t, []*Policy{deny}, req, tt.deny)
			attackEval(t, []*Policy{allow}, req, tt.allow)
			d, _ := DecideActions([]string{"s3:ListBucket", tt.action}, tt.resource, tt.ctx, Layer{Name: "g", Policies: []*Policy{deny}})
			assert.Equal(t, tt.deny, d, "DecideActions")
		})
	}
}

// TestAttackVersion2008Literal: in a 2008-10-17 document (and one without
// Version) "${aws:username}" is text, in Resource and in condition values:
// a Deny on it applies to that text only, whatever the context holds, and
// the session policy keeps it text for AWS (escaped as ${$}).
func TestAttackVersion2008Literal(t *testing.T) {
	t.Parallel()
	for _, version := range []string{Version2008, ""} {
		t.Run("version "+version, func(t *testing.T) {
			t.Parallel()
			cond := versionedPolicy(t, version, `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}}}`, allowAllDoc)
			alice := map[string][]string{"aws:username": {"alice"}, "aws:ResourceTag/owner": {"alice"}}
			literal := map[string][]string{"aws:username": {"alice"}, "aws:ResourceTag/owner": {"${aws:username}"}}
			req := Request{Action: "ec2:StopInstances", Resource: "*"}
			req.Context = alice
			attackEval(t, []*Policy{cond}, req, Allow)
			req.Context = literal
			attackEval(t, []*Policy{cond}, req, ExplicitDeny)
			// No variable: nothing is undecided when the key is absent.
			req.Context = map[string][]string{"aws:ResourceTag/owner": {"${aws:username}"}}
			attackEval(t, []*Policy{cond}, req, ExplicitDeny)

			doc := `{"Statement":{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}}`
			if version != "" {
				doc = `{"Version":"` + version + `",` + doc[1:]
			}
			sp, err := NewSessionPolicy(nil, [][]byte{[]byte(doc)}, CommandContext{ChannelID: "C1"}.Session())
			require.NoError(t, err)
			assert.Contains(t, sp.Document, `arn:aws:s3:::home/${$}{aws:username}/*`)
			assert.True(t, strings.HasPrefix(sp.Document, `{"Version":"2012-10-17"`))
		})
	}
}
