package notify_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/notify"
)

func fieldValue(fs []chat.Field, name string) (string, int) {
	v, count := "", 0
	for _, f := range fs {
		if f.Name == name {
			if count == 0 {
				v = f.Value
			}
			count++
		}
	}
	return v, count
}

func TestDecodeCompositeAlarmShowsThreeChildren(t *testing.T) {
	t.Parallel()
	n := decodeSample(t, "testdata/samples/cloudwatch-alarm-composite.json")
	assert.Equal(t, notify.KindCloudWatchAlarm, n.Kind)
	assert.Equal(t, "CloudWatch Composite Alarm", n.EventType)
	v, count := fieldValue(n.Fields, "Triggering alarm")
	assert.Equal(t, 3, count)
	assert.Equal(t, "checkout-api-errors (ALARM)", v)
	more, _ := fieldValue(n.Fields, "More triggering alarms")
	assert.Equal(t, "1", more)
	assert.Nil(t, n.Logs, "composite alarms watch no log group")
}

func TestDecodeMetricMathAlarm(t *testing.T) {
	t.Parallel()
	n := decodeSample(t, "testdata/samples/cloudwatch-alarm-metric-math.json")
	expr, _ := fieldValue(n.Fields, "Expression")
	assert.Equal(t, "5XX rate (%) = 100 * errors / requests", expr)
	_, metrics := fieldValue(n.Fields, "Metric errors")
	assert.Equal(t, 1, metrics)
	// An HTTP API (ApiId dimension) has no execution logs and its access
	// log group is whatever the stage names: no guessed Show logs.
	assert.Nil(t, n.Logs, "an HTTP API stage alarm gets no guessed log group")
	assert.Empty(t, notify.LogButtons(n))
	assert.Equal(t, "eu-west-1", n.Region)
	assert.Equal(t, "a1b2c3d4e5", n.Variables["ApiId"])
}

func TestAlarmSeverityAndTitle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		state, old string
		sev        chat.Severity
		title      string
	}{
		{"ALARM", "OK", chat.SeverityCritical, "Alarm"},
		{"OK", "ALARM", chat.SeveritySuccess, "Resolved"},
		{"OK", "INSUFFICIENT_DATA", chat.SeveritySuccess, "OK"},
		{"INSUFFICIENT_DATA", "OK", chat.SeverityWarning, "Insufficient data"},
	}
	for _, tt := range tests {
		t.Run(tt.state+"-from-"+tt.old, func(t *testing.T) {
			msg := fmt.Sprintf(`{"AlarmName":"a","NewStateValue":%q,"OldStateValue":%q,"AlarmArn":"arn:aws-us-gov:cloudwatch:us-gov-west-1:123456789012:alarm:a","StateChangeTime":"2026-11-24T20:05:23.392+0000"}`, tt.state, tt.old)
			n := notify.DecodeMessage(msg, "")
			assert.Equal(t, tt.sev, n.Severity)
			assert.Contains(t, n.Title, "| a |")
			assert.Contains(t, n.Title, tt.title)
			assert.Equal(t, "aws-us-gov", n.Partition)
			assert.True(t, strings.HasPrefix(n.TitleLink, "https://console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1"), n.TitleLink)
		})
	}
}

func TestConsoleLinksPerPartition(t *testing.T) {
	t.Parallel()
	for region, host := range map[string]string{
		"us-east-1":     "https://console.aws.amazon.com/",
		"cn-north-1":    "https://console.amazonaws.cn/",
		"us-gov-east-1": "https://console.amazonaws-us-gov.com/",
	} {
		ev := fmt.Sprintf(`{"version":"0","id":"1","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"1","time":"2026-11-24T20:05:23Z","region":%q,"resources":[],"detail":{"instance-id":"i-1","state":"running"}}`, region)
		n := notify.DecodeMessage(ev, "")
		assert.True(t, strings.HasPrefix(n.TitleLink, host), "%s: %s", region, n.TitleLink)
		assert.Contains(t, n.TitleLink, "region="+region)
	}
}

