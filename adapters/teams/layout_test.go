package teams_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/teams"
	"github.com/opschat/opschat/chat"
)

// table builds aligned command output the way awsexec does.
func table(header []string, rows ...[]string) string {
	all := append([][]string{header}, rows...)
	widths := make([]int, len(header))
	for _, r := range all {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	line := func(r []string) string {
		var b strings.Builder
		for i, c := range r {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(c + strings.Repeat(" ", widths[i]-len([]rune(c))))
		}
		return strings.TrimRight(b.String(), " ") + "\n"
	}
	var b strings.Builder
	b.WriteString(line(header))
	dashes := make([]string, len(widths))
	for i, w := range widths {
		dashes[i] = strings.Repeat("-", w)
	}
	b.WriteString(strings.Join(dashes, "  ") + "\n")
	for _, r := range rows {
		b.WriteString(line(r))
	}
	return b.String()
}

func findType(els []teams.Element, typ string) *teams.Element {
	for i := range els {
		if els[i].Type == typ {
			return &els[i]
		}
		if f := findType(els[i].Items, typ); f != nil {
			return f
		}
	}
	return nil
}

func TestRenderCodeBlockLayout(t *testing.T) {
	t.Parallel()
	manyRows := make([][]string, 51)
	for i := range manyRows {
		manyRows[i] = []string{fmt.Sprintf("i-%d", i), "running"}
	}
	tests := []struct {
		name    string
		content string
		table   bool
		check   func(t *testing.T, c teams.Card)
	}{
		{"aligned table", table([]string{"Name", "State"}, []string{"web <1>", "running"}, []string{"db", ""}), true,
			func(t *testing.T, c teams.Card) {
				tb := findType(c.Body, "Table")
				require.NotNil(t, tb)
				require.Len(t, tb.Rows, 3)
				assert.Equal(t, "web <1>", tb.Rows[1].Cells[0].Items[0].Text)
				assert.Equal(t, " ", tb.Rows[2].Cells[1].Items[0].Text, "an empty cell still has text")
			}},
		{"markdown in cells is literal", table([]string{"Pattern", "N"}, []string{"**x** _y_", "1"}), true,
			func(t *testing.T, c teams.Card) {
				assert.Equal(t, `\*\*x\*\* \_y\_`, findType(c.Body, "Table").Rows[1].Cells[0].Items[0].Text)
			}},
		{"seven columns", table([]string{"a", "b", "c", "d", "e", "f", "g"}, []string{"1", "2", "3", "4", "5", "6", "7"}), false, nil},
		{"long cell", table([]string{"Message", "N"}, []string{strings.Repeat("x", 65), "1"}), false, nil},
		{"too many rows", table([]string{"Id", "State"}, manyRows...), false, nil},
		{"misaligned row", "Name  State\n----  -----\nweb-server running\n", false, nil},
		{"not a table", "Name  State\nweb   running\n", false, nil},
		{"json keeps its indentation", "{\n  \"a\": {\n    \"b\": 1\n  }\n}\n", false,
			func(t *testing.T, c teams.Card) {
				run := findType(c.Body, "RichTextBlock").Inlines[0]
				assert.Equal(t, "Monospace", run.FontType)
				assert.Equal(t, "{\n\u00a0\u00a0\"a\": {\n\u00a0\u00a0\u00a0\u00a0\"b\": 1\n\u00a0\u00a0}\n}", run.Text)
			}},
		{"tabs expand, single spaces stay", "a\tb c  d", false,
			func(t *testing.T, c teams.Card) {
				run := findType(c.Body, "RichTextBlock").Inlines[0]
				assert.Equal(t, "a"+strings.Repeat("\u00a0", 7)+"b c\u00a0\u00a0d", run.Text)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := teams.Render(chat.Message{CodeBlocks: []chat.CodeBlock{{Content: tt.content}}}, teams.RenderOptions{})
			assert.NoError(t, adaptertest.CheckAdaptiveCard([]byte(cardJSON(t, c))))
			assert.Equal(t, tt.table, findType(c.Body, "Table") != nil)
			if !tt.table {
				mono := findType(c.Body, "RichTextBlock")
				require.NotNil(t, mono)
				assert.NotContains(t, mono.Inlines[0].Text, "  ", "no run of spaces for Teams to collapse")
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestRenderEmojiShortcodes(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{":warning: disk", "⚠️ disk"},
		{":white_check_mark::x:", "✅❌"},
		{"at 10:00:00 UTC", "at 10:00:00 UTC"},
		{"arn:aws:sns:us-east-1:123:topic", "arn:aws:sns:us-east-1:123:topic"},
		{":unknown_code: :fire:", ":unknown_code: 🔥"},
		{"::", "::"},
		{"a :rotating_light", "a :rotating_light"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			c := teams.Render(chat.Message{Text: tt.in, Fields: []chat.Field{{Name: "f", Value: tt.in}},
				CodeBlocks: []chat.CodeBlock{{Content: tt.in}}}, teams.RenderOptions{})
			var text strings.Builder
			for _, r := range c.Body[0].Inlines {
				text.WriteString(r.Text)
			}
			assert.Equal(t, tt.want, text.String())
			assert.Equal(t, tt.in, strings.ReplaceAll(findType(c.Body, "Container").Items[0].Inlines[0].Text, "\u00a0", " "),
				"code blocks are literal")
		})
	}
}

func TestRenderCapsVisibleActions(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 6, 7, 12} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			var buttons []chat.Button
			for i := range n {
				buttons = append(buttons, chat.Button{ID: fmt.Sprint("b", i), Label: fmt.Sprint("Button ", i), Value: "v"})
			}
			c := teams.Render(chat.Message{Text: "x", Buttons: buttons}, teams.RenderOptions{})
			assert.NoError(t, adaptertest.CheckAdaptiveCard([]byte(cardJSON(t, c))))
			require.LessOrEqual(t, len(c.Actions), teams.MaxVisibleActions)
			// Every button is still there, in order: in the bar, then
			// behind "More…".
			var ids []any
			for _, a := range c.Actions {
				if a.Type == "Action.ShowCard" {
					require.NotNil(t, a.Card)
					for _, set := range a.Card.Body {
						assert.LessOrEqual(t, len(set.Actions), teams.MaxVisibleActions)
						for _, sa := range set.Actions {
							ids = append(ids, sa.Data["id"])
						}
					}
					continue
				}
				ids = append(ids, a.Data["id"])
			}
			var want []any
			for _, b := range buttons {
				want = append(want, b.ID)
			}
			assert.Equal(t, want, ids, "no button is dropped")
			if n > teams.MaxVisibleActions {
				assert.Equal(t, "Action.ShowCard", c.Actions[len(c.Actions)-1].Type)
			}
		})
	}
}
