package awsexec

import (
	"fmt"
	"strings"

	"github.com/opschat/opschat/chat"
)

// page says how much of a list result is shown.
type page struct {
	shown, total, limit int
	more                bool
	token               string // to continue with --starting-token
}

func (p page) note() string {
	const narrow = "Narrow the command with filters (--filters, a name prefix) or --query"
	switch {
	case p.total > p.shown:
		// Records were fetched but not shown: the token (botocore's form,
		// see paging.go) resumes inside the page, right after them.
		plus := ""
		if p.more {
			plus = "+"
		}
		if p.token != "" {
			return fmt.Sprintf("Showing %d of %d%s items. %s, or continue with --starting-token %s", p.shown, p.total, plus, narrow, p.token)
		}
		return fmt.Sprintf("Showing %d of %d%s items. %s.", p.shown, p.total, plus, narrow)
	case p.more && p.token != "":
		return fmt.Sprintf("Showing the first %d items; AWS has more. %s, or continue with --starting-token %s", p.shown, narrow, p.token)
	case p.more:
		return fmt.Sprintf("Showing the first %d items; AWS has more. %s.", p.shown, narrow)
	}
	return ""
}

// render fills msg with the result: a high-level command's CLI layout
// (display, see DisplayText), tables of records, key/value text or pretty
// JSON, truncated to the adapter's text limit with the full result attached
// as a file where the adapter can take files.
func render(msg *chat.Message, title, output, display string, result any, p page, caps chat.Capabilities) {
	msg.Summary = title
	var blocks []chat.CodeBlock
	switch output {
	case "json":
		blocks = []chat.CodeBlock{{Language: "json", Content: prettyJSON(result)}}
	case "text":
		blocks = []chat.CodeBlock{{Language: "text", Content: textOutput(result)}}
	default:
		if layout, ok := DisplayText(display, result); ok && layout != "" {
			blocks = []chat.CodeBlock{{Language: "text", Content: layout}}
			break
		}
		for _, t := range findTables(result) {
			if s, ok := renderTable(t); ok {
				caption := t.caption
				if caption != "" {
					caption = fmt.Sprintf("%s (%d)", caption, len(t.records))
				}
				blocks = append(blocks, chat.CodeBlock{Caption: caption, Language: "text", Content: s})
			}
		}
		if len(blocks) == 0 {
			if kv, ok := keyValues(result); ok {
				blocks = []chat.CodeBlock{{Language: "text", Content: kv}}
			} else if isEmpty(result) {
				msg.Text = "Done. AWS returned no data."
			} else {
				blocks = []chat.CodeBlock{{Language: "json", Content: prettyJSON(result)}}
			}
		}
	}
	if n := p.note(); n != "" {
		msg.Text = strings.TrimSpace(msg.Text + "\n" + n)
	}
	budget := caps.MaxText - len(msg.Text) - 200 // fences, captions, context
	size := 0
	for _, b := range blocks {
		size += len(b.Content) + len(b.Caption) + 16
	}
	if size > budget {
		blocks = truncateBlocks(blocks, max(budget, 200))
		if caps.Files {
			msg.Files = append(msg.Files, chat.File{Name: "output.json", Title: title, ContentType: "application/json", Data: []byte(prettyJSON(result))})
			msg.Text = strings.TrimSpace(msg.Text + "\nOutput truncated; the full result is attached as output.json.")
		} else {
			msg.Text = strings.TrimSpace(msg.Text + "\nOutput truncated to fit the message; use --query to select fields.")
		}
	}
	msg.CodeBlocks = append(msg.CodeBlocks, blocks...)
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		for _, e := range x {
			if !isEmpty(e) {
				return false
			}
		}
		return true
	case []any:
		return len(x) == 0
	}
	return false
}

// truncateBlocks cuts the blocks at line boundaries so their content fits
// in budget bytes in total.
func truncateBlocks(blocks []chat.CodeBlock, budget int) []chat.CodeBlock {
	var out []chat.CodeBlock
	for _, b := range blocks {
		room := budget - len(b.Caption) - 16
		if room <= 0 {
			break
		}
		if len(b.Content) <= room {
			out = append(out, b)
			budget -= len(b.Content) + len(b.Caption) + 16
			continue
		}
		lines := strings.SplitAfter(b.Content, "\n")
		var kept strings.Builder
		n := 0
		for _, l := range lines {
			if kept.Len()+len(l) > room-20 {
				break
			}
			kept.WriteString(l)
			n++
		}
		if n == 0 {
			cut := room - 20
			if cut < 0 {
				cut = 0
			}
			kept.WriteString(strings.ToValidUTF8(b.Content[:min(cut, len(b.Content))], "") + "\n")
		}
		kept.WriteString(fmt.Sprintf("… (%d more lines)\n", len(lines)-n))
		b.Content = kept.String()
		out = append(out, b)
		break
	}
	return out
}
