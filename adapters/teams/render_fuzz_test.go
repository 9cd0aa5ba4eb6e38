package teams_test

import (
	"strings"
	"testing"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/teams"
	"github.com/opschat/opschat/chat"
)

// Whatever the message, Render produces a card that passes the schema 1.5
// checks and fits the size budget. rep scales the inputs and the number of
// buttons.
func FuzzRenderAdaptiveCard(f *testing.F) {
	f.Add(":warning: t", "https://e.x/?a=1", "text **b**", "v", "a  b\n-  -\nc  d\n", "Show logs", uint8(1))
	f.Add("t", "", "- x\n- y", "", "{\n  \"a\": 1\n}", "", uint8(130))
	f.Fuzz(func(t *testing.T, title, link, text, field, code, label string, rep uint8) {
		n := int(rep)%32 + 1
		m := chat.Message{
			Title: title, TitleLink: link, Text: strings.Repeat(text, n), Summary: title,
			Severity:   chat.Severity(int(rep) % 5),
			Fields:     []chat.Field{{Name: field, Value: strings.Repeat(field, n)}},
			CodeBlocks: []chat.CodeBlock{{Caption: title, Content: strings.Repeat(code, n)}},
			Context:    []string{text},
		}
		for i := range int(rep) % 14 {
			l := label // the first may be blank: a button still needs a title
			if i > 0 {
				l += string(rune('a' + i))
			}
			m.Buttons = append(m.Buttons, chat.Button{ID: "b", Label: l, Value: label})
		}
		c := teams.Render(m, teams.RenderOptions{})
		js := cardJSON(t, c)
		if err := adaptertest.CheckAdaptiveCard([]byte(js)); err != nil {
			t.Fatalf("invalid card: %v", err)
		}
		if len(js) > teams.DefaultMaxCardBytes {
			t.Fatalf("card of %d bytes", len(js))
		}
	})
}
