package guardrail_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/guardrail"
)

// TestConditionKeysInTwoCasesRejected: IAM condition key names are not
// case-sensitive ("including the aws:SourceIP context key is equivalent to
// testing for AWS:SourceIp", IAM User Guide, Condition element), so one
// operator naming a key in two spellings names it twice, and what AWS
// makes of that is not documented: it might keep either entry. Like a
// duplicate JSON key, such a document is refused, with both spellings in
// the error; an operator named twice in two cases likewise.
func TestConditionKeysInTwoCasesRejected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cond string
		want       []string // substrings of the error
	}{
		{"key in two cases", `{"StringEquals":{"aws:SourceIp":"10.0.0.1","AWS:sourceip":"10.0.0.2"}}`,
			[]string{"Condition.StringEquals", `"AWS:sourceip"`, `"aws:SourceIp"`, "case"}},
		{"key in two cases, IpAddress", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8","aws:sourceIP":"192.168.0.0/16"}}`,
			[]string{"Condition.NotIpAddress"}},
		{"key in two cases, Kelvin sign", `{"ForAnyValue:StringLike":{"aws:TagKeys":"a*","aws:Tag\u212aeys":"b*"}}`,
			[]string{"Condition.ForAnyValue:StringLike"}},
		{"key in three cases", `{"StringEquals":{"a:k":"1","A:K":"2","a:K":"3"}}`, []string{"Condition.StringEquals"}},
		{"operator in two cases", `{"StringEquals":{"aws:username":"alice"},"stringEquals":{"aws:PrincipalTag/team":"blue"}}`,
			[]string{"Condition", `"StringEquals"`, `"stringEquals"`}},
		{"qualified operator in two cases", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"},"foranyvalue:StringEquals":{"aws:TagKeys":"b"}}`,
			[]string{"Condition", `"ForAnyValue:StringEquals"`, `"foranyvalue:StringEquals"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, effect := range []string{"Allow", "Deny"} {
				doc := `{"Version":"2012-10-17","Statement":{"Effect":"` + effect + `","Action":"*","Resource":"*","Condition":` + tt.cond + `}}`
				p, err := guardrail.ParsePolicy([]byte(doc))
				require.Error(t, err, doc)
				assert.Nil(t, p)
				assert.ErrorIs(t, err, guardrail.ErrInvalidPolicy)
				for _, w := range tt.want {
					assert.Contains(t, err.Error(), w)
				}
			}
		})
	}
}

// TestConditionKeysAccepted: the same key under different operators is
// two conditions, AND-ed as IAM does; keys that only look alike are
// distinct.
func TestConditionKeysAccepted(t *testing.T) {
	t.Parallel()
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{
		"StringEquals":{"aws:username":"alice","aws:usernames":"x"},
		"StringEqualsIfExists":{"AWS:UserName":"alice"},
		"StringLike":{"aws:username":"a*"}}}}`
	p, err := guardrail.ParsePolicy([]byte(doc))
	require.NoError(t, err)
	req := func(user string) guardrail.Request {
		return guardrail.Request{Action: "ec2:StopInstances", Resource: "*",
			Context: map[string][]string{"aws:username": {user}, "aws:usernames": {"x"}}}
	}
	assert.Equal(t, guardrail.ExplicitDeny, guardrail.Evaluate(req("alice"), []*guardrail.Policy{p}))
	assert.Equal(t, guardrail.ImplicitDeny, guardrail.Evaluate(req("anna"), []*guardrail.Policy{p}))
}

// TestStatementShapesRefused: shapes whose meaning would be unclear are
// refused, not guessed: an element in the wrong case, a Principal in an
// identity policy, empty lists, an unknown top-level element.
func TestStatementShapesRefused(t *testing.T) {
	t.Parallel()
	stmt := func(s string) string { return `{"Version":"2012-10-17","Statement":[` + s + `]}` }
	tests := []struct{ name, doc, want string }{
		{"effect in two cases", stmt(`{"Effect":"Deny","effect":"Allow","Action":"*","Resource":"*"}`), "Statement[0].effect: unknown element"},
		{"action in another case", stmt(`{"Effect":"Deny","action":"ec2:*","Resource":"*"}`), "Statement[0].action: unknown element"},
		{"empty Resource", stmt(`{"Effect":"Deny","Action":"*","Resource":[]}`), "Statement[0].Resource: empty array"},
		{"empty NotResource", stmt(`{"Effect":"Deny","Action":"*","NotResource":[]}`), "Statement[0].NotResource: empty array"},
		{"empty Action", stmt(`{"Effect":"Deny","Action":[],"Resource":"*"}`), "Statement[0].Action: empty array"},
		{"empty NotAction", stmt(`{"Effect":"Deny","NotAction":[],"Resource":"*"}`), "Statement[0].NotAction: empty array"},
		{"NotPrincipal", stmt(`{"Effect":"Deny","NotPrincipal":{"AWS":"x"},"Action":"*","Resource":"*"}`), "Statement[0].NotPrincipal: not allowed"},
		{"version in another case", `{"version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`, "version: unknown element"},
		{"null Resource", stmt(`{"Effect":"Deny","Action":"*","Resource":null}`), "Statement[0].Resource: must be a string or an array of strings, got null"},
		{"null Version", `{"Version":null,"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`, "Version: must be a string, got null"},
		{"null Action", stmt(`{"Effect":"Deny","Action":null,"Resource":"*"}`), "Statement[0].Action: must be a string or an array of strings, got null"},
		{"Resource with a space around it", stmt(`{"Effect":"Deny","Action":"*","Resource":"arn:aws:s3:::b/* "}`), "Statement[0].Resource[0]: resource \"arn:aws:s3:::b/* \" has a space around it"},
		{"NotResource star with a space", stmt(`{"Effect":"Deny","Action":"*","NotResource":[" *"]}`), "Statement[0].NotResource[0]: resource \" *\" has a space around it"},
		{"null Condition", stmt(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":null}`), "Statement[0].Condition: Condition must be a JSON object, got null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := guardrail.ParsePolicy([]byte(tt.doc))
			require.Error(t, err)
			assert.Nil(t, p)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestConditionKeyShapesRefused: a condition key that IAM might read
// otherwise than guardrail is refused rather than looked up as written
// (where it would never be present, so a Deny on it would not apply): a
// policy variable in the key of a 2012-10-17 document (substitution in
// keys is not documented), whitespace around the key, control characters.
func TestConditionKeyShapesRefused(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, key, version, want string }{
		{"variable in the key", "aws:ResourceTag/${aws:username}", "2012-10-17", "policy variable"},
		{"escape in the key", "aws:ResourceTag/${*}", "2012-10-17", "policy variable"},
		{"leading space", " aws:SourceIp", "2012-10-17", "space"},
		{"trailing space", "aws:SourceIp ", "2012-10-17", "space"},
		{"tab", "aws:SourceIp\\t", "2012-10-17", "space"},
		{"control character", "aws:Source\\u0000Ip", "2012-10-17", "control character"},
		{"control character, 2008", "aws:Source\\u007fIp", "2008-10-17", "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := `{"Version":"` + tt.version + `","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"` +
				tt.key + `":"x"}}}}`
			p, err := guardrail.ParsePolicy([]byte(doc))
			require.Error(t, err, doc)
			assert.Nil(t, p)
			assert.Contains(t, err.Error(), "Condition.StringEquals.")
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	// In 2008-10-17 documents ${...} is literal text, in keys as well;
	// spaces inside a key (tag keys may have them) are accepted.
	for _, doc := range []string{
		`{"Version":"2008-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/${x}":"v"}}}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Cost Center":"v"}}}}`,
	} {
		_, err := guardrail.ParsePolicy([]byte(doc))
		assert.NoError(t, err, doc)
	}
}
