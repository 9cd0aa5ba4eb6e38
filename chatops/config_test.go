package chatops_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
)

func TestLoadConfigValidYAML(t *testing.T) {
	cfg, err := chatops.LoadConfigFile("testdata/valid.yaml")
	require.NoError(t, err)
	require.Len(t, cfg.Configurations, 3)

	slack := cfg.Configurations[0]
	assert.Equal(t, "prod-alerts", slack.Name)
	assert.Equal(t, chat.PlatformSlack, slack.Platform)
	assert.Equal(t, "T012AB3CD", slack.WorkspaceID)
	assert.Equal(t, "C012AB3CD", slack.ChannelID)
	assert.Equal(t, []string{"arn:aws:sns:us-east-1:123456789012:alarms", "arn:aws:sns:eu-west-1:123456789012:alarms"}, slack.SNSTopicARNs)
	assert.Equal(t, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, slack.GuardrailPolicyARNs)
	assert.Equal(t, chatops.LoggingInfo, slack.LoggingLevel)
	assert.Equal(t, "us-east-1", slack.DefaultRegion)
	assert.Equal(t, map[string]string{"team": "sre"}, slack.Tags)

	teams := cfg.Configurations[1]
	assert.Equal(t, chat.PlatformTeams, teams.Platform)
	assert.Equal(t, "19:4f7b5c1d2e3f4a5b6c7d8e9f0a1b2c3d@thread.tacv2", teams.ChannelID, "URL-encoded channel IDs are decoded")
	assert.True(t, teams.UserRoleRequired)
	assert.Equal(t, map[string]string{"team": "ops"}, teams.Tags, "CloudFormation's [{Key, Value}] tags")
	assert.Equal(t, chatops.LoggingNone, teams.LoggingLevel, "default logging level")

	chime := cfg.Configurations[2]
	assert.Equal(t, chat.PlatformChime, chime.Platform)
	assert.NotContains(t, chime.String(), "secrettoken123", "String never shows the webhook token")

	require.Len(t, cfg.CustomActions, 1)
	assert.Equal(t, "cloudwatch describe-alarms --alarm-names $AlarmName", cfg.CustomActions[0].CommandText)
	assert.Equal(t, "HAS_VALUE", cfg.CustomActions[0].Attachments[0].Criteria[0].Operator)
}

func TestLoadConfigCloudFormationTemplateJSON(t *testing.T) {
	cfg, err := chatops.LoadConfigFile("testdata/template.json")
	require.NoError(t, err)
	require.Len(t, cfg.Configurations, 1, "other resource types are ignored")
	c := cfg.Configurations[0]
	assert.Equal(t, "from-cfn", c.Name)
	assert.True(t, c.UserRoleRequired, `CloudFormation's "true" string`)
	assert.Equal(t, chatops.LoggingError, c.LoggingLevel)
	require.Len(t, cfg.CustomActions, 1)
	assert.Equal(t, "restart", cfg.CustomActions[0].AliasName)
}

func TestLoadConfigSingleObjectJSON(t *testing.T) {
	cfg, err := chatops.LoadConfig([]byte(`{"ConfigurationName":"one","SlackWorkspaceId":"T1","SlackChannelId":"C1","IamRoleArn":"arn:aws-us-gov:iam::123456789012:role/r"}`))
	require.NoError(t, err)
	require.Len(t, cfg.Configurations, 1)
	assert.Equal(t, "one", cfg.Configurations[0].Name)
}

func TestLoadConfigReportsEveryProblemWithItsPath(t *testing.T) {
	_, err := chatops.LoadConfigFile("testdata/invalid.yaml")
	require.Error(t, err)
	assert.ErrorIs(t, err, chatops.ErrInvalidConfig)
	msg := err.Error()
	for _, want := range []string{
		"configurations[0].UserRoleRequird: unknown field for slack; did you mean \"UserRoleRequired\"?",
		"configurations[0].SnsTopicArns: expected a list of strings, got a single string",
		"configurations[1].WebhookUrl: not a field of slack configurations",
		"configurations[2].UserRoleRequired: expected true or false",
		"configurations[5]: expected an object, got the number 42",
	} {
		assert.Contains(t, msg, want)
	}
	// Type errors stop validation of the values; fix them and the
	// pattern checks report the rest, all at once.
	fixed := strings.NewReplacer(
		"    UserRoleRequird: true\n", "",
		"SnsTopicArns: arn:aws:sns:us-east-1:123456789012:alarms", "SnsTopicArns: [arn:aws:sns:us-east-1:123456789012:alarms]",
		"    WebhookUrl: https://example.com\n", "",
		"UserRoleRequired: maybe", "UserRoleRequired: false",
		"  - 42\n", "",
	)
	data, rerr := os.ReadFile("testdata/invalid.yaml")
	require.NoError(t, rerr)
	_, err = chatops.LoadConfig([]byte(fixed.Replace(string(data))))
	require.Error(t, err)
	msg = err.Error()
	for _, want := range []string{
		`configurations[0].ConfigurationName: must be 1-128 characters`,
		`configurations[0].SlackWorkspaceId: not a Slack workspace ID`,
		`configurations[0].SlackChannelId: not a Slack channel ID`,
		`configurations[0].IamRoleArn: not an IAM role ARN`,
		`configurations[0].GuardrailPolicies[0]: not an IAM policy ARN`,
		`configurations[0].GuardrailPolicies[1]: service-role policies cannot be guardrails`,
		`configurations[0].LoggingLevel: must be ERROR, INFO or NONE, got "DEBUG"`,
		`configurations[2].ConfigurationName: "dup" is already used by configurations[1]`,
		`configurations[2]: channel C1 is already configured for account 123456789012 by configurations[1]`,
		`configurations[3].WebhookUrl: not a Chime incoming-webhook URL`,
		`configurations[3].WebhookDescription: required`,
		`configurations[4].TeamsTenantId: not a tenant ID`,
		`configurations[4].TeamId: not a team ID`,
		`configurations[4].TeamsChannelId: not a Teams channel ID`,
	} {
		assert.Contains(t, msg, want)
	}
	assert.NotContains(t, msg, "leakedtoken", "errors never echo a webhook URL")
	var joined interface{ Unwrap() []error }
	require.True(t, errors.As(err, &joined))
	assert.Len(t, joined.Unwrap(), 14)
}

