package main

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The quickstart, driven as `printf '...' | go run ./examples/quickstart`
// drives it: every feature a newcomer tries first, end to end against the
// simulated account.
func TestQuickstartScript(t *testing.T) {
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	script := strings.Join([]string{
		"help",
		"cloudwatch describe-alarms",
		"ec2 stop-instances --instance-ids i-0a1b2c3d4e5f60001",
		"!4", // buttons 1-3 belong to the sample alarm
		"iam list-users",
		"lambda get-function",
		"> my-function",
		"cloudwatch describe-alarm",
		"ec2 describe-instances --endpoint-url http://169.254.169.254",
		"alias create alarms cloudwatch describe-alarms --state-value $state",
		"run alarms ALARM",
		"",
	}, "\n")
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-audit", audit, "-state", filepath.Join(t.TempDir(), "state.db")}, strings.NewReader(script), &out, &errOut)
	require.NoError(t, err, errOut.String())
	text := out.String()
	for _, want := range []string{
		"simulated AWS account",
		// sample notifications
		"checkout-api-errors",
		"GuardDuty",
		"Banana Order processing is down",
		"HighMemoryUsage",
		// commands
		"opschat help",
		"MetricAlarms (5)",
		"Graph of Errors",
		"Run this command?",
		"StoppingInstances",
		"blocked for everyone",
		"Which `--function-name`?",
		"Did you mean `describe-alarms`",
		"`--endpoint-url` is not allowed from chat",
		"Alias `alarms` created",
	} {
		assert.Contains(t, text, want)
	}
	data, err := os.ReadFile(audit)
	require.NoError(t, err)
	for _, want := range []string{`"outcome":"succeeded"`, `"outcome":"denied"`, `"outcome":"pending"`, `"outcome":"invalid"`} {
		assert.Contains(t, string(data), want)
	}
}

func TestQuickstartNotify(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"alarm envelope", "samples/cloudwatch-alarm-lambda.json", "checkout-api-errors"},
		{"raw EventBridge event", "samples/eventbridge-guardduty.json", "as if published to arn:aws:sns:us-east-1:123456789012:ops-alerts"},
		{"unknown payload", "samples/unknown-alertmanager.json", "HighMemoryUsage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			require.NoError(t, run(context.Background(), []string{"-notify", tt.file}, strings.NewReader(""), &out, &errOut))
			assert.Contains(t, out.String(), "── quickstart → console channel console")
			assert.Contains(t, out.String(), tt.want)
		})
	}
	t.Run("stdin garbage is still shown", func(t *testing.T) {
		var out, errOut bytes.Buffer
		require.NoError(t, run(context.Background(), []string{"-notify", "-"}, strings.NewReader("{\"Type\": 3, not json"), &out, &errOut))
		assert.Contains(t, out.String(), "not json")
	})
	t.Run("unreadable file fails", func(t *testing.T) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"-notify", "does-not-exist.json"}, strings.NewReader(""), &out, &errOut)
		assert.Error(t, err)
	})
}

// What a user set up in one run (an alias, a region) is there in the next
// run on the same -state file, and absent on a fresh one.
func TestQuickstartStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state.db")
	session := func(state, script string) (string, string) {
		t.Helper()
		audit := filepath.Join(dir, "audit.jsonl")
		_ = os.Remove(audit)
		var out, errOut bytes.Buffer
		require.NoError(t, run(context.Background(), []string{"-samples=false", "-audit", audit, "-state", state}, strings.NewReader(script), &out, &errOut), errOut.String())
		data, err := os.ReadFile(audit)
		require.NoError(t, err)
		return out.String(), string(data)
	}
	out, _ := session(state, "alias create myalarms cloudwatch describe-alarms --state-value $state\ncloudwatch describe-alarms --region eu-west-1\n")
	require.Contains(t, out, "Alias `myalarms` created")

	out, audit := session(state, "alias list\ncloudwatch describe-alarms\n")
	assert.Contains(t, out, "myalarms", "the alias survived the restart")
	assert.Contains(t, audit, `"region":"eu-west-1"`, "the remembered region survived the restart")

	out, audit = session(filepath.Join(dir, "fresh.db"), "alias list\ncloudwatch describe-alarms\n")
	assert.NotContains(t, out, "myalarms")
	assert.NotContains(t, audit, `"region":"eu-west-1"`)
}

