package command

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ParseShorthand parses the AWS CLI's shorthand syntax ("Name=tag:env,Values=a,b")
// and returns exactly what the AWS CLI's shorthand parser (awscli/shorthand.py,
// ShorthandParser.parse) returns, as Go values: every scalar is a string,
// lists are []any and structures map[string]any. The top level is always a
// map[string]any.
//
// It follows the CLI's grammar to the letter, including its surprises:
// "a=b,c" folds into {"a": ["b", "c"]} while "a=b,c=d" is two keys; a value
// runs until a comma, so spaces inside values are kept and trailing ones
// dropped; `\,` escapes a comma in a bare value; quoted values keep commas
// and unescape only \' (or \") and \\; "[...]" is an explicit list and
// "{...}" a nested structure; keys may use letters, digits and -_.#/:; a key
// repeated at the top level is an error. "key@=value" asks the CLI to read a
// file when the value starts with file:// or fileb://: that is refused here
// (ErrRefused), since it would read a file on the bot's host; any other
// "@=" value is kept as it is, as the CLI does.
//
// Errors are *SyntaxError (errors.Is(err, ErrSyntax)) pointing at where the
// CLI's parser stopped. ParseShorthand never panics and is safe for
// concurrent use.
func ParseShorthand(s string) (any, error) {
	p := shorthandParser{in: s}
	v, err := p.parameter()
	if err != nil {
		return nil, err
	}
	return v, nil
}

// shorthandParser is a line-by-line port of awscli's ShorthandParser: the
// same recursive descent with the same backtracking, on byte offsets
// instead of code points (every character the grammar looks at is ASCII,
// so offsets only differ in error positions, which we convert for display).
type shorthandParser struct {
	in      string
	i       int
	paramFS bool // the current key used "@=": file:// values would be read
}

func (p *shorthandParser) errAt(expected, actual string, pos int) error {
	return &SyntaxError{
		Input: p.in,
		Pos:   pos,
		Msg:   fmt.Sprintf("shorthand: expected %s, found %s", readable(expected), readable(actual)),
	}
}

// readable words the CLI's regex names for a chat user.
func readable(s string) string {
	switch s {
	case "<first>", "<second>":
		return "a value"
	case "<singled quoted>":
		return "a closing '"
	case "<double quoted>":
		return `a closing "`
	case "<none>":
		return "nothing usable"
	}
	return s
}

func (p *shorthandParser) eof() bool { return p.i >= len(p.in) }

// cur returns the byte at the cursor, or 0 at the end. The grammar only
// compares against ASCII punctuation, never NUL, so 0 is a safe stand-in
// for the CLI's _EOF sentinel.
func (p *shorthandParser) cur() byte {
	if p.i < len(p.in) {
		return p.in[p.i]
	}
	return 0
}

func (p *shorthandParser) parameter() (map[string]any, error) {
	params := map[string]any{}
	k, v, err := p.keyval()
	if err != nil {
		return nil, err
	}
	params[k] = v
	last := p.i
	for p.i < len(p.in) {
		if err := p.expect(',', true); err != nil {
			return nil, err
		}
		k, v, err := p.keyval()
		if err != nil {
			return nil, err
		}
		if _, dup := params[k]; dup {
			return nil, &SyntaxError{Input: p.in, Pos: last + 1,
				Msg: fmt.Sprintf("shorthand: the key %q is given twice; use one key with a list of values (%s=a,b) or [...]", k, k)}
		}
		params[k] = v
		last = p.i
	}
	return params, nil
}

func (p *shorthandParser) keyval() (string, any, error) {
	key := p.key()
	if err := p.optionalAt(); err != nil {
		return "", nil, err
	}
	if err := p.expect('=', true); err != nil {
		return "", nil, err
	}
	v, err := p.values()
	return key, v, err
}

// optionalAt consumes the "@" of "key@=", remembering that the value may
// name a file. Like the CLI, it skips whitespace before looking.
func (p *shorthandParser) optionalAt() error {
	p.paramFS = false
	p.consumeWhitespace()
	if p.cur() == '@' && !p.eof() {
		p.i++
		p.consumeWhitespace()
		p.paramFS = true
		return nil
	}
	// Like the CLI's failed _expect('@', consume_whitespace=True), the
	// whitespace stays consumed; '=' is expected next anyway.
	return nil
}

func isKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '#' || c == '/' || c == ':'
}

func (p *shorthandParser) key() string {
	start := p.i
	for p.i < len(p.in) && isKeyChar(p.in[p.i]) {
		p.i++
	}
	return p.in[start:p.i]
}

