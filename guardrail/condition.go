package guardrail

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode"
)

type condKind uint8

const (
	kString condKind = iota + 1
	kStringFold
	kStringLike
	kNumeric
	kDate
	kBool
	kBinary
	kIP
	kArn
	kNull
)

type cmpKind uint8

const (
	cmpEq cmpKind = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

type setKind uint8

const (
	setNone setKind = iota
	setAnyValue
	setAllValues
)

// baseOp describes one IAM condition operator without qualifiers.
type baseOp struct {
	kind   condKind
	cmp    cmpKind
	negate bool
}

// baseOps lists the operators by lower-cased name: IAM accepts operator names
// in any case.
var baseOps = map[string]baseOp{
	"stringequals":              {kind: kString},
	"stringnotequals":           {kind: kString, negate: true},
	"stringequalsignorecase":    {kind: kStringFold},
	"stringnotequalsignorecase": {kind: kStringFold, negate: true},
	"stringlike":                {kind: kStringLike},
	"stringnotlike":             {kind: kStringLike, negate: true},
	"numericequals":             {kind: kNumeric, cmp: cmpEq},
	"numericnotequals":          {kind: kNumeric, cmp: cmpEq, negate: true},
	"numericlessthan":           {kind: kNumeric, cmp: cmpLt},
	"numericlessthanequals":     {kind: kNumeric, cmp: cmpLe},
	"numericgreaterthan":        {kind: kNumeric, cmp: cmpGt},
	"numericgreaterthanequals":  {kind: kNumeric, cmp: cmpGe},
	"dateequals":                {kind: kDate, cmp: cmpEq},
	"datenotequals":             {kind: kDate, cmp: cmpEq, negate: true},
	"datelessthan":              {kind: kDate, cmp: cmpLt},
	"datelessthanequals":        {kind: kDate, cmp: cmpLe},
	"dategreaterthan":           {kind: kDate, cmp: cmpGt},
	"dategreaterthanequals":     {kind: kDate, cmp: cmpGe},
	"bool":                      {kind: kBool},
	"binaryequals":              {kind: kBinary},
	"ipaddress":                 {kind: kIP},
	"notipaddress":              {kind: kIP, negate: true},
	"arnequals":                 {kind: kArn},
	"arnlike":                   {kind: kArn},
	"arnnotequals":              {kind: kArn, negate: true},
	"arnnotlike":                {kind: kArn, negate: true},
	"null":                      {kind: kNull},
}

// condition is one (operator, key) pair of a Condition block with its values
// compiled. Several values are OR-ed; conditions of a statement are AND-ed.
type condition struct {
	op  string // as written, for explanations
	key string
	k   ctxKey // key, hashed for lookups
	baseOp
	ifExists bool
	set      setKind

	strs  []pattern
	arns  []arnPattern
	nums  []float64
	dates []time.Time
	// dateTexts are dates as "2006-01-02T15:04:05Z" when every one has
	// that form: a context value of the same form (aws:CurrentTime) is
	// then compared as text, without building a time.Time.
	dateTexts []string
	bools     []bool
	ips       []netip.Prefix
	// v4 are the IPv4 prefixes of ips as masks, for IPv4 context values
	// (aws:SourceIp usually is one), which no IPv6 prefix contains.
	v4 []ipv4Prefix

	// vars are the policy variables of the values: a condition is
	// undecidable when one does not resolve (see eval).
	vars []token
	// arnShaped: some Arn* value is an ARN pattern, which only an ARN
	// can be matched against.
	arnShaped bool
}

// parseOperator splits "ForAnyValue:StringLikeIfExists" into its parts.
func parseOperator(name string) (op baseOp, set setKind, ifExists bool, ok bool) {
	rest := name
	if q, r, found := strings.Cut(rest, ":"); found {
		switch strings.ToLower(q) {
		case "foranyvalue":
			set = setAnyValue
		case "forallvalues":
			set = setAllValues
		default:
			return op, set, false, false
		}
		rest = r
	}
	lower := strings.ToLower(rest)
	if base, found := strings.CutSuffix(lower, "ifexists"); found && base != "null" {
		if _, known := baseOps[base]; known {
			lower, ifExists = base, true
		}
	}
	op, ok = baseOps[lower]
	if ok && op.kind == kNull && set != setNone {
		ok = false
	}
	return op, set, ifExists, ok
}

func (p *parser) conditionBlock(path string, raw json.RawMessage) []condition {
	block, ok := p.object(path, raw, "Condition")
	if !ok {
		return nil
	}
	if len(block) == 0 {
		p.fail(path, "empty Condition block")
	}
	var out []condition
	p.caseDuplicates(path, "condition operator", sortedKeys(block))
	for _, opName := range sortedKeys(block) {
		opPath := path + "." + opName
		base, set, ifExists, ok := parseOperator(opName)
		if !ok {
			p.fail(opPath, "unknown operator")
			continue
		}
		keys, ok := p.object(opPath, block[opName], "an operator's value")
		if !ok {
			continue
		}
		if len(keys) == 0 {
			p.fail(opPath, "no condition key")
		}
		p.caseDuplicates(opPath, "condition key", sortedKeys(keys))
		for _, key := range sortedKeys(keys) {
			kp := opPath + "." + key
			if !p.conditionKeyOK(kp, key) {
				continue
			}
			c := condition{op: opName, key: key, k: newCtxKey(key), baseOp: base, ifExists: ifExists, set: set}
			vals := p.scalarList(kp, keys[key])
			if vals == nil {
				continue
			}
			if p.compileValues(kp, &c, vals) {
				out = append(out, c)
			}
		}
	}
	return out
}

// conditionKeyOK refuses keys that IAM might read otherwise than the
// lookup would: a key the lookup cannot find is absent, which makes a
// Deny with a positive operator not apply. Spaces inside a key are
// accepted (tag keys may have them), not around it.
func (p *parser) conditionKeyOK(path, key string) bool {
	switch {
	case strings.TrimSpace(key) == "":
		p.fail(path, "empty condition key")
	case strings.TrimSpace(key) != key:
		p.fail(path, "condition key %q has a space around it", key)
	case strings.ContainsFunc(key, unicode.IsControl):
		p.fail(path, "condition key %q has a control character", key)
	case p.version == Version2012 && strings.Contains(key, "${"):
		// IAM documents policy variables in Resource and condition
		// values, not in keys: what AWS would compare is unknown.
		p.fail(path, "condition key %q: a policy variable in a key is not supported", key)
	default:
		return true
	}
	return false
}

func (p *parser) compileValues(path string, c *condition, vals []string) bool {
	vars := p.version == Version2012
	before := len(p.errs)
	bad := func(i int, format string, args ...any) {
		p.fail(fmt.Sprintf("%s[%d]", path, i), format, args...)
	}
	for i, v := range vals {
		switch c.kind {
		case kString, kStringFold, kStringLike, kArn:
			if !p.variablesOK(fmt.Sprintf("%s[%d]", path, i), v) {
				continue
			}
		}
		switch c.kind {
		case kString:
			c.strs = append(c.strs, compilePattern(v, compileOptions{variables: vars}))
		case kStringFold:
			c.strs = append(c.strs, compilePattern(v, compileOptions{variables: vars, fold: true}))
		case kStringLike:
			c.strs = append(c.strs, compilePattern(v, compileOptions{variables: vars, wildcards: true}))
		case kArn:
			ap := compileARN(v, compileOptions{variables: vars, wildcards: true})
			c.arnShaped = c.arnShaped || ap.segs != nil
			c.arns = append(c.arns, ap)
		case kNumeric:
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				bad(i, "not a number: %q", v)
				continue
			}
			c.nums = append(c.nums, f)
		case kDate:
			t, ok := parseDate(v)
			if !ok {
				bad(i, "not a date: %q (want ISO 8601 like 2026-01-02T15:04:05Z, or epoch seconds)", v)
				continue
			}
			c.dates = append(c.dates, t)
		case kBool, kNull:
			b := strings.EqualFold(v, "true")
			if !b && !strings.EqualFold(v, "false") {
				bad(i, "not a boolean: %q (want true or false)", v)
				continue
			}
			c.bools = append(c.bools, b)
		case kBinary:
			if _, err := base64.StdEncoding.DecodeString(v); err != nil {
				bad(i, "not base64: %q", v)
				continue
			}
			// Binary context values are carried base64-encoded, as in
			// IAM's request context; canonical encodings compare as text.
			c.strs = append(c.strs, compilePattern(v, compileOptions{}))
		case kIP:
			pf, err := netip.ParsePrefix(v)
			if err != nil {
				a, aerr := netip.ParseAddr(v)
				if aerr != nil {
					bad(i, "not an IP address or CIDR: %q", v)
					continue
				}
				a = a.Unmap()
				pf = netip.PrefixFrom(a, a.BitLen())
			}
			pf = pf.Masked()
			if pf.Addr().Is4In6() {
				pf = netip.PrefixFrom(pf.Addr().Unmap(), pf.Bits()-96)
			}
			c.ips = append(c.ips, pf)
		}
	}
	c.collectVars()
	c.compileFastPaths()
	return len(p.errs) == before
}

