package auditlogs

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Shortening a record over the event limit.
//
// A record is one JSON object. Cutting its bytes at the limit would leave
// invalid JSON and lose the fields after the cut, and the free text comes
// first in chatops' records (the command as typed), so a long command would
// hide its own outcome. Instead an oversized record is shortened field by
// field: free text gives way first (every field not in decisionFields,
// long ones cut to a common length so short ones stay whole), then, only if
// the decision fields alone do not fit, the longest of those. The result is
// valid JSON under the limit, and says what happened:
//
//	"truncated": true, "original_bytes": 327680, "truncated_fields": {"text": 327500}
//
// (truncated_fields maps each cut field to its original length in bytes).

// decisionFields are the fields an audit reader needs to know what was
// decided about whom, where (chatops.AuditRecord's schema); they are cut
// only when nothing else is left to cut.
var decisionFields = map[string]bool{
	"time": true, "platform": true, "workspace": true, "channel": true, "thread": true,
	"user": true, "user_name": true, "configuration": true, "service": true, "operation": true,
	"action": true, "actions": true, "region": true, "account": true, "role": true,
	"decision": true, "reason": true, "outcome": true, "duration_ms": true,
}

// Marker fields added to a shortened record (replacing any the record had).
const (
	keyTruncated       = "truncated"
	keyOriginalBytes   = "original_bytes"
	keyTruncatedFields = "truncated_fields"
)

type member struct {
	key     string
	raw     []byte // the value as written (compacted)
	str     string // the decoded value, when it is a string
	isStr   bool
	protect bool
	limit   int // encoded bytes the value may take; -1: unlimited
}

// fitRecord returns msg (a JSON object) shortened to at most limit bytes, as
// described above, and whether it had to be shortened. With maxField > 0,
// free-text values longer than maxField encoded bytes are cut to it even in
// a record that fits. A record needing neither is returned as is. It never
// fails: a record it cannot parse or shorten enough becomes a minimal
// record with the markers and whichever of outcome, decision, user and
// channel fit.
func fitRecord(msg string, limit, maxField int) (string, bool) {
	if len(msg) <= limit && (maxField <= 0 || len(msg) <= maxField) {
		return msg, false
	}
	members, ok := parseObject(msg)
	if !ok {
		if len(msg) <= limit {
			return msg, false // Write checked it is JSON; not an object to cut
		}
		return minimalRecord(nil, len(msg), limit), true
	}
	capped := false
	if maxField > 0 {
		for _, m := range members {
			if !m.protect && m.size() > maxField {
				m.limit = maxField
				capped = true
			}
		}
	}
	if !capped && len(msg) <= limit {
		return msg, false
	}
	// Budget: everything but the string values' contents is fixed; the
	// markers are counted as if every string could be cut.
	fixed := len("{}")
	var free, prot []*member
	var markerKeys []string
	for _, m := range members {
		fixed += len(encodeString(nil, m.key)) + len(":,")
		switch {
		case m.isStr:
			fixed += len(`""`)
			if m.protect {
				prot = append(prot, m)
			} else {
				free = append(free, m)
			}
			markerKeys = append(markerKeys, m.key)
		case m.protect:
			fixed += len(m.raw)
		default:
			// Free-form JSON (an object, a long array) may be cut too,
			// becoming a string of its beginning.
			fixed += len(`""`)
			free = append(free, m)
			markerKeys = append(markerKeys, m.key)
		}
	}
	fixed += len(markers(len(msg), markerKeys, len(msg)))
	budget := limit - fixed
	if budget < 0 {
		return minimalRecord(members, len(msg), limit), true
	}
	protSize := 0
	for _, m := range prot {
		protSize += m.effSize()
	}
	if protSize <= budget {
		waterFill(free, budget-protSize)
	} else {
		waterFill(free, 0)
		waterFill(prot, budget)
	}
	out := build(members, len(msg))
	if len(out) > limit { // not expected: the budget is an upper bound
		return minimalRecord(members, len(msg), limit), true
	}
	return out, true
}

// size is the encoded length of the value (quotes excluded for strings).
func (m *member) size() int {
	if m.isStr {
		return len(m.raw) - 2
	}
	return len(m.raw)
}

// effSize is the size the value will take: its size, or its limit if cut.
func (m *member) effSize() int {
	if m.limit >= 0 {
		return min(m.size(), m.limit)
	}
	return m.size()
}

// waterFill sets the largest common limit c such that the members' sizes,
// each capped at c, add up to at most budget: short values stay whole and
// the long ones share what is left equally.
func waterFill(ms []*member, budget int) {
	if len(ms) == 0 {
		return
	}
	sizes := make([]int, len(ms))
	total := 0
	for i, m := range ms {
		sizes[i] = m.effSize()
		total += sizes[i]
	}
	if total <= budget {
		return
	}
	slices.Sort(sizes)
	c, spent := 0, 0
	for i, s := range sizes {
		rest := len(sizes) - i
		if spent+s*rest > budget {
			c = (budget - spent) / rest
			break
		}
		spent += s
	}
	for _, m := range ms {
		if m.effSize() > c {
			m.limit = c
		}
	}
}

