package guardrail_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/guardrail"
)

func TestParsePolicyErrors(t *testing.T) {
	t.Parallel()
	stmt := func(s string) string { return `{"Version":"2012-10-17","Statement":[` + s + `]}` }
	tests := []struct {
		name, doc string
		want      []string // substrings of the error, each "path: message"
	}{
		{"empty document", ``, []string{"empty document"}},
		{"malformed JSON", `{"Version":`, []string{"malformed JSON"}},
		{"trailing garbage", `{"Statement":[]} x`, []string{"malformed JSON"}},
		{"not an object", `[1,2]`, []string{"the policy document must be a JSON object, got an array"}},
		{"null", `null`, []string{"must be a JSON object, got null"}},
		{"unknown top-level key", `{"Version":"2012-10-17","Statment":[]}`, []string{"Statment: unknown element", "Statement: missing"}},
		{"bad version", `{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, []string{`Version: unsupported version "2012-10-18"`}},
		{"version not a string", `{"Version":2012,"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, []string{"Version: must be a string, got a number"}},
		{"empty statements", stmt(``), []string{"Statement: empty"}},
		{"statement wrong type", `{"Statement":"Allow"}`, []string{"Statement: must be an object or an array of objects, got a string"}},
		{"statement element not an object", stmt(`1`), []string{"Statement[0]: a statement must be a JSON object, got a number"}},
		{"unknown statement key", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Actions":"x"}`), []string{"Statement[0].Actions: unknown element"}},
		{"principal", stmt(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`), []string{"Statement[0].Principal: not allowed"}},
		{"missing effect", stmt(`{"Action":"*","Resource":"*"}`), []string{"Statement[0].Effect: missing"}},
		{"effect wrong case", stmt(`{"Effect":"allow","Action":"*","Resource":"*"}`), []string{`Statement[0].Effect: invalid value "allow"`}},
		{"effect wrong type", stmt(`{"Effect":true,"Action":"*","Resource":"*"}`), []string{"Statement[0].Effect: must be a string, got a boolean"}},
		{"action and notaction", stmt(`{"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"}`), []string{"Statement[0]: has both Action and NotAction"}},
		{"missing action", stmt(`{"Effect":"Allow","Resource":"*"}`), []string{"Statement[0]: missing Action (or NotAction)"}},
		{"missing resource", stmt(`{"Effect":"Allow","Action":"*"}`), []string{"Statement[0]: missing Resource (or NotResource)"}},
		{"action wrong type", stmt(`{"Effect":"Allow","Action":5,"Resource":"*"}`), []string{"Statement[0].Action: must be a string or an array of strings, got a number"}},
		{"action array element wrong type", stmt(`{"Effect":"Allow","Action":["ec2:X",{}],"Resource":"*"}`), []string{"Statement[0].Action[1]: must be a string, got an object"}},
		{"action empty array", stmt(`{"Effect":"Allow","Action":[],"Resource":"*"}`), []string{"Statement[0].Action: empty array"}},
		{"invalid action", stmt(`{"Effect":"Allow","Action":["ec2:X","ec2"],"Resource":"*"}`), []string{`Statement[0].Action[1]: invalid action "ec2"`}},
		{"action with two colons", stmt(`{"Effect":"Allow","Action":"a:b:c","Resource":"*"}`), []string{`invalid action "a:b:c"`}},
		{"empty resource", stmt(`{"Effect":"Allow","Action":"*","Resource":""}`), []string{"Statement[0].Resource[0]: empty resource"}},
		{"second statement", stmt(`{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"k":"v"}}}`), []string{"Statement[1].Condition.StringEqualz: unknown operator"}},
		{"single statement path", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Nope":{"k":"v"}}}}`, []string{"Statement.Condition.Nope: unknown operator"}},
		{"unknown qualifier", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForSomeValues:StringEquals":{"k":"v"}}}`), []string{"ForSomeValues:StringEquals: unknown operator"}},
		{"Null with qualifier", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAllValues:Null":{"k":"true"}}}`), []string{"ForAllValues:Null: unknown operator"}},
		{"NullIfExists", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NullIfExists":{"k":"true"}}}`), []string{"NullIfExists: unknown operator"}},
		{"condition not an object", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":[]}`), []string{"Statement[0].Condition: Condition must be a JSON object, got an array"}},
		{"empty condition", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}`), []string{"Statement[0].Condition: empty Condition block"}},
		{"operator value not object", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":"x"}}`), []string{"Condition.StringEquals: an operator's value must be a JSON object, got a string"}},
		{"no condition key", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{}}}`), []string{"Condition.StringEquals: no condition key"}},
		{"condition value null", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":null}}}`), []string{"Condition.StringEquals.k: must be a string, number, boolean or an array of them, got null"}},
		{"condition value object in array", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":["a",{}]}}}`), []string{"Condition.StringEquals.k[1]: must be a string, number or boolean"}},
		{"condition empty array", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":[]}}}`), []string{"Condition.StringEquals.k: empty array of values"}},
		{"numeric not a number", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"n":["1","ten"]}}}`), []string{`Condition.NumericLessThan.n[1]: not a number: "ten"`}},
		{"numeric NaN", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericEquals":{"n":"NaN"}}}`), []string{`not a number: "NaN"`}},
		{"bad date", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"t":"soon"}}}`), []string{`Condition.DateLessThan.t[0]: not a date: "soon"`}},
		{"bad bool", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"b":"yes"}}}`), []string{`Condition.Bool.b[0]: not a boolean: "yes"`}},
		{"bad null value", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"b":1}}}`), []string{`Condition.Null.b[0]: not a boolean: "1"`}},
		{"bad ip", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}`), []string{`Condition.IpAddress.aws:SourceIp[0]: not an IP address or CIDR`}},
		{"bad base64", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"BinaryEquals":{"k":"@@"}}}`), []string{`Condition.BinaryEquals.k[0]: not base64`}},
		{"duplicate sid", stmt(`{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"}`), []string{`Statement[1].Sid: duplicate Sid "A"`}},
		{"sid wrong type", stmt(`{"Sid":1,"Effect":"Allow","Action":"*","Resource":"*"}`), []string{"Statement[0].Sid: must be a string"}},
		{"duplicate effect", stmt(`{"Effect":"Deny","Action":"*","Resource":"*","Effect":"Allow"}`), []string{`Statement[0].Effect: duplicate key (JSON would keep only the last "Effect")`}},
		{"duplicate statement", `{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"},"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, []string{"Statement: duplicate key"}},
		{"duplicate condition key", stmt(`{"Effect":"Deny","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":"a","k":"b"}}}`), []string{"Statement[1].Condition.StringEquals.k: duplicate key"}},
		{"duplicate key in nested arrays", stmt(`{"Effect":"Allow","Action":["a:b"],"Resource":"*","Condition":{"StringEquals":{"k":["x"]},"Bool":{"b":[true],"b":[false]}}}`), []string{"Statement[0].Condition.Bool.b: duplicate key"}},
		{"every problem is reported", stmt(`{"Effect":"Permit","Action":"ec2","Resource":"*"},{"Effect":"Allow","Action":"*"}`), []string{"Statement[0].Effect", "Statement[0].Action[0]", "Statement[1]: missing Resource"}},
	}
	allow := guardrail.Request{Action: "ec2:DescribeInstances", Resource: "*", Context: ctxMap{"k": {"v"}}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := guardrail.ParseNamedPolicy("Bad", []byte(tc.doc))
			require.Error(t, err)
			assert.Nil(t, p)
			assert.ErrorIs(t, err, guardrail.ErrInvalidPolicy)
			var pe *guardrail.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "Bad", pe.Policy)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			// Never an Allow from a bad document.
			assert.Equal(t, guardrail.ImplicitDeny, guardrail.Evaluate(allow, layer(p)))
		})
	}
}

func TestParsePolicyAccepts(t *testing.T) {
	t.Parallel()
	p, err := guardrail.ParsePolicy([]byte(`{
		"Version": "2012-10-17",
		"Id": "ReadOnlyGuardrail",
		"Statement": [
			{"Sid": "Read", "Effect": "Allow", "Action": ["ec2:Describe*", "s3:List*"], "Resource": "*"},
			{"Effect": "Deny", "NotAction": "ec2:*", "NotResource": ["arn:aws:s3:::a", "arn:aws:s3:::b/*"],
			 "Condition": {"NumericLessThan": {"n": [1, 2.5, "3"]}, "Bool": {"b": true}, "DateGreaterThan": {"t": 1700000000}}}
		]}`))
	require.NoError(t, err)
	assert.Equal(t, "ReadOnlyGuardrail", p.Name(), "Id is the default name")
	assert.Equal(t, "2012-10-17", p.Version())
	require.Len(t, p.Statements(), 2)
	assert.Equal(t, "Read", p.Statements()[0].Label())
	assert.Equal(t, "#1", p.Statements()[1].Label())
	assert.Equal(t, guardrail.EffectDeny, p.Statements()[1].Effect)
	assert.Equal(t, "Deny", p.Statements()[1].Effect.String())

	named := p.WithName("Guard")
	assert.Equal(t, "Guard", named.Name())
	assert.Equal(t, "ReadOnlyGuardrail", p.Name(), "WithName does not modify the original")

	// No Version: 2008 semantics, still valid.
	p, err = guardrail.ParsePolicy([]byte(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`))
	require.NoError(t, err)
	assert.Equal(t, "", p.Version())
}

func TestParseErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := guardrail.ParsePolicy([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"k":"v"}}}]}`))
	require.Error(t, err)
	assert.Equal(t, "guardrail: policy: Statement[1].Condition.StringEqualz: unknown operator", err.Error())
	var pe *guardrail.ParseError
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "Statement[1].Condition.StringEqualz", pe.Path)
}

func TestCommandContext(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 24, 21, 0, 0, 0, time.FixedZone("CET", 3600))
	c := guardrail.CommandContext{
		Region: "eu-west-1", Time: at, Platform: "slack", WorkspaceID: "T01", ChannelID: "C01",
		UserID: "U01", ConfigurationName: "ops", WithDecryption: true,
		Extra: ctxMap{"aws:username": {"alice"}, guardrail.KeyChannelID: {"spoofed"}},
	}
	assert.Equal(t, ctxMap{
		"aws:RequestedRegion":       {"eu-west-1"},
		"aws:CurrentTime":           {"2026-11-24T20:00:00Z"},
		"aws:EpochTime":             {"1795550400"},
		"aws:SecureTransport":       {"true"},
		"chatops:Platform":          {"slack"},
		"chatops:WorkspaceId":       {"T01"},
		"chatops:ChannelId":         {"C01"},
		"chatops:UserId":            {"U01"},
		"chatops:ConfigurationName": {"ops"},
		"chatops:WithDecryption":    {"true"},
		"aws:username":              {"alice"},
	}, c.Map())

	// Empty fields are absent so Null and IfExists see them as such.
	m := guardrail.CommandContext{Time: at, InsecureTransport: true}.Map()
	assert.NotContains(t, m, guardrail.KeyRequestedRegion)
	assert.NotContains(t, m, guardrail.KeyChannelID)
	assert.Equal(t, []string{"false"}, m[guardrail.KeySecureTransport])
	assert.Equal(t, []string{"false"}, m[guardrail.KeyWithDecryption])

	// Zero time means now.
	m = guardrail.CommandContext{}.Map()
	ts, err := time.Parse(time.RFC3339, m[guardrail.KeyCurrentTime][0])
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now(), ts, time.Hour)

	req := guardrail.CommandRequest("ec2:StopInstances", "", c)
	assert.Equal(t, guardrail.UnknownResource, req.Resource)
	assert.Equal(t, "ec2:StopInstances", req.Action)

	// A channel-aware guardrail over the built context.
	onCall := mustParse(t, "OnCallOnly", `{"Version":"2012-10-17","Statement":{
		"Sid":"TerminateOnlyFromOnCall","Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*",
		"Condition":{"StringNotEquals":{"chatops:ChannelId":"C0ONCALL"}}}}`)
	admin := mustParse(t, "Admin", adminDoc)
	assert.Equal(t, guardrail.ExplicitDeny, guardrail.Evaluate(guardrail.CommandRequest("ec2:TerminateInstances", "", c), layer(admin, onCall)))
	c.ChannelID = "C0ONCALL"
	assert.Equal(t, guardrail.Allow, guardrail.Evaluate(guardrail.CommandRequest("ec2:TerminateInstances", "", c), layer(admin, onCall)))
}
