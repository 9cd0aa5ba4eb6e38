package guardrail

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// This file keeps the straightforward evaluation, the definition that the
// indexed one (actionBlock, decide, explain) must follow: every action on
// its own, every statement of every policy in order, every Action pattern
// tried, the Resource element matched pattern by pattern. The differential
// test and fuzz target below compare the two over random policies.

// referenceValidAction is the byte-by-byte definition of an IAM action that
// makeActionKey's word-at-a-time validity must agree with.
func referenceValidAction(a string) bool {
	svc, op, ok := strings.Cut(a, ":")
	if !ok || svc == "" || op == "" {
		return false
	}
	for i := 0; i < len(a); i++ {
		switch c := a[i]; {
		case c == ':' && i != len(svc), c == '*', c == '?', c <= ' ', c >= 0x7f:
			return false
		}
	}
	return true
}

func referenceMatchesAction(st *Statement, action string) bool {
	matched := false
	for i := range st.actions {
		if st.actions[i].match(action, nil) {
			matched = true
			break
		}
	}
	return matched != st.notAction
}

// referenceApplies is the whole statement test with the fail-closed rule
// for unknown resources spelled out, without the anyResource shortcut, and
// Resource patterns matched by referenceResourceMatch (variables is set
// for 2012-10-17 documents).
func referenceApplies(st *Statement, req *Request, variables bool) bool {
	// Every lookup scans the whole context, the definition the indexed
	// decision's table must agree with.
	ctx := newScanContext(req.Context)
	if !referenceMatchesAction(st, req.Action) {
		return false
	}
	if req.unknownResource() {
		hasStar := false
		for i := range st.resources {
			hasStar = hasStar || st.resources[i].matchesEverything()
		}
		if st.Effect == EffectDeny && st.notResource && hasStar || st.Effect == EffectAllow && (st.notResource || !hasStar) {
			return false
		}
	} else {
		outcome := resNoMatch
		for i := range st.resources {
			switch referenceResourceMatch(st.resources[i].src, variables, req.Resource, req.Context) {
			case resMatch:
				outcome = resMatch
			case resUndecided:
				if outcome != resMatch {
					outcome = resUndecided
				}
			}
		}
		switch {
		case outcome == resUndecided:
			// Undecided is true in a Deny and false in an Allow, for
			// Resource and NotResource alike.
			if st.Effect != EffectDeny {
				return false
			}
		case (outcome == resMatch) == st.notResource:
			return false
		}
	}
	for i := range st.conditions {
		if !st.conditions[i].eval(ctx, st.Effect == EffectDeny) {
			return false
		}
	}
	return true
}

func referenceEvaluate(req *Request, layers []Layer) Decision {
	mustAllow, missing := 0, false
	for _, l := range layers {
		allowed := false
		for _, pol := range l.Policies {
			if pol == nil {
				continue
			}
			for si := range pol.statements {
				if st := &pol.statements[si]; referenceApplies(st, req, pol.version == Version2012) {
					if st.Effect == EffectDeny {
						return ExplicitDeny
					}
					allowed = true
				}
			}
		}
		if !l.DenyOnly {
			mustAllow++
			missing = missing || !allowed
		}
	}
	if mustAllow == 0 || missing {
		return ImplicitDeny
	}
	return Allow
}

// ReferenceDecideActions is DecideActions by definition: the blocklist
// layer first, each action decided alone, the lowest-indexed explicit deny,
// else the lowest-indexed action not allowed. Exported for the benchmarks
// of package guardrail_test, as the baseline of the indexed decision.
func ReferenceDecideActions(actions []string, resource string, reqContext map[string][]string, layers ...Layer) (Decision, int) {
	if len(actions) == 0 {
		return ExplicitDeny, -1
	}
	all := append([]Layer{BlocklistLayer()}, layers...)
	implicit := -1
	for i, a := range actions {
		if !referenceValidAction(a) {
			return ExplicitDeny, i
		}
		switch referenceEvaluate(&Request{Action: a, Resource: resource, Context: reqContext}, all) {
		case ExplicitDeny:
			return ExplicitDeny, i
		case ImplicitDeny:
			if implicit < 0 {
				implicit = i
			}
		}
	}
	if implicit >= 0 {
		return ImplicitDeny, implicit
	}
	return Allow, -1
}

