package guardrail

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Fail-closed rules for conditions the request context cannot decide,
// found by review: each case was allowed (or escaped a Deny) before.

// TestUndecidableConditionsFailClosed: a context value that is not of the
// operator's type never lets an Allow apply, whatever the operator's
// negation, and never lets a request escape a Deny.
func TestUndecidableConditionsFailClosed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, op, key, policyValue string
		ctx                        []string // the key's values; nil: absent
		// allow and deny are the decisions for an Allow and for a Deny
		// (after an Allow "*") carrying the condition.
		allow, deny Decision
	}{
		{"NotIpAddress bad ip", "NotIpAddress", "aws:SourceIp", "10.0.0.0/8", []string{"not-an-ip"}, ImplicitDeny, ExplicitDeny},
		{"NotIpAddress leading zero", "NotIpAddress", "aws:SourceIp", "10.0.0.0/8", []string{"010.1.2.3"}, ImplicitDeny, ExplicitDeny},
		{"NotIpAddress zone", "NotIpAddress", "aws:SourceIp", "10.0.0.0/8", []string{"fe80::1%eth0"}, ImplicitDeny, ExplicitDeny},
		{"IpAddress bad ip", "IpAddress", "aws:SourceIp", "0.0.0.0/0", []string{"x"}, ImplicitDeny, ExplicitDeny},
		{"NotIpAddress good ip outside", "NotIpAddress", "aws:SourceIp", "10.0.0.0/8", []string{"192.168.1.1"}, Allow, ExplicitDeny},
		{"NotIpAddress good ip inside", "NotIpAddress", "aws:SourceIp", "10.0.0.0/8", []string{"10.1.1.1"}, ImplicitDeny, Allow},
		{"DateNotEquals bad", "DateNotEquals", KeyCurrentTime, "2026-01-01T00:00:00Z", []string{"2026-13-01T00:00:00Z"}, ImplicitDeny, ExplicitDeny},
		{"DateGreaterThan bad", "DateGreaterThan", KeyCurrentTime, "2026-01-01T00:00:00Z", []string{"yesterday"}, ImplicitDeny, ExplicitDeny},
		{"DateLessThan bad", "DateLessThan", "aws:currenttime", "2026-01-01T00:00:00Z", []string{"2026-12-06T25:00:00Z"}, ImplicitDeny, ExplicitDeny},
		{"DateGreaterThan good", "DateGreaterThan", KeyCurrentTime, "2026-01-01T00:00:00Z", []string{"2026-06-01T00:00:00Z"}, Allow, ExplicitDeny},
		{"NumericNotEquals bad", "NumericNotEquals", "s3:max-keys", "10", []string{"ten"}, ImplicitDeny, ExplicitDeny},
		{"NumericLessThan NaN", "NumericLessThan", "s3:max-keys", "10", []string{"NaN"}, ImplicitDeny, ExplicitDeny},
		{"NumericLessThan Inf", "NumericGreaterThan", "s3:max-keys", "10", []string{"+Inf"}, ImplicitDeny, ExplicitDeny},
		{"Bool bad", "Bool", KeySecureTransport, "false", []string{"yes"}, ImplicitDeny, ExplicitDeny},
		{"ArnNotLike not an ARN", "ArnNotLike", "aws:SourceArn", "arn:aws:sns:*:123456789012:*", []string{"sns-topic"}, ImplicitDeny, ExplicitDeny},
		{"ArnLike not an ARN", "ArnLike", "aws:SourceArn", "arn:aws:sns:*:123456789012:*", []string{"arn:aws:sns"}, ImplicitDeny, ExplicitDeny},
		{"ArnNotLike star takes anything", "ArnNotLike", "aws:SourceArn", "*", []string{"sns-topic"}, ImplicitDeny, Allow},
		{"StringNotEquals missing variable", "StringNotEquals", "aws:ResourceTag/owner", "${aws:username}", []string{"bob"}, ImplicitDeny, ExplicitDeny},
		{"StringEquals missing variable", "StringEquals", "aws:ResourceTag/owner", "${aws:username}", []string{"bob"}, ImplicitDeny, ExplicitDeny},
		{"StringEquals variable default", "StringEquals", "aws:ResourceTag/owner", "${aws:username, 'bob'}", []string{"bob"}, Allow, ExplicitDeny},
		// One unreadable value among several: undecidable unless another
		// value decides.
		{"ForAnyValue decided by a good value", "ForAnyValue:IpAddress", "aws:SourceIp", "10.0.0.0/8", []string{"bad", "10.0.0.1"}, Allow, ExplicitDeny},
		{"ForAnyValue undecided", "ForAnyValue:IpAddress", "aws:SourceIp", "10.0.0.0/8", []string{"bad", "11.0.0.1"}, ImplicitDeny, ExplicitDeny},
		{"ForAllValues decided by a good value", "ForAllValues:NotIpAddress", "aws:SourceIp", "10.0.0.0/8", []string{"bad", "10.0.0.1"}, ImplicitDeny, Allow},
		{"ForAllValues undecided", "ForAllValues:NotIpAddress", "aws:SourceIp", "10.0.0.0/8", []string{"bad", "11.0.0.1"}, ImplicitDeny, ExplicitDeny},
		{"plain multi-valued decided", "DateNotEquals", KeyCurrentTime, "2026-01-01T00:00:00Z", []string{"bad", "2026-01-01T00:00:00Z"}, ImplicitDeny, Allow},
		// An absent key is not undecidable: IAM's rules apply.
		{"NotIpAddress absent", "NotIpAddress", "aws:SourceIp", "10.0.0.0/8", nil, Allow, ExplicitDeny},
		{"IpAddressIfExists absent", "IpAddressIfExists", "aws:SourceIp", "10.0.0.0/8", nil, Allow, ExplicitDeny},
		{"NotIpAddressIfExists bad", "NotIpAddressIfExists", "aws:SourceIp", "10.0.0.0/8", []string{"bad"}, ImplicitDeny, ExplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cond := `"Condition":{"` + tt.op + `":{"` + tt.key + `":` + strconv.Quote(tt.policyValue) + `}}`
			allow := attackPolicy(t, `{"Effect":"Allow","Action":"*","Resource":"*",`+cond+`}`)
			deny := attackPolicy(t, `{"Effect":"Deny","Action":"*","Resource":"*",`+cond+`}`, allowAllDoc)
			req := Request{Action: "ec2:StopInstances", Resource: "arn:aws:ec2:eu-west-1:123456789012:instance/i-1"}
			if tt.ctx != nil {
				req.Context = map[string][]string{tt.key: tt.ctx}
			}
			attackEval(t, []*Policy{allow}, req, tt.allow)
			attackEval(t, []*Policy{deny}, req, tt.deny)
			layers := []Layer{{Name: "g", Policies: []*Policy{deny}}}
			d, _ := DecideActions([]string{"ec2:StopInstances", "ec2:DescribeInstances"}, req.Resource, req.Context, layers...)
			assert.Equal(t, tt.deny, d, "DecideActions")
		})
	}
}