func (p *shorthandParser) values() (any, error) {
	switch {
	case p.eof():
		return "", nil
	case p.cur() == '[':
		return p.explicitList()
	case p.cur() == '{':
		return p.hashLiteral()
	default:
		return p.csvValue()
	}
}

func (p *shorthandParser) csvValue() (any, error) {
	first, err := p.firstValue()
	if err != nil {
		return nil, err
	}
	p.consumeWhitespace()
	if p.eof() || p.in[p.i] != ',' {
		return first, nil
	}
	if err := p.expect(',', true); err != nil {
		return nil, err
	}
	list := []any{first}
	for {
		cur, err := p.secondValue()
		if err == nil {
			p.consumeWhitespace()
			if p.eof() {
				list = append(list, cur)
				break
			}
			err = p.expect(',', true)
			if err == nil {
				list = append(list, cur)
				continue
			}
		}
		if !isSyntax(err) {
			return nil, err
		}
		// "a=b,c=d": what followed the comma was the next key, not a list
		// value. Back up to the comma and let the caller read the key.
		if p.eof() {
			return nil, err
		}
		p.backtrackTo(',')
		break
	}
	if len(list) == 1 {
		return first, nil
	}
	return list, nil
}

func isSyntax(err error) bool {
	_, ok := err.(*SyntaxError)
	return ok
}

func (p *shorthandParser) explicitList() (any, error) {
	if err := p.expect('[', true); err != nil {
		return nil, err
	}
	values := []any{}
	for p.eof() || p.cur() != ']' {
		v, err := p.explicitValues()
		if err != nil {
			return nil, err
		}
		values = append(values, v)
		p.consumeWhitespace()
		if p.eof() || p.cur() != ']' {
			if err := p.expect(',', false); err != nil {
				return nil, err
			}
			p.consumeWhitespace()
		}
	}
	if err := p.expect(']', false); err != nil {
		return nil, err
	}
	return values, nil
}

func (p *shorthandParser) explicitValues() (any, error) {
	switch {
	case !p.eof() && p.cur() == '[':
		return p.explicitList()
	case !p.eof() && p.cur() == '{':
		return p.hashLiteral()
	default:
		return p.firstValue()
	}
}

func (p *shorthandParser) hashLiteral() (any, error) {
	if err := p.expect('{', true); err != nil {
		return nil, err
	}
	kv := map[string]any{}
	for p.eof() || p.cur() != '}' {
		key := p.key()
		if err := p.optionalAt(); err != nil {
			return nil, err
		}
		if err := p.expect('=', true); err != nil {
			return nil, err
		}
		v, err := p.explicitValues()
		if err != nil {
			return nil, err
		}
		p.consumeWhitespace()
		if p.eof() || p.cur() != '}' {
			if err := p.expect(',', false); err != nil {
				return nil, err
			}
			p.consumeWhitespace()
		}
		kv[key] = v
	}
	if err := p.expect('}', false); err != nil {
		return nil, err
	}
	return kv, nil
}

func (p *shorthandParser) firstValue() (any, error) {
	switch {
	case !p.eof() && p.cur() == '\'':
		return p.quoted('\'')
	case !p.eof() && p.cur() == '"':
		return p.quoted('"')
	}
	return p.value()
}

func (p *shorthandParser) secondValue() (any, error) {
	switch {
	case !p.eof() && p.cur() == '\'':
		return p.quoted('\'')
	case !p.eof() && p.cur() == '"':
		return p.quoted('"')
	}
	n := matchWord(p.in[p.i:], inSecondFollow)
	if n == 0 {
		return nil, p.errAt("<second>", "<none>", p.i)
	}
	v := p.in[p.i : p.i+n]
	p.i += n
	return p.resolve(pyRStrip(strings.ReplaceAll(v, `\,`, ",")))
}

func (p *shorthandParser) value() (any, error) {
	n := matchWord(p.in[p.i:], inFirstFollow)
	if n == 0 {
		return "", nil
	}
	v := p.in[p.i : p.i+n]
	p.i += n
	return p.resolve(pyRStrip(strings.ReplaceAll(v, `\,`, ",")))
}

// resolve applies the "@=" rule: the CLI would read file:// and fileb://
// values from the local disk, which a chat user must never make the bot do.
func (p *shorthandParser) resolve(v string) (any, error) {
	if p.paramFS && hasFilePrefix(v) {
		return nil, refusedValue(v)
	}
	return v, nil
}

