package guardrail_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/guardrail"
)

// The bot passes chat.Platform ("teams") as CommandContext.Platform, while
// KeyPlatform is documented (and the organization chat policy is written)
// with "microsoft_teams". A Deny guardrail written as documented must apply
// to Teams commands.
func TestCommandContextTeamsPlatformName(t *testing.T) {
	t.Parallel()
	deny := mustParse(t, "NoTeamsStops", `{"Version":"2012-10-17","Statement":{
		"Sid":"DenyFromTeams","Effect":"Deny","Action":"ec2:StopInstances","Resource":"*",
		"Condition":{"StringEquals":{"chatops:Platform":"microsoft_teams"}}}}`)
	admin := mustParse(t, "Admin", adminDoc)
	for _, platform := range []string{"teams", "microsoft_teams"} {
		req := guardrail.CommandRequest("ec2:StopInstances", "", guardrail.CommandContext{Platform: platform})
		assert.Equal(t, []string{guardrail.PlatformTeams}, req.Context[guardrail.KeyPlatform], platform)
		assert.Equal(t, guardrail.ExplicitDeny, guardrail.Evaluate(req, layer(admin, deny)), platform)
	}
	req := guardrail.CommandRequest("ec2:StopInstances", "", guardrail.CommandContext{Platform: "slack"})
	assert.Equal(t, guardrail.Allow, guardrail.Evaluate(req, layer(admin, deny)))
}

// Extra keys never override the built keys, whatever their spelling:
// condition key names are case-insensitive, so a differently-cased Extra key
// would otherwise be found by a policy that spells the key that way.
func TestCommandContextExtraCannotShadowBuiltKeys(t *testing.T) {
	t.Parallel()
	c := guardrail.CommandContext{ChannelID: "C01", Extra: map[string][]string{
		"CHATOPS:CHANNELID":      {"C0ONCALL"},
		"chatops:withdecryption": {"false"},
		"aws:username":           {"alice"},
	}}
	onCall := mustParse(t, "OnCallOnly", `{"Version":"2012-10-17","Statement":{
		"Sid":"TerminateOnlyFromOnCall","Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*",
		"Condition":{"StringNotEquals":{"chatops:channelid":"C0ONCALL"}}}}`)
	admin := mustParse(t, "Admin", adminDoc)
	for i := 0; i < 20; i++ { // map order is random: try several times
		req := guardrail.CommandRequest("ec2:TerminateInstances", "", c)
		require.Equal(t, guardrail.ExplicitDeny, guardrail.Evaluate(req, layer(admin, onCall)))
		m := c.Map()
		assert.NotContains(t, m, "CHATOPS:CHANNELID")
		assert.NotContains(t, m, "chatops:withdecryption")
		assert.Equal(t, []string{"alice"}, m["aws:username"])
	}
	c.WithDecryption = true
	_, err := guardrail.Authorize(guardrail.CommandRequest("ssm:GetParameter", "", c),
		guardrail.Layer{Name: "guardrail", Policies: layer(admin)})
	require.ErrorIs(t, err, guardrail.ErrDenied)
}

// The SSM decryption block fails closed on a multi-valued key: any value
// other than "false" means decryption may be asked for.
func TestBlocklistSSMDecryptionMultiValued(t *testing.T) {
	t.Parallel()
	admin := guardrail.Layer{Name: "guardrail", Policies: layer(mustParse(t, "Admin", adminDoc))}
	for _, vals := range [][]string{{"false", "true"}, {"true", "false"}, {"false", ""}} {
		req := guardrail.Request{Action: "ssm:GetParameter", Resource: "*",
			Context: map[string][]string{guardrail.KeyWithDecryption: vals}}
		e, err := guardrail.Authorize(req, admin)
		require.ErrorIs(t, err, guardrail.ErrDenied, "%q", vals)
		assert.True(t, e.Builtin)
		_, blocked := guardrail.Blocked(req)
		assert.True(t, blocked, "%q", vals)
	}
	req := guardrail.Request{Action: "ssm:GetParameter", Resource: "*",
		Context: map[string][]string{guardrail.KeyWithDecryption: {"false", "FALSE"}}}
	_, err := guardrail.Authorize(req, admin)
	require.NoError(t, err)
}

// Authorize refuses requests whose action is not one IAM action: an empty
// action, a wildcard, or text that is not "service:Operation" would otherwise
// slip past the blocklist and be allowed by an Allow "*".
func TestAuthorizeMalformedActionFailsClosed(t *testing.T) {
	t.Parallel()
	admin := guardrail.Layer{Name: "guardrail", Policies: layer(mustParse(t, "Admin", adminDoc))}
	for _, action := range []string{"", "*", "iam", "iam:", ":ListUsers", "iam:List*", "s3:Get?bject", "*:*",
		" iam:ListUsers", "iam:ListUsers ", "iam :ListUsers", "s3:GetObject\n", "a:b:c"} {
		e, err := guardrail.Authorize(guardrail.Request{Action: action, Resource: "*"}, admin)
		require.ErrorIs(t, err, guardrail.ErrDenied, "%q", action)
		assert.NotEqual(t, guardrail.Allow, e.Decision, "%q", action)
		assert.NotEmpty(t, e.String())
	}
	_, err := guardrail.Authorize(guardrail.Request{Action: "ec2:DescribeInstances", Resource: "*"}, admin)
	require.NoError(t, err)
}

// A Fetcher that panics must not leave its ARN "in flight" for ever: the
// panic reaches the caller, and later resolutions fetch again instead of
// waiting for a fetch that will never finish.
func TestCachingResolverFetcherPanic(t *testing.T) {
	t.Parallel()
	var calls int
	r := guardrail.NewCachingResolver(guardrail.FetcherFunc(func(ctx context.Context, arn string) ([]byte, error) {
		calls++
		if calls == 1 {
			panic("fetcher bug")
		}
		return []byte(adminDoc), nil
	}))
	assert.Panics(t, func() { _, _ = r.ResolvePolicy(context.Background(), roARN) })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := r.ResolvePolicy(ctx, roARN)
	require.NoError(t, err)
	assert.NotNil(t, p)
	assert.Equal(t, 2, calls)
}

// An action with spaces or control characters can never match a request,
// so a Deny written with one would silently not apply: refuse it.
func TestParsePolicyRejectsActionWithSpaces(t *testing.T) {
	t.Parallel()
	for _, a := range []string{" ec2:TerminateInstances", "ec2:TerminateInstances ", "ec2: TerminateInstances", "ec2:Terminate\tInstances"} {
		doc := `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":` + strconv.Quote(a) + `,"Resource":"*"}}`
		p, err := guardrail.ParsePolicy([]byte(doc))
		require.ErrorIs(t, err, guardrail.ErrInvalidPolicy, "%q", a)
		assert.Contains(t, err.Error(), "Statement.Action[0]")
		assert.Nil(t, p)
	}
}