func TestGuardDutySeverity(t *testing.T) {
	t.Parallel()
	for sev, want := range map[string]chat.Severity{"2": chat.SeverityInfo, "5.5": chat.SeverityWarning, "7": chat.SeverityCritical, "8.9": chat.SeverityCritical} {
		ev := `{"version":"0","id":"1","detail-type":"GuardDuty Finding","source":"aws.guardduty","account":"1","time":"2026-11-24T20:05:23Z","region":"us-east-1","resources":[],"detail":{"id":"f1","type":"Recon:EC2/PortProbeUnprotectedPort","severity":` + sev + `,"title":"t"}}`
		n := notify.DecodeMessage(ev, "")
		assert.Equal(t, want, n.Severity, "severity %s", sev)
		assert.Equal(t, "f1", n.ThreadKey)
	}
}

func TestSecurityHubAndHealthSeverity(t *testing.T) {
	t.Parallel()
	for label, want := range map[string]chat.Severity{"CRITICAL": chat.SeverityCritical, "HIGH": chat.SeverityCritical, "MEDIUM": chat.SeverityWarning, "LOW": chat.SeverityInfo, "INFORMATIONAL": chat.SeverityInfo} {
		ev := `{"version":"0","id":"1","detail-type":"Security Hub Findings - Imported","source":"aws.securityhub","account":"1","time":"2026-11-24T20:05:23Z","region":"us-east-1","resources":[],"detail":{"findings":[{"Id":"x","Title":"t","Severity":{"Label":"` + label + `"}}]}}`
		assert.Equal(t, want, notify.DecodeMessage(ev, "").Severity, label)
	}
	for cat, want := range map[string]chat.Severity{"issue": chat.SeverityCritical, "scheduledChange": chat.SeverityWarning, "accountNotification": chat.SeverityInfo} {
		ev := `{"version":"0","id":"1","detail-type":"AWS Health Event","source":"aws.health","account":"1","time":"2026-11-24T20:05:23Z","region":"us-east-1","resources":[],"detail":{"eventArn":"arn:aws:health:us-east-1::event/X","eventTypeCategory":"` + cat + `","statusCode":"open"}}`
		assert.Equal(t, want, notify.DecodeMessage(ev, "").Severity, cat)
	}
	closed := `{"version":"0","id":"1","detail-type":"AWS Health Event","source":"aws.health","account":"1","time":"2026-11-24T20:05:23Z","region":"us-east-1","resources":[],"detail":{"eventArn":"a","eventTypeCategory":"issue","statusCode":"closed"}}`
	assert.Equal(t, chat.SeveritySuccess, notify.DecodeMessage(closed, "").Severity)
}

func TestDecodeRichEventBridgeTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, service, threadKey string
		sev                      chat.Severity
	}{
		{"eventbridge-cloudformation.json", "CloudFormation", "arn:aws:cloudformation:us-east-1:123456789012:stack/checkout-service/6f5e4d30-8b2a-11ef-9e1f-0a1b2c3d4e5f", chat.SeverityCritical},
		{"eventbridge-codepipeline.json", "CodePipeline", "checkout-release/01234567-0123-0123-0123-012345678901", chat.SeverityCritical},
		{"eventbridge-codebuild.json", "CodeBuild", "arn:aws:codebuild:us-east-1:123456789012:build/checkout-unit-tests:8745a7a9-c340-456a-9166-edf953571bEX", chat.SeverityCritical},
		{"eventbridge-codedeploy.json", "CodeDeploy", "d-ABCDEF123", chat.SeverityCritical},
		{"eventbridge-ec2-state.json", "EC2", "arn:aws:ec2:us-east-1:123456789012:instance/i-0a1b2c3d4e5f60718", chat.SeverityWarning},
		{"eventbridge-ecs-task.json", "ECS", "arn:aws:ecs:us-east-1:123456789012:task/prod/3f0c7c1e5b8a4d2e9f1a0b2c3d4e5f60", chat.SeverityCritical},
		{"eventbridge-autoscaling.json", "AutoScaling", "9cabb81f-42de-417d-8aa7-ce16bf026590", chat.SeverityCritical},
		{"eventbridge-ssm-automation.json", "SystemsManager", "4bf7c1a2-3e5d-4f60-8a9b-0c1d2e3f4a5b", chat.SeverityCritical},
		{"eventbridge-config-compliance.json", "Config", "restricted-ssh/AWS::EC2::SecurityGroup/sg-0a1b2c3d4e5f60718", chat.SeverityWarning},
		{"eventbridge-alarm-state-change.json", "CloudWatch", "arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-api-errors", chat.SeverityCritical},
		{"eventbridge-health.json", "Health", "arn:aws:health:us-west-2::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/AWS_EC2_OPERATIONAL_ISSUE_7f35c8ae-af1f-54e6-a526-d0179ed6d68f", chat.SeverityCritical},
		{"eventbridge-guardduty.json", "GuardDuty", "16afba5c5c43e07c9e3e5e2e544e95df", chat.SeverityCritical},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			n := decodeSample(t, "testdata/samples/"+tt.file)
			assert.Equal(t, notify.KindEventBridge, n.Kind)
			assert.Equal(t, tt.service, n.Service)
			assert.Equal(t, tt.threadKey, n.ThreadKey)
			assert.Equal(t, tt.sev, n.Severity)
			assert.NotEmpty(t, n.TitleLink)
			assert.NotEmpty(t, n.Fields)
			assert.Equal(t, "123456789012", n.Account)
			assert.False(t, n.Time.IsZero())
		})
	}
}

