package guardrail

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// AWS limits on the session policies of one AssumeRole call.
const (
	// MaxSessionPolicyARNs is how many managed policy ARNs AssumeRole
	// accepts as PolicyArns.
	MaxSessionPolicyARNs = 10
	// MaxSessionPolicyChars is AWS's limit on the plaintext of the inline
	// session policy and the managed policy ARNs together. (AWS also limits
	// the packed, compressed size, which only STS can compute; it reports
	// that as PackedPolicyTooLarge.)
	MaxSessionPolicyChars = 2048
)

// ErrSessionPolicyTooLarge is matched (errors.Is) by the error of
// NewSessionPolicy when the guardrails do not fit in AWS's session policy
// limits (too many managed ARNs, or too many characters). The bot cannot
// make AWS enforce such guardrails, so the configuration must be refused.
var ErrSessionPolicyTooLarge = errors.New("guardrail: session policy too large")

// ErrSessionPolicyUnsupported is matched by the error of NewSessionPolicy
// when a guardrail statement cannot be given to AWS without weakening it: a
// Deny whose Resource or condition value uses a chatops: policy variable
// that is not fixed for the session (chatops:WithDecryption, or a field
// left empty in the SessionContext).
var ErrSessionPolicyUnsupported = errors.New("guardrail: guardrail cannot be enforced by AWS as a session policy")

// SessionContext holds the chatops: condition keys that stay the same for a
// whole AWS role session: the executor starts one session per role, chat
// user (session name) and channel (session tags). NewSessionPolicy resolves
// conditions on these keys before the policy goes to AWS, which does not
// know them. An empty field is "not known for the session" (not "absent"):
// statements depending on it are handled conservatively.
type SessionContext struct {
	Platform          string
	WorkspaceID       string
	ChannelID         string
	UserID            string
	ConfigurationName string
}

// Session returns the part of c that is fixed for an AWS role session.
func (c CommandContext) Session() SessionContext {
	return SessionContext{Platform: c.Platform, WorkspaceID: c.WorkspaceID, ChannelID: c.ChannelID,
		UserID: c.UserID, ConfigurationName: c.ConfigurationName}
}

// value returns the session's value of a chatops: key, as CommandContext.Map
// would put it in the request context; ok is false when the session does not
// fix the key (an empty field, chatops:WithDecryption, or a key that is not
// ours, which a host could still pass in CommandContext.Extra).
func (s SessionContext) value(key string) (string, bool) {
	var v string
	switch {
	case strings.EqualFold(key, KeyPlatform):
		v = platformValue(s.Platform)
	case strings.EqualFold(key, KeyWorkspaceID):
		v = s.WorkspaceID
	case strings.EqualFold(key, KeyChannelID):
		v = s.ChannelID
	case strings.EqualFold(key, KeyUserID):
		v = s.UserID
	case strings.EqualFold(key, KeyConfigurationName):
		v = s.ConfigurationName
	}
	return v, v != ""
}

// chatopsKey reports whether key is one of our condition keys, which AWS
// does not have in its request context.
func chatopsKey(key string) bool {
	return len(key) > len("chatops:") && strings.EqualFold(key[:len("chatops:")], "chatops:")
}

// SessionPolicy is what AssumeRole receives so that AWS enforces the same
// guardrails as the local check: PolicyArns and one inline Policy. It is
// immutable and safe for concurrent use.
type SessionPolicy struct {
	// ManagedARNs are the managed guardrail policy ARNs (AssumeRole
	// PolicyArns), in the given order.
	ManagedARNs []string
	// Document is the inline session policy (AssumeRole Policy), minified.
	Document string
}

// Size is the plaintext AWS counts against MaxSessionPolicyChars: the
// inline document and the managed ARNs, in characters.
func (p *SessionPolicy) Size() int {
	n := utf8.RuneCountInString(p.Document)
	for _, a := range p.ManagedARNs {
		n += utf8.RuneCountInString(a)
	}
	return n
}

