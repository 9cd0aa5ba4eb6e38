package chime

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/opschat/opschat/chat"
)

// mdPrefix makes Chime render a webhook message as Markdown.
const mdPrefix = "/md "

const fence = "```"

const truncNote = "_… truncated: the message is too long for Amazon Chime._"

// Render turns a neutral message into Chime Markdown (without the "/md "
// prefix Split adds): severity emoji and bold title (a link when TitleLink
// is set), text, "**Name:** value" fields, fenced code blocks, image links,
// context lines, and notes for what Chime cannot show (files, forms).
// Buttons are dropped: webhooks cannot receive clicks.
//
// Literal text is escaped, and "@" at the start of a word is defused with a
// zero-width space, so AWS payloads can never trigger @All, @Present or
// @alias mentions. Render is pure and safe for concurrent use.
func Render(m chat.Message) string {
	var lines []string
	// The whole title is bold, so its own emphasis is dropped (nested **
	// does not render).
	title := escape(plain(m.Title))
	if m.Title != "" && chat.SafeURL(m.TitleLink) {
		title = "[" + escape(plain(m.Title)) + "](" + linkURL(m.TitleLink) + ")"
	}
	if e := severityEmoji(m.Severity); e != "" {
		if title != "" {
			title = e + " **" + title + "**"
		} else {
			title = e + " **" + strings.ToUpper(m.Severity.String()) + "**"
		}
	} else if title != "" {
		title = "**" + title + "**"
	}
	if title != "" {
		lines = append(lines, title)
	}
	if t := strings.TrimSpace(m.Text); t != "" {
		lines = append(lines, inline(t))
	}
	if len(m.Fields) > 0 {
		lines = append(lines, "")
		for _, f := range m.Fields {
			lines = append(lines, "**"+escapeLine(f.Name)+":** "+escape(f.Value))
		}
	}
	for _, cb := range m.CodeBlocks {
		if cb.Caption != "" {
			lines = append(lines, "*"+escapeLine(cb.Caption)+"*")
		}
		lines = append(lines, fence, defuseCode(strings.TrimRight(cb.Content, "\n")), fence)
	}
	for _, img := range m.Images {
		switch {
		case img.URL != "" && chat.SafeURL(img.URL):
			lines = append(lines, "["+escape(nameOr(img.AltText, img.Name, "image"))+"]("+linkURL(img.URL)+")")
		case len(img.Data) > 0 && chat.SafeURL(m.TitleLink):
			// Webhooks carry no files: an alarm's graph is one click away
			// on the alarm's console page, which the title links to.
			lines = append(lines, "_"+escape(fmt.Sprintf("%s: not shown in Amazon Chime;", nameOr(img.AltText, img.Name, "Image")))+
				" [open it in the console]("+linkURL(m.TitleLink)+")_")
		default:
			lines = append(lines, "_"+escape(fmt.Sprintf("Image %s cannot be shown in Amazon Chime.", nameOr(img.Name, img.AltText, "image")))+"_")
		}
	}
	for _, f := range m.Files {
		lines = append(lines, "_"+escape(fmt.Sprintf("File %s (%d bytes) was not attached: Chime webhooks cannot carry files.", nameOr(f.Name, f.Title, "file"), len(f.Data)))+"_")
	}
	if m.Form != nil {
		lines = append(lines, "_"+escape("This message asks for input, which Amazon Chime cannot collect; use Slack or Microsoft Teams.")+"_")
	}
	if len(m.Context) > 0 {
		lines = append(lines, "")
		for _, c := range m.Context {
			lines = append(lines, inline(c))
		}
	}
	if len(lines) == 0 {
		lines = []string{escape(m.PlainSummary())}
	}
	return strings.Join(lines, "\n")
}

// inline renders neutral Markdown spans as Chime Markdown.
func inline(md string) string {
	var b strings.Builder
	for _, sp := range chat.ParseMarkdown(md) {
		switch sp.Kind {
		case chat.SpanBold:
			b.WriteString("**" + escape(sp.Text) + "**")
		case chat.SpanItalic:
			b.WriteString("*" + escape(sp.Text) + "*")
		case chat.SpanCode:
			b.WriteString("`" + defuse(strings.ReplaceAll(sp.Text, "`", "'")) + "`")
		case chat.SpanLink:
			b.WriteString("[" + escape(sp.Text) + "](" + linkURL(sp.URL) + ")")
		default:
			b.WriteString(escape(sp.Text))
		}
	}
	return b.String()
}

// linkURL makes a URL safe as a Markdown link target: characters that
// would end the target or the line early (parentheses, brackets, spaces,
// control characters), and "@" after the host (a mention once the target
// is broken out of), are percent-encoded, which does not change what the
// URL points to. chat.SafeURL only checks the scheme, so without this a
// link such as "https://x/a) @All" ended the link and mentioned everyone.
func linkURL(u string) string {
	const hex = "0123456789ABCDEF"
	authEnd := len(u) // no "@" is encoded in the authority (user@host)
	if i := strings.Index(u, "://"); i >= 0 {
		authEnd = i + 3
		if j := strings.IndexAny(u[authEnd:], "/?#"); j >= 0 {
			authEnd += j
		} else {
			authEnd = len(u)
		}
	}
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c <= ' ' || c == 0x7f || strings.IndexByte("()[]<>`\\\"", c) >= 0 || (c == '@' && i >= authEnd) {
			if b.Len() == 0 {
				b.Grow(len(u) + 16)
				b.WriteString(u[:i])
			}
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(c)
		}
	}
	if b.Len() == 0 {
		return u
	}
	return b.String()
}

