package slack_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/notify"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenView is what the golden files hold: the payload Slack receives, and
// the files the adapter would upload (by name and size).
type goldenView struct {
	slack.Rendered
	Uploads []goldenUpload `json:"uploads,omitempty"`
}

type goldenUpload struct {
	Name  string `json:"name"`
	Title string `json:"title,omitempty"`
	Bytes int    `json:"bytes"`
}

func checkGolden(t *testing.T, name string, r slack.Rendered) {
	t.Helper()
	checkBlockKit(t, r)
	v := goldenView{Rendered: r}
	for _, u := range r.Uploads {
		v.Uploads = append(v.Uploads, goldenUpload{Name: u.Name, Title: u.Title, Bytes: len(u.Data)})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(v))
	got := buf.Bytes()
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	assert.Equal(t, string(want), string(got))
}

// checkBlockKit checks what chat.postMessage would receive against Slack's
// documented limits, measured after escaping.
func checkBlockKit(t *testing.T, r slack.Rendered) {
	t.Helper()
	post := map[string]any{"text": r.Text}
	if len(r.Blocks) > 0 {
		post["blocks"] = r.Blocks
	}
	if len(r.Attachments) > 0 {
		post["attachments"] = r.Attachments
	}
	payload, err := json.Marshal(post)
	require.NoError(t, err)
	assert.NoError(t, adaptertest.CheckBlockKit(payload))
}

func alarm() chat.Message {
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

func TestRenderGolden(t *testing.T) {
	long := strings.Repeat("i-0123456789abcdef0  running  t3.micro  10.0.0.1  web-<server>&co\n", 400)
	tests := []struct {
		name string
		msg  chat.Message
	}{
		{"alarm", alarm()},
		// The graph the notification pipeline attaches: shown from the
		// file the adapter uploaded first (options below), else attached
		// after the post.
		{"alarm_graph_inline", adaptertest.AlarmGraphMessage()},
		{"alarm_graph", adaptertest.AlarmGraphMessage()},
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []slack.RenderOption
			if tt.name == "alarm_graph_inline" {
				opts = append(opts, slack.WithImageFiles("F0GRAPH"))
			}
			r, err := slack.Render(tt.msg, opts...)
			require.NoError(t, err)
			assertNoPings(t, r)
			checkGolden(t, tt.name, r)
		})
	}
}

// TestRenderNeverPings checks on every golden case that no Slack control
// sequence other than a safe link survives rendering.
func TestRenderNeverPings(t *testing.T) {
	r, err := slack.Render(chat.Message{
		Title: "<!channel>", Text: "<!here> <@U1> <#C1> <!subteam^S1>", Summary: "<!channel>",
		Fields:     []chat.Field{{Name: "<@U1>", Value: "<!here>"}},
		CodeBlocks: []chat.CodeBlock{{Caption: "<!here>", Content: "<!channel>"}},
		Context:    []string{"<!channel>"}, Buttons: []chat.Button{{ID: "b", Label: "<!channel>"}},
	})
	require.NoError(t, err)
	assertNoPings(t, r)
}