func TestEventBridgeAlarmGetsLogButtons(t *testing.T) {
	t.Parallel()
	n := decodeSample(t, "testdata/samples/eventbridge-alarm-state-change.json")
	require.NotNil(t, n.Logs)
	assert.Equal(t, "/aws/lambda/checkout-handler", n.Logs.LogGroup)
	buttons := notify.LogButtons(n)
	require.Len(t, buttons, 2)
	assert.Equal(t, "Show logs", buttons[0].Label)
	assert.Equal(t, "Show error logs", buttons[1].Label)
	assert.Equal(t, notify.ButtonRunCommand, buttons[0].ID)
	assert.Contains(t, buttons[0].Value, "logs filter-log-events --log-group-name /aws/lambda/checkout-handler")
	assert.Contains(t, buttons[0].Value, fmt.Sprintf("--start-time %d", n.Logs.Start.UnixMilli()))
	assert.Contains(t, buttons[1].Value, `--filter-pattern "?Error ?Exception ?Fail"`)
}

func TestAlarmOnOtherNamespaceHasNoLogButtons(t *testing.T) {
	t.Parallel()
	msg := `{"AlarmName":"cpu","NewStateValue":"ALARM","AlarmArn":"arn:aws:cloudwatch:us-east-1:1:alarm:cpu","StateChangeTime":"2026-11-24T20:05:23.392+0000","Trigger":{"MetricName":"CPUUtilization","Namespace":"AWS/EC2","Statistic":"AVERAGE","Dimensions":[{"name":"InstanceId","value":"i-1"}],"Period":300,"EvaluationPeriods":2,"ComparisonOperator":"GreaterThanThreshold","Threshold":80}}`
	n := notify.DecodeMessage(msg, "")
	assert.Nil(t, n.Logs)
	assert.Empty(t, notify.LogButtons(n))
	// A REST API alarm keyed by ApiName cannot be mapped to its log group.
	msg = strings.Replace(msg, `"AWS/EC2"`, `"AWS/ApiGateway"`, 1)
	msg = strings.Replace(msg, `{"name":"InstanceId","value":"i-1"}`, `{"name":"ApiName","value":"orders"},{"name":"Stage","value":"prod"}`, 1)
	assert.Nil(t, notify.DecodeMessage(msg, "").Logs)
}