// NewSessionPolicy builds the session policies that make AWS enforce a
// channel's guardrails, so that a mistake in the local check can at worst
// refuse a command, never let one through.
//
// IAM semantics: the session policies of a role session (the inline one and
// the managed ARNs) form ONE union, the session can do what the role allows
// AND that union allows, and an explicit Deny in any of them wins. The
// channel guardrails are also one union (one layer, see Authorize), so:
//
//   - managedARNs go to AWS as they are (at most MaxSessionPolicyARNs);
//   - the inline document holds every statement of the inline guardrail
//     documents, plus the built-in blocklist as Deny statements, which
//     therefore bind whatever the managed policies allow;
//   - with no guardrails at all (AWS Chatbot's default, AdministratorAccess)
//     it also holds Allow * on *, since a deny-only session policy would
//     allow nothing; with managed ARNs only, it holds the denies only.
//
// AWS does not know our chatops: condition keys. Conditions on the keys of
// session (platform, workspace, channel, user, configuration name) are
// decided here: a true condition is removed, a statement with a false one
// is left out; chatops: policy variables of the session are substituted.
// What cannot be decided for the session errs toward refusing: such a
// condition is removed from a Deny (which then denies more) and an Allow
// using it is left out (it then allows less); a Deny whose Resource or
// condition values need such a variable cannot be made safe and is an
// error matching ErrSessionPolicyUnsupported.
//
// The blocklist statements on chatops:WithDecryption are left out of the
// AWS copy: AWS has no such key, and without the condition they would deny
// ssm:GetParameter* entirely. It stays safe because SSM decrypts a
// SecureString with the caller's kms:Decrypt permission, and the blocklist
// denies kms:* to the session. (The same deny refuses other calls in which
// a service uses KMS on the caller's behalf, such as starting an instance
// with volumes encrypted under a customer managed key: the AWS copy fails
// closed there, like the local check.)
//
// Statement ids are dropped (AWS requires them unique and alphanumeric
// across the merged document, and they cost characters). The document is
// minified; when the plaintext exceeds MaxSessionPolicyChars, the error
// matches ErrSessionPolicyTooLarge and names both sizes. inline documents
// must be valid policies (see ParsePolicy); errors name them by index.
func NewSessionPolicy(managedARNs []string, inline [][]byte, session SessionContext) (*SessionPolicy, error) {
	if len(managedARNs) > MaxSessionPolicyARNs {
		return nil, fmt.Errorf("%w: %d managed guardrail policies, AWS accepts at most %d session policy ARNs",
			ErrSessionPolicyTooLarge, len(managedARNs), MaxSessionPolicyARNs)
	}
	var stmts []json.RawMessage
	if len(managedARNs) == 0 && len(inline) == 0 {
		stmts = append(stmts, json.RawMessage(`{"Effect":"Allow","Action":"*","Resource":"*"}`))
	}
	var errs []error
	for i, doc := range inline {
		out, err := sessionStatements(doc, session)
		if err != nil {
			errs = append(errs, fmt.Errorf("inline guardrail #%d: %w", i, err))
			continue
		}
		stmts = append(stmts, out...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	stmts = append(stmts, blocklistForAWS()...)
	var b bytes.Buffer
	b.WriteString(`{"Version":"2012-10-17","Statement":[`)
	for i, s := range stmts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(s)
	}
	b.WriteString(`]}`)
	p := &SessionPolicy{ManagedARNs: append([]string(nil), managedARNs...), Document: b.String()}
	if size := p.Size(); size > MaxSessionPolicyChars {
		return nil, fmt.Errorf("%w: %d characters (inline policy %d, managed ARNs %d) exceed AWS's limit of %d; shorten the inline guardrails or use managed policies",
			ErrSessionPolicyTooLarge, size, utf8.RuneCountInString(p.Document), size-utf8.RuneCountInString(p.Document), MaxSessionPolicyChars)
	}
	return p, nil
}

// blocklistForAWS returns the blocklist's statements that AWS can evaluate,
// merged into one Deny (they all deny on "*" without conditions).
func blocklistForAWS() []json.RawMessage {
	var doc struct {
		Statement []struct {
			Action    json.RawMessage
			Condition json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(blocklistDoc), &doc); err != nil {
		panic("guardrail: built-in blocklist does not decode: " + err.Error()) // a constant
	}
	var actions []string
	for _, st := range doc.Statement {
		if st.Condition != nil {
			continue // chatops:WithDecryption: see NewSessionPolicy
		}
		var list []string
		if err := json.Unmarshal(st.Action, &list); err != nil {
			var one string
			if json.Unmarshal(st.Action, &one) != nil {
				panic("guardrail: built-in blocklist action does not decode") // a constant
			}
			list = []string{one}
		}
		actions = append(actions, list...)
	}
	a, _ := json.Marshal(actions)
	return []json.RawMessage{json.RawMessage(`{"Effect":"Deny","Action":` + string(a) + `,"Resource":"*"}`)}
}

// awsStatement is a statement as it goes to AWS: fixed key order, no Sid.
type awsStatement struct {
	Effect      string          `json:"Effect"`
	Action      json.RawMessage `json:"Action,omitempty"`
	NotAction   json.RawMessage `json:"NotAction,omitempty"`
	Resource    json.RawMessage `json:"Resource,omitempty"`
	NotResource json.RawMessage `json:"NotResource,omitempty"`
	Condition   json.RawMessage `json:"Condition,omitempty"`
}

// sessionStatements rewrites the statements of one inline guardrail for
// AWS (see NewSessionPolicy).
func sessionStatements(doc []byte, session SessionContext) ([]json.RawMessage, error) {
	if _, err := ParsePolicy(doc); err != nil {
		return nil, err
	}
	var top struct {
		Version   string
		Statement json.RawMessage
	}
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPolicy, err)
	}
	var raws []json.RawMessage
	if t := bytes.TrimSpace(top.Statement); len(t) > 0 && t[0] == '{' {
		raws = []json.RawMessage{t}
	} else if err := json.Unmarshal(top.Statement, &raws); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPolicy, err)
	}
	rw := rewriter{session: session, vars: top.Version == Version2012}
	var out []json.RawMessage
	for i, raw := range raws {
		var st awsStatement
		if err := json.Unmarshal(raw, &st); err != nil {
			return nil, fmt.Errorf("%w: Statement[%d]: %v", ErrInvalidPolicy, i, err)
		}
		keep, err := rw.statement(&st)
		if err != nil {
			return nil, fmt.Errorf("Statement[%d]: %w", i, err)
		}
		if !keep {
			continue
		}
		b, err := json.Marshal(&st)
		if err != nil {
			return nil, fmt.Errorf("Statement[%d]: %w", i, err)
		}
		out = append(out, b)
	}
	return out, nil
}

