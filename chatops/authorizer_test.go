package chatops_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/commandtest"
	"github.com/opschat/opschat/guardrail"
)

const guardrailConfig = `
configurations:
  - ConfigurationName: guarded
    SlackWorkspaceId: T1
    SlackChannelId: C1
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    GuardrailPolicyDocuments:
      ReadOnly: |
        {"Version": "2012-10-17", "Statement": [
          {"Sid": "Read", "Effect": "Allow", "Action": ["ec2:Describe*", "cloudwatch:Describe*", "ssm:Get*", "lambda:Get*"], "Resource": "*"},
          {"Sid": "DenyProd", "Effect": "Deny", "Action": "*", "Resource": "*",
           "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-central-1"}}}
        ]}
  - ConfigurationName: open
    SlackWorkspaceId: T1
    SlackChannelId: C2
    IamRoleArn: arn:aws:iam::123456789012:role/ops
  - ConfigurationName: managed
    SlackWorkspaceId: T1
    SlackChannelId: C3
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    GuardrailPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
`

func authorize(t *testing.T, a chatops.Authorizer, cfg *chatops.Config, channel, text, region string) chatops.AuthResult {
	t.Helper()
	inv, err := command.Parse(text, commandtest.Catalog())
	require.NoError(t, err)
	cc, ok := cfg.Lookup(chat.Conversation{Platform: chat.PlatformSlack, WorkspaceID: "T1", ChannelID: channel})
	require.True(t, ok)
	res, err := a.Authorize(context.Background(), chatops.AuthRequest{
		Config: cc, Invocation: inv, Region: region, Time: time.Now(), RoleARN: cc.IAMRoleARN,
		Inbound: chat.Inbound{Conversation: chat.Conversation{Platform: chat.PlatformSlack, WorkspaceID: "T1", ChannelID: channel}, User: chat.User{ID: "U1"}},
	})
	require.NoError(t, err)
	return res
}

func TestGuardrailAuthorizer(t *testing.T) {
	cfg, err := chatops.LoadConfig([]byte(guardrailConfig))
	require.NoError(t, err)
	a, err := chatops.NewGuardrailAuthorizer(cfg)
	require.NoError(t, err)

	tests := []struct {
		name, channel, text, region string
		allowed                     bool
		reason                      string
	}{
		{"read allowed", "C1", "ec2 describe-instances", "us-east-1", true, ""},
		{"write not allowed", "C1", "ec2 stop-instances --instance-ids i-1", "us-east-1", false, "no statement in the guardrail policies (`ReadOnly`) allows it"},
		{"condition deny", "C1", "ec2 describe-instances", "eu-central-1", false, "denied by guardrail `ReadOnly`, statement `DenyProd`"},
		{"blocklist beats guardrail", "C1", "iam list-users", "us-east-1", false, "blocked for everyone"},
		{"ssm decryption blocked", "C1", "ssm get-parameter --name p --with-decryption", "us-east-1", false, "blocked for everyone"},
		{"ssm without decryption", "C1", "ssm get-parameter --name p", "us-east-1", true, ""},
		{"default AdministratorAccess", "C2", "ec2 stop-instances --instance-ids i-1", "us-east-1", true, ""},
		{"blocklist without guardrails", "C2", "iam list-users", "us-east-1", false, "blocked for everyone"},
		{"managed ARN without resolver", "C3", "ec2 describe-instances", "us-east-1", false, "no policy resolver"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := authorize(t, a, cfg, tt.channel, tt.text, tt.region)
			assert.Equal(t, tt.allowed, res.Allowed, res.Reason)
			if tt.reason != "" {
				assert.Contains(t, res.Reason, tt.reason)
			}
		})
	}
}