func TestCustomNotificationValidation(t *testing.T) {
	t.Parallel()
	base := func(mut func(m map[string]any)) string {
		m := map[string]any{"version": "1.0", "source": "custom", "content": map[string]any{"description": "d"}}
		mut(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	content := func(m map[string]any) map[string]any { return m["content"].(map[string]any) }
	tests := []struct {
		name    string
		payload string
		problem string // "" = valid
	}{
		{"minimal", base(func(map[string]any) {}), ""},
		{"title at limit", base(func(m map[string]any) { content(m)["title"] = strings.Repeat("é", 250) }), ""},
		{"title too long", base(func(m map[string]any) { content(m)["title"] = strings.Repeat("t", 251) }), "content.title is 251 characters, the limit is 250"},
		{"description missing", base(func(m map[string]any) { delete(content(m), "description") }), "content.description is required"},
		{"description too long", base(func(m map[string]any) { content(m)["description"] = strings.Repeat("d", 8001) }), "content.description is 8001 characters, the limit is 8000"},
		{"next step too long", base(func(m map[string]any) { content(m)["nextSteps"] = []string{"ok", strings.Repeat("n", 351)} }), "content.nextSteps[1] is 351 characters, the limit is 350"},
		{"keyword too long", base(func(m map[string]any) { content(m)["keywords"] = []string{strings.Repeat("k", 76)} }), "content.keywords[0] is 76 characters, the limit is 75"},
		{"wrong version", base(func(m map[string]any) { m["version"] = "2.0" }), `version must be "1.0"`},
		{"wrong text type", base(func(m map[string]any) { content(m)["textType"] = "html" }), `content.textType must be "client-markdown"`},
		{"description not string", base(func(m map[string]any) { content(m)["description"] = 5 }), "content.description must be a string, got a number"},
		{"keywords not array", base(func(m map[string]any) { content(m)["keywords"] = "a,b" }), "content.keywords must be an array of strings"},
		{"metadata not object", base(func(m map[string]any) { m["metadata"] = "x" }), "metadata must be an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := notify.DecodeMessage(tt.payload, "")
			if tt.problem == "" {
				assert.Equal(t, notify.KindCustom, n.Kind)
				assert.Empty(t, n.DecodeError)
				return
			}
			assert.Equal(t, notify.KindJSON, n.Kind, "an invalid custom notification is still delivered, as JSON")
			assert.Contains(t, n.DecodeError, tt.problem)
			msg, err := notify.DefaultFormatter().Format(n)
			require.NoError(t, err)
			require.NotEmpty(t, msg.CodeBlocks, "the payload is shown")
		})
	}
	var cn notify.CustomNotification
	cn.Version, cn.Source = "1.0", "custom"
	err := cn.Validate()
	require.Error(t, err)
	assert.True(t, errors.Is(err, notify.ErrInvalidCustomNotification))
	var ce *notify.CustomNotificationError
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, []string{"content.description is required"}, ce.Problems)
}

func TestCustomNotificationDecoded(t *testing.T) {
	t.Parallel()
	n := decodeSample(t, "testdata/samples/custom-notification.json")
	assert.Equal(t, notify.KindCustom, n.Kind)
	assert.Equal(t, "c-weihfjdsf", n.ID)
	assert.Equal(t, "OrderProcessing-1", n.ThreadKey)
	assert.Equal(t, "BananaOrderAppEvent", n.EventType)
	assert.Equal(t, []string{"i-04d231f25c18592ea", "i-0c8c31affab6078fb"}, n.Resources)
	assert.Equal(t, "Refer to [diagnosis runbook](http://www.example.com)", n.NextSteps[0], "Slack links become neutral links")
	assert.False(t, n.CustomActionsDisabled)
	off := notify.DecodeMessage(`{"version":"1.0","source":"custom","content":{"description":"d"},"metadata":{"enableCustomActions":false}}`, "")
	assert.True(t, off.CustomActionsDisabled)
}

func TestDecodeTextFormats(t *testing.T) {
	t.Parallel()
	b := decodeSample(t, "testdata/samples/budgets.json")
	assert.Equal(t, notify.KindBudgets, b.Kind)
	amount, _ := fieldValue(b.Fields, "ACTUAL Amount")
	assert.Equal(t, "$4,212.37", amount)
	assert.Equal(t, "123456789012", b.Account)
	assert.Equal(t, chat.SeverityWarning, b.Severity)

	c := decodeSample(t, "testdata/samples/cloudformation-sns.json")
	assert.Equal(t, notify.KindCloudFormationSNS, c.Kind)
	assert.Equal(t, "UPDATE_FAILED", c.Variables["ResourceStatus"])
	assert.Equal(t, "{\"Runtime\":\"nodejs22.x\",\"Handler\":\"index.handler\",\"MemorySize\":\"128\",\n\"Timeout\":\"900\"}", c.Variables["ResourceProperties"], "multi-line values are kept")
	assert.Equal(t, chat.SeverityCritical, c.Severity)
	assert.Contains(t, c.Description, "exceeds the maximum")

	txt := decodeSample(t, "testdata/samples/unknown-text.json")
	assert.Equal(t, notify.KindText, txt.Kind)
	assert.Equal(t, "build-agent-3 disk", txt.Title)
}

