package guardrail

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Policy versions IAM accepts. Policy variables are only interpreted in
// 2012-10-17 documents; in 2008-10-17 (and when Version is absent, which IAM
// treats as 2008-10-17) "${...}" is literal text.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Effect is a statement's effect.
type Effect uint8

const (
	// EffectAllow grants what the statement matches.
	EffectAllow Effect = iota + 1
	// EffectDeny refuses what the statement matches, whatever else allows it.
	EffectDeny
)

// String returns "Allow" or "Deny".
func (e Effect) String() string {
	switch e {
	case EffectAllow:
		return "Allow"
	case EffectDeny:
		return "Deny"
	}
	return "Effect(" + strconv.Itoa(int(e)) + ")"
}

// Policy is a parsed and compiled IAM policy document. It is immutable and
// safe for concurrent use; parse once and evaluate many times.
type Policy struct {
	name       string
	id         string
	version    string
	statements []Statement
	// index finds the statements whose Action element covers an action
	// (see actionBlock); built once by the parser.
	index []actionBlock
}

// Statement is one compiled statement of a policy.
type Statement struct {
	// Sid is the statement's Sid, "" when it has none.
	Sid string
	// Index is the statement's position in the document (0-based).
	Index  int
	Effect Effect

	notAction   bool
	actions     []pattern
	notResource bool
	resources   []arnPattern
	// anyResource: a Resource (or NotResource) pattern matches every
	// string ("*"), so the element's outcome does not depend on the
	// request; most statements are written so.
	anyResource bool
	conditions  []condition
}

// Label returns the Sid, or "#<index>" for statements without one, so a chat
// reply can always name the statement.
func (s *Statement) Label() string {
	if s.Sid != "" {
		return s.Sid
	}
	return "#" + strconv.Itoa(s.Index)
}

// Name returns the policy's name: the one given to ParseNamedPolicy or
// WithName, else the document's Id, else "".
func (p *Policy) Name() string {
	if p.name != "" {
		return p.name
	}
	return p.id
}

// Version returns the document's Version element ("" when absent).
func (p *Policy) Version() string { return p.version }

// Statements returns the compiled statements. The slice is shared: do not
// modify it.
func (p *Policy) Statements() []Statement { return p.statements }

// WithName returns a copy of the policy that carries name; the compiled
// statements are shared, which is safe because they are immutable.
func (p *Policy) WithName(name string) *Policy {
	c := *p
	c.name = name
	return &c
}

// ErrInvalidPolicy is matched (errors.Is) by every error ParsePolicy returns.
var ErrInvalidPolicy = errors.New("guardrail: invalid policy")