func TestGuardrailAuthorizerResolvesManagedPolicies(t *testing.T) {
	cfg, err := chatops.LoadConfig([]byte(guardrailConfig))
	require.NoError(t, err)
	fetches := 0
	resolver := guardrail.NewCachingResolver(guardrail.FetcherFunc(func(ctx context.Context, arn string) ([]byte, error) {
		fetches++
		if arn != "arn:aws:iam::aws:policy/ReadOnlyAccess" {
			return nil, guardrail.ErrPolicyNotFound
		}
		return []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*"],"Resource":"*"}]}`), nil
	}))
	a, err := chatops.NewGuardrailAuthorizer(cfg, chatops.WithPolicyResolver(resolver))
	require.NoError(t, err)
	assert.True(t, authorize(t, a, cfg, "C3", "ec2 describe-instances", "us-east-1").Allowed)
	res := authorize(t, a, cfg, "C3", "ec2 stop-instances --instance-ids i-1", "us-east-1")
	assert.False(t, res.Allowed)
	assert.Contains(t, res.Reason, "ReadOnlyAccess")
	assert.Equal(t, 1, fetches, "resolved policies are cached")

	broken, err := chatops.NewGuardrailAuthorizer(cfg, chatops.WithPolicyResolver(guardrail.NewCachingResolver(guardrail.FetcherFunc(func(context.Context, string) ([]byte, error) {
		return nil, errors.New("iam unreachable")
	}))))
	require.NoError(t, err)
	cc, _ := cfg.Lookup(chat.Conversation{Platform: chat.PlatformSlack, WorkspaceID: "T1", ChannelID: "C3"})
	inv, _ := command.Parse("ec2 describe-instances", commandtest.Catalog())
	_, err = broken.Authorize(context.Background(), chatops.AuthRequest{Config: cc, Invocation: inv})
	assert.Error(t, err, "an outage is an error, so the bot refuses")
}

func TestGuardrailAuthorizerOrgPolicy(t *testing.T) {
	cfg, err := chatops.LoadConfig([]byte(guardrailConfig))
	require.NoError(t, err)
	org, err := guardrail.ParseOrgPolicy([]byte(`{"chatbot":{"platforms":{"slack":{"client":{"@@assign":"enabled"},"workspaces":{"@@assign":["T9"]}}}}}`))
	require.NoError(t, err)
	a, err := chatops.NewGuardrailAuthorizer(cfg, chatops.WithOrgPolicy(org))
	require.NoError(t, err)
	res := authorize(t, a, cfg, "C2", "ec2 describe-instances", "us-east-1")
	assert.False(t, res.Allowed)
	assert.Contains(t, res.Reason, "administrator")
}

