package chat

import "strings"

// SpanKind is the kind of an inline Markdown span.
type SpanKind int

// Span kinds.
const (
	SpanText   SpanKind = iota // literal text (may contain newlines)
	SpanBold                   // **text**
	SpanItalic                 // _text_ or *text*
	SpanCode                   // `text`
	SpanLink                   // [text](url)
)

// Span is one run of inline Markdown. Text is always literal, with escapes
// removed: a renderer escapes it for its platform and wraps it in its own
// markup for the kind.
type Span struct {
	Kind SpanKind
	Text string
	URL  string // SpanLink only
}

// ParseMarkdown splits neutral Markdown into spans. It never fails: markup it
// cannot pair (an unclosed "**", a "[" with no "](url)") is kept as literal
// text. Links are kept only for http, https and mailto URLs; any other scheme
// becomes literal text, so a message can never carry a javascript: link.
// Nested markup is not interpreted (the inside of **bold** is literal), which
// is what every chat platform can render.
func ParseMarkdown(s string) []Span {
	var (
		spans []Span
		buf   strings.Builder
	)
	flush := func() {
		if buf.Len() > 0 {
			spans = appendText(spans, buf.String())
			buf.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && strings.IndexByte(markdownSpecials, s[i+1]) >= 0:
			buf.WriteByte(s[i+1])
			i += 2
			continue
		case c == '`':
			if end := strings.IndexByte(s[i+1:], '`'); end > 0 {
				flush()
				spans = append(spans, Span{Kind: SpanCode, Text: s[i+1 : i+1+end]})
				i += end + 2
				continue
			}
		case c == '*' && strings.HasPrefix(s[i:], "**"):
			if text, n, ok := delimited(s[i+2:], "**"); ok {
				flush()
				spans = append(spans, Span{Kind: SpanBold, Text: text})
				i += 2 + n
				continue
			}
		case c == '_' || c == '*':
			if atWordStart(s, i) {
				if text, n, ok := delimited(s[i+1:], string(c)); ok && !strings.Contains(text, "\n") {
					flush()
					spans = append(spans, Span{Kind: SpanItalic, Text: text})
					i += 1 + n
					continue
				}
			}
		case c == '[':
			if label, url, n, ok := link(s[i:]); ok {
				flush()
				spans = append(spans, Span{Kind: SpanLink, Text: label, URL: url})
				i += n
				continue
			}
		}
		buf.WriteByte(c)
		i++
	}
	flush()
	return spans
}

func appendText(spans []Span, t string) []Span {
	if n := len(spans); n > 0 && spans[n-1].Kind == SpanText {
		spans[n-1].Text += t
		return spans
	}
	return append(spans, Span{Kind: SpanText, Text: t})
}

// delimited finds the closing delim in s, honouring backslash escapes, and
// returns the unescaped inner text and how many bytes of s were consumed
// (including the delimiter).
func delimited(s, delim string) (string, int, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte(markdownSpecials, s[i+1]) >= 0 {
			b.WriteByte(s[i+1])
			i++
			continue
		}
		if strings.HasPrefix(s[i:], delim) {
			if b.Len() == 0 {
				return "", 0, false
			}
			return b.String(), i + len(delim), true
		}
		b.WriteByte(s[i])
	}
	return "", 0, false
}

func atWordStart(s string, i int) bool {
	if i == 0 {
		return true
	}
	p := s[i-1]
	return !(p >= 'a' && p <= 'z' || p >= 'A' && p <= 'Z' || p >= '0' && p <= '9')
}

// link parses "[label](url)" at the start of s.
func link(s string) (label, url string, n int, ok bool) {
	label, ln, ok := delimited(s[1:], "]")
	if !ok || !strings.HasPrefix(s[1+ln:], "(") {
		return "", "", 0, false
	}
	rest := s[1+ln+1:]
	end := strings.IndexByte(rest, ')')
	if end <= 0 {
		return "", "", 0, false
	}
	url = rest[:end]
	if strings.ContainsAny(url, " \n\t<>\"") || !SafeURL(url) {
		return "", "", 0, false
	}
	return label, url, 1 + ln + 1 + end + 1, true
}

// SafeURL reports whether u is a link a chat message may carry: http, https or
// mailto.
func SafeURL(u string) bool {
	l := strings.ToLower(u)
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "mailto:")
}
