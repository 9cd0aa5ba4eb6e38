package clijson

import "unicode/utf8"

const hex = "0123456789abcdef"

// safe[b] and htmlSafe[b] say that byte b is written as is. They are
// false for control characters, '"' and '\\' (and, in htmlSafe, for '<',
// '>' and '&') and for every byte >= 0x80, which needs UTF-8 decoding.
// Both are read-only after initialisation.
var safe, htmlSafe = asciiSafe(false), asciiSafe(true)

func asciiSafe(html bool) (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\' && !(html && (b == '<' || b == '>' || b == '&'))
	}
	return t
}

// appendString writes s as a JSON string exactly as encoding/json does:
// \b \f \n \r \t \" \\ as two-character escapes, other control characters
// (and <, >, & when escapeHTML) as \u00XX, each invalid UTF-8 byte as
// \ufffd, and U+2028 and U+2029 escaped because JSONP evaluates them as
// line ends.
func appendString(dst []byte, s string, escapeHTML bool) []byte {
	table := &safe
	if escapeHTML {
		table = &htmlSafe
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if table[b] {
			i++
			continue
		}
		if b < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
