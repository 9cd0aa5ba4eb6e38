package guardrail

import "strings"

// actionIndexMin is the number of action patterns from which a statement
// gets an index by service: below it, trying each pattern is as fast as a
// map lookup.
const actionIndexMin = 6

// actionIndex maps a lower-cased service prefix ("s3") to the positions of
// the statement's action patterns for that service, so a request action is
// matched only against the patterns of its own service. The blocklist (over
// forty patterns) and long Allow lists are where decisions spend their time.
// It is built only when every pattern names its service literally ("s3:Get*",
// not "*" or "s?:*"), and never modified after compilation.
type actionIndex map[string][]int32

func buildActionIndex(ps []pattern) actionIndex {
	if len(ps) < actionIndexMin {
		return nil
	}
	idx := actionIndex{}
	for i := range ps {
		t := ps[i].toks
		if len(t) == 0 || t[0].kind != tokLit {
			return nil
		}
		svc, _, ok := strings.Cut(t[0].s, ":")
		if !ok {
			return nil // a wildcard inside the service part
		}
		idx[svc] = append(idx[svc], int32(i))
	}
	return idx
}

// match reports whether action matches one of ps through the index; ok is
// false when the index cannot answer (a service name too long for the
// stack buffer) and the caller must try every pattern.
func (idx actionIndex) match(ps []pattern, action string) (matched, ok bool) {
	svc, _, found := strings.Cut(action, ":")
	if !found {
		return false, true // every indexed pattern has a literal ':'
	}
	var buf [64]byte
	if len(svc) > len(buf) {
		return false, false
	}
	for i := 0; i < len(svc); i++ {
		c := svc[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	for _, i := range idx[string(buf[:len(svc)])] { // no allocation: the conversion is only a map key
		if ps[i].match(action, nil) {
			return true, true
		}
	}
	return false, true
}
