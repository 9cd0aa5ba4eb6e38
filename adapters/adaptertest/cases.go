package adaptertest

import (
	"slices"
	"strings"

	"github.com/opschat/opschat/chat"
)

// GoldenCase is a named message for golden-file tests of renderers.
type GoldenCase struct {
	Name string
	Msg  chat.Message
}

func alarmMessage() chat.Message {
	return chat.Message{
		Title:     `ALARM: "HighErrors" in US East (N. Virginia)`,
		TitleLink: "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/HighErrors",
		Text:      "Threshold crossed: 1 out of the last 1 datapoints [5.0 (24/11/26 10:00:00)] was **greater than** the threshold (1.0).",
		Summary:   "ALARM: HighErrors in us-east-1",
		Severity:  chat.SeverityCritical,
		Fields: []chat.Field{
			{Name: "State", Value: "OK → ALARM", Short: true},
			{Name: "Region", Value: "us-east-1", Short: true},
			{Name: "Metric", Value: "AWS/Lambda Errors", Short: true},
			{Name: "Account", Value: "123456789012", Short: true},
		},
		Images:  []chat.Image{{URL: "https://example.com/graph.png", AltText: "Errors over 1 hour"}},
		Context: []string{"CloudWatch Alarm · account 123456789012 · us-east-1", "2026-11-24 10:00 UTC"},
		Buttons: []chat.Button{
			{ID: "show-logs", Label: "Show logs", Value: "logs tail /aws/lambda/orders"},
			{ID: "show-graph", Label: "Show graph", Value: "cloudwatch graph HighErrors"},
		},
	}
}

// GraphPNG returns a tiny valid PNG (1×1) standing in for an alarm graph in
// golden files, so they stay small and readable.
func GraphPNG() []byte { return slices.Clone(pngBytes) }

// AlarmGraphMessage is the alarm notification with its graph as the
// notification pipeline attaches it (chatops.WithAlarmGraphs): PNG bytes
// fetched with GetMetricWidgetImage, not a link.
func AlarmGraphMessage() chat.Message {
	m := alarmMessage()
	m.Images = []chat.Image{{Data: GraphPNG(), ContentType: "image/png", Name: "HighErrors.png", AltText: "CloudWatch graph of alarm HighErrors"}}
	return m
}