// ParseError is one problem in a policy document, located by a JSON path such
// as "Statement[1].Condition.StringEqualz".
type ParseError struct {
	Policy string // the policy's name, when known
	Path   string
	Msg    string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("guardrail: policy")
	if e.Policy != "" {
		b.WriteString(" ")
		b.WriteString(strconv.Quote(e.Policy))
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap makes errors.Is(err, ErrInvalidPolicy) true.
func (e *ParseError) Unwrap() error { return ErrInvalidPolicy }

// ParsePolicy parses and compiles an IAM policy document (identity-based,
// permissions-boundary or SCP style: no Principal). Every problem is reported,
// joined with errors.Join, each a *ParseError with its JSON path. A document
// that fails to parse yields a nil *Policy, which evaluation ignores, so a bad
// document can never grant anything.
func ParsePolicy(doc []byte) (*Policy, error) { return ParseNamedPolicy("", doc) }

// ParseNamedPolicy is ParsePolicy for a policy that has a name (its IAM
// policy name, or the guardrail's name in a channel configuration); the name
// appears in explanations and errors.
func ParseNamedPolicy(name string, doc []byte) (*Policy, error) {
	p := &parser{name: name}
	pol := p.policy(doc)
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	pol.name = name
	return pol, nil
}

type parser struct {
	name    string
	errs    []error
	version string
}

func (p *parser) fail(path, format string, args ...any) {
	p.errs = append(p.errs, &ParseError{Policy: p.name, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// object decodes a JSON object, reporting a wrong type at path.
func (p *parser) object(path string, raw json.RawMessage, what string) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		p.fail(path, "%s must be a JSON object, got %s", what, jsonKind(raw))
		return nil, false
	}
	return m, true
}

func (p *parser) policy(doc []byte) *Policy {
	pol := &Policy{}
	doc = bytes.TrimSpace(doc)
	if len(doc) == 0 {
		p.fail("", "empty document")
		return pol
	}
	if !json.Valid(doc) {
		var v any
		err := json.Unmarshal(doc, &v)
		p.fail("", "malformed JSON: %v", err)
		return pol
	}
	if p.rejectDuplicateKeys(doc) {
		return pol
	}
	top, ok := p.object("", doc, "the policy document")
	if !ok {
		return pol
	}
	for _, k := range sortedKeys(top) {
		switch k {
		case "Version", "Id", "Statement":
		default:
			p.fail(k, "unknown element (valid: Version, Id, Statement)")
		}
	}
	if raw, ok := top["Version"]; ok {
		// null would decode as "" and pass for "no Version" (2008-10-17,
		// where variables are literal text).
		if err := json.Unmarshal(raw, &pol.version); err != nil || jsonKind(raw) == "null" {
			p.fail("Version", "must be a string, got %s", jsonKind(raw))
		} else if pol.version != Version2012 && pol.version != Version2008 {
			p.fail("Version", "unsupported version %q (valid: %s, %s)", pol.version, Version2012, Version2008)
		}
	}
	p.version = pol.version
	if raw, ok := top["Id"]; ok {
		if err := json.Unmarshal(raw, &pol.id); err != nil {
			p.fail("Id", "must be a string, got %s", jsonKind(raw))
		}
	}
	raw, ok := top["Statement"]
	if !ok {
		p.fail("Statement", "missing")
		return pol
	}
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) > 0 && raw[0] == '{':
		pol.statements = append(pol.statements, p.statement("Statement", 0, raw))
	case len(raw) > 0 && raw[0] == '[':
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			p.fail("Statement", "malformed array: %v", err)
			return pol
		}
		if len(list) == 0 {
			p.fail("Statement", "empty: a policy needs at least one statement")
		}
		for i, r := range list {
			pol.statements = append(pol.statements, p.statement(fmt.Sprintf("Statement[%d]", i), i, r))
		}
	default:
		p.fail("Statement", "must be an object or an array of objects, got %s", jsonKind(raw))
	}
	seen := map[string]int{}
	for i, st := range pol.statements {
		if st.Sid == "" {
			continue
		}
		if j, dup := seen[st.Sid]; dup {
			p.fail(fmt.Sprintf("Statement[%d].Sid", i), "duplicate Sid %q (also statement %d)", st.Sid, j)
		}
		seen[st.Sid] = i
	}
	pol.index = buildActionIndex(pol.statements)
	return pol
}

func (p *parser) statement(path string, idx int, raw json.RawMessage) Statement {
	st := Statement{Index: idx}
	m, ok := p.object(path, raw, "a statement")
	if !ok {
		return st
	}
	for _, k := range sortedKeys(m) {
		switch k {
		case "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition":
		case "Principal", "NotPrincipal":
			p.fail(path+"."+k, "not allowed: guardrail policies are identity-based and name no principal")
		default:
			p.fail(path+"."+k, "unknown element (valid: Sid, Effect, Action, NotAction, Resource, NotResource, Condition)")
		}
	}
	if r, ok := m["Sid"]; ok {
		if err := json.Unmarshal(r, &st.Sid); err != nil {
			p.fail(path+".Sid", "must be a string, got %s", jsonKind(r))
		}
	}
	if r, ok := m["Effect"]; !ok {
		p.fail(path+".Effect", "missing (valid: Allow, Deny)")
	} else {
		var e string
		if err := json.Unmarshal(r, &e); err != nil {
			p.fail(path+".Effect", "must be a string, got %s", jsonKind(r))
		} else {
			switch e {
			case "Allow":
				st.Effect = EffectAllow
			case "Deny":
				st.Effect = EffectDeny
			default:
				p.fail(path+".Effect", "invalid value %q (valid: Allow, Deny; case-sensitive)", e)
			}
		}
	}

	actKey, ok := p.exactlyOne(path, m, "Action", "NotAction")
	if ok {
		st.notAction = actKey == "NotAction"
		for i, a := range p.stringList(path+"."+actKey, m[actKey]) {
			ap := fmt.Sprintf("%s.%s[%d]", path, actKey, i)
			if a != "*" {
				svc, op, found := strings.Cut(a, ":")
				if !found || svc == "" || op == "" || strings.Contains(op, ":") ||
					strings.ContainsFunc(a, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
					p.fail(ap, "invalid action %q (want \"service:Operation\" or \"*\")", a)
					continue
				}
			}
			st.actions = append(st.actions, compilePattern(a, compileOptions{wildcards: true, fold: true, asciiFold: true}))
		}
	}
	resKey, ok := p.exactlyOne(path, m, "Resource", "NotResource")
	if ok {
		st.notResource = resKey == "NotResource"
		for i, r := range p.stringList(path+"."+resKey, m[resKey]) {
			if r == "" {
				p.fail(fmt.Sprintf("%s.%s[%d]", path, resKey, i), "empty resource")
				continue
			}
			if strings.TrimSpace(r) != r {
				// " *" is not "*": the pattern would match nothing a
				// request names, so a Deny on it would never apply,
				// whatever AWS makes of the space.
				p.fail(fmt.Sprintf("%s.%s[%d]", path, resKey, i), "resource %q has a space around it", r)
				continue
			}
			if !p.variablesOK(fmt.Sprintf("%s.%s[%d]", path, resKey, i), r) {
				continue
			}
			st.resources = append(st.resources, compileARN(r, compileOptions{wildcards: true, variables: p.version == Version2012}))
			st.anyResource = st.anyResource || st.resources[len(st.resources)-1].matchesEverything()
		}
	}
	if r, ok := m["Condition"]; ok {
		st.conditions = p.conditionBlock(path+".Condition", r)
	}
	return st
}

