package guardrail

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Attacks on the action index and the fast paths of the decision (a
// security review of the indexed evaluation). Every case is checked three
// ways: the production decision, the reference evaluator
// (reference_internal_test.go) and the answer IAM's documented rules give,
// derived by hand or by iamActionMatches below, which shares no code with
// either evaluator. The reference shares pattern.match and condition.eval
// with production, so the differential test alone cannot catch a bug
// there; the hand-derived answers can.

// iamActionMatches is IAM's Action matching written from the
// documentation, independently of compilePattern: case-insensitive, '*'
// any run of characters (':' included), '?' exactly one character.
// IAM action names are ASCII, so case folding is ASCII folding.
func iamActionMatches(pat, action string) bool {
	return GlobRegexp(asciiLowerForOracle(pat)).MatchString(asciiLowerForOracle(action))
}

// GlobRegexp is an IAM wildcard pattern ('*' any run of characters, '?'
// one character, everything else literal) as an anchored regular
// expression: the oracle the attack and fuzz tests compare the glob
// matcher with. Exported for the external test package.
func GlobRegexp(pat string) *regexp.Regexp {
	var re strings.Builder
	re.WriteString(`^(?s:`)
	for _, r := range pat {
		switch r {
		case '*':
			re.WriteString(`.*`)
		case '?':
			re.WriteString(`.`)
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString(`)$`)
	return regexp.MustCompile(re.String())
}

// asciiLowerForOracle lower-cases ASCII letters only, without sharing
// asciiLower's code.
func asciiLowerForOracle(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 32
		}
		return r
	}, s)
}

// attackDecide checks DecideActions, the reference and AuthorizeActions
// against the expected answer.
func attackDecide(t *testing.T, layers []Layer, actions []string, ctx map[string][]string, want Decision, wantAt int) {
	t.Helper()
	gd, gi := DecideActions(actions, "", ctx, layers...)
	rd, ri := ReferenceDecideActions(actions, "", ctx, layers...)
	assert.Equal(t, want, gd, "DecideActions(%q)", actions)
	assert.Equal(t, wantAt, gi, "DecideActions(%q) deciding index", actions)
	assert.Equal(t, want, rd, "reference(%q)", actions)
	assert.Equal(t, wantAt, ri, "reference(%q) deciding index", actions)
	exp, err := AuthorizeActions(actions, "", ctx, layers...)
	assert.Equal(t, want, exp.Decision, "AuthorizeActions(%q)", actions)
	assert.Equal(t, want == Allow, err == nil, "AuthorizeActions(%q) error %v", actions, err)
}

func attackPolicy(t testing.TB, stmts ...string) *Policy {
	t.Helper()
	doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
	p, err := ParseNamedPolicy("attack", []byte(doc))
	require.NoError(t, err, doc)
	return p
}

// fillers are statements that cover none of the attack actions, in every
// index form: exact names, prefixes, service-wide, wildcard services,
// NotAction "*" (which covers nothing), Denies with conditions that hold.
var fillers = []string{
	`{"Effect":"Allow","Action":["ec2:Describe*","s3:ListBuckets"],"Resource":"*"}`,
	`{"Effect":"Deny","Action":"lambda:DeleteFunction","Resource":"*"}`,
	`{"Effect":"Deny","NotAction":"*","Resource":"*"}`,
	`{"Effect":"Deny","Action":["rds:*","ec2messages:*","s3-outposts:*"],"Resource":"*","Condition":{"StringEquals":{"chatops:ChannelId":"C1"}}}`,
	`{"Effect":"Allow","Action":["e?2:Start*","*:ListTagsForResource"],"Resource":"arn:aws:ec2:*:*:instance/*"}`,
	`{"Effect":"Deny","Action":"ec2:StopInstancesX","Resource":"*"}`,
	`{"Effect":"Deny","Action":"ec2:Stop","Resource":"*"}`,
}

