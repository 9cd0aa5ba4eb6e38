package command_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/commandtest"
)

var cat = commandtest.Catalog()

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		params map[string]any
		text   string
		action string
		region string
		query  string
		output string
	}{
		{
			name:   "enum and region",
			in:     "@aws cloudwatch describe-alarms --state-value ALARM --region us-east-1",
			params: map[string]any{"state-value": "ALARM"},
			text:   "cloudwatch describe-alarms --state-value ALARM --region us-east-1",
			action: "cloudwatch:DescribeAlarms", region: "us-east-1",
		},
		{
			name:   "enum case is fixed",
			in:     "cloudwatch describe-alarms --state-value insufficient_data",
			params: map[string]any{"state-value": "INSUFFICIENT_DATA"},
			text:   "cloudwatch describe-alarms --state-value INSUFFICIENT_DATA",
			action: "cloudwatch:DescribeAlarms",
		},
		{
			name:   "list of strings and integer",
			in:     "cloudwatch describe-alarms --alarm-names a b 'c d' --max-records 50",
			params: map[string]any{"alarm-names": []any{"a", "b", "c d"}, "max-records": int64(50)},
			text:   "cloudwatch describe-alarms --alarm-names a b 'c d' --max-records 50",
			action: "cloudwatch:DescribeAlarms",
		},
		{
			name:   "list as JSON array",
			in:     `ec2 describe-instances --instance-ids ["i-1", "i-2"]`,
			params: map[string]any{"instance-ids": []any{"i-1", "i-2"}},
			text:   `ec2 describe-instances --instance-ids ["i-1", "i-2"]`,
			action: "ec2:DescribeInstances",
		},
		{
			name: "several structures in a list, shorthand",
			in:   "ec2 describe-instances --filters Name=tag:env,Values=prod,dev Name=instance-state-name,Values=running",
			params: map[string]any{"filters": []any{
				map[string]any{"Name": "tag:env", "Values": []any{"prod", "dev"}},
				map[string]any{"Name": "instance-state-name", "Values": []any{"running"}},
			}},
			text:   "ec2 describe-instances --filters Name=tag:env,Values=prod,dev Name=instance-state-name,Values=running",
			action: "ec2:DescribeInstances",
		},
		{
			name: "structures in a list, JSON",
			in:   `ec2 describe-instances --filters [{"Name": "tag:env", "Values": ["prod"]}]`,
			params: map[string]any{"filters": []any{
				map[string]any{"Name": "tag:env", "Values": []any{"prod"}},
			}},
			text:   `ec2 describe-instances --filters [{"Name": "tag:env", "Values": ["prod"]}]`,
			action: "ec2:DescribeInstances",
		},
		{
			name:   "shorthand explicit list with spaces",
			in:     "ec2 describe-instances --filters Name=tag:env,Values=[prod, dev]",
			params: map[string]any{"filters": []any{map[string]any{"Name": "tag:env", "Values": []any{"prod", "dev"}}}},
			text:   "ec2 describe-instances --filters 'Name=tag:env,Values=[prod, dev]'",
			action: "ec2:DescribeInstances",
		},
		{
			name:   "boolean flags",
			in:     "ec2 stop-instances --instance-ids i-1 --hibernate --no-dry-run",
			params: map[string]any{"instance-ids": []any{"i-1"}, "hibernate": true, "dry-run": false},
			text:   "ec2 stop-instances --instance-ids i-1 --hibernate --no-dry-run",
			action: "ec2:StopInstances",
		},
		{
			name:   "boolean with explicit value",
			in:     "ssm get-parameter --name /x --with-decryption false",
			params: map[string]any{"name": "/x", "with-decryption": false},
			text:   "ssm get-parameter --name /x --no-with-decryption",
			action: "ssm:GetParameter",
		},
		{
			name:   "single hyphen, em dash, en dash, upper case, --opt=value",
			in:     "cloudwatch describe-alarms -state-value OK \u2014alarm-name-prefix prod \u2013Max-Records=5",
			params: map[string]any{"state-value": "OK", "alarm-name-prefix": "prod", "max-records": int64(5)},
			text:   "cloudwatch describe-alarms --state-value OK --alarm-name-prefix prod --max-records 5",
			action: "cloudwatch:DescribeAlarms",
		},
		{
			name:   "blob payload as unquoted JSON with spaces",
			in:     `lambda invoke --function-name my-fn --payload {"key": "a value"}`,
			params: map[string]any{"function-name": "my-fn", "payload": []byte(`{"key": "a value"}`)},
			text:   `lambda invoke --function-name my-fn --payload {"key": "a value"}`,
			action: "lambda:InvokeFunction",
		},
		{
			name: "map of lists as JSON, as in AWS Chatbot's runbook example",
			in:   `ssm start-automation-execution --document-name "AWS-UpdateLinuxAmi" --parameters { "AutomationAssumeRole": ["arn:aws:iam::123456789012:role/x"] }`,
			params: map[string]any{"document-name": "AWS-UpdateLinuxAmi",
				"parameters": map[string]any{"AutomationAssumeRole": []any{"arn:aws:iam::123456789012:role/x"}}},
			text:   `ssm start-automation-execution --document-name AWS-UpdateLinuxAmi --parameters { "AutomationAssumeRole": ["arn:aws:iam::123456789012:role/x"] }`,
			action: "ssm:StartAutomationExecution",
		},
		{
			name:   "map as shorthand, scalar folded into a list",
			in:     `ssm start-automation-execution --document-name d --parameters AutomationAssumeRole=arn:x,SourceAmiId=ami-1`,
			params: map[string]any{"document-name": "d", "parameters": map[string]any{"AutomationAssumeRole": []any{"arn:x"}, "SourceAmiId": []any{"ami-1"}}},
			text:   `ssm start-automation-execution --document-name d --parameters AutomationAssumeRole=arn:x,SourceAmiId=ami-1`,
			action: "ssm:StartAutomationExecution",
		},
		{
			name:   "structure with integers",
			in:     "dynamodb update-table --table-name t --provisioned-throughput ReadCapacityUnits=5,WriteCapacityUnits=10",
			params: map[string]any{"table-name": "t", "provisioned-throughput": map[string]any{"ReadCapacityUnits": int64(5), "WriteCapacityUnits": int64(10)}},
			text:   "dynamodb update-table --table-name t --provisioned-throughput ReadCapacityUnits=5,WriteCapacityUnits=10",
			action: "dynamodb:UpdateTable",
		},
		{
			name:   "structure from JSON numbers",
			in:     `dynamodb update-table --table-name t --provisioned-throughput {"ReadCapacityUnits": 5, "WriteCapacityUnits": 10}`,
			params: map[string]any{"table-name": "t", "provisioned-throughput": map[string]any{"ReadCapacityUnits": int64(5), "WriteCapacityUnits": int64(10)}},
			text:   `dynamodb update-table --table-name t --provisioned-throughput {"ReadCapacityUnits": 5, "WriteCapacityUnits": 10}`,
			action: "dynamodb:UpdateTable",
		},
		{
			name:   "single-Value structure shortcut",
			in:     "ec2 modify-instance-attribute --instance-id i-1 --instance-initiated-shutdown-behavior stop",
			params: map[string]any{"instance-id": "i-1", "instance-initiated-shutdown-behavior": map[string]any{"Value": "stop"}},
			text:   "ec2 modify-instance-attribute --instance-id i-1 --instance-initiated-shutdown-behavior stop",
			action: "ec2:ModifyInstanceAttribute",
		},
		{
			name: "timestamps ISO 8601 and epoch seconds, list of enums, list of structures",
			in: "cloudwatch get-metric-statistics --namespace AWS/EC2 --metric-name CPUUtilization --start-time 2024-01-31T10:00:00+01:00 " +
				"--end-time 1706698800 --period 300 --statistics Average maximum --dimensions Name=InstanceId,Value=i-1",
			params: map[string]any{
				"namespace": "AWS/EC2", "metric-name": "CPUUtilization",
				"start-time": time.Date(2024, 1, 31, 9, 0, 0, 0, time.UTC),
				"end-time":   time.Date(2024, 1, 31, 11, 0, 0, 0, time.UTC),
				"period":     int64(300), "statistics": []any{"Average", "Maximum"},
				"dimensions": []any{map[string]any{"Name": "InstanceId", "Value": "i-1"}},
			},
			text: "cloudwatch get-metric-statistics --namespace AWS/EC2 --metric-name CPUUtilization --start-time 2024-01-31T10:00:00+01:00 " +
				"--end-time 1706698800 --period 300 --statistics Average Maximum --dimensions Name=InstanceId,Value=i-1",
			action: "cloudwatch:GetMetricStatistics",
		},
		{
			name:   "epoch millis are integers for logs",
			in:     "logs filter-log-events --log-group-name /aws/lambda/f --start-time 1706698800000 --filter-pattern '\"ERROR\"'",
			params: map[string]any{"log-group-name": "/aws/lambda/f", "start-time": int64(1706698800000), "filter-pattern": `"ERROR"`},
			text:   "logs filter-log-events --log-group-name /aws/lambda/f --start-time 1706698800000 --filter-pattern '\"ERROR\"'",
			action: "logs:FilterLogEvents",
		},
		{
			name:   "https values are passed literally",
			in:     "sqs get-queue-attributes --queue-url https://sqs.us-east-1.amazonaws.com/123456789012/q --attribute-names All",
			params: map[string]any{"queue-url": "https://sqs.us-east-1.amazonaws.com/123456789012/q", "attribute-names": []any{"All"}},
			text:   "sqs get-queue-attributes --queue-url https://sqs.us-east-1.amazonaws.com/123456789012/q --attribute-names All",
			action: "sqs:GetQueueAttributes",
		},
		{
			name:   "Slack auto-link around a URL",
			in:     "<@U1> sqs get-queue-attributes --queue-url <https://sqs.us-east-1.amazonaws.com/1/q|https://sqs.us-east-1.amazonaws.com/1/q>",
			params: map[string]any{"queue-url": "https://sqs.us-east-1.amazonaws.com/1/q"},
			text:   "sqs get-queue-attributes --queue-url https://sqs.us-east-1.amazonaws.com/1/q",
			action: "sqs:GetQueueAttributes",
		},
		{
			name:   "query, output, pagination, ignored pager option",
			in:     "iam list-users --query 'Users[].UserName' --output TABLE --max-items 10 --no-cli-pager",
			params: map[string]any{},
			text:   "iam list-users --query 'Users[].UserName' --output table --max-items 10",
			action: "iam:ListUsers", query: "Users[].UserName", output: "table",
		},
		{
			name:   "CLI v2 options that change nothing here",
			in:     "lambda invoke --function-name f --cli-binary-format raw-in-base64-out --payload {\"a\":1} --color off",
			params: map[string]any{"function-name": "f", "payload": []byte(`{"a":1}`)},
			text:   `lambda invoke --function-name f --payload {"a":1}`,
			action: "lambda:InvokeFunction",
		},
		{
			name:   "multi-line with continuations",
			in:     "ec2 describe-instances \\\r\n  --instance-ids i-1 \\\n  i-2",
			params: map[string]any{"instance-ids": []any{"i-1", "i-2"}},
			text:   "ec2 describe-instances --instance-ids i-1 i-2",
			action: "ec2:DescribeInstances",
		},
		{
			name:   "query with a non-JSON literal, as AWS documents it",
			in:     "ec2 describe-instances --query 'Reservations[].Instances[?State.Name==`running`].InstanceId'",
			params: map[string]any{},
			text:   "ec2 describe-instances --query 'Reservations[].Instances[?State.Name==`running`].InstanceId'",
			action: "ec2:DescribeInstances", query: "Reservations[].Instances[?State.Name==`\"running\"`].InstanceId",
		},
		{
			name:   "IAM prefix differs from the CLI name",
			in:     "stepfunctions list-executions --status-filter FAILED",
			params: map[string]any{"status-filter": "FAILED"},
			text:   "stepfunctions list-executions --status-filter FAILED",
			action: "states:ListExecutions",
		},
		{
			name:   "operation by API name, service in capitals",
			in:     "EC2 DescribeInstances",
			params: map[string]any{},
			text:   "ec2 describe-instances",
			action: "ec2:DescribeInstances",
		},
		{
			name:   "region of another partition",
			in:     "ec2 describe-instances --region cn-north-1",
			params: map[string]any{},
			text:   "ec2 describe-instances --region cn-north-1",
			action: "ec2:DescribeInstances", region: "cn-north-1",
		},
		{
			name:   "inline code and code fence",
			in:     "@aws ```ec2 describe-instances --instance-ids `i-1` ```",
			params: map[string]any{"instance-ids": []any{"i-1"}},
			text:   "ec2 describe-instances --instance-ids i-1",
			action: "ec2:DescribeInstances",
		},
		{
			name:   "quoted dash value is a value",
			in:     "logs filter-log-events --log-group-name g --filter-pattern '-DEBUG'",
			params: map[string]any{"log-group-name": "g", "filter-pattern": "-DEBUG"},
			text:   "logs filter-log-events --log-group-name g --filter-pattern '-DEBUG'",
			action: "logs:FilterLogEvents",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := command.Parse(tt.in, cat)
			require.NoError(t, err)
			assert.Equal(t, tt.params, inv.Params)
			assert.Equal(t, tt.text, inv.Text)
			assert.Equal(t, tt.action, inv.Action())
			assert.Equal(t, tt.region, inv.Region)
			assert.Equal(t, tt.query, inv.Query)
			assert.Equal(t, tt.output, inv.Output)
			assert.True(t, inv.Complete(), "missing %v", inv.Missing)
			require.NotNil(t, inv.Op)
			assert.Equal(t, inv.Operation, inv.Op.Name)

			// The normalised text reads back as the same invocation.
			again, err := command.Resume(inv.Text, cat)
			require.NoError(t, err)
			assert.Equal(t, inv.Params, again.Params)
			assert.Equal(t, inv.Text, again.Text)
			assert.Equal(t, inv.Region, again.Region)
			assert.Equal(t, inv.Query, again.Query)
		})
	}
}

