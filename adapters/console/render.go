package console

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/opschat/opschat/chat"
)

const (
	bold   = "1"
	dim    = "2"
	italic = "3"
	red    = "31"
	green  = "32"
	yellow = "33"
	blue   = "34"
	cyan   = "36"
)

func (a *Adapter) style(code, s string) string {
	if !a.color || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (a *Adapter) printf(format string, args ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fmt.Fprintf(a.out, format, args...)
}

func severityColor(s chat.Severity) string {
	switch s {
	case chat.SeverityCritical:
		return red
	case chat.SeverityWarning:
		return yellow
	case chat.SeveritySuccess:
		return green
	case chat.SeverityInfo:
		return blue
	default:
		return bold
	}
}

// markdown renders neutral Markdown for the terminal.
func (a *Adapter) markdown(s string) string {
	var b strings.Builder
	for _, sp := range chat.ParseMarkdown(s) {
		text := sanitize(sp.Text)
		switch sp.Kind {
		case chat.SpanBold:
			if a.color {
				b.WriteString(a.style(bold, text))
			} else {
				b.WriteString("*" + text + "*")
			}
		case chat.SpanItalic:
			if a.color {
				b.WriteString(a.style(italic, text))
			} else {
				b.WriteString("_" + text + "_")
			}
		case chat.SpanCode:
			if a.color {
				b.WriteString(a.style(cyan, text))
			} else {
				b.WriteString("`" + text + "`")
			}
		case chat.SpanLink:
			if text == sp.URL || text == "" {
				b.WriteString(a.style(blue, sanitize(sp.URL)))
			} else {
				b.WriteString(text + " (" + a.style(blue, sanitize(sp.URL)) + ")")
			}
		default:
			b.WriteString(text)
		}
	}
	return b.String()
}

// sanitize removes terminal control sequences from text that came from
// outside, so a payload cannot repaint or retitle the terminal.
func sanitize(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return '?'
		}
		return r
	}, s)
}

func isControl(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0)
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

// render draws m; the caller holds a.mu.
func (a *Adapter) render(ref chat.Ref, m chat.Message) string {
	var b strings.Builder
	gutter := "│ "
	if ref.Conversation.ThreadID != "" {
		gutter = "│   ↳ "
	}
	line := func(s string) {
		for _, l := range strings.Split(s, "\n") {
			b.WriteString(a.style(severityColor(m.Severity), gutter) + l + "\n")
		}
	}
	if m.Title != "" {
		title := m.Title
		if l := severityLabel(m.Severity); l != "" {
			title = l + " " + title
		}
		line(a.style(bold, a.markdown(title)))
		if m.TitleLink != "" && chat.SafeURL(m.TitleLink) {
			line(a.style(blue, sanitize(m.TitleLink)))
		}
	}
	if m.Text != "" {
		line(a.markdown(m.Text))
	}
	if len(m.Fields) > 0 {
		width := 0
		for _, f := range m.Fields {
			width = max(width, utf8.RuneCountInString(f.Name))
		}
		for _, f := range m.Fields {
			name := sanitize(f.Name)
			pad := strings.Repeat(" ", width-utf8.RuneCountInString(f.Name))
			line(a.style(bold, name+":") + pad + " " + indentAfterFirst(sanitize(f.Value), strings.Repeat(" ", width+2)))
		}
	}
	for _, c := range m.CodeBlocks {
		if c.Caption != "" {
			line(a.style(dim, sanitize(c.Caption)))
		}
		line(indent(sanitize(c.Content), "  "))
	}
	for _, img := range m.Images {
		desc := img.AltText
		if desc == "" {
			desc = img.Name
		}
		switch {
		case img.URL != "":
			line(a.style(dim, fmt.Sprintf("[image: %s %s]", sanitize(desc), sanitize(img.URL))))
		default:
			line(a.style(dim, fmt.Sprintf("[image: %s, %d bytes %s]", sanitize(desc), len(img.Data), img.ContentType)))
		}
	}
	for _, f := range m.Files {
		line(a.style(dim, fmt.Sprintf("[file: %s, %d bytes]", sanitize(f.Name), len(f.Data))))
	}
	for _, c := range m.Context {
		line(a.style(dim, a.markdown(c)))
	}
	if m.Form != nil {
		names := make([]string, len(m.Form.Fields))
		for i, f := range m.Form.Fields {
			names[i] = "--" + sanitize(f.ID)
		}
		line(a.style(dim, "(answer with `> VALUE` for "+strings.Join(names, ", ")+", or `> cancel`)"))
	}
	if len(m.Buttons) > 0 {
		var bs []string
		for _, btn := range m.Buttons {
			a.buttons = append(a.buttons, buttonRef{ref: ref, btn: btn})
			n := strconv.Itoa(len(a.buttons))
			label := "[" + n + "] " + sanitize(btn.Label)
			switch btn.Style {
			case chat.ButtonPrimary:
				label = a.style(green, label)
			case chat.ButtonDanger:
				label = a.style(red, label)
			default:
				label = a.style(bold, label)
			}
			bs = append(bs, label)
		}
		line(strings.Join(bs, "  ") + a.style(dim, "   (type !N to click)"))
	}
	if b.Len() == 0 {
		line(a.style(dim, "(empty message)"))
	}
	return b.String() + "\n"
}

func indentAfterFirst(s, prefix string) string {
	first, rest, ok := strings.Cut(s, "\n")
	if !ok {
		return s
	}
	return first + "\n" + indent(rest, prefix)
}

func severityLabel(s chat.Severity) string {
	switch s {
	case chat.SeverityCritical:
		return "[CRITICAL]"
	case chat.SeverityWarning:
		return "[WARNING]"
	case chat.SeveritySuccess:
		return "[OK]"
	case chat.SeverityInfo:
		return "[INFO]"
	}
	return ""
}
