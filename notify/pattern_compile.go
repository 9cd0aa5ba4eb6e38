package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// ErrInvalidPattern is wrapped by every error CompilePattern returns.
var ErrInvalidPattern = errors.New("invalid event pattern")

// ErrInvalidFilterPolicy is wrapped by every error CompileFilterPolicy returns.
var ErrInvalidFilterPolicy = errors.New("invalid filter policy")

// PatternError says why an event pattern or filter policy was rejected and
// where. Reason is worded like the AWS error message for the same mistake
// ("Unrecognized match type wild", "Filter policy is too complex").
type PatternError struct {
	// Kind is "event pattern" or "filter policy".
	Kind string
	// Path is the dotted key path of the offending rule, "" for the whole document.
	Path   string
	Reason string
	sent   error
}

// Error says what was wrong and where.
func (e *PatternError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("notify: %s is not valid: %s", e.Kind, e.Reason)
	}
	return fmt.Sprintf("notify: %s is not valid: %s at %q", e.Kind, e.Reason, e.Path)
}

// Unwrap returns ErrInvalidPattern or ErrInvalidFilterPolicy.
func (e *PatternError) Unwrap() error { return e.sent }

// dialect captures the differences between EventBridge patterns and SNS
// filter policies; the matching engine is shared.
type dialect struct {
	kind        string
	sentinel    error
	wildcard    bool    // EventBridge only
	maxNumeric  float64 // magnitude limit on numeric operands
	maxCombos   int     // product of value counts (SNS 150, EventBridge $or combinations 1000)
	maxKeys     int     // SNS: 5 keys; 0 = unlimited
	countValues bool    // SNS counts the product of every array's length
	// SNS semantics: anything-but must hold for every element of an
	// array, exists:true needs a non-null, non-empty value.
	anythingButEvery bool
	existsNonEmpty   bool
}

var (
	eventBridgeDialect = dialect{kind: "event pattern", sentinel: ErrInvalidPattern, wildcard: true, maxNumeric: 5e9, maxCombos: 1000}
	snsDialect         = dialect{kind: "filter policy", sentinel: ErrInvalidFilterPolicy, maxNumeric: 1e9, maxCombos: 150, maxKeys: 5, countValues: true, anythingButEvery: true, existsNonEmpty: true}
)

func (d *dialect) errf(path []string, format string, args ...any) error {
	return &PatternError{Kind: d.kind, Path: strings.Join(path, "."), Reason: fmt.Sprintf(format, args...), sent: d.sentinel}
}

// valueKind is the JSON type of an event leaf.
type valueKind uint8

const (
	kindString valueKind = iota
	kindNumber
	kindBool
	kindNull
)

// exactKey is the canonical key of a scalar, shared by pattern literals and
// event leaves so that the exact index is one hash lookup (5 and 5.0 are the
// same number).
func exactKey(kind valueKind, s string, n float64) string {
	switch kind {
	case kindNumber:
		return "n" + strconv.FormatFloat(n, 'g', -1, 64)
	case kindBool:
		return "b" + s
	case kindNull:
		return "z"
	default:
		return "s" + s
	}
}

// condKind is one kind of leaf test.
type condKind uint8

const (
	condExact condKind = iota
	condIgnoreCase
	condPrefix
	condPrefixIgnoreCase
	condSuffix
	condSuffixIgnoreCase
	condExists
	condAbsent
	condNumeric
	condCIDR
	condWildcard
	condAnythingBut
)

// cond is one compiled test on a leaf.
type cond struct {
	kind condKind
	key  string // condExact: exactKey; ignore-case kinds: lower-cased text; prefix/suffix: text
	// condExact: the literal, typed, so the matcher compares without
	// building keys (text is the string, or "true"/"false").
	vkind valueKind
	text  string
	num   float64
	// numeric range
	lo, hi         float64
	loIncl, hiIncl bool
	hasLo, hasHi   bool
	prefix         netip.Prefix
	glob           string
	toks           globPattern // glob, compiled once
	// anything-but: the leaf must match none of these
	not []cond
	// every: the test must hold for every leaf at the path, not just one
	// (SNS anything-but: a String.Array matches only if none of its
	// elements is listed).
	every bool
	// nonEmpty: SNS exists:true needs a non-null, non-empty value.
	nonEmpty bool
}

// field is one key of a branch: it holds if any of its conds holds for any
// leaf at path (condAbsent: if the path has no leaf).
type pfield struct {
	path  string // joined with pathSep
	conds []cond
}

// branch is one conjunction of fields: the DNF expansion of $or.
type branch []pfield