func TestParsePagination(t *testing.T) {
	t.Parallel()
	inv, err := command.Parse("iam list-users --max-items 10 --page-size 5 --starting-token abc", cat)
	require.NoError(t, err)
	assert.Equal(t, 10, inv.MaxItems)
	assert.Equal(t, 5, inv.PageSize)
	assert.Equal(t, "abc", inv.StartingToken)

	_, err = command.Parse("lambda get-function --function-name f --max-items 10", cat)
	require.ErrorIs(t, err, command.ErrUnknownParameter, "not paginated")
}

func TestParseDefaultRegion(t *testing.T) {
	t.Parallel()
	inv, err := command.Parse("iam list-users", cat, command.WithDefaultRegion("eu-west-1"))
	require.NoError(t, err)
	assert.Equal(t, "eu-west-1", inv.Region)
	inv, err = command.Parse("iam list-users --region us-west-2", cat, command.WithDefaultRegion("eu-west-1"))
	require.NoError(t, err)
	assert.Equal(t, "us-west-2", inv.Region)
	_, err = command.Parse("iam list-users --region xx-new-1", cat)
	require.ErrorIs(t, err, command.ErrInvalidValue)
	inv, err = command.Parse("iam list-users --region xx-new-1", cat, command.WithRegions("xx-new-1"))
	require.NoError(t, err)
	assert.Equal(t, "xx-new-1", inv.Region)
}

