package main

import (
	"encoding/json"
	"fmt"
	"html/template"
	"strings"

	"github.com/opschat/opschat/adapters/chime"
	"github.com/opschat/opschat/adapters/web"
	"github.com/opschat/opschat/chat"
)

// chimeView renders a message with the Chime adapter's renderer, split into
// the webhook posts it would send, and draws their Markdown.
func chimeView() web.View {
	return web.View{Name: "chime", Label: "Chime", Render: func(m chat.Message) (template.HTML, []byte, error) {
		parts := chime.Split(chime.Render(m), chime.DefaultMaxContentBytes, chime.DefaultMaxParts)
		bodies := make([]map[string]string, len(parts))
		var b strings.Builder
		b.WriteString(`<div class="chime">`)
		for i, p := range parts {
			bodies[i] = map[string]string{"Content": p}
			if len(parts) > 1 {
				b.WriteString(fmt.Sprintf(`<p class="note">webhook post %d of %d</p>`, i+1, len(parts)))
			}
			b.WriteString(chimeMarkdownHTML(strings.TrimPrefix(p, "/md ")))
		}
		if len(m.Buttons) > 0 {
			b.WriteString(`<p class="note">Buttons are not shown: Chime webhooks cannot receive clicks.</p>`)
		}
		b.WriteString(`</div>`)
		// One webhook body per post.
		payload, err := json.Marshal(bodies)
		if err != nil {
			return "", nil, fmt.Errorf("chime payload: %w", err)
		}
		return template.HTML(b.String()), payload, nil
	}}
}

// chimeMarkdownHTML renders the Markdown Chime shows: fenced code blocks,
// and per line **bold**, _italic_ / *italic*, `code`, [label](url) and
// backslash escapes — the neutral dialect chat.ParseMarkdown reads, which
// is also what keeps it safe: every span is escaped, and only http, https
// and mailto links survive.
func chimeMarkdownHTML(md string) string {
	var b strings.Builder
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.HasPrefix(line, "```") {
			var code []string
			for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
				code = append(code, lines[i])
			}
			b.WriteString(`<pre>` + esc(strings.ReplaceAll(strings.Join(code, "\n"), "\u200b", "")) + `</pre>`)
			continue
		}
		if strings.TrimSpace(line) == "" {
			b.WriteString(`<div class="blank"></div>`)
			continue
		}
		b.WriteString(`<div>` + mdInline(line) + `</div>`)
	}
	return b.String()
}

// mdInline renders one line of Markdown as Chime and Teams show it.
func mdInline(line string) string {
	var b strings.Builder
	if item, ok := strings.CutPrefix(line, "- "); ok {
		b.WriteString("• ")
		line = item
	}
	for _, sp := range chat.ParseMarkdown(line) {
		t := esc(sp.Text)
		switch sp.Kind {
		case chat.SpanBold:
			// Chime bolds a whole linked title: **[title](url)**.
			if in := chat.ParseMarkdown(sp.Text); len(in) == 1 && in[0].Kind == chat.SpanLink {
				t = `<a href="` + esc(in[0].URL) + `" target="_blank" rel="noopener noreferrer">` + esc(in[0].Text) + `</a>`
			}
			b.WriteString(`<strong>` + t + `</strong>`)
		case chat.SpanItalic:
			b.WriteString(`<em>` + t + `</em>`)
		case chat.SpanCode:
			b.WriteString(`<code>` + t + `</code>`)
		case chat.SpanLink:
			b.WriteString(`<a href="` + esc(sp.URL) + `" target="_blank" rel="noopener noreferrer">` + t + `</a>`)
		default:
			b.WriteString(t)
		}
	}
	return b.String()
}