const pathSep = "\x1f"

// compileDoc parses a pattern or policy document into branches.
func compileDoc(d *dialect, doc []byte) ([]branch, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, d.errf(nil, "not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, d.errf(nil, "not valid JSON: trailing data after the document")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, d.errf(nil, "the %s must be a JSON object, got %s", d.kind, jsonTypeName(v))
	}
	if len(obj) == 0 {
		return nil, d.errf(nil, "the %s is empty", d.kind)
	}
	c := compiler{d: d}
	branches, err := c.object(nil, obj)
	if err != nil {
		return nil, err
	}
	if d.maxKeys > 0 {
		for _, b := range branches {
			if len(b) > d.maxKeys {
				return nil, d.errf(nil, "Filter policy can not have more than %d keys", d.maxKeys)
			}
		}
	}
	if d.countValues && c.combos > d.maxCombos {
		return nil, d.errf(nil, "%s is too complex: %d combinations of values, at most %d are allowed", capitalize(d.kind), c.combos, d.maxCombos)
	}
	return branches, nil
}

type compiler struct {
	d      *dialect
	combos int
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// object compiles the keys of one object level. The result is the cross
// product of each key's alternatives; plain keys contribute one alternative
// (one field or the branches of a nested object), "$or" several.
func (c *compiler) object(path []string, obj map[string]any) ([]branch, error) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic errors and branch order
	result := []branch{{}}
	for _, k := range keys {
		v := obj[k]
		sub := append(append([]string(nil), path...), k)
		var alts []branch
		switch {
		case k == "$or":
			arr, ok := v.([]any)
			if !ok || len(arr) < 2 {
				return nil, c.d.errf(sub, "Value of $or must be an array of at least 2 objects")
			}
			for i, item := range arr {
				o, ok := item.(map[string]any)
				if !ok || len(o) == 0 {
					return nil, c.d.errf(sub, "$or item %d must be a non-empty object, got %s", i, jsonTypeName(item))
				}
				bs, err := c.object(path, o)
				if err != nil {
					return nil, err
				}
				alts = append(alts, bs...)
			}
		default:
			switch tv := v.(type) {
			case map[string]any:
				if len(tv) == 0 {
					return nil, c.d.errf(sub, "empty objects are not allowed")
				}
				bs, err := c.object(sub, tv)
				if err != nil {
					return nil, err
				}
				alts = bs
			case []any:
				f, err := c.field(sub, tv)
				if err != nil {
					return nil, err
				}
				alts = []branch{{f}}
			default:
				return nil, c.d.errf(sub, "Match value must be an array or an object, got %s", jsonTypeName(v))
			}
		}
		next := make([]branch, 0, len(result)*len(alts))
		for _, r := range result {
			for _, a := range alts {
				b := make(branch, 0, len(r)+len(a))
				b = append(append(b, r...), a...)
				next = append(next, b)
			}
		}
		result = next
		if len(result) > c.d.maxCombos {
			return nil, c.d.errf(nil, "%s is too complex: more than %d combinations", capitalize(c.d.kind), c.d.maxCombos)
		}
	}
	return result, nil
}

func (c *compiler) field(path []string, arr []any) (pfield, error) {
	if len(arr) == 0 {
		return pfield{}, c.d.errf(path, "Empty arrays are not allowed")
	}
	if c.combos == 0 {
		c.combos = 1
	}
	if c.combos <= c.d.maxCombos { // past the limit the exact product no longer matters
		c.combos *= len(arr)
	}
	f := pfield{path: strings.Join(path, pathSep)}
	for _, item := range arr {
		cd, err := c.matcher(path, item)
		if err != nil {
			return pfield{}, err
		}
		f.conds = append(f.conds, cd)
	}
	return f, nil
}

func (c *compiler) literal(path []string, v any) (cond, error) {
	switch tv := v.(type) {
	case string:
		return cond{kind: condExact, key: exactKey(kindString, tv, 0), vkind: kindString, text: tv}, nil
	case json.Number:
		n, err := c.number(path, tv)
		if err != nil {
			return cond{}, err
		}
		return cond{kind: condExact, key: exactKey(kindNumber, "", n), vkind: kindNumber, num: n}, nil
	case bool:
		s := strconv.FormatBool(tv)
		return cond{kind: condExact, key: exactKey(kindBool, s, 0), vkind: kindBool, text: s}, nil
	case nil:
		return cond{kind: condExact, key: exactKey(kindNull, "", 0), vkind: kindNull}, nil
	}
	return cond{}, c.d.errf(path, "Match value must be String, number, true, false, or null, got %s", jsonTypeName(v))
}