// plain is the literal text of neutral Markdown.
func plain(md string) string {
	var b strings.Builder
	for _, sp := range chat.ParseMarkdown(md) {
		b.WriteString(sp.Text)
	}
	return b.String()
}

// escape backslash-escapes Chime Markdown specials in literal text, turns
// emoji shortcodes into Unicode and defuses mentions. Line-leading "- " bullets of the neutral dialect are
// kept.
func escape(s string) string {
	// Chime shows Slack-style shortcodes literally; ":white_check_mark:"
	// would also have its underscores escaped.
	s = chat.ReplaceEmojiShortcodes(s)
	const specials = "\\*_`[]~"
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		if strings.ContainsRune(specials, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return defuse(b.String())
}

// escapeLine is escape for text that starts a line and must not become a
// heading, quote or list.
func escapeLine(s string) string {
	e := escape(s)
	if e != "" && strings.ContainsRune("#>-+", rune(e[0])) {
		e = "\\" + e
	}
	return e
}

// defuse breaks "@word" mentions (@All, @Present, @alias, @alias@domain)
// with a zero-width space after the "@". E-mail addresses (a@b) are left
// alone, except that @All and @Present are defused wherever they appear.
func defuse(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	prev := ' '
	for i, r := range s {
		b.WriteRune(r)
		if r == '@' && (!isWord(prev) || hasPrefixFold(s[i+1:], "all") || hasPrefixFold(s[i+1:], "present")) {
			b.WriteRune('\u200b')
		}
		prev = r
	}
	return b.String()
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isWord(r rune) bool {
	return r == '_' || r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127
}

// defuseCode keeps a code block from closing its fence early: no run of
// three backticks survives (a zero-width space follows every second
// backtick of a run). Replacing each fence once left a run of five
// backticks as two, a zero-width space and three: a fence again.
func defuseCode(s string) string {
	if !strings.Contains(s, fence) {
		return defuse(s)
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '`' {
			run = 0
			b.WriteByte(s[i])
			continue
		}
		if run == 2 {
			b.WriteString("\u200b")
			run = 0
		}
		b.WriteByte('`')
		run++
	}
	return defuse(b.String())
}

func severityEmoji(s chat.Severity) string {
	switch s {
	case chat.SeverityInfo:
		return "ℹ️"
	case chat.SeveritySuccess:
		return "✅"
	case chat.SeverityWarning:
		return "⚠️"
	case chat.SeverityCritical:
		return "🚨"
	default:
		return ""
	}
}

func nameOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// Split cuts rendered Markdown into webhook Contents of at most maxBytes
// bytes each (including the "/md " prefix), at line boundaries where it can,
// closing and reopening code fences across parts. Beyond maxParts the rest
// is dropped and the last part ends with a note saying so. It never returns
// an empty slice.
func Split(md string, maxBytes, maxParts int) []string {
	if maxParts < 1 {
		maxParts = 1
	}
	// Room in every part for the prefix, a fence reopened at its start and
	// one closed at its end.
	budget := maxBytes - len(mdPrefix) - 2*(len(fence)+1)
	if budget < 64 {
		budget = 64
	}
	var (
		parts   []string
		cur     strings.Builder
		inFence bool
	)
	flush := func() {
		s := cur.String()
		if inFence {
			s += "\n" + fence
		}
		parts = append(parts, s)
		cur.Reset()
		if inFence {
			cur.WriteString(fence)
		}
	}
	add := func(line string) {
		if cur.Len() > 0 && cur.Len()+1+len(line) > budget {
			flush()
		}
		if cur.Len() > 0 {
			cur.WriteByte('\n')
		}
		cur.WriteString(line)
	}
	for line := range strings.SplitSeq(md, "\n") {
		if len(parts) > maxParts {
			// Everything from here on is truncated anyway.
			break
		}
		for len(line) > budget-len(fence)-1 {
			// A line longer than a part: hard-cut at a rune boundary.
			n := budget - len(fence) - 1
			for n > 0 && !utf8.RuneStart(line[n]) {
				n--
			}
			if n == 0 {
				// No rune start in reach (invalid UTF-8): cut anyway, or
				// the loop would never advance.
				n = budget - len(fence) - 1
			}
			add(line[:n])
			flush()
			line = line[n:]
		}
		add(line)
		if strings.HasPrefix(line, fence) {
			inFence = !inFence
		}
	}
	if cur.Len() > 0 && !(inFence && cur.String() == fence) {
		if inFence {
			cur.WriteString("\n" + fence)
		}
		parts = append(parts, cur.String())
	}
	if len(parts) == 0 {
		parts = []string{""}
	}
	if len(parts) > maxParts {
		parts = parts[:maxParts]
		last := parts[maxParts-1]
		room := budget - len(truncNote) - len(fence) - 2
		if len(last) > room {
			cut := max(room, 0)
			for cut > 0 && !utf8.RuneStart(last[cut]) {
				cut--
			}
			if nl := strings.LastIndexByte(last[:cut], '\n'); nl > cut/2 {
				cut = nl
			}
			last = last[:cut]
			if strings.Count(last, fence)%2 == 1 {
				last += "\n" + fence
			}
		}
		parts[maxParts-1] = last + "\n" + truncNote
	}
	for i := range parts {
		parts[i] = mdPrefix + parts[i]
	}
	return parts
}
