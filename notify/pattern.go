package notify

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Pattern is a compiled Amazon EventBridge event pattern. It supports exact
// values (strings, numbers, true, false, null, ""), prefix, suffix (both
// optionally {"equals-ignore-case": ...}), equals-ignore-case, wildcard,
// anything-but (a value, a list, or prefix/suffix/equals-ignore-case/
// wildcard), numeric ranges, exists, cidr, $or, nested objects, and events
// whose values are arrays (a field matches when any element does).
//
// Fields reached through the same array of objects must match in the same
// element, as EventBridge requires.
//
// A Pattern is immutable and safe for concurrent use.
type Pattern struct {
	source   string
	branches []branch
	set      *PatternSet
}

// CompilePattern compiles an EventBridge event pattern. Errors wrap
// ErrInvalidPattern and are *PatternError values that name the key path and
// give EventBridge's reason.
func CompilePattern(pattern []byte) (*Pattern, error) {
	branches, err := compileDoc(&eventBridgeDialect, pattern)
	if err != nil {
		return nil, err
	}
	p := &Pattern{source: string(pattern), branches: branches, set: NewPatternSet()}
	p.set.addBranches("", branches)
	return p, nil
}

// String returns the pattern's source text.
func (p *Pattern) String() string { return p.source }

// Match reports whether event (a JSON object, such as an EventBridge event)
// matches p. It errors (wrapping ErrInvalidEvent) only when event is not a
// JSON object. It does not allocate.
func (p *Pattern) Match(event []byte) (bool, error) {
	return p.set.matchAny(event)
}

// FilterPolicy is a compiled Amazon SNS subscription filter policy. The
// same policy can be applied to message attributes (the SNS default scope,
// MessageAttributes) or to the message body (scope MessageBody, where keys
// may nest). Operators: exact strings and numbers, anything-but (value,
// list, prefix, suffix), prefix, suffix, equals-ignore-case, numeric ranges
// and "=", exists, cidr, $or. Limits as SNS: at most 5 keys per
// combination and 150 combinations of values.
//
// A FilterPolicy is immutable and safe for concurrent use.
type FilterPolicy struct {
	source   string
	nested   bool
	branches []branch // for the router's per-topic sets
	set      *PatternSet
}

// CompileFilterPolicy compiles an SNS filter policy. Errors wrap
// ErrInvalidFilterPolicy and are *PatternError values.
func CompileFilterPolicy(policy []byte) (*FilterPolicy, error) {
	branches, err := compileDoc(&snsDialect, policy)
	if err != nil {
		return nil, err
	}
	f := &FilterPolicy{source: string(policy), branches: branches, set: NewPatternSet()}
	for _, b := range branches {
		for _, fl := range b {
			if strings.Contains(fl.path, pathSep) {
				f.nested = true
			}
		}
	}
	f.set.addBranches("", branches)
	return f, nil
}

// String returns the policy's source text.
func (f *FilterPolicy) String() string { return f.source }

// Nested reports whether the policy has nested keys, which SNS accepts only
// for the MessageBody scope ("Filter policy scope MessageAttributes does
// not support nested filter policy").
func (f *FilterPolicy) Nested() bool { return f.nested }

// MatchAttributes applies the policy to SNS message attributes. String
// attributes match string values, Number attributes numeric ones, each
// element of a String.Array attribute is tried (anything-but matches only
// when none of the elements is listed), Binary attributes are ignored,
// exists:true needs a non-empty value, and a message without attributes
// matches no policy, as SNS documents.
func (f *FilterPolicy) MatchAttributes(attrs map[string]MessageAttribute) bool {
	if len(attrs) == 0 {
		// SNS: "An empty set of attributes results in the filter not
		// matching", even for exists:false.
		return false
	}
	eng := f.set.engine()
	st := f.set.state(eng)
	defer f.set.pool.Put(st)
	st.resetLeaves()
	for name, a := range attrs {
		n := eng.root.children[name]
		if n == nil || n.path < 0 {
			continue
		}
		switch a.Type {
		case "String":
			st.addLeaf(n.path, kindString, []byte(a.Value), 0)
		case "Number":
			num, err := strconv.ParseFloat(strings.TrimSpace(a.Value), 64)
			if err != nil || math.IsNaN(num) {
				// strconv accepts "NaN", which would pass every
				// numeric range: SNS does not treat it as a number.
				continue
			}
			st.addLeaf(n.path, kindNumber, nil, num)
		case "String.Array":
			var arr []any
			if err := json.Unmarshal([]byte(a.Value), &arr); err != nil {
				// SNS treats an unparsable array as no match for the key.
				continue
			}
			for _, item := range arr {
				switch item.(type) {
				case map[string]any, []any:
					continue
				}
				st.walkValue(item, n)
			}
		}
	}
	return st.run(eng, true) > 0
}

// MatchBody applies the policy to a message body (payload-based filtering).
// A body that is not a JSON object does not match; the error says why.
func (f *FilterPolicy) MatchBody(body []byte) (bool, error) {
	ok, err := f.set.matchAny(body)
	if err != nil {
		return false, fmt.Errorf("notify: filter policy: %w", err)
	}
	return ok, nil
}
