package notify

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// jscan is a small validating JSON scanner for the two hot decodes (the SNS
// envelope and the CloudWatch alarm message). encoding/json validates the
// whole input and then decodes it again, and unquotes the escaped Message
// twice (once in the envelope, once in the alarm); this walks each input
// once.
//
// It is deliberately a subset decoder: whenever the input is outside what
// it can decode with exactly encoding/json's result (invalid JSON, a known
// key spelt in another case, a duplicate key whose merge semantics are
// subtle, a value of the wrong type, deep nesting), the caller falls back to
// encoding/json, so behaviour and error messages are unchanged. ok == false
// never means "invalid input", only "ask encoding/json".
type jscan struct {
	s string
	i int
}

// maxScanDepth bounds recursion; deeper input goes to encoding/json, which
// has its own (larger) limit and error.
const maxScanDepth = 200

func (p *jscan) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (p *jscan) peek() byte {
	p.ws()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *jscan) lit(word string) bool {
	if strings.HasPrefix(p.s[p.i:], word) {
		p.i += len(word)
		return true
	}
	return false
}

// str reads a string token at p.i (after ws) and returns its value as
// encoding/json would unquote it; escaped reports a backslash was present.
// Without escapes and with valid UTF-8 the value is a substring of p.s.
func (p *jscan) str() (val string, escaped, ok bool) {
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", false, false
	}
	start := p.i + 1
	plain := true
	j := start
	for ; j < len(p.s); j++ {
		c := p.s[j]
		if plainByte[c] {
			continue
		}
		switch {
		case c == '"':
			raw := p.s[start:j]
			p.i = j + 1
			if plain {
				return raw, false, true
			}
			v, esc := unquoteJSON(raw)
			return v, esc, true
		case c == '\\':
			plain = false
			j++
			if j >= len(p.s) {
				return "", false, false
			}
			switch p.s[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(p.s) {
					return "", false, false
				}
				for k := 1; k <= 4; k++ {
					if !isHex(p.s[j+k]) {
						return "", false, false
					}
				}
				j += 4
			default:
				return "", false, false
			}
		case c < 0x20:
			return "", false, false
		case c >= utf8.RuneSelf:
			plain = false
		}
	}
	return "", false, false
}

// plainByte marks the string bytes that need no attention: printable
// ASCII other than the quote and the backslash.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unquoteJSON decodes the body of an already validated JSON string exactly
// as encoding/json's unquote does: invalid UTF-8 and unpaired surrogates
// become U+FFFD.
func unquoteJSON(s string) (string, bool) {
	if strings.IndexByte(s, '\\') < 0 && utf8.ValidString(s) {
		return s, false
	}
	b := make([]byte, 0, len(s)+2*utf8.UTFMax)
	for r := 0; r < len(s); {
		c := s[r]
		if plainByte[c] {
			// Copy a run of plain bytes at once.
			e := r + 1
			for e < len(s) && plainByte[s[e]] {
				e++
			}
			b = append(b, s[r:e]...)
			r = e
			continue
		}
		switch {
		case c == '\\':
			r++
			switch s[r] {
			case '"', '\\', '/', '\'':
				b = append(b, s[r])
				r++
			case 'b':
				b = append(b, '\b')
				r++
			case 'f':
				b = append(b, '\f')
				r++
			case 'n':
				b = append(b, '\n')
				r++
			case 'r':
				b = append(b, '\r')
				r++
			case 't':
				b = append(b, '\t')
				r++
			case 'u':
				r--
				rr := getu4(s[r:])
				r += 6
				if utf16.IsSurrogate(rr) {
					rr1 := getu4(s[r:])
					if dec := utf16.DecodeRune(rr, rr1); dec != unicode.ReplacementChar {
						r += 6
						b = utf8.AppendRune(b, dec)
						break
					}
					rr = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, rr)
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRuneInString(s[r:])
			r += size
			b = utf8.AppendRune(b, rr)
		}
	}
	return string(b), true
}

// getu4 decodes \uXXXX at the start of s, or returns -1.
func getu4(s string) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	v, err := strconv.ParseUint(s[2:6], 16, 32)
	if err != nil {
		return -1
	}
	return rune(v)
}

// num reads a number token per the JSON grammar and returns its text.
func (p *jscan) num() (string, bool) {
	s, i := p.s, p.i
	start := i
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i >= len(s) {
		return "", false
	}
	switch {
	case s[i] == '0':
		i++
	case '1' <= s[i] && s[i] <= '9':
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	default:
		return "", false
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == d {
			return "", false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == d {
			return "", false
		}
	}
	p.i = i
	return s[start:i], true
}

// skip validates and skips any value.
func (p *jscan) skip(depth int) bool {
	if depth > maxScanDepth {
		return false
	}
	switch p.peek() {
	case '"':
		_, _, ok := p.str()
		return ok
	case '{':
		return p.object(depth, func(string, bool) bool { return p.skip(depth + 1) })
	case '[':
		return p.array(depth, func() bool { return p.skip(depth + 1) })
	case 't':
		return p.lit("true")
	case 'f':
		return p.lit("false")
	case 'n':
		return p.lit("null")
	default:
		_, ok := p.num()
		return ok
	}
}

// object walks an object at the next token; member reads one value after
// the key has been consumed (it may be called with escaped keys).
func (p *jscan) object(depth int, member func(key string, escaped bool) bool) bool {
	if depth > maxScanDepth || p.peek() != '{' {
		return false
	}
	p.i++
	if p.peek() == '}' {
		p.i++
		return true
	}
	for {
		p.ws()
		key, esc, ok := p.str()
		if !ok || p.peek() != ':' {
			return false
		}
		p.i++
		p.ws()
		if !member(key, esc) {
			return false
		}
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return true
		default:
			return false
		}
	}
}

// array walks an array at the next token; elem reads one element.
func (p *jscan) array(depth int, elem func() bool) bool {
	if depth > maxScanDepth || p.peek() != '[' {
		return false
	}
	p.i++
	if p.peek() == ']' {
		p.i++
		return true
	}
	for {
		p.ws()
		if !elem() {
			return false
		}
		switch p.peek() {
		case ',':
			p.i++
		case ']':
			p.i++
			return true
		default:
			return false
		}
	}
}

// end reports that only whitespace is left.
func (p *jscan) end() bool {
	p.ws()
	return p.i == len(p.s)
}

// isNull consumes a null literal if one is next.
func (p *jscan) isNull() bool {
	return p.peek() == 'n' && p.lit("null")
}
