package guardrail

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Parsers of condition values (policy values at parse time, context values
// on the decision's hot path) for the Date and IP operators.

var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseDate accepts the ISO 8601 forms IAM documents and epoch seconds. It
// does not allocate on success, which keeps Date conditions on the hot path
// allocation-free.
func parseDate(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if t, ok := parseUTCSeconds(s); ok {
		return t, true
	}
	if s[0] >= '0' && s[0] <= '9' && !strings.ContainsAny(s, "-:T") {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return time.Unix(n, 0).UTC(), true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseUTCSeconds parses "2006-01-02T15:04:05Z", the form of
// aws:CurrentTime in every request context (CommandContext.Map), without
// time.Parse's layout machinery: a Date condition on the current time is
// common in guardrails and sits on the decision's hot path. It accepts
// only what time.Parse(time.RFC3339, s) accepts, with the same instant;
// anything else is left to the general parser.
func parseUTCSeconds(s string) (time.Time, bool) {
	year, month, day, hour, minute, sec, ok := utcSecondsFields(s)
	if !ok {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC), true
}

// utcSecondsFields checks that s is a valid "2006-01-02T15:04:05Z" and
// returns its fields. Two strings it accepts compare (as strings) in the
// order of their instants: the fields are fixed-width digits, largest
// first.
func utcSecondsFields(s string) (year, month, day, hour, minute, sec int, ok bool) {
	if len(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' {
		return 0, 0, 0, 0, 0, 0, false
	}
	year = digits2(s, 0)*100 + digits2(s, 2)
	month, day = digits2(s, 5), digits2(s, 8)
	hour, minute, sec = digits2(s, 11), digits2(s, 14), digits2(s, 17)
	if year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(time.Month(month), year) ||
		hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return 0, 0, 0, 0, 0, 0, false
	}
	return year, month, day, hour, minute, sec, true
}

func validUTCSeconds(s string) bool {
	_, _, _, _, _, _, ok := utcSecondsFields(s)
	return ok
}

// utcSecondsText is t as "2006-01-02T15:04:05Z" when that form holds it
// exactly (whole seconds, years 0 to 9999), for Date conditions that
// compare a context value of that form as text (see condition.dateTexts).
func utcSecondsText(t time.Time) (string, bool) {
	t = t.UTC()
	if t.Nanosecond() != 0 || t.Year() < 0 || t.Year() > 9999 {
		return "", false
	}
	return t.Format("2006-01-02T15:04:05Z"), true
}

// digits2 returns the two-digit decimal number at s[i:i+2], or a negative
// number if either byte is not a digit (so any sum it is part of is negative
// too: at most 99*100+99 can be added to -10000).
func digits2(s string, i int) int {
	hi, lo := int(s[i])-'0', int(s[i+1])-'0'
	if hi < 0 || hi > 9 || lo < 0 || lo > 9 {
		return -10000
	}
	return hi*10 + lo
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// parseIPv4 parses a dotted-quad IPv4 address, the usual aws:SourceIp,
// faster than netip.ParseAddr. It accepts only what netip.ParseAddr accepts
// (four decimal fields of at most 255, no leading zeros) and gives the same
// address; anything else is left to netip.ParseAddr.
func parseIPv4(s string) (netip.Addr, bool) {
	a, ok := parseIPv4Bits(s)
	if !ok {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), true
}

// parseIPv4Bits is parseIPv4 with the address as a big-endian number, so
// an IPv4 prefix test is one mask and compare.
func parseIPv4Bits(s string) (uint32, bool) {
	var ip, val uint32
	dots, digits := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if d := c - '0'; d <= 9 {
			if digits == 1 && val == 0 {
				return 0, false // leading zero
			}
			val = val*10 + uint32(d)
			digits++
			if val > 255 {
				return 0, false
			}
			continue
		}
		if c != '.' || digits == 0 || dots == 3 {
			return 0, false
		}
		ip, val, digits = ip<<8|val, 0, 0
		dots++
	}
	if dots != 3 || digits == 0 {
		return 0, false
	}
	return ip<<8 | val, true
}