// TestIgnoreCaseFoldsLikeEqualFold: StringEqualsIgnoreCase compares under
// Unicode case folding even when the two spellings differ in byte length
// (the Kelvin sign "K" is three bytes, "k" one), so a Deny matches at least
// what strings.EqualFold calls equal, and the negated operator in an Allow
// refuses it.
func TestIgnoreCaseFoldsLikeEqualFold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		policy, value string
	}{
		{"kelvin", "\u212aelvin"},
		{"\u212aelvin", "KELVIN"},
		{"bus", "bu\u017f"},  // long s
		{"BUS", "bu\u017f"},  // long s against upper case
		{"\u00e5", "\u212b"}, // a with ring, Angstrom sign
		{"stra\u00dfe", "STRA\u00dfE"},
		{"x-${aws:username}", "X-\u212aAI"},
		{"k", "K"},
	}
	for _, tt := range tests {
		t.Run(tt.policy+"~"+tt.value, func(t *testing.T) {
			want := strings.EqualFold(strings.ReplaceAll(tt.policy, "${aws:username}", "kai"), tt.value)
			assert.True(t, want, "test case: EqualFold must hold")
			ctx := map[string][]string{"aws:ResourceTag/team": {tt.value}, "aws:username": {"kai"}}
			req := Request{Action: "s3:GetObject", Resource: "*", Context: ctx}
			deny := attackPolicy(t, `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEqualsIgnoreCase":{"aws:ResourceTag/team":`+strconv.Quote(tt.policy)+`}}}`, allowAllDoc)
			attackEval(t, []*Policy{deny}, req, ExplicitDeny)
			allowNot := attackPolicy(t, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringNotEqualsIgnoreCase":{"aws:ResourceTag/team":`+strconv.Quote(tt.policy)+`}}}`)
			attackEval(t, []*Policy{allowNot}, req, ImplicitDeny)
		})
	}
	// Different words stay different.
	deny := attackPolicy(t, `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEqualsIgnoreCase":{"aws:ResourceTag/team":"kelvin"}}}`, allowAllDoc)
	for _, v := range []string{"kelvi", "kelvinn", "\u212aelvi", "kelv\u0131n", ""} {
		attackEval(t, []*Policy{deny}, Request{Action: "s3:GetObject", Resource: "*", Context: map[string][]string{"aws:ResourceTag/team": {v}}}, Allow)
	}
}