type rewriter struct {
	session SessionContext
	vars    bool // a 2012-10-17 document: ${...} are policy variables
}

// errUndecidable marks a value that needs a chatops: variable the session
// does not fix.
var errUndecidable = errors.New("undecidable")

// statement rewrites st in place; keep is false when it must be left out.
func (rw *rewriter) statement(st *awsStatement) (keep bool, err error) {
	deny := st.Effect == "Deny"
	undecidable := func(what string) (bool, error) {
		if deny {
			return false, fmt.Errorf("%w: a Deny whose %s uses a chatops: variable not fixed for the session", ErrSessionPolicyUnsupported, what)
		}
		return false, nil // an Allow that cannot be decided allows nothing at AWS
	}
	for _, f := range []*json.RawMessage{&st.Resource, &st.NotResource} {
		if *f == nil {
			continue
		}
		v, err := rw.strings(*f)
		if errors.Is(err, errUndecidable) {
			return undecidable("resource")
		}
		if err != nil {
			return false, err
		}
		*f = v
	}
	if st.Condition == nil {
		return true, nil
	}
	var block map[string]map[string]json.RawMessage
	if err := json.Unmarshal(st.Condition, &block); err != nil {
		return false, fmt.Errorf("%w: Condition: %v", ErrInvalidPolicy, err)
	}
	for op, entries := range block {
		for key, vals := range entries {
			if !chatopsKey(key) {
				v, err := rw.strings(vals)
				if errors.Is(err, errUndecidable) {
					if deny {
						// Without this entry the Deny applies more widely.
						delete(entries, key)
						continue
					}
					return undecidable("condition")
				}
				if err != nil {
					return false, err
				}
				entries[key] = v
				continue
			}
			holds, decided := rw.decide(op, key, vals, deny)
			switch {
			case decided && holds:
				delete(entries, key) // true for the whole session
			case decided:
				return false, nil // false for the whole session: never applies
			case deny:
				delete(entries, key) // refuse more rather than less
			default:
				return false, nil // an Allow AWS cannot check allows nothing there
			}
		}
		if len(entries) == 0 {
			delete(block, op)
		}
	}
	if len(block) == 0 {
		st.Condition = nil
		return true, nil
	}
	st.Condition, err = json.Marshal(block)
	return true, err
}