func TestParseMissing(t *testing.T) {
	t.Parallel()
	inv, err := command.Parse("@aws lambda get-function", cat)
	require.NoError(t, err)
	require.False(t, inv.Complete())
	require.Len(t, inv.Missing, 1)
	assert.Equal(t, "function-name", inv.Missing[0].Name)

	inv, err = command.Parse("cloudwatch set-alarm-state --state-value OK", cat)
	require.NoError(t, err)
	var names []string
	for _, p := range inv.Missing {
		names = append(names, p.Name)
	}
	assert.Equal(t, []string{"alarm-name", "state-reason"}, names, "in catalog order")
}

func TestRefused(t *testing.T) {
	t.Parallel()
	options := []string{"endpoint-url", "profile", "ca-bundle", "no-verify-ssl", "debug", "cli-input-json", "cli-input-yaml", "generate-cli-skeleton"}
	spellings := []func(string) string{
		func(o string) string { return "--" + o + " x" },
		func(o string) string { return "--" + strings.ToUpper(o) + " x" },
		func(o string) string { return "-" + o + " x" },
		func(o string) string { return "\u2014" + o + " x" },
		func(o string) string { return "\u2013" + o + " x" },
		func(o string) string { return "--" + o + "=x" },
		func(o string) string { return "--" + strings.ReplaceAll(o, "-", "_") },
		func(o string) string { return "'--" + o + "'" },
		func(o string) string { return "&#45;&#45;" + o },
	}
	for _, o := range options {
		for i, sp := range spellings {
			for _, in := range []string{
				"ec2 describe-instances " + sp(o),
				sp(o) + " ec2 describe-instances",
				"nosuchservice nosuchop " + sp(o),
				"ec2 describe-instances --instance-ids i-1 " + sp(o) + " --region us-east-1",
			} {
				t.Run(fmt.Sprintf("%s/%d/%s", o, i, in), func(t *testing.T) {
					_, err := command.Parse(in, cat)
					require.ErrorIs(t, err, command.ErrRefused)
					var e *command.Error
					require.True(t, errors.As(err, &e))
					assert.Contains(t, e.UserMessage(), "`--"+o+"` is not allowed from chat: ")
				})
			}
		}
	}
}