func (c *compiler) number(path []string, n json.Number) (float64, error) {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, c.d.errf(path, "Value %s is not a valid number", n)
	}
	if math.Abs(f) > c.d.maxNumeric {
		return 0, c.d.errf(path, "Value %s is out of range: numbers must be between %g and %g", n, -c.d.maxNumeric, c.d.maxNumeric)
	}
	return f, nil
}

func (c *compiler) matcher(path []string, item any) (cond, error) {
	obj, ok := item.(map[string]any)
	if !ok {
		return c.literal(path, item)
	}
	if len(obj) != 1 {
		return cond{}, c.d.errf(path, "Match object must have exactly one operator, got %d", len(obj))
	}
	for op, arg := range obj {
		switch op {
		case "prefix", "suffix":
			return c.affix(path, op, arg)
		case "equals-ignore-case":
			s, ok := arg.(string)
			if !ok {
				return cond{}, c.d.errf(path, "equals-ignore-case match pattern must be a string, got %s", jsonTypeName(arg))
			}
			return cond{kind: condIgnoreCase, key: strings.ToLower(s)}, nil
		case "wildcard":
			if !c.d.wildcard {
				return cond{}, c.d.errf(path, "Unrecognized match type wildcard")
			}
			s, ok := arg.(string)
			if !ok {
				return cond{}, c.d.errf(path, "wildcard match pattern must be a string, got %s", jsonTypeName(arg))
			}
			if err := checkGlob(s); err != nil {
				return cond{}, c.d.errf(path, "%v", err)
			}
			return cond{kind: condWildcard, glob: s, toks: compileGlob(s)}, nil
		case "exists":
			b, ok := arg.(bool)
			if !ok {
				return cond{}, c.d.errf(path, "exists match pattern must be either true or false, got %s", jsonTypeName(arg))
			}
			if b {
				return cond{kind: condExists, nonEmpty: c.d.existsNonEmpty}, nil
			}
			return cond{kind: condAbsent}, nil
		case "cidr":
			s, ok := arg.(string)
			if !ok {
				return cond{}, c.d.errf(path, "cidr match pattern must be a string, got %s", jsonTypeName(arg))
			}
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return cond{}, c.d.errf(path, "Nonstandard IP address: %s", s)
			}
			return cond{kind: condCIDR, prefix: p.Masked()}, nil
		case "numeric":
			return c.numeric(path, arg)
		case "anything-but":
			return c.anythingBut(path, arg)
		default:
			return cond{}, c.d.errf(path, "Unrecognized match type %s", op)
		}
	}
	return cond{}, c.d.errf(path, "Match object must have exactly one operator")
}

func (c *compiler) affix(path []string, op string, arg any) (cond, error) {
	kind, ciKind := condPrefix, condPrefixIgnoreCase
	if op == "suffix" {
		kind, ciKind = condSuffix, condSuffixIgnoreCase
	}
	switch tv := arg.(type) {
	case string:
		return cond{kind: kind, key: tv}, nil
	case map[string]any:
		if s, ok := tv["equals-ignore-case"].(string); ok && len(tv) == 1 {
			return cond{kind: ciKind, key: strings.ToLower(s)}, nil
		}
		return cond{}, c.d.errf(path, "%s match pattern must be a string or {\"equals-ignore-case\": string}", op)
	}
	return cond{}, c.d.errf(path, "%s match pattern must be a string, got %s", op, jsonTypeName(arg))
}

