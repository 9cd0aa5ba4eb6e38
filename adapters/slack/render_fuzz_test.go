package slack_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/chat"
)

// Whatever the message, Render produces a payload within Slack's limits
// (CheckBlockKit, lengths after escaping) or an error: never one Slack
// would refuse with invalid_blocks. rep scales the inputs past the limits.
func FuzzRenderBlockKit(f *testing.F) {
	f.Add("ALARM <x>", "https://console.aws.amazon.com/?a=1&b=2", "text & <!here>", "v&", "a  b\n---  -\nc  d", "Show logs", "logs tail x", "http://img/x.png", uint8(1))
	f.Add(":warning: t", "https://e.x/"+strings.Repeat("&", 40), "**b** _i_ [l](https://x)", "", "```", "", "", "https://e.x/i.png", uint8(200))
	f.Fuzz(func(t *testing.T, title, link, text, field, code, label, value, img string, rep uint8) {
		n := int(rep)%64 + 1
		m := chat.Message{
			Title: strings.Repeat(title, n), TitleLink: link, Text: strings.Repeat(text, n), Summary: title,
			Severity:   chat.Severity(int(rep) % 5),
			Fields:     []chat.Field{{Name: field, Value: strings.Repeat(field, n), Short: rep%2 == 0}, {Name: "b", Value: field}},
			CodeBlocks: []chat.CodeBlock{{Caption: title, Content: strings.Repeat(code, n)}},
			Images:     []chat.Image{{URL: img, AltText: title}},
			Context:    []string{strings.Repeat(text, n)},
			Buttons: []chat.Button{{ID: "run", Label: strings.Repeat(label, n), Value: strings.Repeat(value, n)},
				{ID: "run", Label: label, Value: value}},
		}
		r, err := slack.Render(m, slack.WithMaxBlockChars(40000))
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		post := map[string]any{"text": r.Text}
		if len(r.Blocks) > 0 {
			post["blocks"] = r.Blocks
		}
		if len(r.Attachments) > 0 {
			post["attachments"] = r.Attachments
		}
		b, err := json.Marshal(post)
		if err != nil {
			t.Fatal(err)
		}
		if err := adaptertest.CheckBlockKit(b); err != nil {
			t.Fatalf("invalid payload: %v", err)
		}
	})
}
