package command

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token is one word of a command line.
type Token struct {
	// Text is the word with quotes and escapes removed.
	Text string
	// Pos and End are the byte offsets of the word in the cleaned text
	// (see Clean): Text came from cleaned[Pos:End].
	Pos, End int
	// Quoted is true when some part of the word was quoted or escaped. A
	// quoted word is always a value, never an option, so "--name '-x'"
	// passes "-x".
	Quoted bool
	// Raw is true when part of the word was a bracketed span ({...} or
	// [...]) kept verbatim: JSON and shorthand keep their own quotes.
	Raw bool
}

// Clean undoes what chat clients do to a typed command and strips the
// mention that addressed the bot: a leading Slack mention (<@U123ABC>),
// Teams mention (<at>aws</at>), "@aws" (any @name) and then a leading
// "aws" word; Slack links (<https://x|x>, <mailto:a@b|a@b>) become the text
// the user typed; code fences (```json ... ```) are dropped; the HTML
// entities Slack and Teams use (&lt; &gt; &amp; &quot; &nbsp; ...) are
// decoded; typographic quotes (“ ” ‘ ’ „) become ASCII quotes. Inline code
// backticks around a word are handled by the tokenizer, since JMESPath
// uses backticks for literals.
func Clean(text string) string {
	s := trimSpace(text)
	s = stripMentions(s)
	if strings.IndexByte(s, '<') >= 0 {
		s = unwrapLinks(s)
	}
	if strings.Contains(s, "```") {
		s = dropFences(s)
	}
	if s = trimSpace(s); strings.HasPrefix(s, "`") || s != stripAWSWord(s) {
		// A command pasted as inline code or in a fence ("`aws ec2 ...`",
		// "```aws ec2 ...```") starts with "aws" once the markup is gone.
		// Only a message that starts with a backtick loses its trailing
		// one: elsewhere a backtick may close a JMESPath literal.
		if strings.HasPrefix(s, "`") {
			s = strings.TrimRight(strings.TrimLeft(s, "`"), "`")
		}
		s = stripAWSWord(s)
	}
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	if needsQuoteFix(s) {
		s = quoteFixer.Replace(s)
	}
	return trimSpace(s)
}

func trimSpace(s string) string { return strings.TrimFunc(s, unicode.IsSpace) }

var quoteFixer = strings.NewReplacer("\u201c", `"`, "\u201d", `"`, "\u201e", `"`, "\u201f", `"`,
	"\u2018", "'", "\u2019", "'", "\u201a", "'", "\u201b", "'")

func needsQuoteFix(s string) bool {
	// All typographic quotes are encoded as E2 80 98..9F.
	for i := 0; i+2 < len(s); i++ {
		if s[i] == 0xE2 && s[i+1] == 0x80 && s[i+2] >= 0x98 && s[i+2] <= 0x9F {
			return true
		}
	}
	return false
}

// stripMentions removes the mentions and the "aws" word that start a
// message addressed to the bot.
func stripMentions(s string) string {
	for {
		switch {
		case strings.HasPrefix(s, "<@") || strings.HasPrefix(s, "<!"):
			end := strings.IndexByte(s, '>')
			if end < 0 {
				return s
			}
			s = trimSpace(s[end+1:])
		case len(s) >= 4 && strings.EqualFold(s[:4], "<at>"):
			end := strings.Index(strings.ToLower(s), "</at>")
			if end < 0 {
				return s
			}
			s = trimSpace(s[end+5:])
		case strings.HasPrefix(s, "@"):
			end := strings.IndexFunc(s, unicode.IsSpace)
			if end < 0 {
				return ""
			}
			s = trimSpace(s[end:])
		default:
			if len(s) >= 3 && strings.EqualFold(s[:3], "aws") {
				if len(s) == 3 {
					return ""
				}
				if r, _ := utf8.DecodeRuneInString(s[3:]); unicode.IsSpace(r) {
					return trimSpace(s[3:])
				}
			}
			return s
		}
	}
}

// stripAWSWord removes a leading "aws" word: "aws ec2 describe-instances"
// is what people copy from a terminal.
func stripAWSWord(s string) string {
	s = trimSpace(s)
	if len(s) >= 3 && strings.EqualFold(s[:3], "aws") {
		if len(s) == 3 {
			return ""
		}
		if r, _ := utf8.DecodeRuneInString(s[3:]); unicode.IsSpace(r) {
			return trimSpace(s[3:])
		}
	}
	return s
}

// unwrapLinks replaces Slack's <url|label> and <url> link markup with the
// label the user typed (or the URL). Only links with a scheme are touched;
// <#C123|chan> and <@U123> are left as they are.
func unwrapLinks(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			b.WriteString(s)
			return b.String()
		}
		inner := s[i+1 : i+end]
		if !isLinkTarget(inner) {
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		if url, label, ok := strings.Cut(inner, "|"); ok && label != "" {
			b.WriteString(label)
		} else {
			b.WriteString(url)
		}
		s = s[i+end+1:]
	}
}