// GoldenCases returns the messages every renderer's golden files are made
// from, so the Slack, Teams and Chime renderings of the same input sit side
// by side: the inputs of the Slack adapter's goldens plus cases far over the
// size limits, Markdown specials in fields, and every part set.
func GoldenCases() []GoldenCase {
	long := strings.Repeat("i-0123456789abcdef0  running  t3.micro  10.0.0.1  web-<server>&co\n", 400)
	return []GoldenCase{
		{"alarm", alarmMessage()},
		{"alarm_graph", AlarmGraphMessage()},
		{"command_table", chat.Message{
			Text: "`ec2 describe-instances --region us-east-1`",
			CodeBlocks: []chat.CodeBlock{{Language: "text", Content: "InstanceId           State    Type\n" +
				"i-0123456789abcdef0  running  t3.micro\ni-0fedcba9876543210  stopped  m5.large"}},
			Context: []string{"Ran by <@U123> as role `ReadOnly` in 123456789012"},
		}},
		{"error_reply", chat.Message{
			Title:    "Command failed",
			Text:     "**AccessDenied**: the channel guardrail does not allow `ec2:TerminateInstances`.\nAsk an admin to add it, or run a read-only command.",
			Summary:  "Command failed: AccessDenied",
			Severity: chat.SeverityWarning,
		}},
		{"confirmation", chat.Message{
			Text:     "This will **stop** 2 instances in us-east-1:\n- i-0123456789abcdef0\n- i-0fedcba9876543210",
			Summary:  "Confirm: ec2 stop-instances",
			Severity: chat.SeverityWarning,
			Buttons: []chat.Button{
				{ID: "confirm", Label: "Confirm", Value: "pending-42", Style: chat.ButtonPrimary},
				{ID: "cancel", Label: "Cancel", Value: "pending-42", Style: chat.ButtonDanger},
			},
		}},
		{"form_prompt", chat.Message{
			Text: "`lambda invoke` needs more parameters.",
			Form: &chat.Form{ID: "prompt", Value: "pending-7", Title: "Missing parameters", SubmitLabel: "Run",
				Fields: []chat.FormField{
					{ID: "function-name", Label: "Function name", Placeholder: "my-function", Required: true},
					{ID: "invocation-type", Label: "Invocation type", Options: []string{"RequestResponse", "Event", "DryRun"}},
				}},
		}},
		{"truncated_with_file", chat.Message{
			Title:      "ec2 describe-instances",
			CodeBlocks: []chat.CodeBlock{{Caption: "Output", Content: long}},
			Buttons:    []chat.Button{{ID: "rerun", Label: "Run again", Value: "ec2 describe-instances"}},
			Files:      []chat.File{{Name: "output.json", Data: []byte(`{"Reservations":[]}`)}},
		}},
		{"escaping", chat.Message{
			Title: "<!channel> title",
			Text:  "<!here> <@U123> <#C1|general> <https://evil.example|click> & [safe](https://example.com/?a=1&b=2|x) [bad](javascript:alert(1))",
			Fields: []chat.Field{
				{Name: "<!everyone>", Value: "<https://evil.example|forged>", Short: true},
			},
			CodeBlocks: []chat.CodeBlock{{Content: "```\n<!channel>\n```"}},
			Context:    []string{"by <@U999>"},
		}},
		// Far over the size limits, Markdown specials in fields, and
		// every part set.
		{"truncated_large", chat.Message{
			Title:      "logs filter-log-events",
			Text:       "Showing events for `/aws/lambda/orders`.",
			CodeBlocks: []chat.CodeBlock{{Caption: "Events", Content: strings.Repeat("2026-11-24T10:00:00Z ERROR order_id=42 *failed* [retry]\n", 2000)}},
			Buttons:    []chat.Button{{ID: "more", Label: "Show more", Value: "next-token"}},
		}},
		{"markdown_in_fields", chat.Message{
			Fields: []chat.Field{
				{Name: "Function", Value: "my_function_name"},
				{Name: "Pattern", Value: "**not bold** _not italic_ [not](https://a.link) `not code`"},
				{Name: "Delta", Value: "-5"},
			},
		}},
		{"full", FullMessage()},
		// Command output as awsexec renders it: an aligned table (header,
		// dash line, padded rows), a truncation note, and pretty JSON.
		{"aws_table", chat.Message{
			Text: "`ec2 describe-instances --region us-east-1`",
			CodeBlocks: []chat.CodeBlock{{Caption: "Instances (3)", Language: "text", Content: "" +
				"InstanceId           State    InstanceType  PrivateIpAddress  Name\n" +
				"-------------------  -------  ------------  ----------------  ---------------\n" +
				"i-0123456789abcdef0  running  t3.micro      10.0.0.1          web-1\n" +
				"i-0fedcba9876543210  stopped  m5.large      10.0.0.2\n" +
				"i-0aaaabbbbccccdddd  running  t3.small      10.0.0.3          api <internal>\n" +
				"… (2 more lines)\n"}},
		}},
		{"json_output", chat.Message{
			CodeBlocks: []chat.CodeBlock{{Language: "json", Content: "{\n  \"Functions\": [\n    {\n      \"FunctionName\": \"orders\",\n" +
				"      \"Runtime\": \"python3.12\"\n    }\n  ]\n}\n"}},
		}},
		{"emoji_and_many_buttons", chat.Message{
			Title:    ":rotating_light: Deployment failed :x:",
			Text:     ":warning: Rollback started at 10:00:00 for arn:aws:ecs:us-east-1:123456789012:service/web :fire: :not_a_code:",
			Severity: chat.SeverityCritical,
			Fields:   []chat.Field{{Name: "Status", Value: ":white_check_mark: healthy", Short: true}},
			Buttons: []chat.Button{
				{ID: "run-command", Label: "Show logs", Value: "logs tail a"},
				{ID: "run-command", Label: "Show error logs", Value: "logs tail a --filter-pattern ERROR"},
				{ID: "a3", Label: "Describe service", Value: "ecs describe-services"},
				{ID: "a4", Label: "List tasks", Value: "ecs list-tasks"},
				{ID: "a5", Label: "Show events", Value: "ecs describe-services --query events"},
				{ID: "a6", Label: "Roll back", Value: "ecs update-service", Style: chat.ButtonDanger},
				{ID: "a7", Label: "Scale up", Value: "ecs update-service --desired-count 4"},
				{ID: "a8", Label: "Open runbook", Value: "runbook web"},
			},
		}},
	}
}
