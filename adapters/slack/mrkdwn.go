package slack

import (
	"strings"
	"unicode/utf8"

	"github.com/opschat/opschat/chat"
)

// escapeText escapes the three characters Slack treats as control sequences in
// every text object (https://api.slack.com/reference/surfaces/formatting#escaping).
// Once '<' and '>' are entities, nothing can form <!channel>, <!here>, <@U…>,
// <#C…> or a <url|label> link, whatever the input.
func escapeText(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// escapeURL makes a URL safe inside <url|label>: entities for & < >, and '|'
// percent-encoded since the first '|' ends the URL part.
func escapeURL(u string) string {
	return strings.ReplaceAll(escapeText(u), "|", "%7C")
}

// mrkdwn converts neutral Markdown into Slack mrkdwn. Every span is escaped,
// so only the links that chat.ParseMarkdown accepted (http, https, mailto)
// come out as Slack links; bullets ("- ") become "• ".
func mrkdwn(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, sp := range chat.ParseMarkdown(s) {
		switch sp.Kind {
		case chat.SpanBold:
			wrapEmphasis(&b, "*", sp.Text)
		case chat.SpanItalic:
			wrapEmphasis(&b, "_", sp.Text)
		case chat.SpanCode:
			b.WriteByte('`')
			b.WriteString(escapeText(sp.Text))
			b.WriteByte('`')
		case chat.SpanLink:
			b.WriteByte('<')
			b.WriteString(escapeURL(sp.URL))
			if label := strings.TrimSpace(sp.Text); label != "" {
				b.WriteByte('|')
				// A newline inside <…> breaks the link; Slack shows the label on one line anyway.
				b.WriteString(escapeText(strings.ReplaceAll(label, "\n", " ")))
			}
			b.WriteByte('>')
		default:
			b.WriteString(escapeText(sp.Text))
		}
	}
	return bullets(b.String())
}

// wrapEmphasis writes text between delimiters. Slack only renders emphasis
// when the delimiters touch non-space characters, so surrounding spaces are
// moved outside.
func wrapEmphasis(b *strings.Builder, delim, text string) {
	trimmed := strings.TrimSpace(text)
	if trimmed == "" {
		b.WriteString(escapeText(text))
		return
	}
	lead := text[:strings.Index(text, trimmed)]
	trail := text[len(lead)+len(trimmed):]
	b.WriteString(escapeText(lead))
	b.WriteString(delim)
	b.WriteString(escapeText(trimmed))
	b.WriteString(delim)
	b.WriteString(escapeText(trail))
}

func bullets(s string) string {
	if !strings.Contains(s, "- ") {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if rest, ok := strings.CutPrefix(l, "- "); ok {
			lines[i] = "• " + rest
		}
	}
	return strings.Join(lines, "\n")
}

// plainMarkdown returns the literal text of neutral Markdown, markup removed
// (for plain_text objects such as headers, and for the text fallback).
func plainMarkdown(s string) string {
	var b strings.Builder
	for _, sp := range chat.ParseMarkdown(s) {
		b.WriteString(sp.Text)
		if sp.Kind == chat.SpanLink && sp.URL != sp.Text {
			b.WriteString(" (" + sp.URL + ")")
		}
	}
	return b.String()
}

// runeLen is the length Slack counts for its limits: characters.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

// longerThan reports whether s has more than n characters, reading at most
// n+1 of them.
func longerThan(s string, n int) bool {
	if len(s) <= n {
		return false // bytes bound characters
	}
	count := 0
	for range s {
		if count++; count > n {
			return true
		}
	}
	return false
}

// prefixRunes returns the first n characters of s (all of s when shorter).
func prefixRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// cutRunes returns s cut to at most n characters, without splitting an
// entity (&amp;) or a <link|label> produced by mrkdwn. It prefers to cut at a
// newline in the last quarter of the allowance.
func cutRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	// Scan at most n+1 runes, not the whole string: splitLines calls this
	// once per 3,000-character chunk of text that may be megabytes long.
	end := -1
	for i := range s {
		if n == 0 {
			end = i
			break
		}
		n--
	}
	if end < 0 {
		return s
	}
	out := s[:end]
	// Prefer a line break, else a word break, near the end.
	if nl := strings.LastIndexByte(out, '\n'); nl > 0 && nl >= len(out)*3/4 {
		out = out[:nl]
	} else if sp := strings.LastIndexByte(out, ' '); sp > 0 && sp >= len(out)*3/4 {
		out = out[:sp]
	}
	// Never leave half a link or half an entity.
	if lt := strings.LastIndexByte(out, '<'); lt >= 0 && strings.LastIndexByte(out, '>') < lt {
		out = out[:lt]
	}
	if amp := strings.LastIndexByte(out, '&'); amp >= 0 && !strings.Contains(out[amp:], ";") {
		out = out[:amp]
	}
	return out
}

// truncatePlain cuts plain text (no entities) to n characters, with an ellipsis.
func truncatePlain(s string, n int) string {
	if runeLen(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
