package notify

// The two hot decoders built on jscan (jsonscan.go): the SNS envelope and
// the CloudWatch alarm message, each exactly encoding/json's result or a
// "let encoding/json decide".

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

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
