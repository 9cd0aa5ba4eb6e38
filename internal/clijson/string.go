package clijson

import (
	"math/bits"
	"unicode/utf8"
)

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
		// Skip eight plain bytes at a time: most of an AWS answer (ids,
		// ARNs, names) needs no escaping. The last word of a string of
		// eight bytes or more is read overlapping what is already done,
		// with those bytes masked off.
		if i+8 <= len(s) {
			m := special(load64(s[i:i+8]), escapeHTML)
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) >> 3 // the first special byte
		} else if j := len(s) - 8; j >= 0 {
			m := special(load64(s[j:]), escapeHTML) &^ (1<<(8*(i-j)) - 1)
			if m == 0 {
				break
			}
			i = j + bits.TrailingZeros64(m)>>3
		}
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

// SWAR constants: a 1 and a high bit in every byte of a word.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// load64 reads the eight bytes of s as a little-endian word, the first
// byte lowest (the compiler makes this one load, without bounds checks).
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// special returns a word with the high bit set in the byte of w that
// appendString cannot copy as is (below 0x20, '"', '\\', non-ASCII, and
// with html '<', '>', '&'), zero when there is none. Borrows can set
// bits above a special byte but never below the first one, so the lowest
// set bit marks the first special byte.
func special(w uint64, html bool) uint64 {
	m := (w - lsb*0x20) &^ w // bytes below 0x20
	m |= zeroByte(w^(lsb*'"')) | zeroByte(w^(lsb*'\\')) | w
	if html {
		m |= zeroByte(w^(lsb*'<')) | zeroByte(w^(lsb*'>')) | zeroByte(w^(lsb*'&'))
	}
	return m & msb
}

// zeroByte has the high bit set in (at least the first) zero byte of w.
func zeroByte(w uint64) uint64 { return (w - lsb) &^ w }