// variablesOK reports whether every "${" of s, in a document where they
// are policy variables (2012-10-17), is a variable or an escape, and
// reports the first one that is not.
func (p *parser) variablesOK(path, s string) bool {
	if p.version != Version2012 {
		return true
	}
	if bad, why := malformedVariable(s); why != "" {
		p.fail(path, "invalid policy variable %q: %s", bad, why)
		return false
	}
	return true
}

func (p *parser) exactlyOne(path string, m map[string]json.RawMessage, a, b string) (string, bool) {
	_, hasA := m[a]
	_, hasB := m[b]
	switch {
	case hasA && hasB:
		p.fail(path, "has both %s and %s; use one", a, b)
	case hasA:
		return a, true
	case hasB:
		return b, true
	default:
		p.fail(path, "missing %s (or %s)", a, b)
	}
	return "", false
}

// stringList accepts a string or a non-empty array of strings, as IAM does.
func (p *parser) stringList(path string, raw json.RawMessage) []string {
	if jsonKind(raw) == "null" {
		// encoding/json would leave a string untouched: "" for null.
		p.fail(path, "must be a string or an array of strings, got null")
		return nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return []string{s}
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		p.fail(path, "must be a string or an array of strings, got %s", jsonKind(raw))
		return nil
	}
	if len(list) == 0 {
		p.fail(path, "empty array")
		return nil
	}
	out := make([]string, 0, len(list))
	for i, r := range list {
		if err := json.Unmarshal(r, &s); err != nil {
			p.fail(fmt.Sprintf("%s[%d]", path, i), "must be a string, got %s", jsonKind(r))
			continue
		}
		out = append(out, s)
	}
	return out
}

// scalarList accepts condition values: a string, number or boolean, or a
// non-empty array of those. Numbers keep their JSON spelling.
func (p *parser) scalarList(path string, raw json.RawMessage) []string {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			p.fail(path, "malformed array: %v", err)
			return nil
		}
		if len(list) == 0 {
			p.fail(path, "empty array of values")
			return nil
		}
		out := make([]string, 0, len(list))
		for i, r := range list {
			if v, ok := scalar(r); ok {
				out = append(out, v)
			} else {
				p.fail(fmt.Sprintf("%s[%d]", path, i), "must be a string, number or boolean, got %s", jsonKind(r))
			}
		}
		return out
	}
	if v, ok := scalar(raw); ok {
		return []string{v}
	}
	p.fail(path, "must be a string, number, boolean or an array of them, got %s", jsonKind(raw))
	return nil
}

func scalar(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	case c == 't' || c == 'f':
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return "", false
		}
		return strconv.FormatBool(b), true
	case c == '-' || (c >= '0' && c <= '9'):
		var n json.Number
		if json.Unmarshal(raw, &n) != nil {
			return "", false
		}
		return n.String(), true
	}
	return "", false
}

func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch c := raw[0]; {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	default:
		return "a number"
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
