package slack_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/chat"
)

// Slack counts the text it receives, after escaping: each '&' of a console
// URL is five characters. Every case must pass the Block Kit checker, which
// measures the same way, and keep what the reader needs.
func TestRenderBudgetsAfterEscaping(t *testing.T) {
	t.Parallel()
	// ~1,300 raw characters, ~2,500 escaped: under 3,000 raw with the
	// title, over it once escaped.
	consoleURL := "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:logs-insights" +
		strings.Repeat("&q=filter%20x", 100)
	hugeURL := "https://console.aws.amazon.com/x?" + strings.Repeat("a=1&", 700)
	tests := []struct {
		name  string
		msg   chat.Message
		check func(t *testing.T, r slack.Rendered, raw string)
	}{
		{"linked title with many ampersands", chat.Message{
			Title: strings.Repeat("Very long alarm title ", 60), TitleLink: consoleURL, Severity: chat.SeverityCritical, Text: "body",
		}, func(t *testing.T, r slack.Rendered, raw string) {
			assert.Contains(t, raw, strings.ReplaceAll(consoleURL, "&", "&amp;"), "the link is kept whole")
			assert.Contains(t, raw, "…", "the label is cut with a marker")
		}},
		{"link too long to keep", chat.Message{Title: "Alarm", TitleLink: hugeURL, Text: "body"},
			func(t *testing.T, r slack.Rendered, raw string) {
				assert.NotContains(t, raw, "a=1&amp;a=1", "the link is dropped")
				assert.Contains(t, raw, `"type":"header"`, "the title stays")
			}},
		{"text full of ampersands", chat.Message{Text: strings.Repeat("a&b ", 2000)}, func(t *testing.T, r slack.Rendered, raw string) {
			assert.Greater(t, len(r.Blocks), 2, "split into several sections")
		}},
		{"code full of angle brackets", chat.Message{CodeBlocks: []chat.CodeBlock{{Content: strings.Repeat("<x>\n", 1500)}}},
			func(t *testing.T, r slack.Rendered, raw string) {
				assert.Contains(t, raw, "&lt;x&gt;")
			}},
		{"field full of ampersands", chat.Message{Fields: []chat.Field{{Name: "Query", Value: strings.Repeat("&", 1000), Short: true}}},
			func(t *testing.T, r slack.Rendered, raw string) {
				assert.Contains(t, raw, "…", "cut with a marker")
			}},
		{"http image becomes a link", chat.Message{Text: "graph", Images: []chat.Image{{URL: "http://grafana.internal/render?a=1&b=2", AltText: "Errors"}}},
			func(t *testing.T, r slack.Rendered, raw string) {
				assert.NotContains(t, raw, `"type":"image"`)
				assert.Contains(t, raw, "<http://grafana.internal/render?a=1&amp;b=2|Errors>")
			}},
		{"https image stays an image", chat.Message{Text: "graph", Images: []chat.Image{{URL: "https://e.example/g.png", AltText: "Errors"}}},
			func(t *testing.T, r slack.Rendered, raw string) {
				assert.Contains(t, raw, `"image_url":"https://e.example/g.png"`)
			}},
		{"related buttons share a row with unique action_ids", chat.Message{Text: "x", Buttons: []chat.Button{
			{ID: "run-command", Label: "Show logs", Value: "logs a"}, {ID: "run-command", Label: "Show error logs", Value: "logs b"},
			{ID: "run-command#2", Label: "Literal", Value: "c"}}},
			func(t *testing.T, r slack.Rendered, raw string) {
				assert.Equal(t, 1, strings.Count(raw, `"type":"actions"`))
				assert.Contains(t, raw, `"action_id":"run-command#2#2"`, "a literal #2 ID is not reused")
				assert.Equal(t, "run-command#2", slack.ButtonID("run-command#2#2"), "and comes back as itself")
			}},
		{"severity keeps the summary out of the body", chat.Message{Title: "ALARM: x", Summary: "ALARM: x", Text: "details", Severity: chat.SeverityCritical},
			func(t *testing.T, r slack.Rendered, raw string) {
				require.NotEmpty(t, r.Blocks, "top-level blocks make Slack use text only as the notification fallback")
				require.Len(t, r.Attachments, 1)
				assert.Equal(t, "ALARM: x", r.Text)
				b, err := json.Marshal(r.Attachments[0].Blocks)
				require.NoError(t, err)
				assert.NotContains(t, string(b), "ALARM: x", "the title is shown once, above the bar")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := slack.Render(tt.msg, slack.WithMaxBlockChars(40000))
			require.NoError(t, err)
			checkBlockKit(t, r)
			assertNoPings(t, r)
			b, err := json.Marshal(struct {
				B any `json:"b"`
				A any `json:"a"`
			}{r.Blocks, r.Attachments})
			require.NoError(t, err)
			var raw strings.Builder
			enc := json.NewEncoder(&raw)
			enc.SetEscapeHTML(false)
			var v any
			require.NoError(t, json.Unmarshal(b, &v))
			require.NoError(t, enc.Encode(v))
			tt.check(t, r, raw.String())
		})
	}
}

func TestButtonID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"run": "run", "run#2": "run", "run#12": "run", "run#": "run#", "#2": "#2", "a#b": "a#b", "a#2#3": "a#2"} {
		assert.Equal(t, want, slack.ButtonID(in), in)
	}
}

// Every shared golden case (far over the limits, every part set, eight
// buttons with a repeated ID, emoji, tables) renders to a payload Slack
// accepts.
func TestRenderSharedCasesPassBlockKitChecks(t *testing.T) {
	t.Parallel()
	for _, c := range adaptertest.GoldenCases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			r, err := slack.Render(c.Msg)
			require.NoError(t, err)
			checkBlockKit(t, r)
			assertNoPings(t, r)
		})
	}
}