// paddedPolicy is a policy of n statements: fillers, except stmt at index at.
func paddedPolicy(t testing.TB, n, at int, stmt string) *Policy {
	t.Helper()
	sts := make([]string, n)
	for i := range sts {
		sts[i] = fillers[i%len(fillers)]
	}
	sts[at] = stmt
	return attackPolicy(t, sts...)
}

var allowAllDoc = `{"Effect":"Allow","Action":"*","Resource":"*"}`

// TestAttackDenyAtBlockBoundaries puts a Deny, in every pattern form, at
// the statement indexes around the 64-statement blocks, and asks for the
// denied action at every position of a five-action operation (so also in
// the second chunk of four).
func TestAttackDenyAtBlockBoundaries(t *testing.T) {
	t.Parallel()
	ctx := CommandContext{ChannelID: "C1"}.Map()
	patterns := []string{"ec2:StopInstances", "EC2:stopinstances", "ec2:Stop*", "ec2:STOP*", "ec2:StopInst*",
		"ec2:*", "*:StopInstances", "e?2:Stop*", "ec2:*Instances", "ec2:Stop?nstances", "ec2:*top*", "*", "*:*", "ec*"}
	base := []string{"ec2:DescribeInstances", "s3:ListBuckets", "ec2:RebootInstances", "ec2:StartInstances"}
	allowAll := attackPolicy(t, allowAllDoc)
	for _, n := range []int{1, 63, 64, 65, 66, 128, 129, 130, 200} {
		for _, at := range []int{0, 62, 63, 64, 65, 127, 128, 129, n - 1} {
			if at >= n {
				continue
			}
			for _, pat := range patterns {
				if !strings.Contains(pat, ":") && pat != "*" {
					// Not an action: the parser must refuse it.
					_, err := ParsePolicy([]byte(`{"Statement":{"Effect":"Deny","Action":"` + pat + `","Resource":"*"}}`))
					assert.ErrorIs(t, err, ErrInvalidPolicy, pat)
					continue
				}
				pol := paddedPolicy(t, n, at, `{"Effect":"Deny","Action":"`+pat+`","Resource":"*"}`)
				layers := []Layer{{Name: "guardrail", Policies: []*Policy{allowAll, pol}}}
				for pos := 0; pos <= len(base); pos++ {
					acts := append(append(append([]string{}, base[:pos]...), "ec2:StopInstances"), base[pos:]...)
					want, wantAt := Allow, -1
					for i, a := range acts {
						if iamActionMatches(pat, a) {
							want, wantAt = ExplicitDeny, i
							break
						}
					}
					t.Run(fmt.Sprintf("n=%d/at=%d/%s/pos=%d", n, at, pat, pos), func(t *testing.T) {
						attackDecide(t, layers, acts, ctx, want, wantAt)
					})
				}
			}
		}
	}
}

