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

// referenceDecide is the definition DecideActions must follow: each action
// decided on its own by Authorize; the lowest-indexed explicit deny, else
// the lowest-indexed action not allowed.
func referenceDecide(actions []string, ctx map[string][]string, layers []guardrail.Layer) (guardrail.Decision, int) {
	if len(actions) == 0 {
		return guardrail.ExplicitDeny, -1
	}
	implicit := -1
	for i, a := range actions {
		exp, _ := guardrail.Authorize(guardrail.Request{Action: a, Resource: "", Context: ctx}, layers...)
		switch exp.Decision {
		case guardrail.ExplicitDeny:
			return guardrail.ExplicitDeny, i
		case guardrail.ImplicitDeny:
			if implicit < 0 {
				implicit = i
			}
		}
	}
	if implicit >= 0 {
		return guardrail.ImplicitDeny, implicit
	}
	return guardrail.Allow, -1
}

// TestDecideActionsMatchesPerActionDecisions compares the one-pass decision
// with per-action Authorize over every list of up to three actions from a
// pool covering each outcome, with several layer sets, and over a list long
// enough to take the per-action path.
func TestDecideActionsMatchesPerActionDecisions(t *testing.T) {
	t.Parallel()
	pool := []string{"s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject", "s3:GetObject", "ec2:DescribeVpcs",
		"iam:ListUsers", "ssm:GetParameter", "bad", "s3:GetObjectTagging"}
	base := actionLayers(t)
	denyOnly := mustParse(t, "OrgDeny", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:Delete*","Resource":"*"}}`)
	layerSets := map[string][]guardrail.Layer{
		"none":      nil,
		"role+copy": base,
		"with deny-only org layer": append(append([]guardrail.Layer(nil), base...),
			guardrail.Layer{Name: "organization", Policies: []*guardrail.Policy{denyOnly}, DenyOnly: true}),
		"nil policy": {{Name: "guardrail", Policies: []*guardrail.Policy{nil}}},
	}
	contexts := []map[string][]string{
		guardrail.CommandContext{ChannelID: "C0GENERAL"}.Map(),
		guardrail.CommandContext{ChannelID: "C0ONCALL", WithDecryption: false}.Map(),
	}
	var lists [][]string
	for _, a := range pool {
		lists = append(lists, []string{a})
		for _, b := range pool {
			lists = append(lists, []string{a, b})
			for _, c := range pool {
				lists = append(lists, []string{a, b, c})
			}
		}
	}
	long := make([]string, 0, 70)
	for len(long) < 69 {
		long = append(long, "s3:PutObject")
	}
	lists = append(lists, append(long, "s3:DeleteObject"), long[:64], append(long[:63:63], "s3:GetObject"))
	for name, layers := range layerSets {
		for _, ctx := range contexts {
			for _, list := range lists {
				wd, wi := referenceDecide(list, ctx, layers)
				gd, gi := guardrail.DecideActions(list, "", ctx, layers...)
				if wd != gd || wi != gi {
					t.Fatalf("%s %v: got %v at %d, want %v at %d", name, list, gd, gi, wd, wi)
				}
			}
		}
	}
}