// compileFastPaths derives the hot path's forms of Date and IP values.
func (c *condition) compileFastPaths() {
	for _, d := range c.dates {
		txt, ok := utcSecondsText(d)
		if !ok {
			c.dateTexts = nil
			break
		}
		c.dateTexts = append(c.dateTexts, txt)
	}
	for _, pf := range c.ips {
		if pf.Addr().Is4() {
			a := pf.Addr().As4()
			mask := ^uint32(0)
			if pf.Bits() < 32 {
				mask = ^(^uint32(0) >> pf.Bits())
			}
			c.v4 = append(c.v4, ipv4Prefix{addr: uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3]), mask: mask})
		}
	}
}

type ipv4Prefix struct{ addr, mask uint32 }

// collectVars records the policy variables of the compiled values.
func (c *condition) collectVars() {
	add := func(p *pattern) {
		for _, t := range p.toks {
			if t.kind == tokVar {
				c.vars = append(c.vars, t)
			}
		}
	}
	for i := range c.strs {
		add(&c.strs[i])
	}
	for i := range c.arns {
		add(&c.arns[i].whole)
		for j := range c.arns[i].segs {
			add(&c.arns[i].segs[j])
		}
	}
}

// eval applies IAM's rules for missing keys, IfExists and set qualifiers.
// deny is the effect of the condition's statement. A condition the request
// context cannot decide (a value that is not of the operator's type, such
// as an unparseable aws:CurrentTime or aws:SourceIp; a policy variable in
// the condition's values that does not resolve; a key the context spells in
// several letter cases, see reqContext) is true in a Deny and false in an
// Allow: IAM's "the values do not match" would let a negated operator
// hold, which for an Allow (NotIpAddress, DateNotEquals) would allow on a
// value nobody could check, and for a Deny with a positive operator
// (DateGreaterThan) would let a malformed value escape the Deny. A value
// that cannot change the outcome (another value already decided it) is not
// a reason to fail closed.
func (c *condition) eval(ctx *reqContext, deny bool) bool {
	vals, found, ambiguous := ctx.lookup(&c.k)
	if ambiguous {
		return deny
	}
	present := found && len(vals) > 0
	if c.kind == kNull {
		// "Null": true means the key must be absent; false, present.
		for _, wantAbsent := range c.bools {
			if wantAbsent != present {
				return true
			}
		}
		return false
	}
	if !present && c.ifExists {
		return true
	}
	if len(c.vars) > 0 && !c.varsResolve(ctx) {
		return deny
	}
	undecided := false
	switch c.set {
	case setAllValues:
		// Vacuously true on a missing or empty key: the classic ForAllValues
		// pitfall, which is IAM's documented behaviour.
		for _, v := range vals {
			m, ok := c.positive(v, ctx)
			if !ok {
				undecided = true
			} else if m == c.negate {
				return false
			}
		}
		if undecided {
			return deny
		}
		return true
	case setAnyValue:
		for _, v := range vals {
			m, ok := c.positive(v, ctx)
			if !ok {
				undecided = true
			} else if m != c.negate {
				return true
			}
		}
		if undecided {
			return deny
		}
		return false
	}
	if !present {
		// A negated operator is satisfied by a key that is not there.
		return c.negate
	}
	for _, v := range vals {
		m, ok := c.positive(v, ctx)
		if !ok {
			undecided = true
		} else if m {
			return !c.negate
		}
	}
	if undecided {
		return deny
	}
	return c.negate
}