// TestAttackNotAction: NotAction with wildcards, as a Deny (denies all
// but the listed actions) and as an Allow, in the first and later blocks.
func TestAttackNotAction(t *testing.T) {
	t.Parallel()
	ctx := CommandContext{ChannelID: "C2"}.Map()
	allowAll := attackPolicy(t, allowAllDoc)
	tests := []struct {
		name    string
		stmt    string
		others  []*Policy
		actions []string
		want    Decision
		at      int
	}{
		{"deny all but reads: a read passes", `{"Effect":"Deny","NotAction":["ec2:Describe*","s3:List*"],"Resource":"*"}`,
			[]*Policy{allowAll}, []string{"EC2:DESCRIBEINSTANCES", "s3:listbuckets"}, Allow, -1},
		{"deny all but reads: a write is denied", `{"Effect":"Deny","NotAction":["ec2:Describe*","s3:List*"],"Resource":"*"}`,
			[]*Policy{allowAll}, []string{"ec2:DescribeInstances", "s3:ListBuckets", "ec2:DescribeVpcs", "s3:ListAllMyBuckets", "ec2:StopInstances"}, ExplicitDeny, 4},
		{"deny all but reads: prefix sharing service is not a read", `{"Effect":"Deny","NotAction":["ec2:Describe*"],"Resource":"*"}`,
			[]*Policy{allowAll}, []string{"ec2messages:DescribeX"}, ExplicitDeny, 0},
		{"deny all but a wildcard service", `{"Effect":"Deny","NotAction":["e?2:*"],"Resource":"*"}`,
			[]*Policy{allowAll}, []string{"ec2:StopInstances", "ecs:ListClusters"}, ExplicitDeny, 1},
		{"deny NotAction star denies nothing", `{"Effect":"Deny","NotAction":"*","Resource":"*"}`,
			[]*Policy{allowAll}, []string{"ec2:StopInstances"}, Allow, -1},
		{"allow all but ec2", `{"Effect":"Allow","NotAction":"ec2:*","Resource":"*"}`,
			nil, []string{"ssm:ListDocuments", "EC2:RebootInstances"}, ImplicitDeny, 1},
		{"allow NotAction with a known-resource-only Resource does not allow unknown resources", `{"Effect":"Allow","NotAction":"ec2:*","Resource":"arn:aws:ssm:*"}`,
			nil, []string{"ssm:ListDocuments"}, ImplicitDeny, 0},
		{"deny NotAction with NotResource star never applies", `{"Effect":"Deny","NotAction":"ec2:Describe*","NotResource":"*"}`,
			[]*Policy{allowAll}, []string{"ec2:StopInstances"}, Allow, -1},
		{"deny NotAction with a conditional that does not hold", `{"Effect":"Deny","NotAction":"ec2:Describe*","Resource":"*","Condition":{"StringEquals":{"chatops:ChannelId":"C1"}}}`,
			[]*Policy{allowAll}, []string{"ec2:StopInstances"}, Allow, -1},
		{"deny NotAction with a negated condition on a missing key", `{"Effect":"Deny","NotAction":"ec2:Describe*","Resource":"*","Condition":{"StringNotEquals":{"chatops:UserId":"U1"}}}`,
			[]*Policy{allowAll}, []string{"ec2:StopInstances"}, ExplicitDeny, 0},
	}
	for _, tt := range tests {
		for _, n := range []int{1, 64, 100, 129} {
			for _, at := range []int{0, 63, 64, 99, 128} {
				if at >= n {
					continue
				}
				t.Run(fmt.Sprintf("%s/n=%d/at=%d", tt.name, n, at), func(t *testing.T) {
					pols := append([]*Policy{paddedPolicy(t, n, at, tt.stmt)}, tt.others...)
					attackDecide(t, []Layer{{Name: "guardrail", Policies: pols}}, tt.actions, ctx, tt.want, tt.at)
				})
			}
		}
	}
}

// TestAttackServicePrefixes: services whose names share a prefix must
// not match each other's patterns, in any index form.
func TestAttackServicePrefixes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		deny   string
		action string
		denied bool
	}{
		{"s3:*", "s3-outposts:GetObject", false},
		{"s3:GetObject", "s3-outposts:GetObject", false},
		{"s3:Get*", "s3-outposts:GetObject", false},
		{"s3:*Object", "s3-outposts:GetObject", false},
		{"s3*:*", "s3-outposts:GetObject", true},
		{"s3?outposts:*", "s3-outposts:GetObject", true},
		{"ec2:*", "ec2messages:GetMessages", false},
		{"ec2:Get*", "ec2messages:GetMessages", false},
		{"ec2*:Get*", "ec2messages:GetMessages", true},
		{"ec2messages:*", "ec2:GetConsoleOutput", false},
		{"ssm:*", "ssm-incidents:ListIncidentRecords", false},
		{"ssm-incidents:*", "ssm:ListDocuments", false},
		{"ssm-incidents:*", "SSM-Incidents:ListIncidentRecords", true},
		{"*:Get*", "ec2messages:GetMessages", true},
		{"e?2:*", "ec2messages:GetMessages", false},
		{"e*2:*", "ec2:StopInstances", true},
		{"*2:*", "ec2messages:GetMessages", false},
		{"ec2:StopInstances", "ec2:StopInstancesNow", false},
		{"ec2:StopInstances*", "ec2:StopInstances", true},
		{"ec2:Stop", "ec2:StopInstances", false},
	}
	for _, tt := range tests {
		t.Run(tt.deny+" vs "+tt.action, func(t *testing.T) {
			require.Equal(t, tt.denied, iamActionMatches(tt.deny, tt.action), "oracle disagrees with the table")
			pol := attackPolicy(t, `{"Effect":"Deny","Action":"`+tt.deny+`","Resource":"*"}`, allowAllDoc)
			want, at := Allow, -1
			if tt.denied {
				want, at = ExplicitDeny, 0
			}
			attackDecide(t, []Layer{{Name: "g", Policies: []*Policy{pol}}}, []string{tt.action}, nil, want, at)
		})
	}
}