func TestUnknownPayloadsAreDelivered(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"alertname":"HighMemory","severity":"critical","nested":{"a":[1,2]}}`,
		`plain *text* with [markdown](http://x)`,
		`{"not":"closed"`,
		`[1,2,3]`,
		``,
	} {
		env, err := notify.ParseEnvelope([]byte(body))
		require.NoError(t, err)
		n := notify.Decode(env)
		msg, err := notify.DefaultFormatter().Format(n)
		require.NoError(t, err)
		assert.False(t, msg.IsZero(), "body %q produced an empty message", body)
	}
	n := notify.DecodeMessage(`plain *text* with [markdown](http://x)`, "")
	assert.Equal(t, `plain \*text\* with \[markdown\](http://x)`, n.Description, "text is escaped, not interpreted")
	j := notify.DecodeMessage(`{"alertname":"HighMemory","severity":"critical","nested":{"a":[1,2]}}`, "")
	msg, _ := notify.DefaultFormatter().Format(j)
	assert.Equal(t, "HighMemory", stripEsc(msg.Title))
	require.Len(t, msg.CodeBlocks, 1)
	assert.Contains(t, msg.CodeBlocks[0].Content, `"nested"`)
}

func stripEsc(s string) string { return strings.ReplaceAll(s, `\`, "") }

func TestPreview(t *testing.T) {
	t.Parallel()
	n, m := notify.Preview([]byte(`{"Type":"Notification","MessageId":"1","Message":5}`))
	assert.Contains(t, n.DecodeError, `"Message"`)
	assert.False(t, m.IsZero())
	assert.Contains(t, m.Text, "Shown as received")

	body, err := os.ReadFile("testdata/samples/eventbridge-guardduty.json")
	require.NoError(t, err)
	n, m = notify.Preview(body)
	assert.Equal(t, "GuardDuty", n.Service)
	assert.Equal(t, chat.SeverityCritical, m.Severity)
}

func TestCustomNotificationClientMarkdown(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"*Deploy* finished":                       "**Deploy** finished",
		"see <https://x.example/a?b=1|the *log*>": "see [the log](https://x.example/a?b=1)",
		"a * b * c":         "a * b * c",
		"**already bold**":  "**already bold**",
		"2*3*4":             "2*3*4",
		"(*note*)":          "(**note**)",
		"<mailto:a@b|mail>": "<mailto:a@b|mail>",
	}
	for in, want := range tests {
		payload := fmt.Sprintf(`{"version":"1.0","source":"custom","content":{"description":%q}}`, in)
		n := notify.DecodeMessage(payload, "")
		require.Equal(t, notify.KindCustom, n.Kind)
		assert.Equal(t, want, n.Description, in)
	}
}

func TestMalformedAlarmIsStillDelivered(t *testing.T) {
	t.Parallel()
	n := notify.DecodeMessage(`{"AlarmName":"a","NewStateValue":"ALARM","Trigger":{"Period":"sixty"}}`, "ALARM: a")
	assert.Equal(t, notify.KindJSON, n.Kind)
	assert.Contains(t, n.DecodeError, "cloudwatch alarm")
	assert.Contains(t, n.DecodeError, "Period")
	assert.Equal(t, "ALARM: a", n.Title)
	require.NotNil(t, n.Payload())
	m, err := notify.DefaultFormatter().Format(n)
	require.NoError(t, err)
	require.Len(t, m.CodeBlocks, 1)
}

func TestPayloadIsDecodedLazilyAndShared(t *testing.T) {
	t.Parallel()
	n := decodeSample(t, "testdata/samples/cloudwatch-alarm-lambda.json")
	done := make(chan any, 4)
	for i := 0; i < 4; i++ {
		go func() { done <- n.Payload() }()
	}
	for i := 0; i < 4; i++ {
		p := <-done
		m, ok := p.(map[string]any)
		require.True(t, ok)
		assert.Equal(t, "checkout-api-errors", m["AlarmName"])
	}
	var host notify.Notification
	assert.Nil(t, host.Payload())
	host.SetPayload(map[string]any{"k": "v"})
	v, ok := notify.PayloadPath(host.Payload(), "k")
	assert.True(t, ok)
	assert.Equal(t, "v", v)
}