func TestRefusedFileValues(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"lambda invoke --function-name f --payload file://event.json",
		"lambda invoke --function-name f --payload fileb://event.bin",
		"lambda invoke --function-name f --payload FILE://event.json",
		"lambda invoke --function-name f --payload=file://event.json",
		"lambda invoke --function-name file:///etc/passwd",
		"ec2 describe-instances --filters Name=x,Values@=file://v.txt",
		"ec2 describe-instances --filters 'Name=x,Values@=file://v.txt'",
		"nosuch op --x fileb:///root/.aws/credentials",
	} {
		t.Run(in, func(t *testing.T) {
			_, err := command.Parse(in, cat)
			require.ErrorIs(t, err, command.ErrRefused)
			var e *command.Error
			require.True(t, errors.As(err, &e))
			assert.Contains(t, e.UserMessage(), "file://")
		})
	}
}

func TestWithRefusedOption(t *testing.T) {
	t.Parallel()
	_, err := command.Parse("iam list-users --Region us-east-1", cat, command.WithRefusedOption("--region", "regions are fixed per channel"))
	require.ErrorIs(t, err, command.ErrRefused)
	assert.Contains(t, err.(*command.Error).UserMessage(), "regions are fixed per channel")
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in          string
		kind        error
		suggestions []string
		msg         string // part of the user message
	}{
		{"", command.ErrEmpty, nil, "Send an AWS CLI command"},
		{"@aws", command.ErrEmpty, nil, "Send an AWS CLI command"},
		{"ec3 describe-instances", command.ErrUnknownService, []string{"ec2"}, "I don't know the service `ec3`."},
		{"cloudwach describe-alarms", command.ErrUnknownService, []string{"cloudwatch"}, "Send `help` for help."},
		{"lambada list-functions", command.ErrUnknownService, []string{"lambda"}, ""},
		{"ec2", command.ErrUnknownOperation, nil, "Which `ec2` operation?"},
		{"ec2 describe-instnces", command.ErrUnknownOperation, []string{"describe-instances"}, "Send `ec2 help` for help."},
		{"cloudwatch describe-alarm", command.ErrUnknownOperation, []string{"describe-alarms"}, "`cloudwatch` has no operation `describe-alarm`."},
		{"ec2 instances", command.ErrUnknownOperation, []string{"describe-instances", "stop-instances"}, ""},
		{"lambda get-function --function-nme f", command.ErrUnknownParameter, []string{"--function-name"}, "`lambda get-function` has no option `--function-nme`."},
		{"cloudwatch describe-alarms --state ALARM", command.ErrUnknownParameter, []string{"--state-value"}, ""},
		{"lambda get-function --function-name -fn", command.ErrMissingValue, nil, "If `-fn` is the value, quote it: '-fn'."},
		{"ec2 describe-instances --instance-ids i-1 -i-2", command.ErrUnknownParameter, nil, "If `-i-2` is a value, quote it: '-i-2'."},
		{"cloudwatch describe-alarms --state-value ALRM", command.ErrInvalidValue, []string{"ALARM"}, "`--state-value` must be one of `OK`, `ALARM` or `INSUFFICIENT_DATA`; you gave `ALRM`."},
		{"cloudwatch describe-alarms --max-records ten", command.ErrInvalidValue, nil, "`--max-records` expects a whole number, like `--max-records 10`"},
		{"cloudwatch describe-alarms --max-records", command.ErrMissingValue, nil, "`--max-records` needs a value, like `--max-records 10`."},
		{"cloudwatch describe-alarms --state-value OK ALARM", command.ErrInvalidValue, nil, "`--state-value` takes one value, but `ALARM` follows it."},
		{"cloudwatch describe-alarms --state-value OK --state-value ALARM", command.ErrInvalidValue, nil, "`--state-value` is given twice"},
		{"lambda get-function my-fn", command.ErrUnknownParameter, nil, "Perhaps `--function-name my-fn`?"},
		{"ec2 describe-instances --region us-est-1", command.ErrInvalidValue, []string{"us-east-1", "us-west-1", "us-east-2"}, "`us-est-1` is not an AWS region."},
		{"ec2 describe-instances --output yaml", command.ErrInvalidValue, nil, "`--output` must be `json`, `table` or `text`"},
		{"ec2 describe-instances --query 'Reservations[.'", command.ErrInvalidValue, nil, "Reservations[.\n             ^"},
		{"ec2 describe-instances --filters Nme=x,Values=y", command.ErrUnknownParameter, []string{"Name"}, "`--filters[0]` has no field `Nme`; its fields are `Name` and `Values`."},
		{"ec2 describe-instances --filters Name=x,Values=y,", command.ErrInvalidValue, nil, "I couldn't read the value of `--filters[0]`"},
		{"ec2 describe-instances --filters {\"Name\": }", command.ErrInvalidValue, nil, "not valid JSON"},
		{"ec2 stop-instances --instance-ids i-1 --force yes", command.ErrInvalidValue, nil, "`--force` takes no value"},
		{"dynamodb update-table --table-name t --provisioned-throughput ReadCapacityUnits=5", command.ErrMissingValue, nil, "needs the field `WriteCapacityUnits`"},
		{"cloudwatch get-metric-statistics --start-time yesterday", command.ErrInvalidValue, nil, "expects a time (ISO 8601 or epoch seconds)"},
		{"ec2 describe-instances --dry-run --no-dry-run", command.ErrInvalidValue, nil, "given twice"},
		{"lambda invoke --function-name f --payload 'a' out.json 'b'", command.ErrInvalidValue, nil, "takes one value"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			inv, err := command.Parse(tt.in, cat)
			require.Error(t, err, "got %+v", inv)
			require.ErrorIs(t, err, tt.kind)
			var e *command.Error
			require.True(t, errors.As(err, &e), "%T", err)
			assert.Equal(t, tt.suggestions, e.Suggestions)
			assert.Contains(t, e.UserMessage(), tt.msg)
			if len(tt.suggestions) > 0 {
				assert.Contains(t, e.UserMessage(), "Did you mean `"+tt.suggestions[0]+"`")
			}
			assert.True(t, strings.HasPrefix(err.Error(), "command: "), err.Error())
		})
	}
}