// policyGen writes random policies and requests from a small vocabulary, so
// that random actions often hit random patterns: literal and wildcard
// services and operations in mixed case, NotAction, NotResource, resources
// known and unknown, conditions, and policies longer than one actionBlock.
type policyGen struct{ r *rand.Rand }

var (
	genServices = []string{"ec2", "EC2", "s3", "iam", "ssm", "lambda", "Ec2", "ecs", "ssm-incidents", "s3-outposts", "ec2messages", "SSM"}
	genOps      = []string{"StopInstances", "DescribeInstances", "describeinstances", "RebootInstances", "GetObject",
		"PutObject", "GetParameter", "GetParameters", "GetPasswordData", "ListBuckets", "UpdateService", "Invoke",
		"StopInstancesNow", "Describe", "DescribeI", "GetObjectTagging"}
	genOpPatterns = []string{"Describe*", "describe*", "Get*", "*", "Stop?nstances", "*Instances", "Get*s", "Re*t*",
		"GetParameter*", "??", "Describeinstances", "DescribeI*", "DESCRIBE*", "Describ*", "StopInstances*", "*top*",
		"Get*Tagging", "\u017ftop*"}
	genWildServices = []string{"*", "ec?", "e*", "*s*", "s?", "ec2*", "s3*", "*3*"}
	genResources    = []string{"*", "arn:aws:ec2:*:123456789012:instance/*", "arn:aws:s3:::bucket/*", "arn:aws:ec2:eu-west-1:*:*",
		"arn:aws:ec2:*:*:instance/${aws:PrincipalTag/team}", "*/*",
		// Variables that resolve, do not (absent, several values, several
		// spellings), have defaults; escapes; a variable in a component.
		"arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/${aws:username, 'guest'}/*", "arn:aws:s3:::b/${*}",
		"arn:aws:ec2:*:${aws:PrincipalAccount}:instance/*", "*${aws:userid}*", "arn:aws:s3:::*/${ aws:username }"}
	genConditions = []string{
		`{"StringEquals":{"chatops:ChannelId":"C1"}}`,
		`{"StringNotEqualsIfExists":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}`,
		`{"Null":{"chatops:ChannelId":"true"}}`,
		`{"StringLike":{"chatops:ChannelId":"C*"},"Bool":{"aws:SecureTransport":"true"}}`,
		`{"DateGreaterThan":{"aws:CurrentTime":"2026-12-06T12:00:00Z"}}`,
		`{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","::ffff:192.168.0.0/112"]}}`,
		// Keys spelled in other cases, variables, IgnoreCase, set operators.
		`{"StringNotEquals":{"CHATOPS:channelid":"C1"}}`,
		`{"StringEquals":{"aws:principaltag/TEAM":"${aws:PrincipalTag/team}"}}`,
		`{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"BLUE"}}`,
		`{"ForAnyValue:StringLike":{"aws:tagkeys":["a*"]}}`,
		`{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`,
	}
	genRequestResources = []string{"", "*", "arn:aws:ec2:eu-west-1:123456789012:instance/i-1", "arn:aws:s3:::bucket/key",
		"arn:aws:ec2:us-east-1:999999999999:instance/blue", "arn:aws:s3:::home/alice/x", "arn:aws:s3:::home/guest/x",
		"arn:aws:s3:::b/*", "arn:aws:s3:::b/x", "arn:aws:ec2:us-east-1:123456789012:instance/i-2", "arn:aws:s3:::home/${aws:username}/x"}
	genBadActions = []string{"bad", "ec2:Get*", "ec2:a:b", "ec2:", ":x", "ec2:Stop Instances", "ec2:Ö", "ec2:Get?", "ec2\x7f:x", "", "EC2:STOPINSTANCES",
		"\u017fts:AssumeRole", "ec2:Stop\u212aInstances"}
)

func (g policyGen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

// mixCase changes the case of random ASCII letters.
func (g policyGen) mixCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		if g.r.IntN(4) == 0 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			b[i] = c ^ 0x20
		}
	}
	return string(b)
}