func TestGuardrailAuthorizerRejectsInvalidInlinePolicy(t *testing.T) {
	cfg, err := chatops.LoadConfig([]byte(`
configurations:
  - ConfigurationName: bad
    SlackWorkspaceId: T1
    SlackChannelId: C1
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    GuardrailPolicyDocuments:
      Broken: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"a":"b"}}}]}'
`))
	require.Error(t, err, "an invalid guardrail fails configuration load, with its path")
	assert.ErrorIs(t, err, chatops.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "configurations[0].GuardrailPolicyDocuments[0]")
	assert.Contains(t, err.Error(), "StringEqualz")
	assert.Nil(t, cfg)

	// A configuration built in code is checked by the authorizer too.
	hand := &chatops.Config{Configurations: []chatops.ChannelConfig{{Name: "bad", Platform: chat.PlatformSlack, WorkspaceID: "T1", ChannelID: "C1",
		IAMRoleARN: "arn:aws:iam::123456789012:role/ops", GuardrailPolicyDocuments: []chatops.NamedPolicy{{Name: "Broken", Document: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"a":"b"}}}]}`)}}}}}
	_, err = chatops.NewGuardrailAuthorizer(hand)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "configuration bad, guardrail Broken")
}

// Guardrails that AWS could not enforce as session policies fail the
// configuration closed; the executor receives the inline policy.
func TestSessionPolicies(t *testing.T) {
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[`
	for i := 0; i < 200; i++ {
		if i > 0 {
			big += ","
		}
		big += fmt.Sprintf(`"ec2:DescribeThing%03d"`, i)
	}
	big += `],"Resource":"*"}]}`
	_, err := chatops.LoadConfig([]byte("configurations:\n  - ConfigurationName: big\n    Platform: fake\n    WorkspaceId: T1\n    ChannelId: C1\n    IamRoleArn: arn:aws:iam::123456789012:role/ops\n    GuardrailPolicyDocuments:\n      Big: '" + big + "'\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "configurations[0].GuardrailPolicies")
	assert.Contains(t, err.Error(), "2048")

	h := newHarness(t)
	h.say(t, "ec2 describe-instances")
	reqs := h.exec.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, reqs[0].PolicyARNs)
	assert.Contains(t, reqs[0].SessionPolicy, `"Deny"`, "the blocklist reaches AWS as a session policy")
	assert.Contains(t, reqs[0].SessionPolicy, `iam:*`)
}

// A guardrail written as IAM means what IAM means: the command is checked
// as the IAM actions AWS checks, not as prefix:APIName.
func TestGuardrailsUseTheRealIAMActions(t *testing.T) {
	const cfgText = `
configurations:
  - ConfigurationName: deny-invoke
    SlackWorkspaceId: T1
    SlackChannelId: C1
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    GuardrailPolicyDocuments:
      NoInvoke: |
        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "*", "Resource": "*"},
          {"Sid": "DenyInvoke", "Effect": "Deny", "Action": ["lambda:InvokeFunction", "s3:GetObjectVersion", "s3:ListBucket"], "Resource": "*"}
        ]}
  - ConfigurationName: only-real
    SlackWorkspaceId: T1
    SlackChannelId: C2
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    GuardrailPolicyDocuments:
      OnlyInvoke: |
        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": ["lambda:InvokeFunction", "s3:ListBucket"], "Resource": "*"}
        ]}
`
	cfg, err := chatops.LoadConfig([]byte(cfgText))
	require.NoError(t, err)
	a, err := chatops.NewGuardrailAuthorizer(cfg)
	require.NoError(t, err)
	tests := []struct {
		channel, text string
		allowed       bool
		names         string
	}{
		{"C1", "lambda invoke --function-name checkout-api", false, "lambda:InvokeFunction"},
		{"C1", "s3api list-objects-v2 --bucket b", false, "s3:ListBucket"},
		{"C1", "s3api get-object --bucket b --key k --version-id v1", false, "s3:GetObject"}, // blocked for everyone first
		{"C1", "lambda get-function --function-name checkout-api", true, ""},
		{"C2", "lambda invoke --function-name checkout-api", true, ""},
		{"C2", "s3api list-objects-v2 --bucket b", true, ""},
		{"C2", "lambda get-function --function-name checkout-api", false, "lambda:GetFunction"},
	}
	for _, tt := range tests {
		t.Run(tt.channel+" "+tt.text, func(t *testing.T) {
			res := authorize(t, a, cfg, tt.channel, tt.text, "us-east-1")
			assert.Equal(t, tt.allowed, res.Allowed, res.Reason)
			if !tt.allowed {
				assert.Contains(t, res.Reason, tt.names, "the reply names the real action")
			}
		})
	}
}

// A credential service is refused as blocked by name even though the
// catalog has no table for it.
func TestBlockedServiceWithoutTable(t *testing.T) {
	h := newHarness(t)
	for _, svc := range []string{"kms", "secretsmanager", "sso", "sso-oidc", "sso-admin", "identitystore", "cognito-idp", "cognito-identity", "sts", "chatbot"} {
		got := h.say(t, svc+" list-things")
		assert.Contains(t, got.Message.Text, "blocked for everyone", svc)
		rec := h.lastRecord(t)
		assert.Equal(t, chatops.OutcomeDenied, rec.Outcome, svc)
		assert.Equal(t, svc, rec.Service)
	}
	got := h.say(t, "frobnicate list-things")
	assert.NotContains(t, got.Message.Text, "blocked", "an unknown service that is not a credential service is just unknown")
}

// An alias is checked at creation with every IAM action of its operation.
func TestAliasCheckedWithAllActions(t *testing.T) {
	cfg, err := chatops.LoadConfig([]byte(`
configurations:
  - ConfigurationName: c
    Platform: fake
    WorkspaceId: T1
    ChannelId: C1
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    GuardrailPolicyDocuments:
      NoVersions: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:ListBucket","Resource":"*"}]}'
`))
	require.NoError(t, err)
	authz, err := chatops.NewGuardrailAuthorizer(cfg)
	require.NoError(t, err)
	h := newHarness(t, chatops.WithConfig(cfg), chatops.WithAuthorizer(authz))
	got := h.say(t, "alias create objs s3api list-objects-v2 --bucket $b")
	assert.Equal(t, "Alias not created", got.Message.Title)
	assert.Contains(t, got.Message.Text, "s3:ListBucket")
}
