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
//
// It reads s a word (eight bytes) at a time: special marks the bytes that
// need attention, and only those are looked at, so the plain text that is
// most of an AWS answer (ids, ARNs, names) is copied in runs. The last
// word of a string of eight bytes or more is read overlapping what is
// done, with those bytes masked off; a shorter string is marked byte by
// byte.
func appendString(dst []byte, s string, escapeHTML bool) []byte {
	table := &safe
	if escapeHTML {
		table = &htmlSafe
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		base := i
		var m uint64
		switch {
		case i+8 <= len(s):
			m = special(load64(s[i:i+8]), escapeHTML)
		case len(s) >= 8:
			base = len(s) - 8
			m = special(load64(s[base:]), escapeHTML) &^ (1<<(8*(i-base)) - 1)
		default:
			for k := i; k < len(s); k++ {
				if !table[s[k]] {
					m |= 0x80 << (8 * (k - base))
				}
			}
		}
		next := base + 8
		for ; m != 0; m &= m - 1 {
			p := base + bits.TrailingZeros64(m)>>3
			b := s[p]
			if table[b] {
				continue // a borrow's false alarm
			}
			if b >= utf8.RuneSelf {
				// The rest of the word is read again after the rune.
				dst, start, next = appendRune(dst, s, start, p)
				break
			}
			dst = append(dst, s[start:p]...)
			dst = appendEscape(dst, b)
			start = p + 1
		}
		i = next
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendEscape writes the escape of an ASCII byte that is not copied as is.
func appendEscape(dst []byte, b byte) []byte {
	switch b {
	case '\\', '"':
		return append(dst, '\\', b)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
}

// appendRune handles the non-ASCII sequence at s[p:], text from start on
// not yet written: it returns dst, the new start and where to go on.
func appendRune(dst []byte, s string, start, p int) ([]byte, int, int) {
	c, size := utf8.DecodeRuneInString(s[p:])
	switch {
	case c == utf8.RuneError && size == 1:
		dst = append(dst, s[start:p]...)
		return append(dst, `\ufffd`...), p + 1, p + 1
	case c == '\u2028' || c == '\u2029':
		dst = append(dst, s[start:p]...)
		return append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF]), p + size, p + size
	}
	return dst, start, p + size
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
// set bit marks the first special byte. With html, one test covers '"'
// and '&' (0x22, 0x26: equal once bit 2 is set) and one '<' and '>'
// (0x3c, 0x3e: bit 1).
func special(w uint64, html bool) uint64 {
	m := (w - lsb*0x20) &^ w // bytes below 0x20
	m |= zeroByte(w^(lsb*'\\')) | w
	if html {
		m |= zeroByte((w|lsb*0x04)^(lsb*'&')) | zeroByte((w|lsb*0x02)^(lsb*'>'))
	} else {
		m |= zeroByte(w ^ (lsb * '"'))
	}
	return m & msb
}

// zeroByte has the high bit set in (at least the first) zero byte of w.
func zeroByte(w uint64) uint64 { return (w - lsb) &^ w }