// decide evaluates one condition entry on a chatops: key with the session's
// value, in a statement of the given effect (a value the operator cannot
// read holds in a Deny and not in an Allow, as in the local check); decided
// is false when the session does not fix the key.
func (rw *rewriter) decide(op, key string, vals json.RawMessage, deny bool) (holds, decided bool) {
	v, ok := rw.session.value(key)
	if !ok {
		return false, false
	}
	return rw.eval(op, key, vals, map[string][]string{key: {v}}, deny)
}

// eval decides a single condition entry against ctx by compiling it as a
// one-statement policy; decided is false when its values use variables
// (they would need the request context).
func (rw *rewriter) eval(op, key string, vals json.RawMessage, ctx map[string][]string, deny bool) (holds, decided bool) {
	if rw.vars && bytes.Contains(vals, []byte("${")) {
		return false, false
	}
	k, _ := json.Marshal(key)
	o, _ := json.Marshal(op)
	version := Version2008
	if rw.vars {
		version = Version2012
	}
	effect, applies := EffectAllow, Allow
	if deny {
		effect, applies = EffectDeny, ExplicitDeny
	}
	doc := `{"Version":"` + version + `","Statement":{"Effect":"` + effect.String() + `","Action":"*","Resource":"*","Condition":{` +
		string(o) + `:{` + string(k) + `:` + string(vals) + `}}}}`
	p, err := ParsePolicy([]byte(doc))
	if err != nil {
		return false, false
	}
	return Evaluate(Request{Action: "session:Check", Resource: "*", Context: ctx}, []*Policy{p}) == applies, true
}

// strings rewrites a string or array of strings (Resource, condition
// values) for the merged 2012-10-17 document: chatops: variables of the
// session are substituted, and in 2008-10-17 documents, where ${...} is
// literal text, "$" is escaped so it stays literal. Non-string values
// (numbers, booleans in conditions) are kept.
func (rw *rewriter) strings(raw json.RawMessage) (json.RawMessage, error) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		s, err := rw.text(one)
		if err != nil {
			return nil, err
		}
		return json.Marshal(s)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return raw, nil // a scalar: number or boolean
	}
	out := make([]json.RawMessage, len(list))
	for i, r := range list {
		v, err := rw.strings(r)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return json.Marshal(out)
}

func (rw *rewriter) text(s string) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	if !rw.vars {
		return strings.ReplaceAll(s, "$", "${$}"), nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			b.WriteString(s[i:])
			return b.String(), nil
		}
		inner := s[i+2 : i+end]
		key := strings.TrimSpace(inner)
		if c := strings.IndexByte(key, ','); c >= 0 {
			key = strings.TrimSpace(key[:c])
		}
		if !chatopsKey(key) {
			b.WriteString(s[i : i+end+1])
			s = s[i+end+1:]
			continue
		}
		v, ok := rw.session.value(key)
		if !ok {
			return "", errUndecidable
		}
		// The value is literal text, never a wildcard or a variable.
		r := strings.NewReplacer("$", "${$}", "*", "${*}", "?", "${?}")
		b.WriteString(r.Replace(v))
		s = s[i+end+1:]
	}
}
