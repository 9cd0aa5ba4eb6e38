package guardrail_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/guardrail"
)

func actionLayers(t testing.TB) []guardrail.Layer {
	t.Helper()
	role := mustParse(t, "OpsRole", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`)
	copyGuard := mustParse(t, "S3Copy", `{"Version":"2012-10-17","Statement":[
		{"Sid":"ReadWrite","Effect":"Allow","Action":["s3:PutObject","s3:GetObjectTagging","s3:PutObjectTagging","ec2:Describe*"],"Resource":"*"},
		{"Sid":"NoTagWrites","Effect":"Deny","Action":"s3:PutObjectTagging","Resource":"*","Condition":{"StringNotEquals":{"chatops:ChannelId":"C0ONCALL"}}}
	]}`)
	return []guardrail.Layer{
		{Name: "role", Policies: []*guardrail.Policy{role}},
		{Name: "guardrail", Policies: []*guardrail.Policy{copyGuard}},
	}
}

func TestAuthorizeActions(t *testing.T) {
	t.Parallel()
	layers := actionLayers(t)
	general := guardrail.CommandContext{Platform: "slack", ChannelID: "C0GENERAL"}.Map()
	onCall := guardrail.CommandContext{Platform: "slack", ChannelID: "C0ONCALL"}.Map()
	tests := []struct {
		name     string
		actions  []string
		ctx      map[string][]string
		decision guardrail.Decision
		at       int // index of the deciding action, -1 for none
		text     string
	}{
		{name: "one action allowed", actions: []string{"s3:PutObject"}, ctx: general, decision: guardrail.Allow, at: -1,
			text: "`s3:PutObject` is allowed by role `OpsRole`, statement `#0` and guardrail `S3Copy`, statement `ReadWrite`"},
		{name: "all allowed", actions: []string{"s3:GetObjectTagging", "s3:PutObjectTagging"}, ctx: onCall, decision: guardrail.Allow, at: -1,
			text: "`s3:GetObjectTagging`, `s3:PutObjectTagging` are allowed by role `OpsRole`, statement `#0` and guardrail `S3Copy`, statement `ReadWrite`"},
		{name: "second denied by guardrail", actions: []string{"s3:GetObjectTagging", "s3:PutObjectTagging"}, ctx: general, decision: guardrail.ExplicitDeny, at: 1,
			text: "this command needs `s3:GetObjectTagging` and `s3:PutObjectTagging`; `s3:PutObjectTagging` denied by guardrail `S3Copy`, statement `NoTagWrites`"},
		{name: "first blocked for everyone", actions: []string{"s3:GetObject", "s3:PutObject"}, ctx: onCall, decision: guardrail.ExplicitDeny, at: 0,
			text: "this command needs `s3:GetObject` and `s3:PutObject`; `s3:GetObject` is blocked for everyone by the built-in blocklist (statement `BlockSecretReadingActions`): this operation can return secrets, credentials or data contents into the channel, so it is never run from chat"},
		{name: "implicit deny names the action not allowed", actions: []string{"s3:PutObject", "s3:DeleteObject", "ec2:DescribeVpcs"}, ctx: onCall, decision: guardrail.ImplicitDeny, at: 1,
			text: "this command needs `s3:PutObject`, `s3:DeleteObject` and `ec2:DescribeVpcs`; `s3:DeleteObject` is not allowed: no statement in the guardrail policies (`S3Copy`) allows it (the resource is not known in advance, so only statements with Resource \"*\" can allow it)"},
		{name: "explicit deny wins over an earlier implicit deny", actions: []string{"s3:DeleteObject", "s3:PutObjectTagging"}, ctx: general, decision: guardrail.ExplicitDeny, at: 1,
			text: "this command needs `s3:DeleteObject` and `s3:PutObjectTagging`; `s3:PutObjectTagging` denied by guardrail `S3Copy`, statement `NoTagWrites`"},
		{name: "invalid action among valid ones", actions: []string{"s3:PutObject", "s3:*"}, ctx: onCall, decision: guardrail.ExplicitDeny, at: 1,
			text: "this command needs `s3:PutObject` and `s3:*`; `s3:*` is blocked for everyone by the built-in blocklist (statement `InvalidAction`): the action is not a single IAM action (service:Operation, no wildcards), so it cannot be checked against the blocklist"},
		{name: "no actions", actions: nil, ctx: onCall, decision: guardrail.ExplicitDeny, at: -1,
			text: "`(no action)` is blocked for everyone by the built-in blocklist (statement `InvalidAction`): the action is not a single IAM action (service:Operation, no wildcards), so it cannot be checked against the blocklist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, at := guardrail.DecideActions(tt.actions, "", tt.ctx, layers...)
			assert.Equal(t, tt.decision, d)
			assert.Equal(t, tt.at, at)
			exp, err := guardrail.AuthorizeActions(tt.actions, "", tt.ctx, layers...)
			assert.Equal(t, tt.decision, exp.Decision)
			assert.Equal(t, tt.text, exp.String())
			if tt.decision == guardrail.Allow {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, guardrail.ErrDenied))
			if tt.at >= 0 {
				assert.Equal(t, tt.actions[tt.at], exp.Action)
			}
		})
	}
}

// TestAuthorizeActionsOneActionIsAuthorize: with one action the decision
// and explanation are Authorize's, for every kind of outcome.
func TestAuthorizeActionsOneActionIsAuthorize(t *testing.T) {
	t.Parallel()
	layers := actionLayers(t)
	cc := guardrail.CommandContext{Platform: "slack", ChannelID: "C0GENERAL", WithDecryption: true}
	for _, a := range []string{"s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject", "iam:ListUsers", "ssm:GetParameter", "ec2:DescribeVpcs", "bad action"} {
		req := guardrail.CommandRequest(a, "", cc)
		want, wantErr := guardrail.Authorize(req, layers...)
		got, gotErr := guardrail.AuthorizeActions([]string{a}, req.Resource, req.Context, layers...)
		assert.Equal(t, want, got, a)
		assert.Equal(t, wantErr, gotErr, a)
	}
}

func ExampleAuthorizeActions() {
	role, _ := guardrail.ParseNamedPolicy("OpsRole", []byte(`{"Version": "2012-10-17",
		"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}`))
	guard, _ := guardrail.ParseNamedPolicy("Backups", []byte(`{"Version": "2012-10-17",
		"Statement": [
			{"Sid": "Write", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObjectTagging", "s3:PutObjectTagging"], "Resource": "*"},
			{"Sid": "NoTagChanges", "Effect": "Deny", "Action": "s3:PutObjectTagging", "Resource": "*"}
		]}`))
	layers := []guardrail.Layer{
		{Name: "role", Policies: []*guardrail.Policy{role}},
		{Name: "guardrail", Policies: []*guardrail.Policy{guard}},
	}
	// The request context is built once per command.
	rc := guardrail.CommandContext{Region: "eu-west-1", Platform: "slack", ChannelID: "C01"}.Map()
	for _, actions := range [][]string{
		{"s3:PutObject"},
		{"s3:GetObjectTagging", "s3:PutObjectTagging"}, // e.g. copying an object's tags
	} {
		exp, err := guardrail.AuthorizeActions(actions, "", rc, layers...)
		fmt.Println(err == nil, exp)
	}
	// Output:
	// true `s3:PutObject` is allowed by role `OpsRole`, statement `#0` and guardrail `Backups`, statement `Write`
	// false this command needs `s3:GetObjectTagging` and `s3:PutObjectTagging`; `s3:PutObjectTagging` denied by guardrail `Backups`, statement `NoTagChanges`
}