func (g policyGen) actionPattern() string {
	switch g.r.IntN(12) {
	case 0:
		return "*"
	case 1:
		return g.pick(genWildServices) + ":" + g.pick(genOpPatterns)
	case 2, 3, 4, 5:
		return g.mixCase(g.pick(genServices)) + ":" + g.pick(genOpPatterns)
	}
	return g.mixCase(g.pick(genServices) + ":" + g.pick(genOps))
}

func (g policyGen) list(n int, item func() string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("%q", item())
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func (g policyGen) policy(t testing.TB) *Policy {
	n := 1 + g.r.IntN(6)
	if g.r.IntN(8) == 0 {
		n = 60 + g.r.IntN(150) // more than one actionBlock, up to four
	}
	sts := make([]string, n)
	for i := range sts {
		effect, act, res := "Allow", "Action", "Resource"
		if g.r.IntN(3) == 0 {
			effect = "Deny"
		}
		if g.r.IntN(7) == 0 {
			act = "NotAction"
		}
		if g.r.IntN(8) == 0 {
			res = "NotResource"
		}
		st := fmt.Sprintf(`{"Effect":%q,%q:%s,%q:%s`, effect, act, g.list(1+g.r.IntN(8), g.actionPattern),
			res, g.list(1+g.r.IntN(2), func() string { return g.pick(genResources) }))
		if g.r.IntN(3) == 0 {
			st += `,"Condition":` + g.pick(genConditions)
		}
		sts[i] = st + "}"
		if i > 0 && g.r.IntN(12) == 0 {
			sts[i] = sts[i-1] // duplicate statements
		}
	}
	// Some documents are 2008-10-17 or have no Version: ${...} is
	// literal text there.
	version := `"Version":"2012-10-17",`
	switch g.r.IntN(10) {
	case 0:
		version = `"Version":"2008-10-17",`
	case 1:
		version = ""
	}
	doc := `{` + version + `"Statement":[` + strings.Join(sts, ",") + `]}`
	p, err := ParseNamedPolicy("gen", []byte(doc))
	require.NoError(t, err, doc)
	return p
}

func (g policyGen) layers(t testing.TB) []Layer {
	layers := make([]Layer, g.r.IntN(4))
	for i := range layers {
		pols := make([]*Policy, 1+g.r.IntN(2))
		for j := range pols {
			if g.r.IntN(10) != 0 {
				pols[j] = g.policy(t)
			}
		}
		layers[i] = Layer{Name: fmt.Sprint("l", i), Policies: pols, DenyOnly: g.r.IntN(5) == 0}
	}
	return layers
}

func (g policyGen) actions() []string {
	acts := make([]string, 1+g.r.IntN(4))
	if g.r.IntN(6) == 0 {
		acts = make([]string, 5+g.r.IntN(14)) // more than one chunk
	}
	for i := range acts {
		if g.r.IntN(12) == 0 {
			acts[i] = g.pick(genBadActions)
		} else {
			acts[i] = g.mixCase(g.pick(genServices) + ":" + g.pick(genOps))
		}
	}
	return acts
}

func (g policyGen) context() map[string][]string {
	ctx := map[string][]string{"aws:SecureTransport": {"true"}, "aws:PrincipalTag/team": {"blue"}}
	if g.r.IntN(3) != 0 {
		ctx[KeyChannelID] = []string{g.pick([]string{"C1", "C2", "X"})}
	}
	if g.r.IntN(2) == 0 {
		ctx[KeyRequestedRegion] = []string{g.pick([]string{"eu-west-1", "ap-south-1"})}
	}
	ctx[KeyWithDecryption] = []string{g.pick([]string{"false", "true"})}
	ctx[KeyCurrentTime] = []string{g.pick([]string{"2026-12-06T11:59:59Z", "2026-12-06T12:00:01Z", "2026-12-06T13:00:00+01:00", "2026-12-06T25:00:00Z"})}
	if g.r.IntN(4) != 0 {
		ctx[g.pick([]string{"aws:SourceIp", "AWS:sourceip"})] = []string{g.pick([]string{"10.1.2.3", "192.168.4.5", "010.1.2.3", "::ffff:10.1.2.3", "2001:db8::1"})}
	}
	if g.r.IntN(3) == 0 {
		ctx["aws:TagKeys"] = []string{"a", g.pick([]string{"b", "c"})}
	}
	switch g.r.IntN(5) {
	case 0: // absent
	case 1:
		ctx["aws:username"] = []string{"alice", "bob"}
	case 2:
		ctx["aws:username"] = nil
	default:
		ctx[g.pick([]string{"aws:username", "AWS:UserName"})] = []string{g.pick([]string{"alice", "guest", "bob"})}
	}
	if g.r.IntN(2) == 0 {
		ctx["aws:PrincipalAccount"] = []string{g.pick([]string{"123456789012", "999999999999"})}
	}
	// Keys that fold onto others (ambiguous), one of them non-ASCII (the
	// Kelvin sign folds to "k"), and contexts too large for the table.
	switch g.r.IntN(8) {
	case 0:
		ctx["CHATOPS:ChannelId"] = []string{"C1"}
	case 1:
		ctx["aws:Tag\u212aeys"] = []string{"a"}
	case 2:
		ctx["aws:principaltag/team"] = []string{"blue"}
	case 3:
		for i := range ctxTableSize {
			ctx[fmt.Sprint("aws:PrincipalTag/k", i)] = []string{"v"}
		}
	case 4:
		ctx["aws:USERNAME"] = []string{"alice"}
	}
	return ctx
}

// checkAgainstReference decides one random case both ways.
func checkAgainstReference(t testing.TB, g policyGen) {
	layers := g.layers(t)
	acts := g.actions()
	res := g.pick(genRequestResources)
	ctx := g.context()

	wd, wi := ReferenceDecideActions(acts, res, ctx, layers...)
	gd, gi := DecideActions(acts, res, ctx, layers...)
	if wd != gd || wi != gi {
		t.Fatalf("DecideActions(%q, %q): got %v at %d, reference %v at %d\nlayers: %s", acts, res, gd, gi, wd, wi, describeLayers(layers))
	}
	if pc, err := NewContext(ctx); err == nil {
		if pd, pi := pc.DecideActions(acts, res, layers...); pd != wd || pi != wi {
			t.Fatalf("Context.DecideActions(%q, %q): got %v at %d, reference %v at %d\nlayers: %s", acts, res, pd, pi, wd, wi, describeLayers(layers))
		}
	}
	plain := make([][]*Policy, len(layers))
	for i, l := range layers {
		plain[i] = l.Policies
	}
	for _, a := range acts {
		req := Request{Action: a, Resource: res, Context: ctx}
		// Evaluate has no deny-only layers; Explain has.
		want := referenceEvaluate(&req, withoutDenyOnly(layers))
		if got := Evaluate(req, plain...); got != want {
			t.Fatalf("Evaluate(%q, %q): got %v, reference %v\nlayers: %s", a, res, got, want, describeLayers(layers))
		}
		if got, want := Explain(req, layers...).Decision, referenceEvaluate(&req, layers); got != want {
			t.Fatalf("Explain(%q, %q): got %v, reference %v\nlayers: %s", a, res, got, want, describeLayers(layers))
		}
		_, blocked := Blocked(req)
		wantBlocked := !referenceValidAction(a) || referenceEvaluate(&req, []Layer{BlocklistLayer(), {Policies: []*Policy{mustAllowAll(t)}}}) == ExplicitDeny
		if blocked != wantBlocked {
			t.Fatalf("Blocked(%q): got %v, reference %v", a, blocked, wantBlocked)
		}
	}
}

func withoutDenyOnly(layers []Layer) []Layer {
	out := make([]Layer, len(layers))
	for i, l := range layers {
		out[i] = Layer{Name: l.Name, Policies: l.Policies}
	}
	return out
}

func mustAllowAll(t testing.TB) *Policy {
	p, err := ParsePolicy([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`))
	require.NoError(t, err)
	return p
}

func describeLayers(layers []Layer) string {
	var b strings.Builder
	for _, l := range layers {
		fmt.Fprintf(&b, "\n%s (deny-only %v):", l.Name, l.DenyOnly)
		for _, p := range l.Policies {
			if p == nil {
				b.WriteString(" nil")
				continue
			}
			for i := range p.statements {
				st := &p.statements[i]
				fmt.Fprintf(&b, "\n  %v notAction=%v actions=%d notResource=%v resources=%d conditions=%d",
					st.Effect, st.notAction, len(st.actions), st.notResource, len(st.resources), len(st.conditions))
			}
		}
	}
	return b.String()
}

// TestIndexedDecisionMatchesReference runs the differential check over a
// fixed series of random cases (the fuzz target explores further).
func TestIndexedDecisionMatchesReference(t *testing.T) {
	t.Parallel()
	g := policyGen{r: rand.New(rand.NewPCG(1, 2))}
	for range 1500 {
		checkAgainstReference(t, g)
	}
}

func FuzzIndexedDecision(f *testing.F) {
	for i := range uint64(8) {
		f.Add(i, i*7919)
	}
	f.Fuzz(func(t *testing.T, a, b uint64) {
		checkAgainstReference(t, policyGen{r: rand.New(rand.NewPCG(a, b))})
	})
}

// FuzzActionKey compares the word-at-a-time action tests with their
// byte-by-byte definitions: validity, case-folded equality and hashing
// (equal up to ASCII case must mean equal hashes).
func FuzzActionKey(f *testing.F) {
	for _, s := range []string{"ec2:StopInstances", "EC2:stopinstances", "s3:Get*", "a:b", ":", "ec2:a:b", "ec2:Ö", "iam:\x7f", "ssm-incidents:ListIncidentRecords", "abc:defghijklmnopqrstuvwxyz0123456789"} {
		f.Add(s, strings.ToUpper(s))
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ka := makeActionKey(a)
		assert.Equal(t, referenceValidAction(a), ka.valid, "valid %q", a)
		lb := asciiLower(b)
		same := asciiLower(a) == lb
		assert.Equal(t, same, foldEqual(a, lb), "foldEqual(%q, %q)", a, lb)
		if same && strings.Contains(lb, ":") {
			assert.Equal(t, actionHash(lb), ka.full, "hash of %q and %q", a, lb)
		}
		ha, _ := foldHash(a)
		hb, _ := foldHash(b)
		if same {
			assert.Equal(t, ha, hb, "foldHash of %q and %q", a, b)
		}
	})
}

// FuzzParseUTCSeconds: the fast path accepts only what time.Parse accepts,
// with the same instant.
func FuzzParseUTCSeconds(f *testing.F) {
	for _, s := range []string{"2026-11-24T20:00:00Z", "2024-02-29T23:59:59Z", "2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
		"2026-04-31T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z", "2026-01-01T00:00:60Z", "0000-01-01T00:00:00Z", "2026-01-01T00:00:00+01:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseUTCSeconds(s)
		want, err := time.Parse(time.RFC3339, s)
		if ok {
			require.NoError(t, err, "fast path accepted %q", s)
			assert.True(t, got.Equal(want), "%q: %v, time.Parse %v", s, got, want)
		}
		if err == nil && want.Location() == time.UTC && want.Format(time.RFC3339) == s {
			assert.True(t, ok, "fast path refused canonical %q", s)
		}
	})
}

// FuzzParseIPv4: the fast path accepts only what netip.ParseAddr accepts,
// with the same address (after Unmap, as the condition uses it).
func FuzzParseIPv4(f *testing.F) {
	for _, s := range []string{"10.1.2.3", "255.255.255.255", "256.1.1.1", "01.2.3.4", "0.0.0.0", "1.2.3", "1.2.3.4.5", "1..2.3", "::ffff:1.2.3.4", "1.2.3.4 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseIPv4(s)
		want, err := netip.ParseAddr(s)
		if ok {
			require.NoError(t, err, "fast path accepted %q", s)
			assert.Equal(t, want.Unmap(), got, s)
		}
		if err == nil && want.Is4() && want.String() == s {
			assert.True(t, ok, "fast path refused canonical %q", s)
		}
	})
}