// build writes the members, each cut to its limit, and the markers.
func build(members []*member, originalBytes int) string {
	var b []byte
	b = append(b, '{')
	var cut []string
	var cutLens []int
	for i, m := range members {
		if i > 0 {
			b = append(b, ',')
		}
		b = encodeString(b, m.key)
		b = append(b, ':')
		switch {
		case m.limit < 0:
			b = append(b, m.raw...)
		case m.isStr:
			b = encodePrefix(b, m.str, m.limit)
			cut = append(cut, m.key)
			cutLens = append(cutLens, len(m.str))
		default:
			b = encodePrefix(b, string(m.raw), m.limit)
			cut = append(cut, m.key)
			cutLens = append(cutLens, len(m.raw))
		}
	}
	if len(members) > 0 {
		b = append(b, ',')
	}
	b = append(b, markersWith(originalBytes, cut, cutLens)...)
	b = append(b, '}')
	return string(b)
}

// markers is the marker members' text when keys are cut, each from at most
// maxLen bytes (an upper bound for budgeting).
func markers(originalBytes int, keys []string, maxLen int) string {
	lens := make([]int, len(keys))
	for i := range lens {
		lens[i] = maxLen
	}
	return markersWith(originalBytes, keys, lens)
}

func markersWith(originalBytes int, keys []string, lens []int) string {
	var b []byte
	b = append(b, `"`+keyTruncated+`":true,"`+keyOriginalBytes+`":`...)
	b = strconv.AppendInt(b, int64(originalBytes), 10)
	b = append(b, `,"`+keyTruncatedFields+`":{`...)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = encodeString(b, k)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(lens[i]), 10)
	}
	b = append(b, '}')
	return string(b)
}

// minimalRecord keeps, of members, the markers and the core decision fields
// that fit whole: the last resort for records whose fixed parts alone are
// over the limit.
func minimalRecord(members []*member, originalBytes, limit int) string {
	out := "{" + markersWith(originalBytes, nil, nil) + "}"
	if len(out) > limit { // only with a limit far below CloudWatch's
		if out = `{"` + keyTruncated + `":true}`; len(out) > limit {
			return "{}"
		}
	}
	for _, key := range []string{"outcome", "decision", "user", "channel", "configuration", "time", "action"} {
		i := slices.IndexFunc(members, func(m *member) bool { return m.key == key })
		if i < 0 {
			continue
		}
		field := string(encodeString(nil, key)) + ":" + string(members[i].raw) + ","
		if len(out)+len(field) <= limit {
			out = "{" + field + out[1:]
		}
	}
	return out
}

// parseObject reads a JSON object's members in order. A repeated key keeps
// its last value (as encoding/json does); marker keys are dropped, since
// the shortened record gets its own.
func parseObject(msg string) ([]*member, bool) {
	dec := json.NewDecoder(strings.NewReader(msg))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var members []*member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, ok := tok.(string)
		if !ok {
			return nil, false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, false
		}
		if key == keyTruncated || key == keyOriginalBytes || key == keyTruncatedFields {
			continue
		}
		m := &member{key: key, protect: decisionFields[key], limit: -1}
		if len(raw) > 0 && raw[0] == '"' {
			if err := json.Unmarshal(raw, &m.str); err != nil {
				return nil, false
			}
			m.isStr = true
			m.raw = encodeString(nil, m.str)
		} else {
			var c bytes.Buffer
			if err := json.Compact(&c, raw); err != nil {
				return nil, false
			}
			m.raw = c.Bytes()
		}
		members = slices.DeleteFunc(members, func(o *member) bool { return o.key == key })
		members = append(members, m)
	}
	if _, err := dec.Token(); err != nil {
		return nil, false
	}
	return members, true
}

// encodeString appends s as a JSON string. HTML characters are not escaped
// (the log is not HTML, and it keeps records short); U+2028 and U+2029 are,
// as encoding/json does, for JavaScript readers.
func encodeString(b []byte, s string) []byte {
	b = append(b, '"')
	for _, r := range s {
		b = appendRune(b, r)
	}
	return append(b, '"')
}

// encodePrefix appends, as a JSON string, the longest prefix of s (whole
// runes) whose encoding takes at most n bytes between the quotes.
func encodePrefix(b []byte, s string, n int) []byte {
	b = append(b, '"')
	start := len(b)
	for _, r := range s {
		next := appendRune(b, r)
		if len(next)-start > n {
			break
		}
		b = next
	}
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

func appendRune(b []byte, r rune) []byte {
	switch {
	case r == '"' || r == '\\':
		return append(b, '\\', byte(r))
	case r == '\n':
		return append(b, '\\', 'n')
	case r == '\r':
		return append(b, '\\', 'r')
	case r == '\t':
		return append(b, '\\', 't')
	case r < 0x20 || r == '\u2028' || r == '\u2029':
		return append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
	default:
		// Invalid UTF-8 arrives here as utf8.RuneError and is written as
		// U+FFFD, so the output is always valid.
		return utf8.AppendRune(b, r)
	}
}