// assertNoPings walks the rendered payload and checks every string Slack
// parses as mrkdwn (mrkdwn text objects, the text fallback): none may hold a
// control sequence other than a link to a safe URL. plain_text objects are
// never parsed by Slack and are left out.
func assertNoPings(t *testing.T, r slack.Rendered) {
	t.Helper()
	b, err := json.Marshal(r)
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	var texts []string
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			if x["type"] == "mrkdwn" {
				texts = append(texts, x["text"].(string))
			}
			for k, c := range x {
				if k == "fallback" {
					texts = append(texts, c.(string))
				}
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	texts = append(texts, r.Text)
	bad := regexp.MustCompile(`<(?:[^hm]|h(?:[^t]|t[^t])|m[^a])`)
	for _, s := range texts {
		assert.NotRegexp(t, bad, s)
		for _, m := range regexp.MustCompile(`<([^>]*)>`).FindAllStringSubmatch(s, -1) {
			assert.Regexp(t, `^(https?://|mailto:)[^<|]*(\|[^<]*)?$`, m[1], "only safe links: %q", s)
		}
	}
}

func TestRenderLimits(t *testing.T) {
	t.Run("many fields", func(t *testing.T) {
		var fields []chat.Field
		for range 25 {
			fields = append(fields, chat.Field{Name: "n", Value: "v", Short: true})
		}
		r, err := slack.Render(chat.Message{Fields: fields})
		require.NoError(t, err)
		require.Len(t, r.Blocks, 3, "10 fields per section")
		assert.False(t, r.Truncated)
	})
	t.Run("blocks and characters", func(t *testing.T) {
		var cbs []chat.CodeBlock
		for range 80 {
			cbs = append(cbs, chat.CodeBlock{Content: strings.Repeat("x", 100)})
		}
		r, err := slack.Render(chat.Message{CodeBlocks: cbs, Buttons: []chat.Button{{ID: "ok", Label: "OK"}}})
		require.NoError(t, err)
		assert.True(t, r.Truncated)
		assert.LessOrEqual(t, len(r.Blocks), 50)
		b, err := json.Marshal(r.Blocks)
		require.NoError(t, err)
		assert.Contains(t, string(b), `"action_id":"ok"`, "buttons survive truncation")
		require.NotEmpty(t, r.Uploads)
		assert.Equal(t, "message.txt", r.Uploads[0].Name)
		assert.Equal(t, 80, strings.Count(string(r.Uploads[0].Data), strings.Repeat("x", 100)), "the file has everything")
	})
	t.Run("section size", func(t *testing.T) {
		r, err := slack.Render(chat.Message{Text: strings.Repeat("word ", 1000)}, slack.WithMaxBlockChars(40000))
		require.NoError(t, err)
		assert.False(t, r.Truncated)
		require.Len(t, r.Blocks, 2)
		b, err := json.Marshal(r.Blocks)
		require.NoError(t, err)
		var blocks []struct {
			Text struct{ Text string } `json:"text"`
		}
		require.NoError(t, json.Unmarshal(b, &blocks))
		total := 0
		for _, bl := range blocks {
			assert.LessOrEqual(t, len([]rune(bl.Text.Text)), 3000)
			total += len(bl.Text.Text)
		}
		assert.Equal(t, 5000, total, "nothing lost in the split")
	})
	t.Run("button value too long", func(t *testing.T) {
		r, err := slack.Render(chat.Message{Text: "x", Buttons: []chat.Button{
			{ID: "b", Label: "Too long", Value: strings.Repeat("v", 2001)}, {ID: "ok", Label: "OK", Value: "ok"}}})
		require.NoError(t, err, "a button that cannot be sent is left out, the message is not lost")
		b, err := json.Marshal(r.Blocks)
		require.NoError(t, err)
		assert.NotContains(t, string(b), `"action_id":"b"`)
		assert.Contains(t, string(b), `"action_id":"ok"`)
		assert.Contains(t, string(b), "left out", "the reader is told")
	})
	t.Run("duplicate action IDs stay on one row", func(t *testing.T) {
		r, err := slack.Render(chat.Message{Buttons: []chat.Button{{ID: "run", Label: "A", Value: "a"}, {ID: "run", Label: "B", Value: "b"}}})
		require.NoError(t, err)
		require.Len(t, r.Blocks, 1)
		b, err := json.Marshal(r.Blocks)
		require.NoError(t, err)
		assert.Contains(t, string(b), `"action_id":"run"`)
		assert.Contains(t, string(b), `"action_id":"run#2"`)
	})
}

func TestModal(t *testing.T) {
	v := slack.Modal(&chat.Form{ID: "p", Title: "A very long title for a modal window", Fields: []chat.FormField{
		{ID: "a", Label: "A", Required: true}, {ID: "b", Label: "B", Options: []string{"x", "y"}},
	}})
	b, err := json.Marshal(v)
	require.NoError(t, err)
	s := string(b)
	assert.Contains(t, s, `"callback_id":"opschat.form"`)
	assert.Contains(t, s, `"type":"static_select"`)
	assert.Contains(t, s, `"optional":true`)
	assert.LessOrEqual(t, len([]rune(v.Title.Text)), 24)
}

// TestRenderNotifications renders what notify's default formatter makes of
// every sample notification type (CloudWatch alarms, EventBridge events,
// custom notifications, …) and keeps the Block Kit as golden files. When
// notify's formatting changes on purpose, refresh them with
// go test ./adapters/slack -run TestRenderNotifications -update.
func TestRenderNotifications(t *testing.T) {
	samples, err := filepath.Glob(filepath.Join("..", "..", "notify", "testdata", "samples", "*"))
	require.NoError(t, err)
	require.NotEmpty(t, samples)
	for _, path := range samples {
		if filepath.Ext(path) == ".md" {
			continue // the samples' documentation (SOURCES.md), not a sample
		}
		name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(path)
			require.NoError(t, err)
			_, m := notify.Preview(body)
			r, err := slack.Render(m)
			require.NoError(t, err)
			assertNoPings(t, r)
			checkGolden(t, filepath.Join("notify", name), r)
		})
	}
}