// FuzzFoldPrefixLen: the Unicode folding prefix test agrees with
// strings.EqualFold on the whole string and on every prefix of s.
func FuzzFoldPrefixLen(f *testing.F) {
	for _, s := range [][2]string{{"\u212aelvin", "kelvin"}, {"bu\u017f", "BUS"}, {"\xff", "\xfe"}, {"a\u212b", "A\u00e5x"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, s, p string) {
		n := foldPrefixLen(s, p)
		if (n == len(s)) != strings.EqualFold(s, p) {
			t.Fatalf("foldPrefixLen(%q, %q) = %d, EqualFold %v", s, p, n, strings.EqualFold(s, p))
		}
		if n >= 0 && !strings.EqualFold(s[:n], p) {
			t.Fatalf("foldPrefixLen(%q, %q) = %d, but EqualFold(%q) is false", s, p, n, s[:n])
		}
	})
}

// TestAmbiguousContextKeysFailClosed: condition keys are case-insensitive,
// so a context with "aws:username" and "AWS:USERNAME" does not say which
// value a condition reads. Whatever the policy's spelling and the map's
// order, such a key is undecidable: every Deny on it applies, no Allow
// does, and a variable naming it does not resolve.
func TestAmbiguousContextKeysFailClosed(t *testing.T) {
	t.Parallel()
	contexts := map[string]map[string][]string{
		"ascii":     {"aws:username": {"alice"}, "AWS:USERNAME": {"bob"}, KeyChannelID: {"C1"}},
		"three":     {"aws:username": {"alice"}, "AWS:USERNAME": {"bob"}, "aws:UserName": {"alice"}},
		"non-ascii": {"aws:Username": {"alice"}, "aws:USERNAME": {"bob"}, "aws:\u212aey": {"x"}, "aws:KEY": {"y"}, KeyChannelID: {"C1"}},
		"large": largeContext(map[string][]string{"aws:username": {"alice"}, "AWS:USERNAME": {"bob"}, "aws:key": {"x"}, "aws:\u212aey": {"y"},
			KeyChannelID: {"C1"}}),
	}
	tests := []struct {
		name, cond  string
		allow, deny Decision
	}{
		{"StringEquals alice", `{"StringEquals":{"aws:username":"alice"}}`, ImplicitDeny, ExplicitDeny},
		{"StringEquals bob other spelling", `{"StringEquals":{"Aws:UserName":"bob"}}`, ImplicitDeny, ExplicitDeny},
		{"StringNotEquals", `{"StringNotEquals":{"aws:username":"carol"}}`, ImplicitDeny, ExplicitDeny},
		{"Null false", `{"Null":{"AWS:USERNAME":"false"}}`, ImplicitDeny, ExplicitDeny},
		{"IfExists", `{"StringEqualsIfExists":{"aws:username":"alice"}}`, ImplicitDeny, ExplicitDeny},
		{"variable", `{"StringEquals":{"chatops:ChannelId":"${aws:username}"}}`, ImplicitDeny, ExplicitDeny},
		{"Kelvin key", `{"StringEquals":{"aws:key":"x"}}`, ImplicitDeny, ExplicitDeny},
		// Unambiguous keys of the same context decide as usual.
		{"other key", `{"StringEquals":{"chatops:channelid":"C1"}}`, Allow, ExplicitDeny},
		{"absent key", `{"StringEquals":{"aws:PrincipalTag/x":"y"}}`, ImplicitDeny, Allow},
	}
	for cname, ctx := range contexts {
		for _, tt := range tests {
			if tt.name == "Kelvin key" && cname != "non-ascii" && cname != "large" {
				continue
			}
			if tt.name == "other key" && cname == "three" {
				continue
			}
			t.Run(cname+"/"+tt.name, func(t *testing.T) {
				allow := attackPolicy(t, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":`+tt.cond+`}`)
				deny := attackPolicy(t, `{"Effect":"Deny","Action":"*","Resource":"*","Condition":`+tt.cond+`}`, allowAllDoc)
				req := Request{Action: "ec2:StopInstances", Resource: "*", Context: ctx}
				// Map order changes between runs: ask several times.
				for range 20 {
					attackEval(t, []*Policy{allow}, req, tt.allow)
					attackEval(t, []*Policy{deny}, req, tt.deny)
				}
			})
		}
	}
}

// largeContext adds filler keys to m until it no longer fits the table.
func largeContext(m map[string][]string) map[string][]string {
	for i := 0; len(m) <= ctxTableSize; i++ {
		m["aws:PrincipalTag/filler"+strconv.Itoa(i)] = []string{"v"}
	}
	return m
}

// TestCommandContextExtraCaseDuplicates: Extra keys that differ only by
// case reach the context as they are, so a condition on them fails closed.
func TestCommandContextExtraCaseDuplicates(t *testing.T) {
	t.Parallel()
	cc := CommandContext{Region: "eu-west-1", Extra: map[string][]string{"aws:username": {"alice"}, "AWS:USERNAME": {"bob"}}}
	deny := attackPolicy(t, `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":"bob"}}}`, allowAllDoc)
	for range 20 {
		d, at := DecideActions([]string{"ec2:StopInstances"}, "", cc.Map(), Layer{Name: "g", Policies: []*Policy{deny}})
		assert.Equal(t, ExplicitDeny, d)
		assert.Equal(t, 0, at)
	}
}

// TestNewContext: a prepared context refuses keys that differ only by
// case, and decides as DecideActions does, from several goroutines.
func TestNewContext(t *testing.T) {
	t.Parallel()
	for name, m := range map[string]map[string][]string{
		"ascii":     {"aws:username": {"a"}, "AWS:USERNAME": {"b"}},
		"Kelvin":    {"aws:key": {"a"}, "aws:\u212aey": {"b"}},
		"oversized": largeContext(map[string][]string{"aws:username": {"a"}, "AWS:USERNAME": {"b"}}),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := NewContext(m)
			assert.ErrorIs(t, err, ErrAmbiguousContext)
		})
	}
	for name, m := range map[string]map[string][]string{
		"nil":       nil,
		"command":   CommandContext{ChannelID: "C1", Region: "eu-west-1"}.Map(),
		"oversized": largeContext(map[string][]string{KeyChannelID: {"C1"}, KeyRequestedRegion: {"eu-west-1"}}),
	} {
		t.Run(name, func(t *testing.T) {
			c, err := NewContext(m)
			if !assert.NoError(t, err) {
				return
			}
			deny := attackPolicy(t, `{"Effect":"Deny","Action":"ec2:Stop*","Resource":"*","Condition":{"StringNotEquals":{"chatops:channelid":"C1"}}}`, allowAllDoc)
			layers := []Layer{{Name: "g", Policies: []*Policy{deny}}}
			acts := []string{"ec2:DescribeInstances", "ec2:StopInstances"}
			wd, wi := DecideActions(acts, "", m, layers...)
			want := ExplicitDeny
			if len(m) > 0 {
				want = Allow
			}
			assert.Equal(t, want, wd)
			done := make(chan struct{})
			for range 4 {
				go func() {
					defer func() { done <- struct{}{} }()
					for range 50 {
						d, i := c.DecideActions(acts, "", layers...)
						assert.Equal(t, wd, d)
						assert.Equal(t, wi, i)
					}
				}()
			}
			for range 4 {
				<-done
			}
			d, i := c.DecideActions(nil, "", layers...)
			assert.Equal(t, ExplicitDeny, d)
			assert.Equal(t, -1, i)
		})
	}
}