func isLinkTarget(s string) bool {
	colon := strings.IndexByte(s, ':')
	if colon <= 0 || strings.ContainsAny(s, " \t\n") {
		return false
	}
	for i := 0; i < colon; i++ {
		c := s[i]
		if !isLetter(c) && !(i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// dropFences removes ``` fences and the language tag after an opening one.
func dropFences(s string) string {
	var b strings.Builder
	open := false
	for {
		i := strings.Index(s, "```")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteByte(' ')
		s = s[i+3:]
		open = !open
		if open {
			// ```json\n{...}: the tag runs to the end of the line.
			j := 0
			for j < len(s) && (isLetter(s[j]) || s[j] >= '0' && s[j] <= '9' || s[j] == '-' || s[j] == '_' || s[j] == '+') {
				j++
			}
			if j > 0 && j < len(s) && (s[j] == '\n' || s[j] == '\r') {
				s = s[j:]
			}
		}
	}
}

// Tokenize cleans text (see Clean) and splits it into words the way a
// POSIX shell would, with the allowances chat needs: '...' quotes take
// everything literally; "..." quotes let \ escape " \ $ and `; outside
// quotes \ escapes the next character and \<newline> joins lines; quoted
// and unquoted parts join into one word. A bracketed span ({...} or [...])
// is kept verbatim, quotes and spaces included, until its bracket closes,
// so JSON and shorthand can be pasted unquoted (--payload {"a": 1},
// --filters Name=x,Values=[a, b]). A backtick at the start or end of a word
// (inline code) is dropped. It returns the cleaned text, which token
// offsets and *SyntaxError positions refer to.
//
// Tokenize never panics; it is safe for concurrent use.
func Tokenize(text string) (cleaned string, tokens []Token, err error) {
	cleaned = Clean(text)
	tokens, err = split(cleaned)
	return cleaned, tokens, err
}

func isSpaceAt(s string, i int) (bool, int) {
	c := s[i]
	if c < utf8.RuneSelf {
		return c == ' ' || c >= '\t' && c <= '\r', 1
	}
	r, w := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r), w
}

// split tokenizes cleaned text.
func split(s string) ([]Token, error) {
	// One allocation for a typical command: words are about as many as
	// spaces.
	tokens := make([]Token, 0, strings.Count(s, " ")+1)
	i := 0
	code := false // inside an inline code span opened by a backtick
	for {
		for i < len(s) {
			sp, w := isSpaceAt(s, i)
			if !sp {
				break
			}
			i += w
		}
		if i >= len(s) {
			break
		}
		if s[i] == '`' && !code {
			code = true
			i++
			continue
		}
		tok, next, closeCode, err := readWord(s, i, code, true)
		if err != nil {
			return nil, err
		}
		if closeCode {
			code = false
		}
		i = next
		if tok.Text != "" || tok.Quoted {
			tokens = append(tokens, tok)
		}
	}
	return tokens, nil
}

// readWord reads one word starting at i. brackets enables verbatim
// bracket spans; when a span started in the middle of a word never closes,
// the word is read again with brackets disabled, so "x[" stays a word.
func readWord(s string, start int, code, brackets bool) (tok Token, next int, closeCode bool, err error) {
	var buf []byte // nil while the word is a plain substring of s
	tok.Pos = start
	i := start
	flush := func() {
		if buf == nil {
			buf = append(make([]byte, 0, 16), s[start:i]...)
		}
	}
	for i < len(s) {
		c := s[i]
		if sp, _ := isSpaceAt(s, i); sp {
			break
		}
		switch {
		case c == '`' && code && (i+1 == len(s) || isSpaceByte(s, i+1)):
			flush()
			i++
			tok.End, tok.Text = i-1, string(buf)
			return tok, i, true, nil
		case c == '\\':
			flush()
			switch {
			case i+1 >= len(s):
				buf = append(buf, '\\')
				tok.Quoted = true
				i++
			case s[i+1] == '\n':
				// A line continuation joins lines; it is not part of a word.
				i += 2
			case s[i+1] == '\r' && i+2 < len(s) && s[i+2] == '\n':
				i += 3
			default:
				tok.Quoted = true
				_, w := utf8.DecodeRuneInString(s[i+1:])
				buf = append(buf, s[i+1:i+1+w]...)
				i += 1 + w
			}
		case c == '\'':
			flush()
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return tok, 0, false, &SyntaxError{Input: s, Pos: i, Msg: "This ' quote is never closed."}
			}
			buf = append(buf, s[i+1:i+1+end]...)
			tok.Quoted = true
			i += end + 2
		case c == '"':
			flush()
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) && strings.IndexByte("\"\\$`\n", s[j+1]) >= 0 {
					if s[j+1] != '\n' {
						buf = append(buf, s[j+1])
					}
					j++
					continue
				}
				buf = append(buf, s[j])
			}
			if j >= len(s) {
				return tok, 0, false, &SyntaxError{Input: s, Pos: i, Msg: "This \" quote is never closed."}
			}
			tok.Quoted = true
			i = j + 1
		case (c == '{' || c == '[') && brackets:
			end, ok := bracketEnd(s, i)
			if !ok {
				if i == start {
					return tok, 0, false, &SyntaxError{Input: s, Pos: i,
						Msg: "This " + string(c) + " is never closed; check the brackets and quotes of the value."}
				}
				return readWord(s, start, code, false)
			}
			if buf != nil {
				buf = append(buf, s[i:end]...)
			}
			tok.Raw = true
			i = end
		default:
			if buf != nil {
				buf = append(buf, c)
			}
			i++
		}
	}
	tok.End = i
	if buf == nil {
		tok.Text = s[start:i]
	} else {
		tok.Text = string(buf)
	}
	return tok, i, false, nil
}

func isSpaceByte(s string, i int) bool {
	sp, _ := isSpaceAt(s, i)
	return sp
}

// bracketEnd returns the offset just past the bracket that closes the one
// at i, skipping over "..." and '...' strings (with \ escapes inside).
func bracketEnd(s string, i int) (int, bool) {
	depth := 0
	var quote byte
	for ; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			switch c {
			case '\\':
				i++
			case quote:
				quote = 0
			}
			continue
		}
		switch c {
		case '"', '\'':
			quote = c
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		}
	}
	return 0, false
}