func TestLoadConfigMalformedDocuments(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"empty", "", "(document): empty configuration"},
		{"whitespace", "  \n\t", "(document): empty configuration"},
		{"not yaml", "configurations: [", "(document): not valid YAML or JSON"},
		{"scalar", "42", "(document): expected an object"},
		{"list root", "- a\n- b", "(document): expected an object"},
		{"configurations not a list", "configurations: {a: 1}", "configurations: expected a list"},
		{"unknown top key", "configurations: []\nconfigurationz: []", `configurationz: unknown top-level key; did you mean "configurations"?`},
		{"no platform", "configurations: [{ConfigurationName: x}]", "configurations[0]: cannot tell the platform"},
		{"unknown type", "configurations: [{Type: AWS::Chatbot::SlackChannelConfig, Properties: {}}]", `configurations[0].Type: unknown type "AWS::Chatbot::SlackChannelConfig"; did you mean "AWS::Chatbot::SlackChannelConfiguration"?`},
		{"properties missing", "configurations: [{Type: AWS::Chatbot::SlackChannelConfiguration}]", "configurations[0].Properties: expected an object"},
		{"required fields", "configurations: [{SlackChannelId: C1}]", "configurations[0].ConfigurationName: required"},
		{"resources wrong type", "Resources: [1]", "Resources: expected an object"},
		{"bad custom action", "customActions: [{ActionName: 'a b', Definition: {CommandText: ''}, Attachments: [{ButtonText: '', Criteria: [{Operator: LIKE}]}]}]", "customActions[0].ActionName: must be 1-64 characters"},
		{"tags wrong type", "configurations: [{ConfigurationName: a, SlackWorkspaceId: T1, SlackChannelId: C1, IamRoleArn: 'arn:aws:iam::123456789012:role/r', Tags: 3}]", "configurations[0].Tags: expected a map or a list"},
		{"inline policy not json", "configurations: [{ConfigurationName: a, SlackWorkspaceId: T1, SlackChannelId: C1, IamRoleArn: 'arn:aws:iam::123456789012:role/r', GuardrailPolicyDocuments: {p: '{'}}]", "configurations[0].GuardrailPolicyDocuments.p: not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := chatops.LoadConfig([]byte(tt.doc))
			require.Error(t, err)
			assert.ErrorIs(t, err, chatops.ErrInvalidConfig)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestLookup(t *testing.T) {
	cfg, err := chatops.LoadConfig([]byte(`
configurations:
  - {ConfigurationName: a, SlackWorkspaceId: T1, SlackChannelId: C1, IamRoleArn: "arn:aws:iam::123456789012:role/r"}
  - {ConfigurationName: dm, SlackWorkspaceId: T1, SlackChannelId: C2, IamRoleArn: "arn:aws:iam::123456789012:role/r", DirectMessages: true}
`))
	require.NoError(t, err)
	c, ok := cfg.Lookup(chat.Conversation{Platform: chat.PlatformSlack, WorkspaceID: "T1", ChannelID: "C1"})
	require.True(t, ok)
	assert.Equal(t, "a", c.Name)
	_, ok = cfg.Lookup(chat.Conversation{Platform: chat.PlatformSlack, WorkspaceID: "T2", ChannelID: "C1"})
	assert.False(t, ok, "another workspace's channel with the same ID")
	_, ok = cfg.Lookup(chat.Conversation{Platform: chat.PlatformTeams, WorkspaceID: "T1", ChannelID: "C1"})
	assert.False(t, ok, "another platform")
	c, ok = cfg.Lookup(chat.Conversation{Platform: chat.PlatformSlack, WorkspaceID: "T1", ChannelID: "D9", Type: chat.ConversationDirect})
	require.True(t, ok)
	assert.Equal(t, "dm", c.Name)
}

func FuzzLoadConfig(f *testing.F) {
	for _, name := range []string{"testdata/valid.yaml", "testdata/template.json", "testdata/invalid.yaml"} {
		data, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte(`{"configurations":[{"Type":"x"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := chatops.LoadConfig(data)
		if err == nil {
			require.NotNil(t, cfg)
			require.NoError(t, cfg.Validate())
		} else {
			require.ErrorIs(t, err, chatops.ErrInvalidConfig)
		}
	})
}

// Every configuration error in one round: unknown fields and invalid values
// together, without echoes of a misspelled field as "required".
func TestConfigErrorsInOneRound(t *testing.T) {
	_, err := chatops.LoadConfig([]byte(`
configurations:
  - ConfigurationName: a
    SlackWorkspaceId: T1
    SlackChannelId: C1
    IamRoleARN: arn:aws:iam::123456789012:role/x
    LoggingLevel: LOUD
`))
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, `configurations[0].IamRoleARN: unknown field`)
	assert.Contains(t, msg, `did you mean "IamRoleArn"`)
	assert.Contains(t, msg, `configurations[0].LoggingLevel: must be ERROR, INFO or NONE`, "the value error comes in the same round")
	assert.NotContains(t, msg, "IamRoleArn: required", "no echo of the misspelling")
}
