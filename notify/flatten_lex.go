package notify

import (
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The lexical layer of the flattener: validating scans over string and
// number tokens and the JSON unquoting rules, each exactly as
// encoding/json decides them.

func (p *fscan) ws() { p.i = skipWS(p.b, p.i) }

// fitsFloat64 reports whether a number token decodes to a finite float64,
// which encoding/json requires of every number in the document.
func fitsFloat64(num []byte) bool {
	_, err := strconv.ParseFloat(string(num), 64)
	return err == nil
}

// decimalFloat decodes a validated number token without an exponent and
// with at most 15 digits, the usual event number, without strconv's
// string copy and general path: the digits make an integer below 2^53 and
// the point a power of ten, both exact in a float64, so one correctly
// rounded division gives what strconv.ParseFloat gives (its own exact
// path). ok false leaves the token to strconv.
func decimalFloat(num []byte) (f float64, ok bool) {
	neg := len(num) > 0 && num[0] == '-'
	if neg {
		num = num[1:]
	}
	if len(num) > 16 {
		return 0, false
	}
	var m uint64
	scale := 0 // digits after the point, plus one once the point is seen
	for _, c := range num {
		switch {
		case '0' <= c && c <= '9':
			m = m*10 + uint64(c-'0')
			if scale > 0 {
				scale++
			}
		case c == '.' && scale == 0:
			scale = 1
		default: // an exponent
			return 0, false
		}
	}
	if scale == 0 && len(num) > 15 {
		return 0, false
	}
	f = float64(m)
	if scale > 1 {
		// 10^(scale-1) ≤ 1e15 is built exactly (no table to keep).
		pow := 10.0
		for range scale - 2 {
			pow *= 10
		}
		f /= pow
	}
	if neg {
		f = -f
	}
	return f, true
}

// skipWS skips JSON whitespace; one comparison decides the usual case
// (compact JSON: no whitespace at all).
func skipWS(b []byte, i int) int {
	for i < len(b) && b[i] <= ' ' && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanNumber validates the number token at i and returns the index after
// it, or of the offending byte with a message.
func scanNumber(b []byte, i int) (end int, check bool, msg string) {
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return i, false, "unexpected end of input in a number"
	case b[i] == '0':
		i++
	case '1' <= b[i] && b[i] <= '9':
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	default:
		return i, false, "invalid character at the start of a value"
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		if i == d {
			return i, false, "expected a digit after the decimal point"
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		check = true
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		if i == d {
			return i, false, "expected a digit in the exponent"
		}
	}
	return i, check || i-start > 300, ""
}

// SWAR constants: eight byte lanes of one uint64.
const (
	lanes01 = 0x0101010101010101
	lanes80 = 0x8080808080808080
)

// stopLanes flags the lanes of w holding '"', '\\' or a byte below 0x20.
// The lowest flagged lane is exact (borrows only spoil higher ones).
func stopLanes(w uint64) uint64 {
	q := w ^ (lanes01 * '"')
	bs := w ^ (lanes01 * '\\')
	return (((q - lanes01) &^ q) | ((bs - lanes01) &^ bs) | ((w - lanes01*0x20) &^ w)) & lanes80
}

// scanString results.
const (
	strOK uint8 = iota
	strEOF
	strBadEscape
	strControl
)

var strErrors = [...]string{
	strEOF:       "unexpected end of input in a string",
	strBadEscape: "invalid escape in a string",
	strControl:   "control character in a string",
}

// scanString validates a string body starting at i (just after the
// opening quote) and returns the index of the closing quote, or of the
// offending byte with a code. plain reports that the body has no escape
// and no byte above 0x7f, i.e. it is its own value. stringStop finds each
// run's end many bytes at a time: most of an event is string bodies
// nobody looks at.
func scanString(b []byte, i int) (end int, plain bool, code uint8) {
	plain = true
	for {
		stop, high := stringStop(b, i)
		if high {
			plain = false
		}
		if stop >= len(b) {
			return len(b), false, strEOF
		}
		switch c := b[stop]; {
		case c == '"':
			return stop, plain, strOK
		case c == '\\':
			plain = false
			if stop+1 >= len(b) {
				return stop, false, strEOF
			}
			switch b[stop+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i = stop + 2
			case 'u':
				if stop+6 > len(b) || !isHexByte(b[stop+2]) || !isHexByte(b[stop+3]) || !isHexByte(b[stop+4]) || !isHexByte(b[stop+5]) {
					return stop, false, strBadEscape
				}
				i = stop + 6
			default:
				return stop, false, strBadEscape
			}
		default: // a control byte
			return stop, false, strControl
		}
	}
}

// skipString validates a string body starting at i and returns the index
// of its closing quote (or of the offending byte, with a code). The usual
// body, without escapes, costs one stringStop call; the rest is
// scanString's.
func skipString(b []byte, i int) (end int, code uint8) {
	if end, _ = stringStop(b, i); end < len(b) && b[end] == '"' {
		return end, strOK
	}
	end, _, code = scanString(b, i)
	return end, code
}

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

func isHexByte(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// appendUnquoted appends the value of a validated JSON string body exactly
// as encoding/json unquotes it: invalid UTF-8 and unpaired surrogates
// become U+FFFD.
func appendUnquoted(dst, s []byte) []byte {
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			r++
			switch s[r] {
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				rr := hex4(s[r+1:])
				r += 5
				if utf16.IsSurrogate(rr) {
					if r+6 <= len(s) && s[r] == '\\' && s[r+1] == 'u' {
						if dec := utf16.DecodeRune(rr, hex4(s[r+2:])); dec != unicode.ReplacementChar {
							r += 6
							dst = utf8.AppendRune(dst, dec)
							continue
						}
					}
					rr = unicode.ReplacementChar
				}
				dst = utf8.AppendRune(dst, rr)
				continue
			default: // '"', '\\', '/'
				dst = append(dst, s[r])
			}
			r++
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			r += size
			dst = utf8.AppendRune(dst, rr)
		}
	}
	return dst
}

// hex4 decodes four validated hex digits.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c <= '9':
			r = r<<4 | rune(c-'0')
		case c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			r = r<<4 | rune(c-'a'+10)
		}
	}
	return r
}
