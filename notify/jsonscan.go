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

// fieldIndex finds key among names the way encoding/json picks a struct
// field: exact match first, then case-folded (bytes.EqualFold). It returns
// the index of an exact match, -1 for an unknown key and -2 for a
// case-folded match, which the caller leaves to encoding/json.
func fieldIndex(key string, names []string) int {
	for i, n := range names {
		if n == key {
			return i
		}
	}
	ascii := true
	for i := 0; i < len(key); i++ {
		if key[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	for _, n := range names {
		// Folding non-ASCII runes (K, ſ) can change the byte length.
		if (!ascii || len(n) == len(key)) && strings.EqualFold(n, key) {
			return -2
		}
	}
	return -1
}

// seen records a field once; a repeated known key is left to
// encoding/json, whose merging of repeated objects and slices is subtle.
func seen(mask *uint32, i int) bool {
	if *mask&(1<<i) != 0 {
		return false
	}
	*mask |= 1 << i
	return true
}

// strField reads a string or null into dst (null leaves it, as
// encoding/json does for a non-pointer string).
func (p *jscan) strField(dst *string) bool {
	if p.isNull() {
		return true
	}
	v, _, ok := p.str()
	*dst = v
	return ok
}

// floatField reads a number or null into dst.
func (p *jscan) floatField(dst *float64) bool {
	if p.isNull() {
		return true
	}
	t, ok := p.num()
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return false
	}
	*dst = f
	return true
}

var envelopeKeys = []string{"Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion",
	"Signature", "SigningCertURL", "SubscribeURL", "UnsubscribeURL", "Token", "MessageAttributes"}

var attributeKeys = []string{"Type", "Value"}

// scanEnvelope is parseEnvelopeFast without encoding/json: same results
// (an envelope, or nil for a JSON object that is not one) when ok, and ok
// false whenever parseEnvelopeFast must decide.
func scanEnvelope(body []byte) (*Envelope, bool) {
	p := &jscan{s: string(body)}
	// *string semantics of fastEnvelope: the last occurrence wins and null
	// makes the field absent.
	var vals [12]string
	var set [12]bool
	var attrs map[string]MessageAttribute
	var attrsSeen bool
	ok := p.object(0, func(key string, escaped bool) bool {
		if escaped {
			return false // ParseEnvelope also looks for the literal "Type"
		}
		i := fieldIndex(key, envelopeKeys)
		switch {
		case i == -1:
			return p.skip(1)
		case i < 0:
			return false
		case i == 12:
			if attrsSeen {
				return false // a repeated map merges in encoding/json
			}
			attrsSeen = true
			var ok bool
			attrs, ok = p.scanAttributes()
			return ok
		}
		if p.isNull() {
			set[i] = false
			vals[i] = ""
			return true
		}
		v, _, ok := p.str()
		vals[i], set[i] = v, ok
		return ok
	})
	if !ok || !p.end() {
		return nil, false
	}
	if !set[0] || (!set[1] && !set[2]) {
		return nil, true
	}
	if vals[0] == "" {
		return nil, false
	}
	e := &Envelope{
		Type: vals[0], MessageID: vals[1], TopicARN: vals[2], Subject: vals[3], HasSubject: set[3],
		Message: vals[4], Timestamp: vals[5], SignatureVersion: vals[6], Signature: vals[7],
		SigningCertURL: vals[8], SubscribeURL: vals[9], UnsubscribeURL: vals[10], Token: vals[11],
	}
	if len(attrs) > 0 {
		e.MessageAttributes = attrs
	}
	return e, true
}

// scanAttributes reads MessageAttributes as fastEnvelope's
// map[string]*struct{ Type, Value *string } would.
func (p *jscan) scanAttributes() (map[string]MessageAttribute, bool) {
	if p.isNull() {
		return nil, true
	}
	attrs := map[string]MessageAttribute{}
	ok := p.object(1, func(name string, _ bool) bool {
		// Each map element is decoded into a fresh value: last one wins.
		var a MessageAttribute
		if p.isNull() {
			attrs[name] = a
			return true
		}
		ok := p.object(2, func(key string, _ bool) bool {
			i := fieldIndex(key, attributeKeys)
			switch {
			case i == -1:
				return p.skip(3)
			case i < 0:
				return false
			}
			dst := &a.Type
			if i == 1 {
				dst = &a.Value
			}
			if p.isNull() {
				*dst = ""
				return true
			}
			v, _, ok := p.str()
			*dst = v
			return ok
		})
		attrs[name] = a
		return ok
	})
	return attrs, ok
}

var (
	alarmKeys = []string{"AlarmName", "AlarmDescription", "NewStateValue", "NewStateReason", "StateChangeTime",
		"Region", "AlarmArn", "OldStateValue", "AlarmRule", "AWSAccountId", "TriggeringChildren", "Trigger"}
	childKeys      = []string{"Arn", "State"}
	childStateKeys = []string{"Value", "Timestamp"}
	triggerKeys    = []string{"MetricName", "Namespace", "Statistic", "ExtendedStatistic", "ComparisonOperator",
		"Dimensions", "Period", "EvaluationPeriods", "Threshold", "Metrics"}
	dimensionKeys  = []string{"name", "value"}
	queryKeys      = []string{"Id", "Label", "Expression", "ReturnData", "MetricStat"}
	metricStatKeys = []string{"Period", "Stat", "Metric"}
	metricKeys     = []string{"Namespace", "MetricName", "Dimensions"}
)

// scanAlarm decodes message into a (which must be zero) exactly as
// json.Unmarshal would, or reports false and leaves a in an unspecified
// state when json.Unmarshal must do it.
func scanAlarm(message string, a *snsAlarm) bool {
	p := &jscan{s: message}
	var mask uint32
	strs := [...]*string{&a.AlarmName, &a.AlarmDescription, &a.NewStateValue, &a.NewStateReason, &a.StateChangeTime,
		&a.Region, &a.AlarmArn, &a.OldStateValue, &a.AlarmRule, &a.AWSAccountIDField}
	ok := p.object(0, func(key string, _ bool) bool {
		i := fieldIndex(key, alarmKeys)
		switch {
		case i == -1:
			return p.skip(1)
		case i < 0 || !seen(&mask, i):
			return false
		case i < len(strs):
			return p.strField(strs[i])
		case i == 10:
			return slice(p, 1, &a.TriggeringChildren, p.child)
		}
		if p.isNull() {
			return true
		}
		a.Trigger = new(snsTrigger)
		return p.trigger(1, a.Trigger)
	})
	return ok && p.end()
}

// slice reads an array (or null) into *dst as encoding/json fills a nil
// slice: null leaves nil, [] gives an empty non-nil slice, a null element
// is a zero element.
func slice[T any](p *jscan, depth int, dst *[]T, elem func(depth int, v *T) bool) bool {
	if p.isNull() {
		return true
	}
	out := []T{}
	ok := p.array(depth, func() bool {
		out = append(out, *new(T))
		if p.isNull() {
			return true
		}
		return elem(depth+1, &out[len(out)-1])
	})
	*dst = out
	return ok
}

func (p *jscan) child(depth int, c *snsChild) bool {
	var mask uint32
	return p.object(depth, func(key string, _ bool) bool {
		i := fieldIndex(key, childKeys)
		switch {
		case i == -1:
			return p.skip(depth + 1)
		case i < 0 || !seen(&mask, i):
			return false
		case i == 0:
			return p.strField(&c.Arn)
		}
		if p.isNull() {
			return true
		}
		var m uint32
		return p.object(depth+1, func(key string, _ bool) bool {
			i := fieldIndex(key, childStateKeys)
			switch {
			case i == -1:
				return p.skip(depth + 2)
			case i < 0 || !seen(&m, i):
				return false
			case i == 0:
				return p.strField(&c.State.Value)
			}
			return p.strField(&c.State.Timestamp)
		})
	})
}

func (p *jscan) trigger(depth int, t *snsTrigger) bool {
	var mask uint32
	strs := [...]*string{&t.MetricName, &t.Namespace, &t.Statistic, &t.ExtendedStatistic, &t.ComparisonOperator}
	return p.object(depth, func(key string, _ bool) bool {
		i := fieldIndex(key, triggerKeys)
		switch {
		case i == -1:
			return p.skip(depth + 1)
		case i < 0 || !seen(&mask, i):
			return false
		case i < len(strs):
			return p.strField(strs[i])
		case i == 5:
			return slice(p, depth+1, &t.Dimensions, p.dimension)
		case i == 6:
			return p.floatField(&t.Period)
		case i == 7:
			return p.floatField(&t.EvaluationPeriods)
		case i == 8:
			if p.isNull() {
				return true
			}
			var f float64
			if !p.floatField(&f) {
				return false
			}
			t.Threshold = &f
			return true
		}
		return slice(p, depth+1, &t.Metrics, p.query)
	})
}

func (p *jscan) dimension(depth int, d *snsDimension) bool {
	var mask uint32
	return p.object(depth, func(key string, _ bool) bool {
		i := fieldIndex(key, dimensionKeys)
		switch {
		case i == -1:
			return p.skip(depth + 1)
		case i < 0 || !seen(&mask, i):
			return false
		case i == 0:
			return p.strField(&d.Name)
		}
		return p.strField(&d.Value)
	})
}

func (p *jscan) query(depth int, q *snsMetricQuery) bool {
	var mask uint32
	strs := [...]*string{&q.ID, &q.Label, &q.Expression}
	return p.object(depth, func(key string, _ bool) bool {
		i := fieldIndex(key, queryKeys)
		switch {
		case i == -1:
			return p.skip(depth + 1)
		case i < 0 || !seen(&mask, i):
			return false
		case i < len(strs):
			return p.strField(strs[i])
		case i == 3:
			switch {
			case p.isNull():
				return true
			case p.lit("true"):
				q.ReturnData = new(true)
				return true
			case p.lit("false"):
				q.ReturnData = new(false)
				return true
			}
			return false
		}
		if p.isNull() {
			return true
		}
		q.MetricStat = new(snsMetricStat)
		return p.metricStat(depth+1, q.MetricStat)
	})
}

func (p *jscan) metricStat(depth int, ms *snsMetricStat) bool {
	var mask uint32
	return p.object(depth, func(key string, _ bool) bool {
		i := fieldIndex(key, metricStatKeys)
		switch {
		case i == -1:
			return p.skip(depth + 1)
		case i < 0 || !seen(&mask, i):
			return false
		case i == 0:
			return p.floatField(&ms.Period)
		case i == 1:
			return p.strField(&ms.Stat)
		}
		if p.isNull() {
			return true
		}
		var m uint32
		return p.object(depth+1, func(key string, _ bool) bool {
			i := fieldIndex(key, metricKeys)
			switch {
			case i == -1:
				return p.skip(depth + 2)
			case i < 0 || !seen(&m, i):
				return false
			case i == 0:
				return p.strField(&ms.Metric.Namespace)
			case i == 1:
				return p.strField(&ms.Metric.MetricName)
			}
			return slice(p, depth+2, &ms.Metric.Dimensions, p.dimension)
		})
	})
}