func (c *compiler) numeric(path []string, arg any) (cond, error) {
	arr, ok := arg.([]any)
	if !ok || len(arr) == 0 || len(arr)%2 != 0 || len(arr) > 4 {
		return cond{}, c.d.errf(path, "Value of numeric must be an array of 1 or 2 (operator, number) pairs")
	}
	cd := cond{kind: condNumeric}
	for i := 0; i < len(arr); i += 2 {
		op, ok := arr[i].(string)
		if !ok {
			return cond{}, c.d.errf(path, "numeric operator must be a string, got %s", jsonTypeName(arr[i]))
		}
		num, ok := arr[i+1].(json.Number)
		if !ok {
			return cond{}, c.d.errf(path, "Value of %s must be numeric, got %s", op, jsonTypeName(arr[i+1]))
		}
		n, err := c.number(path, num)
		if err != nil {
			return cond{}, err
		}
		switch op {
		case "=":
			if len(arr) != 2 {
				return cond{}, c.d.errf(path, "numeric \"=\" cannot be combined with another operator")
			}
			cd.lo, cd.hi, cd.loIncl, cd.hiIncl, cd.hasLo, cd.hasHi = n, n, true, true, true, true
		case ">", ">=":
			if cd.hasLo {
				return cond{}, c.d.errf(path, "Bad numeric range operator: %s (only one lower bound is allowed)", op)
			}
			cd.lo, cd.loIncl, cd.hasLo = n, op == ">=", true
		case "<", "<=":
			if cd.hasHi {
				return cond{}, c.d.errf(path, "Bad numeric range operator: %s (only one upper bound is allowed)", op)
			}
			cd.hi, cd.hiIncl, cd.hasHi = n, op == "<=", true
		default:
			return cond{}, c.d.errf(path, "Unrecognized numeric range operator: %s", op)
		}
	}
	if cd.hasLo && cd.hasHi && (cd.lo > cd.hi || (cd.lo == cd.hi && !(cd.loIncl && cd.hiIncl))) {
		return cond{}, c.d.errf(path, "Bottom must be less than top")
	}
	return cd, nil
}

func (c *compiler) anythingBut(path []string, arg any) (cond, error) {
	cd := cond{kind: condAnythingBut, every: c.d.anythingButEvery}
	switch tv := arg.(type) {
	case []any:
		if len(tv) == 0 {
			return cond{}, c.d.errf(path, "Empty arrays are not allowed in anything-but")
		}
		for _, item := range tv {
			switch item.(type) {
			case string, json.Number:
			default:
				return cond{}, c.d.errf(path, "Inside anything-but list, start|null|boolean is not supported (got %s)", jsonTypeName(item))
			}
			l, err := c.literal(path, item)
			if err != nil {
				return cond{}, err
			}
			cd.not = append(cd.not, l)
		}
	case string, json.Number:
		l, err := c.literal(path, tv)
		if err != nil {
			return cond{}, err
		}
		cd.not = []cond{l}
	case map[string]any:
		if len(tv) != 1 {
			return cond{}, c.d.errf(path, "anything-but object must have exactly one operator")
		}
		for op, a := range tv {
			switch op {
			case "prefix", "suffix":
				s, ok := a.(string)
				if !ok {
					return cond{}, c.d.errf(path, "%s match pattern inside anything-but must be a string, got %s", op, jsonTypeName(a))
				}
				if s == "" {
					return cond{}, c.d.errf(path, "Null %s not allowed inside anything-but", op)
				}
				k := condPrefix
				if op == "suffix" {
					k = condSuffix
				}
				cd.not = []cond{{kind: k, key: s}}
			case "equals-ignore-case", "wildcard":
				if op == "wildcard" && !c.d.wildcard {
					return cond{}, c.d.errf(path, "Unsupported anything-but pattern: wildcard")
				}
				var items []string
				switch av := a.(type) {
				case string:
					items = []string{av}
				case []any:
					for _, x := range av {
						s, ok := x.(string)
						if !ok {
							return cond{}, c.d.errf(path, "Inside anything-but/%s list, only strings are allowed (got %s)", op, jsonTypeName(x))
						}
						items = append(items, s)
					}
				}
				if len(items) == 0 {
					return cond{}, c.d.errf(path, "anything-but/%s match pattern must be a string or a non-empty array of strings", op)
				}
				for _, s := range items {
					if op == "wildcard" {
						if err := checkGlob(s); err != nil {
							return cond{}, c.d.errf(path, "%v", err)
						}
						cd.not = append(cd.not, cond{kind: condWildcard, glob: s, toks: compileGlob(s)})
					} else {
						cd.not = append(cd.not, cond{kind: condIgnoreCase, key: strings.ToLower(s)})
					}
				}
			default:
				return cond{}, c.d.errf(path, "Unsupported anything-but pattern: %s", op)
			}
		}
	default:
		return cond{}, c.d.errf(path, "Value of anything-but must be an array or single string/number value, got %s", jsonTypeName(arg))
	}
	return cd, nil
}

// checkGlob rejects what EventBridge rejects in wildcard patterns.
func checkGlob(s string) error {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) || (s[i+1] != '*' && s[i+1] != '\\') {
				return fmt.Errorf("Invalid escape in wildcard pattern %q at position %d: only \\* and \\\\ are allowed", s, i)
			}
			i++
		case '*':
			if i+1 < len(s) && s[i+1] == '*' {
				return fmt.Errorf("Consecutive wildcard characters at pos %d in %q", i+1, s)
			}
		}
	}
	return nil
}

func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