func TestParseHelp(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, title string }{
		{"help", "AWS commands"},
		{"help ec2", "ec2"},
		{"help ec2 stop-instances", "ec2 stop-instances"},
		{"@aws --help", "AWS commands"},
		{"lambda help", "lambda"},
		{"lambda --help", "lambda"},
		{"cloudwatch describe-alarms help", "cloudwatch describe-alarms"},
		{"cloudwatch describe-alarms --help", "cloudwatch describe-alarms"},
		{"cloudwatch describe-alarms --state-value OK -h", "cloudwatch describe-alarms"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := command.Parse(tt.in, cat)
			require.ErrorIs(t, err, command.ErrHelpRequested)
			var e *command.Error
			require.True(t, errors.As(err, &e))
			require.NotNil(t, e.Help)
			assert.Equal(t, tt.title, e.Help.Title)
			assert.Equal(t, e.Help.Text, e.UserMessage())

			req, err := command.Interpret(tt.in, cat)
			require.NoError(t, err)
			assert.Equal(t, command.KindHelp, req.Kind)
			assert.Equal(t, tt.title, req.Help.Title)
		})
	}
	// A value that happens to be "help" is a value.
	inv, err := command.Parse("lambda get-function --function-name help", cat)
	require.NoError(t, err)
	assert.Equal(t, "help", inv.Params["function-name"])
}

