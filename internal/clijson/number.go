package clijson

import "fmt"

// errInvalidNumber is encoding/json's error for a json.Number that is not
// a number literal, message for message.
func errInvalidNumber(s string) error {
	return fmt.Errorf("json: invalid number literal %q", s)
}

// validNumber reports whether s is a JSON number (RFC 8259 section 6):
// an optional minus, 0 or a digit string without a leading zero, an
// optional fraction with at least one digit, an optional exponent with an
// optional sign and at least one digit.
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i == len(s):
		return false
	case s[i] == '0':
		i++
	case '1' <= s[i] && s[i] <= '9':
		i = digits(s, i+1)
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		if i+1 == len(s) || !isDigit(s[i+1]) {
			return false
		}
		i = digits(s, i+1)
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i == len(s) || !isDigit(s[i]) {
			return false
		}
		i = digits(s, i)
	}
	return i == len(s)
}

// digits returns the index of the first non-digit in s at or after i.
func digits(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }
