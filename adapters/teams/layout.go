package teams

import (
	"strings"
	"unicode/utf8"

	"github.com/opschat/opschat/chat"
)

// Limits of the native Table layout. Beyond them a table is shown as
// monospace text: Teams squeezes every column into the card's width, so a
// wide or long-celled table wraps each cell into an unreadable column of
// fragments, and each cell costs ~80 bytes of JSON against the size budget.
const (
	maxTableColumns = 6
	maxTableRows    = 50
	maxTableCell    = 64
)

// MaxVisibleActions is how many actions a card's action bar (or an action
// set) holds. Teams shows up to six; with more, the first
// MaxVisibleActions-1 stay buttons and a "More…" button shows the rest, so
// none is dropped.
const MaxVisibleActions = 6

// SubCard is the card an Action.ShowCard reveals: it inherits the version
// of the card it is in.
type SubCard struct {
	Type string    `json:"type"`
	Body []Element `json:"body"`
}

// TableColumn is a column definition of an Adaptive Card Table (1.5).
type TableColumn struct {
	Width int `json:"width"`
}

// TableRow is a row of a Table.
type TableRow struct {
	Type  string      `json:"type"`
	Cells []TableCell `json:"cells"`
}

// TableCell is a cell of a TableRow.
type TableCell struct {
	Type  string    `json:"type"`
	Items []Element `json:"items"`
}

// codeElements renders a code block: a native Table when the content is a
// column-aligned table that fits, else monospace text whose alignment
// survives Teams (see preserveSpaces).
func codeElements(cb chat.CodeBlock) []Element {
	var out []Element
	if cb.Caption != "" {
		out = append(out, Element{Type: "RichTextBlock", Inlines: []TextRun{
			{Type: "TextRun", Text: cb.Caption, Weight: "Bolder", Size: "Small"}}})
	}
	if rows, note, ok := parseTable(cb.Content); ok {
		out = append(out, tableElement(rows))
		if note != "" {
			out = append(out, Element{Type: "RichTextBlock", Spacing: "None", Inlines: []TextRun{
				{Type: "TextRun", Text: note, IsSubtle: true, Size: "Small"}}})
		}
		return out
	}
	text := preserveSpaces(strings.TrimRight(cb.Content, "\n"))
	if text == "" {
		text = " "
	}
	return append(out, Element{Type: "Container", Style: "emphasis", Spacing: "Small", Items: []Element{{
		Type: "RichTextBlock", Inlines: []TextRun{{Type: "TextRun", Text: text, FontType: "Monospace"}}}}})
}