func TestInterpret(t *testing.T) {
	t.Parallel()
	req, err := command.Interpret("@aws ec2 describe-instances", cat)
	require.NoError(t, err)
	assert.Equal(t, command.KindCommand, req.Kind)
	assert.Equal(t, "ec2:DescribeInstances", req.Invocation.Action())

	req, err = command.Interpret("@aws --function-name my-fn", cat)
	require.NoError(t, err)
	assert.Equal(t, command.KindParams, req.Kind)
	assert.Equal(t, "--function-name my-fn", req.Text)

	_, err = command.Interpret("@aws --endpoint-url http://x", cat)
	require.ErrorIs(t, err, command.ErrRefused)

	req, err = command.Interpret("alias list", cat)
	require.NoError(t, err)
	assert.Equal(t, command.KindAlias, req.Kind)
	assert.Equal(t, command.AliasList, req.Alias.Action)

	req, err = command.Interpret("alias help", cat)
	require.NoError(t, err)
	assert.Equal(t, command.KindHelp, req.Kind)
	assert.Equal(t, "Aliases", req.Help.Title)

	req, err = command.Interpret("run stop i-1", cat)
	require.NoError(t, err)
	assert.Equal(t, command.KindAlias, req.Kind)
	assert.Equal(t, command.AliasRun, req.Alias.Action)

	_, err = command.Interpret("ec2 describe-instances --name 'x", cat)
	require.ErrorIs(t, err, command.ErrSyntax)
	assert.Equal(t, "command", command.KindCommand.String())
}