// TestAttackPrefixLengths: "svc:op*" patterns of up to eight bytes are one
// masked compare of the operation's first word, longer ones a byte loop;
// probe the lengths around eight against operations shorter than, equal
// to and longer than the prefix, in every letter case.
func TestAttackPrefixLengths(t *testing.T) {
	t.Parallel()
	prefixes := []string{"D", "De", "Desc", "Describ", "Describe", "DescribeI", "DescribeInstances", "DescribeInstancesX", "DESCRIBE", "describ", "d3scribe"}
	ops := []string{"D", "Desc", "Describ", "Describe", "describe", "DescribeI", "DESCRIBEINSTANCES", "DescribeInstances", "Describe\u00c9", "Descr\u00c9be", "Dscribe", "EDescribe"}
	allowAll := attackPolicy(t, allowAllDoc)
	for _, p := range prefixes {
		pol := attackPolicy(t, fillers[0], fillers[1], `{"Effect":"Deny","Action":"ec2:`+p+`*","Resource":"*"}`)
		layers := []Layer{{Name: "g", Policies: []*Policy{allowAll, pol}}}
		for _, op := range ops {
			a := "ec2:" + op
			want, at := Allow, -1
			// A non-ASCII action is refused as not an IAM action.
			if iamActionMatches("ec2:"+p+"*", a) || strings.ContainsFunc(a, func(r rune) bool { return r > 0x7e }) {
				want, at = ExplicitDeny, 0
			}
			t.Run(p+"*/"+op, func(t *testing.T) { attackDecide(t, layers, []string{a}, nil, want, at) })
		}
	}
}

// TestAttackManyExactNames: a statement with hundreds of exact names fills
// every bit of the 64-bit filter and makes the hash table collide; every
// name must still be found, in any case, and nothing else.
func TestAttackManyExactNames(t *testing.T) {
	t.Parallel()
	var names []string
	for i := range 300 {
		names = append(names, fmt.Sprintf(`"svc%d:Op%dX"`, i%17, i))
	}
	deny := `{"Effect":"Deny","Action":[` + strings.Join(names, ",") + `],"Resource":"*"}`
	allowAll := attackPolicy(t, allowAllDoc)
	for _, at := range []int{0, 64, 130} {
		pol := paddedPolicy(t, at+1, at, deny)
		layers := []Layer{{Name: "g", Policies: []*Policy{allowAll, pol}}}
		for i := range 300 {
			hit := fmt.Sprintf("SVC%d:op%dx", i%17, i)
			miss := fmt.Sprintf("svc%d:Op%dX", (i+1)%17, i) // same operation, another service
			t.Run(fmt.Sprintf("at=%d/%d", at, i), func(t *testing.T) {
				attackDecide(t, layers, []string{hit}, nil, ExplicitDeny, 0)
				attackDecide(t, layers, []string{miss}, nil, Allow, -1)
			})
		}
	}
}