// varsResolve reports whether every policy variable in the condition's
// values stands for exactly one context value (or has a default).
func (c *condition) varsResolve(ctx *reqContext) bool {
	for i := range c.vars {
		if _, ok := c.vars[i].resolve(ctx); !ok {
			return false
		}
	}
	return true
}

// positive reports whether the context value v matches any policy value
// under the un-negated operator; ok is false when v cannot be read as the
// operator's type (see eval).
func (c *condition) positive(v string, ctx *reqContext) (match, ok bool) {
	switch c.kind {
	case kString, kStringFold, kStringLike, kBinary:
		for i := range c.strs {
			if c.strs[i].match(v, ctx) {
				return true, true
			}
		}
	case kArn:
		if c.arnShaped && !isARN(v) {
			return false, false
		}
		for i := range c.arns {
			if c.arns[i].match(v, ctx) {
				return true, true
			}
		}
	case kNumeric:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return false, false
		}
		for _, n := range c.nums {
			if compare(cmpFloat(f, n), c.cmp) {
				return true, true
			}
		}
	case kDate:
		if c.dateTexts != nil {
			if validUTCSeconds(v) {
				for _, d := range c.dateTexts {
					if compare(strings.Compare(v, d), c.cmp) {
						return true, true
					}
				}
				return false, true
			}
		}
		t, ok := parseDate(v)
		if !ok {
			return false, false
		}
		for _, d := range c.dates {
			if compare(t.Compare(d), c.cmp) {
				return true, true
			}
		}
	case kBool:
		var b bool
		switch {
		case strings.EqualFold(v, "true"):
			b = true
		case strings.EqualFold(v, "false"):
		default:
			return false, false
		}
		for _, want := range c.bools {
			if b == want {
				return true, true
			}
		}
	case kIP:
		if a, ok := parseIPv4Bits(v); ok {
			for _, pf := range c.v4 {
				if a&pf.mask == pf.addr {
					return true, true
				}
			}
			return false, true
		}
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" {
			// A zone ("fe80::1%eth0") is no part of a source address.
			return false, false
		}
		a = a.Unmap()
		for _, pf := range c.ips {
			if pf.Contains(a) {
				return true, true
			}
		}
	}
	return false, true
}

// isARN reports whether s has the six colon-separated parts of an ARN, so
// that an ArnLike pattern of that shape can be matched against it.
func isARN(s string) bool {
	if !strings.HasPrefix(s, "arn:") {
		return false
	}
	return strings.Count(s[4:], ":") >= 4
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compare(r int, c cmpKind) bool {
	switch c {
	case cmpEq:
		return r == 0
	case cmpLt:
		return r < 0
	case cmpLe:
		return r <= 0
	case cmpGt:
		return r > 0
	case cmpGe:
		return r >= 0
	}
	return false
}