func TestQuickstartStateLocked(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.db")
	st, _, closeStore, err := openStore(state)
	require.NoError(t, err)
	require.NotNil(t, st)
	defer closeStore()
	_, _, _, err = openStore(state)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-state")
}

// Guardrails mean what IAM means, through the quickstart with -config: a
// guardrail that allows everything but denies an operation's real IAM
// action refuses it (naming the action); one that allows only the real
// action(s) does not refuse it, and the simulated account, checking the
// session policies the command carried, agrees.
func TestQuickstartGuardrailsUseRealIAMActions(t *testing.T) {
	tests := []struct{ command, action string }{
		{"lambda invoke --function-name checkout-api", "lambda:InvokeFunction"},
		{"s3api list-objects-v2 --bucket checkout-artifacts", "s3:ListBucket"},
		{"s3api list-buckets", "s3:ListAllMyBuckets"},
		{"elbv2 describe-load-balancers", "elasticloadbalancing:DescribeLoadBalancers"},
		{"stepfunctions list-state-machines", "states:ListStateMachines"},
		{"stepfunctions start-execution --state-machine-arn arn:aws:states:us-east-1:123456789012:stateMachine:orders", "states:StartExecution"},
		{"logs start-query --log-group-name /aws/lambda/checkout-api --start-time 1 --end-time 2 --query-string fields", "logs:StartQuery"},
		{"dynamodb list-tables", "dynamodb:ListTables"},
		{"ecs list-clusters", "ecs:ListClusters"},
		{"rds describe-db-instances", "rds:DescribeDBInstances"},
		{"sqs list-queues", "sqs:ListQueues"},
		{"sns list-topics", "sns:ListTopics"},
		{"cloudformation describe-stacks", "cloudformation:DescribeStacks"},
		{"cloudwatch describe-alarms", "cloudwatch:DescribeAlarms"},
		{"ec2 describe-instances", "ec2:DescribeInstances"},
		{"autoscaling describe-auto-scaling-groups", "autoscaling:DescribeAutoScalingGroups"},
		{"kinesis list-streams", "kinesis:ListStreams"},
		{"route53 list-hosted-zones", "route53:ListHostedZones"},
		{"ssm describe-instance-information", "ssm:DescribeInstanceInformation"},
		{"codepipeline list-pipelines", "codepipeline:ListPipelines"},
		{"guardduty list-detectors", "guardduty:ListDetectors"},
		{"securityhub get-findings", "securityhub:GetFindings"},
	}
	dir := t.TempDir()
	writeConfig := func(name, statements string) string {
		path := filepath.Join(dir, name+".yaml")
		doc := `{"Version":"2012-10-17","Statement":[` + statements + `]}`
		cfg := "configurations:\n  - ConfigurationName: " + name + "\n    Platform: console\n    WorkspaceId: local\n    ChannelId: console\n" +
			"    IamRoleArn: arn:aws:iam::123456789012:role/opschat-quickstart\n    DefaultRegion: us-east-1\n" +
			"    GuardrailPolicyDocuments:\n      G: '" + doc + "'\n"
		require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
		return path
	}
	run1 := func(t *testing.T, config, command string) string {
		var out, errOut bytes.Buffer
		require.NoError(t, run(context.Background(), []string{"-samples=false", "-state", "memory", "-audit", filepath.Join(dir, "audit.jsonl"), "-config", config},
			strings.NewReader(command+"\n"), &out, &errOut), errOut.String())
		return out.String()
	}
	for _, tt := range tests {
		t.Run(tt.command, func(t *testing.T) {
			deny := writeConfig("deny", `{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"`+tt.action+`","Resource":"*"}`)
			out := run1(t, deny, tt.command)
			assert.Contains(t, out, "Not allowed", "denying the real action refuses the command")
			assert.Contains(t, out, tt.action, "the reply names the real action")

			only := writeConfig("only", `{"Effect":"Allow","Action":"`+tt.action+`","Resource":"*"}`)
			out = run1(t, only, tt.command)
			assert.NotContains(t, out, "Not allowed", "allowing only the real action is enough")
			assert.NotContains(t, out, "AccessDenied", "and AWS (the simulated account, checking the session policy) agrees")
			assert.NotContains(t, out, "not authorized", "and AWS agrees")
		})
	}
}

