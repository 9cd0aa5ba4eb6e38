package guardrail

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Attacks on the parts of a decision the reference shares with production
// (glob matching, condition operators, the aws:CurrentTime and IPv4 fast
// paths) and on the letter case of actions: expected answers come from
// IAM's documented rules, not from either evaluator.

// TestAttackNonASCIIActions: IAM action names are ASCII, and matching
// folds ASCII case only. A request action with a non-ASCII letter that
// some Unicode case folding maps onto an ASCII one ("ſ" U+017F folds to
// "s", "K" U+212A Kelvin sign to "k"; Java's equalsIgnoreCase, for one,
// treats "ſts" and "sts" as equal) escapes every Deny written in ASCII
// ("sts:*") while an Allow "*" still covers it. No catalog action has
// such a byte, so one in a request is refused as not an IAM action rather
// than decided under a folding that may not be IAM's.
func TestAttackNonASCIIActions(t *testing.T) {
	t.Parallel()
	pol := attackPolicy(t, `{"Effect":"Deny","Action":["ec2:StopInstances","kms:*"],"Resource":"*"}`, allowAllDoc)
	layers := []Layer{{Name: "guardrail", Policies: []*Policy{pol}}}
	for _, a := range []string{"\u017fts:AssumeRole", "ec2:\u017ftopInstances", "\u212ams:Decrypt", "ec2:StopInstance\u017f",
		"ec2:Stop\u0130nstances", "ec2:StopInstances\u00a0", "ec2:Describe\u00c9", "ec2:StopInstances\xff"} {
		t.Run(strconv.Quote(a), func(t *testing.T) {
			attackDecide(t, layers, []string{a}, nil, ExplicitDeny, 0)
			attackDecide(t, layers, []string{"ec2:DescribeInstances", "s3:ListBuckets", "ec2:DescribeVpcs", "ec2:DescribeImages", a}, nil, ExplicitDeny, 4)
			exp, err := Authorize(Request{Action: a}, layers...)
			require.ErrorIs(t, err, ErrDenied)
			assert.Equal(t, SidInvalidAction, exp.By.Sid)
			_, blocked := Blocked(Request{Action: a})
			assert.True(t, blocked)
		})
	}
	// Patterns fold ASCII only, so a Unicode spelling in a policy matches
	// nothing a request can name; it is the policy's author's to fix.
	uni := attackPolicy(t, `{"Effect":"Allow","Action":["ec2:\u017ftopInstances","\u212ams:*"],"Resource":"*"}`)
	attackDecide(t, []Layer{{Name: "guardrail", Policies: []*Policy{uni}}}, []string{"ec2:StopInstances"}, nil, ImplicitDeny, 0)
	attackDecide(t, []Layer{{Name: "guardrail", Policies: []*Policy{uni}}}, []string{"ec2:stopinstances"}, nil, ImplicitDeny, 0)
}

// attackEval checks Evaluate and Explain (with known resources and a
// context) against the reference and the expected decision.
func attackEval(t *testing.T, pols []*Policy, req Request, want Decision) {
	t.Helper()
	assert.Equal(t, want, Evaluate(req, pols), "Evaluate")
	assert.Equal(t, want, Explain(req, Layer{Name: "g", Policies: pols}).Decision, "Explain")
	assert.Equal(t, want, referenceEvaluate(&req, []Layer{{Policies: pols}}), "reference")
}

// either is yes if c, else no: the expected decision of a case.
func either(c bool, yes, no Decision) Decision {
	if c {
		return yes
	}
	return no
}

// TestAttackResourceGlobs: the glob matcher stops at a final '*'; IAM
// resources are case-sensitive and '*' crosses '/' and ':' in the
// resource part.
func TestAttackResourceGlobs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, resource string
		want              bool
	}{
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", false},
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/", true},
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c", true},
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::Bucket/a", false},
		{"arn:aws:s3:::bucket*", "arn:aws:s3:::bucket", true},
		{"arn:aws:s3:::bucket*", "arn:aws:s3:::bucket-prod/x", true},
		{"arn:aws:s3:::bucket*", "arn:aws:s3:::bucke", false},
		{"arn:aws:s3:::b*t/*", "arn:aws:s3:::bucket/x", true},
		{"arn:aws:s3:::b*t/*", "arn:aws:s3:::bucket", false},
		{"arn:aws:s3:::b*t/*", "arn:aws:s3:::bt/", true},
		{"arn:aws:s3:::b*t/*", "arn:aws:s3:::b/t/", true}, // "*" takes "/"
		{"arn:aws:s3:::b*t/*", "arn:aws:s3:::bat/bot/", true},
		{"arn:aws:s3:::*/*", "arn:aws:s3:::bucket", false},
		{"arn:aws:s3:::bucket?", "arn:aws:s3:::bucket", false},
		{"arn:aws:s3:::bucket?", "arn:aws:s3:::bucketX", true},
		{"arn:aws:s3:::bucket?", "arn:aws:s3:::bucket\u00e9", true},
		{"arn:aws:s3:::bucket?", "arn:aws:s3:::bucketXY", false},
		{"arn:aws:s3:::bucket?*", "arn:aws:s3:::bucket", false},
		{"arn:aws:s3:::bucket*?", "arn:aws:s3:::bucket", false},
		{"arn:aws:s3:::bucket*?", "arn:aws:s3:::bucket1", true},
		{"arn:aws:s3:::**", "arn:aws:s3:::", true},
		{"arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:eu-west-1:123456789012:instance/i-1", true},
		{"arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:eu-west-1:123456789012:volume/vol-1", false},
		{"arn:aws:ec2:eu-*:*:*", "arn:aws:ec2:us-east-1:123456789012:instance/eu-1", false},
		{"arn:aws:ec2:*:123456789012:*", "arn:aws:ec2:eu-west-1:999999999999:instance/123456789012", false},
		{"*", "arn:aws:s3:::anything", true},
		{"*/*", "arn:aws:s3:::bucket", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+"~"+tt.resource, func(t *testing.T) {
			allow := attackPolicy(t, `{"Effect":"Allow","Action":"*","Resource":"`+tt.pattern+`"}`)
			deny := attackPolicy(t, `{"Effect":"Deny","Action":"*","Resource":"`+tt.pattern+`"}`, allowAllDoc)
			denyNot := attackPolicy(t, `{"Effect":"Deny","Action":"*","NotResource":"`+tt.pattern+`"}`, allowAllDoc)
			req := Request{Action: "ec2:StopInstances", Resource: tt.resource}
			attackEval(t, []*Policy{allow}, req, either(tt.want, Allow, ImplicitDeny))
			attackEval(t, []*Policy{deny}, req, either(tt.want, ExplicitDeny, Allow))
			attackEval(t, []*Policy{denyNot}, req, either(tt.want, Allow, ExplicitDeny))
		})
	}
}

// TestAttackCurrentTime: Date operators on aws:CurrentTime compare
// instants. Offsets, fractions and every ISO 8601 form the parser takes
// must give the instant; an invalid date (hour 25, leap second 60, which
// Go's time package refuses and AWS never sends) cannot be compared, so
// every Deny on it applies (DateGreaterThan as well as DateNotEquals) and
// no Allow does.
func TestAttackCurrentTime(t *testing.T) {
	t.Parallel()
	const noon = "2026-12-06T12:00:00Z"
	noonEpoch := strconv.FormatInt(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC).Unix(), 10)
	const (
		before = iota
		equal
		after
		invalid
	)
	tests := []struct {
		value string
		is    int
	}{
		{"2026-12-06T11:59:59Z", before},
		{noon, equal},
		{"2026-12-06T12:00:01Z", after},
		{"2026-12-06T13:00:00+01:00", equal},
		{"2026-12-06T12:30:00+01:00", before},
		{"2026-12-06T11:00:00-01:00", equal},
		{"2026-12-06T12:00:00.5Z", after},
		{"2026-12-06T11:59:59.999999999Z", before},
		{"2026-12-06T12:00:00.000Z", equal},
		{"2026-12-06T12:00:00", equal},
		{"2026-12-06T12:00Z", equal},
		{"2026-12-06", before},
		{"2026-12-07", after},
		{noonEpoch, equal},
		{"2026-12-06T11:59:60Z", invalid},
		{"2026-12-06T25:00:00Z", invalid},
		{"2026-12-06T24:00:00Z", invalid},
		{"2026-02-29T12:00:00Z", invalid},
		{"2026-12-32T12:00:00Z", invalid},
		{"2026-00-06T12:00:00Z", invalid},
		{" 2026-12-06T12:00:01Z", invalid},
		{"2026-12-06T12:00:01Z ", invalid},
		{"2026-12-06T12:00:0aZ", invalid},
		{"+026-12-06T12:00:01Z", invalid},
		{"", invalid},
	}
	allowBefore := attackPolicy(t, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"`+noon+`"}}}`)
	denyAfter := attackPolicy(t, `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"`+noon+`"}}}`, allowAllDoc)
	denyNotNoon := attackPolicy(t, `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateNotEquals":{"aws:currenttime":"`+noon+`"}}}`, allowAllDoc)
	allowFrom := attackPolicy(t, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThanEquals":{"aws:CurrentTime":"2026-12-06T13:00:00+01:00"}}}`)
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			req := Request{Action: "ec2:StopInstances", Context: map[string][]string{KeyCurrentTime: {tt.value}}}
			attackEval(t, []*Policy{allowBefore}, req, either(tt.is == before, Allow, ImplicitDeny))
			attackEval(t, []*Policy{denyAfter}, req, either(tt.is == after || tt.is == invalid, ExplicitDeny, Allow))
			attackEval(t, []*Policy{denyNotNoon}, req, either(tt.is != equal, ExplicitDeny, Allow))
			attackEval(t, []*Policy{allowFrom}, req, either(tt.is == equal || tt.is == after, Allow, ImplicitDeny))
		})
	}
}