func tableElement(rows [][]string) Element {
	t := Element{Type: "Table", FirstRowAsHeader: true, GridStyle: "accent", Spacing: "Small"}
	// Widths are weights: the renderer shares the card's width out in
	// proportion, after each cell's fixed padding. Counting characters
	// alone wrapped cells in Microsoft's renderer (the browser check):
	// most characters are twice as wide as "i" or "-", capitals more, the bold
	// header is wider than the body, and the padding is the same for every
	// column. So each cell is weighed by textWidth, plus the padding.
	widths := make([]int, len(rows[0]))
	for ri, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], textWidth(c, ri == 0))
		}
	}
	for _, w := range widths {
		t.Columns = append(t.Columns, TableColumn{Width: w + cellPadding})
	}
	for ri, r := range rows {
		row := TableRow{Type: "TableRow"}
		for _, c := range r {
			tb := Element{Type: "TextBlock", Text: escapeMarkdown(c), Wrap: true}
			if c == "" {
				tb.Text = " "
			}
			if ri == 0 {
				tb.Weight = "Bolder"
			}
			row.Cells = append(row.Cells, TableCell{Type: "TableCell", Items: []Element{tb}})
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// cellPadding is a table cell's padding in textWidth units.
const cellPadding = 8

// textWidth estimates how wide s is in a proportional UI font (Segoe UI,
// as Teams uses), in tenths of an em: narrow punctuation and i/l/t/f 3,
// capitals, m and w 8, the rest 6 (measured against the sans-serif fonts
// Microsoft's renderer falls back to, which run wider than Segoe UI); bold
// adds a tenth. The first maxTableCell characters count (longer cells wrap
// anyway); at least 1.
func textWidth(s string, bold bool) int {
	w, n := 0, 0
	for _, r := range s {
		if n++; n > maxTableCell {
			break
		}
		switch {
		case strings.ContainsRune(" .,:;'!|-()[]/ijltfI", r):
			w += 3
		case (r >= 'A' && r <= 'Z') || r == 'm' || r == 'w':
			w += 8
		default:
			w += 6
		}
	}
	if bold {
		w += w / 10
	}
	return max(w, 1)
}

// parseTable recognises the aligned tables command output uses: a header
// line, a line of dash runs (one per column, two spaces apart) and rows
// padded to the columns. It returns the cells (header first) and a trailing
// note line ("… (12 more lines)"), and false when the text is not such a
// table or does not fit the Table limits.
func parseTable(s string) (rows [][]string, note string, ok bool) {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) < 3 {
		return nil, "", false
	}
	starts := dashColumns(lines[1])
	if len(starts) < 2 || len(starts) > maxTableColumns {
		return nil, "", false
	}
	body := lines[2:]
	if last := body[len(body)-1]; strings.HasPrefix(last, "…") {
		note, body = last, body[:len(body)-1]
	}
	if len(body) == 0 || len(body) > maxTableRows {
		return nil, "", false
	}
	for _, l := range append([]string{lines[0]}, body...) {
		cells, ok := splitColumns(l, starts)
		if !ok {
			return nil, "", false
		}
		rows = append(rows, cells)
	}
	return rows, note, true
}

// dashColumns returns the rune offsets where the dash runs of a separator
// line start, or nil when the line is not one.
func dashColumns(line string) []int {
	var starts []int
	r := []rune(line)
	for i := 0; i < len(r); {
		if r[i] != '-' {
			return nil
		}
		starts = append(starts, i)
		for i < len(r) && r[i] == '-' {
			i++
		}
		if i == len(r) {
			break
		}
		if i+2 > len(r) || r[i] != ' ' || r[i+1] != ' ' {
			return nil
		}
		i += 2
	}
	return starts
}

// splitColumns cuts a line at the column offsets. Each cell must be
// separated from the next by two spaces, so a line that does not follow the
// layout (free text, a cell that overflowed) is refused rather than cut in
// the middle of a word.
func splitColumns(line string, starts []int) ([]string, bool) {
	r := []rune(line)
	cells := make([]string, len(starts))
	for i, st := range starts {
		if st >= len(r) {
			continue // trailing empty cells are trimmed from the line
		}
		if i > 0 && (r[st-1] != ' ' || r[st-2] != ' ') {
			return nil, false
		}
		end := len(r)
		if i+1 < len(starts) {
			end = min(starts[i+1], len(r))
		}
		c := strings.TrimSpace(string(r[st:end]))
		if utf8.RuneCountInString(c) > maxTableCell {
			return nil, false
		}
		cells[i] = c
	}
	return cells, true
}

// preserveSpaces keeps monospace alignment in Teams, whose renderers
// collapse runs of white space as HTML does: tabs become spaces (8-column
// stops), and every space that starts a line or neighbours another space
// becomes a no-break space, which is never collapsed. A lone space between
// words stays, so long lines still wrap.
func preserveSpaces(s string) string {
	if !strings.ContainsAny(s, " \t") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for li, line := range strings.Split(s, "\n") {
		if li > 0 {
			b.WriteByte('\n')
		}
		r := []rune(expandTabs(line))
		for i, c := range r {
			if c == ' ' && (i == 0 || r[i-1] == ' ' || (i+1 < len(r) && r[i+1] == ' ') || i == len(r)-1) {
				b.WriteRune('\u00a0')
				continue
			}
			b.WriteRune(c)
		}
	}
	return b.String()
}

func expandTabs(line string) string {
	if !strings.Contains(line, "\t") {
		return line
	}
	var b strings.Builder
	col := 0
	for _, c := range line {
		if c == '\t' {
			n := 8 - col%8
			b.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		}
		b.WriteRune(c)
		col++
	}
	return b.String()
}

// capActions keeps at most MaxVisibleActions actions in the card's action
// bar: with more, the first MaxVisibleActions-1 stay and the rest move into
// an Action.ShowCard ("More…") whose card holds them in action sets of at
// most MaxVisibleActions each. Hosts refuse or silently drop actions over
// their maximum (Teams: six; the official adaptivecards validator fails the
// card), and the 1.5 overflow mode is not honoured by every Teams client.
func capActions(actions []CardAction) []CardAction {
	if len(actions) <= MaxVisibleActions {
		return actions
	}
	keep := MaxVisibleActions - 1
	more := &SubCard{Type: "AdaptiveCard"}
	for rest := actions[keep:]; len(rest) > 0; {
		n := min(len(rest), MaxVisibleActions)
		more.Body = append(more.Body, Element{Type: "ActionSet", Actions: rest[:n]})
		rest = rest[n:]
	}
	return append(actions[:keep:keep], CardAction{Type: "Action.ShowCard", Title: "More…", Card: more})
}