func TestQuickstartNotifyPreview(t *testing.T) {
	dir := t.TempDir()
	alarm, err := os.ReadFile("samples/cloudwatch-alarm-lambda.json")
	require.NoError(t, err)
	var env map[string]any
	require.NoError(t, json.Unmarshal(alarm, &env))

	other := maps.Clone(env)
	other["TopicArn"] = "arn:aws:sns:us-east-1:123456789012:somebody-elses-topic"
	otherFile := filepath.Join(dir, "other.json")
	writeJSON(t, otherFile, other)

	lambdaEvent := map[string]any{"Records": []any{map[string]any{"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": env}}}
	lambdaFile := filepath.Join(dir, "lambda.json")
	writeJSON(t, lambdaFile, lambdaEvent)

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"unsubscribed topic is still rendered", []string{"-notify", otherFile}, []string{"No channel receives this notification", "checkout-api-errors"}},
		{"Lambda SNS event is unwrapped", []string{"-notify", lambdaFile}, []string{"A Lambda SNS event", "── quickstart → console channel console", "checkout-api-errors"}},
		{"slack payload", []string{"-notify", "samples/cloudwatch-alarm-lambda.json", "-platform", "slack"}, []string{`"attachments"`, `"type": "section"`}},
		{"teams payload", []string{"-notify", "samples/cloudwatch-alarm-lambda.json", "-platform", "teams"}, []string{`"AdaptiveCard"`}},
		{"chime payload", []string{"-notify", "samples/cloudwatch-alarm-lambda.json", "-platform", "chime"}, []string{`"Content"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			require.NoError(t, run(context.Background(), tt.args, strings.NewReader(""), &out, &errOut), errOut.String())
			for _, w := range tt.want {
				assert.Contains(t, out.String(), w)
			}
		})
	}
	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"-notify", "samples/cloudwatch-alarm-lambda.json", "-platform", "irc"}, strings.NewReader(""), &out, &errOut)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "want slack, teams or chime")
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o600))
}

func TestQuickstartFlagsExplainWhatTheyNeed(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-aws"}, strings.NewReader(""), &out, &errOut)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-aws needs -config FILE")
	err = run(context.Background(), []string{"-model", "anthropic.claude"}, strings.NewReader(""), &out, &errOut)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-model needs -aws")
}

// Questions are answered offline from the simulated account with the data
// asked for and the commands run; a general question says how to enable a
// model, never "I don't know the service".
func TestQuickstartAnswersQuestions(t *testing.T) {
	script := strings.Join([]string{
		"what lambda functions do I have?",
		"how many instances are stopped?",
		"which alarms are firing?",
		"what instances are running in us-east-1?",
		"what's wrong with checkout-api?",
		"how do I fix lambda throttling?",
	}, "\n") + "\n"
	var out, errOut bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-samples=false", "-state", "memory", "-audit", filepath.Join(t.TempDir(), "a.jsonl")},
		strings.NewReader(script), &out, &errOut), errOut.String())
	text := out.String()
	for _, want := range []string{
		"checkout-api (", "aws lambda list-functions", // functions, with the command run
		"stopped instance", "batch-worker", // instances by state
		"firing alarm", "checkout-api-errors", // alarms
		"running instances in us-east-1", "web-1", // by state and region
		"ERROR log events in /aws/lambda/checkout-api", // a named resource
		"Amazon Bedrock", // a general question says how to enable a model
	} {
		assert.Contains(t, text, want)
	}
	assert.NotContains(t, text, "don't know the service")
}