// TestAttackSourceIP: IpAddress and NotIpAddress with the dotted-quad fast
// path. Leading zeros are refused (they are octal in some parsers:
// "010.0.0.1" is 8.0.0.1 to inet_aton), IPv4-mapped IPv6 is the IPv4
// address, an IPv4 CIDR never contains an IPv6 address, /0 and /32 are
// the ends of the range. An unparseable value matches no IpAddress and
// every NotIpAddress, so a Deny NotIpAddress fails closed.
func TestAttackSourceIP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ip       string
		in8, in0 bool // in 10.0.0.0/8, in 0.0.0.0/0
		exact    bool // equal to 10.1.2.3
	}{
		{"10.1.2.3", true, true, true},
		{"10.255.255.255", true, true, false},
		{"10.0.0.0", true, true, false},
		{"9.255.255.255", false, true, false},
		{"11.0.0.0", false, true, false},
		{"0.0.0.0", false, true, false},
		{"255.255.255.255", false, true, false},
		{"::ffff:10.1.2.3", true, true, true},
		{"::ffff:a01:203", true, true, true},
		{"2001:db8::1", false, false, false},
		{"::10.1.2.3", false, false, false},
		{"010.1.2.3", false, false, false},
		{"10.01.2.3", false, false, false},
		{"10.1.2.03", false, false, false},
		{"0x0a.1.2.3", false, false, false},
		{"10.1.2", false, false, false},
		{"10.1.2.3.4", false, false, false},
		{"10.1.2.256", false, false, false},
		{"10.1.2.3/32", false, false, false},
		{"10.1.2.3 ", false, false, false},
		{"10..2.3", false, false, false},
		{"fe80::1%eth0", false, false, false},
		{"", false, false, false},
	}
	allow8 := attackPolicy(t, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["192.168.0.0/16","10.0.0.0/8"]}}}`)
	allowMapped := attackPolicy(t, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"::ffff:10.0.0.0/104"}}}`)
	allow0 := attackPolicy(t, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}}`)
	allow32 := attackPolicy(t, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["10.1.2.3/32"]}}}`)
	allowBare := attackPolicy(t, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.1.2.3"}}}`)
	denyOutside := attackPolicy(t, `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`, allowAllDoc)
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.ip), func(t *testing.T) {
			req := Request{Action: "ec2:StopInstances", Context: map[string][]string{"aws:SourceIp": {tt.ip}}}
			if tt.ip == "" {
				req.Context = nil // absent key
			}
			attackEval(t, []*Policy{allow8}, req, either(tt.in8, Allow, ImplicitDeny))
			attackEval(t, []*Policy{allowMapped}, req, either(tt.in8, Allow, ImplicitDeny))
			attackEval(t, []*Policy{allow0}, req, either(tt.in0, Allow, ImplicitDeny))
			attackEval(t, []*Policy{allow32}, req, either(tt.exact, Allow, ImplicitDeny))
			attackEval(t, []*Policy{allowBare}, req, either(tt.exact, Allow, ImplicitDeny))
			attackEval(t, []*Policy{denyOutside}, req, either(tt.in8, Allow, ExplicitDeny))
		})
	}
}

// FuzzAttackActionOracle puts a Deny of a fuzzed action pattern after a
// fuzzed number of filler statements (so in any block of the index) and
// compares the decision for a fuzzed action with the regexp oracle.
func FuzzAttackActionOracle(f *testing.F) {
	for _, s := range [][2]string{{"ec2:Stop*", "EC2:stopinstances"}, {"*:Get*", "s3:getobject"}, {"e?2:*", "ec2:X"},
		{"ec2:Describe*", "ec2:Describ"}, {"s3:*", "s3-outposts:GetObject"}, {"ec2:*I?st*s", "ec2:DescribeInstances"},
		{"ec2:DescribeInstances", "ec2:describeinstances"}, {"ssm:GetParameter*", "ssm:GetParameters"}} {
		f.Add(s[0], s[1], uint8(64))
	}
	allowAll := mustAllowAll(f)
	f.Fuzz(func(t *testing.T, pat, action string, at uint8) {
		if !utf8.ValidString(pat) || !utf8.ValidString(action) {
			return // JSON would replace the bytes; the oracle reads runes
		}
		n := int(at)%140 + 1
		patJSON, err := json.Marshal(pat)
		require.NoError(t, err)
		stmt := `{"Effect":"Deny","Action":` + string(patJSON) + `,"Resource":"*"}`
		sts := make([]string, n)
		for i := range sts {
			sts[i] = fillers[i%len(fillers)]
		}
		sts[n-1] = stmt
		doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(sts, ",") + `]}`
		pol, err := ParsePolicy([]byte(doc))
		if err != nil {
			return // not an action pattern
		}
		want := Allow
		for _, p := range append([]string{pat}, "lambda:DeleteFunction", "ec2:StopInstancesX", "ec2:Stop") {
			if iamActionMatches(p, action) {
				want = ExplicitDeny
			}
		}
		req := Request{Action: action, Resource: "*"}
		if got := Evaluate(req, []*Policy{allowAll, pol}); got != want {
			t.Fatalf("Deny %q at statement %d, action %q: got %v, want %v", pat, n-1, action, got, want)
		}
	})
}