// quoted consumes a quoted value the way the CLI's regex
// '(?:\\'|[^'])*' does under backtracking: scan greedily, treating \q as
// an escaped quote; if the input ends before a closing quote, the match
// ends instead at the last escaped quote, whose backslash then counts as
// a literal.
func (p *shorthandParser) quoted(q byte) (any, error) {
	s := p.in
	start := p.i
	j := start + 1
	lastEsc := -1 // index of the quote of the last \q pair
	end := -1
	for j < len(s) {
		if s[j] == '\\' && j+1 < len(s) && s[j+1] == q {
			lastEsc = j + 1
			j += 2
			continue
		}
		if s[j] == q {
			end = j
			break
		}
		j++
	}
	if end < 0 {
		if lastEsc < 0 {
			name := "singled quoted"
			if q == '"' {
				name = "double quoted"
			}
			return nil, p.errAt("<"+name+">", "<none>", start)
		}
		end = lastEsc
	}
	v := s[start+1 : end]
	p.i = end + 1
	v = strings.ReplaceAll(v, `\`+string(q), string(q))
	v = strings.ReplaceAll(v, `\\`, `\`)
	return p.resolve(v)
}

func (p *shorthandParser) expect(c byte, ws bool) error {
	if ws {
		p.consumeWhitespace()
	}
	if p.i >= len(p.in) {
		return p.errAt(quoteChar(c), "end of input", p.i)
	}
	if p.in[p.i] != c {
		r, _ := utf8.DecodeRuneInString(p.in[p.i:])
		return p.errAt(quoteChar(c), quoteChar(r), p.i)
	}
	p.i++
	if ws {
		p.consumeWhitespace()
	}
	return nil
}

func quoteChar[T byte | rune](c T) string { return "'" + string(rune(c)) + "'" }

func (p *shorthandParser) backtrackTo(c byte) {
	for p.i >= 0 && p.in[p.i] != c {
		p.i--
	}
	if p.i < 0 {
		// Unreachable in the CLI's grammar (a comma was consumed before
		// any backtrack); keep the cursor valid regardless.
		p.i = 0
	}
}

// consumeWhitespace skips Python's string.whitespace (ASCII only).
func (p *shorthandParser) consumeWhitespace() {
	for p.i < len(p.in) && isPyASCIISpace(p.in[p.i]) {
		p.i++
	}
}

func isPyASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// matchWord returns the length of the longest prefix matching the CLI's
// value regex (\\,|[start])(\\,|[follow])*; 0 when it does not match.
func matchWord(s string, follow func(rune) bool) int {
	n := 0
	first := true
	for n < len(s) {
		if s[n] == '\\' && n+1 < len(s) && s[n+1] == ',' {
			n += 2
			first = false
			continue
		}
		r, w := utf8.DecodeRuneInString(s[n:])
		ok := false
		if first {
			ok = inStartWord(r)
		} else {
			ok = follow(r)
		}
		if !ok {
			break
		}
		n += w
		first = false
	}
	return n
}

// The three character classes of the CLI's value regexes. Python's classes
// stop at U+FFFF, so characters outside the Basic Multilingual Plane end a
// bare value, exactly as in the CLI.
func inStartWord(r rune) bool {
	if r > 0xFFFF || r <= ' ' {
		return false
	}
	switch r {
	case '"', '\'', ',', '=', '[', '{':
		return false
	}
	return true
}

func inFirstFollow(r rune) bool {
	if r > 0xFFFF {
		return false
	}
	if r < ' ' {
		return r >= '\t' && r <= '\r' || r >= 0x1c && r <= 0x1f
	}
	switch r {
	case '"', '\'', ',', ']', '}':
		return false
	}
	return true
}

func inSecondFollow(r rune) bool {
	if r > 0xFFFF {
		return false
	}
	if r < ' ' {
		return r >= '\t' && r <= '\r' || r >= 0x1c && r <= 0x1f
	}
	switch r {
	case '"', '\'', ',', '=':
		return false
	}
	return true
}

// pyRStrip is Python's str.rstrip(): it strips every character for which
// str.isspace() is true, which is unicode.IsSpace plus U+001C..U+001F.
func pyRStrip(s string) string {
	for len(s) > 0 {
		r, w := utf8.DecodeLastRuneInString(s)
		if !isPySpace(r) {
			break
		}
		s = s[:len(s)-w]
	}
	return s
}

func isPySpace(r rune) bool {
	switch {
	case r >= '\t' && r <= '\r', r >= 0x1c && r <= ' ', r == 0x85, r == 0xa0, r == 0x1680,
		r >= 0x2000 && r <= 0x200a, r == 0x2028, r == 0x2029, r == 0x202f, r == 0x205f, r == 0x3000:
		return true
	}
	return false
}