// TestAttackChunks: operations of more than four actions are decided four
// at a time; a Deny of any later action, an implicit deny of any action,
// and the same service spelt differently within a chunk must all count.
func TestAttackChunks(t *testing.T) {
	t.Parallel()
	guard := attackPolicy(t,
		`{"Sid":"Reads","Effect":"Allow","Action":["ec2:Describe*","s3:List*"],"Resource":"*"}`,
		`{"Sid":"NoStop","Effect":"Deny","Action":"ec2:Stop*","Resource":"*"}`)
	layers := []Layer{{Name: "role", Policies: []*Policy{attackPolicy(t, allowAllDoc)}}, {Name: "guardrail", Policies: []*Policy{guard}}}
	for n := 1; n <= 13; n++ {
		for pos := range n {
			acts := make([]string, n)
			for i := range acts {
				acts[i] = []string{"ec2:DescribeInstances", "EC2:describevpcs", "s3:ListBuckets", "Ec2:DescribeImages"}[i%4]
			}
			t.Run(fmt.Sprintf("n=%d/deny at %d", n, pos), func(t *testing.T) {
				denied := append([]string(nil), acts...)
				denied[pos] = "eC2:sToPiNsTaNcEs"
				attackDecide(t, layers, denied, nil, ExplicitDeny, pos)
			})
			t.Run(fmt.Sprintf("n=%d/missing at %d", n, pos), func(t *testing.T) {
				missing := append([]string(nil), acts...)
				missing[pos] = "ec2:RebootInstances"
				attackDecide(t, layers, missing, nil, ImplicitDeny, pos)
				if pos+1 < n {
					// An explicit deny later wins over the implicit one.
					missing[n-1] = "ec2:StopInstances"
					attackDecide(t, layers, missing, nil, ExplicitDeny, n-1)
				}
			})
			t.Run(fmt.Sprintf("n=%d/invalid at %d", n, pos), func(t *testing.T) {
				bad := append([]string(nil), acts...)
				bad[pos] = "ec2:Describe*"
				attackDecide(t, layers, bad, nil, ExplicitDeny, pos)
			})
		}
	}
}

// TestAttackLayers: an explicit Deny in any layer wins over Allows in all
// the others, whichever layer comes first; a deny-only layer's Allow does
// not count; a layer of nil policies cannot allow.
func TestAttackLayers(t *testing.T) {
	t.Parallel()
	allowAll := attackPolicy(t, allowAllDoc)
	denyStop := paddedPolicy(t, 70, 66, `{"Effect":"Deny","Action":"ec2:StopInstances","Resource":"*"}`)
	allowStopOnly := attackPolicy(t, `{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"}`)
	acts := []string{"ec2:DescribeInstances", "ec2:StopInstances"}
	tests := []struct {
		name   string
		layers []Layer
		want   Decision
		at     int
	}{
		{"deny in the org layer after two allowing layers", []Layer{{Name: "role", Policies: []*Policy{allowAll}}, {Name: "guardrail", Policies: []*Policy{allowAll}}, {Name: "org", Policies: []*Policy{denyStop}, DenyOnly: true}}, ExplicitDeny, 1},
		{"deny in the first layer", []Layer{{Name: "org", Policies: []*Policy{denyStop}, DenyOnly: true}, {Name: "role", Policies: []*Policy{allowAll}}}, ExplicitDeny, 1},
		{"deny in a layer that does not allow", []Layer{{Name: "role", Policies: []*Policy{allowStopOnly}}, {Name: "guardrail", Policies: []*Policy{denyStop}}}, ExplicitDeny, 1},
		{"a deny-only layer's allow does not count", []Layer{{Name: "org", Policies: []*Policy{allowAll}, DenyOnly: true}}, ImplicitDeny, 0},
		{"a layer of nil policies cannot allow", []Layer{{Name: "role", Policies: []*Policy{allowAll}}, {Name: "guardrail", Policies: []*Policy{nil}}}, ImplicitDeny, 0},
		{"an empty layer cannot allow", []Layer{{Name: "role", Policies: []*Policy{allowAll}}, {Name: "guardrail"}}, ImplicitDeny, 0},
		{"one layer does not allow the first action", []Layer{{Name: "role", Policies: []*Policy{allowAll}}, {Name: "guardrail", Policies: []*Policy{allowStopOnly}}}, ImplicitDeny, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { attackDecide(t, tt.layers, acts, nil, tt.want, tt.at) })
	}
}