func TestIAMPrefix(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"s3api": "s3", "elbv2": "elasticloadbalancing", "elb": "elasticloadbalancing", "stepfunctions": "states",
		"logs": "logs", "cloudwatch": "cloudwatch", "ec2": "ec2", "configservice": "config", "emr": "elasticmapreduce",
		"opensearch": "es", "sesv2": "ses", "resourcegroupstaggingapi": "tag",
	} {
		assert.Equal(t, want, command.IAMPrefix(in), in)
	}
}

func TestPartitions(t *testing.T) {
	t.Parallel()
	for region, want := range map[string]string{
		"us-east-1": "aws", "eu-central-2": "aws", "cn-northwest-1": "aws-cn", "us-gov-west-1": "aws-us-gov",
		"us-iso-east-1": "aws-iso", "us-isob-east-1": "aws-iso-b", "eu-isoe-west-1": "aws-iso-e", "us-isof-south-1": "aws-iso-f",
		"eusc-de-east-1": "aws-eusc", "us-east-9": "", "aws-global": "",
	} {
		assert.Equal(t, want, command.PartitionOf(region), region)
	}
	ps := command.Partitions()
	ps[0].Regions[0] = "changed"
	assert.Equal(t, "aws", command.PartitionOf("af-south-1"), "Partitions returns a copy")
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"@aws cloudwatch describe-alarms --state-value ALARM --region us-east-1",
		"ec2 describe-instances --filters Name=tag:env,Values=[a, b] 'Name=x,Values=y' --query 'a[?b==`c`]'",
		`lambda invoke --function-name f --payload {"a": [1, {"b": null}]}`,
		"dynamodb update-table --table-name t --provisioned-throughput {\"ReadCapacityUnits\": 1e3}",
		"cloudwatch get-metric-statistics --start-time 2024-01-01 --end-time -1.5e3 --dimensions Name=a,Value=b",
		"ssm start-automation-execution --document-name d --parameters a=b,c",
		"ec2 stop-instances --instance-ids i-1 --no-force --hibernate false -h",
		"iam list-users --max-items 0 --page-size x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		inv, err := command.Parse(s, cat)
		if err != nil {
			var e *command.Error
			var se *command.SyntaxError
			if !errors.As(err, &e) && !errors.As(err, &se) {
				t.Fatalf("error %T is neither *Error nor *SyntaxError: %v", err, err)
			}
			if e != nil {
				_ = e.UserMessage()
			}
			return
		}
		if inv.Op == nil || inv.IAMAction == "" {
			t.Fatalf("incomplete invocation %+v", inv)
		}
	})
}
