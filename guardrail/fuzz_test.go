package guardrail_test

import (
	"strings"
	"testing"

	"github.com/opschat/opschat/guardrail"
)

// FuzzParsePolicy checks that any document parses or fails without a panic,
// that failure always comes with a nil policy and ErrInvalidPolicy, and that
// evaluating whatever parsed neither panics nor disagrees with Explain.
func FuzzParsePolicy(f *testing.F) {
	for _, seed := range []string{
		adminDoc,
		orgDoc,
		`{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny","NotAction":"ec2:*","NotResource":"arn:aws:s3:::b/${aws:username}/*"}]}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["a*","${*}"]},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"DateLessThan":{"t":1700000000},"Null":{"x":true}}}}`,
		`{"Statement":[]}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::${aws:username, 'x'}"}}`,
		`[`, `null`, `{"Statement":{"Effect":"Allow","Action":["*",1],"Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","NotResource":["arn:aws:s3:::b/${ aws:username }/*","arn:aws:s3:::${*}${?}${$}"]}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"arn:aws:s3:::b/${aws:username"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceIp":"a","AWS:sourceip":"b"}}}}`,
		`{"Version":null,"Statement":{"Effect":"Deny","Action":null,"Resource":null}}`,
	} {
		f.Add([]byte(seed))
	}
	req := guardrail.Request{
		Action:   "ec2:DescribeInstances",
		Resource: "arn:aws:s3:::b/alice/x",
		Context:  map[string][]string{"aws:username": {"alice"}, "aws:TagKeys": {"a1", "b"}, "aws:SourceIp": {"10.1.1.1"}, "t": {"1600000000"}},
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := guardrail.ParsePolicy(doc)
		if err != nil {
			if p != nil {
				t.Fatalf("error with a non-nil policy: %v", err)
			}
			if !strings.Contains(err.Error(), "guardrail: policy") {
				t.Fatalf("error without package prefix: %v", err)
			}
			if d := guardrail.Evaluate(req, []*guardrail.Policy{p}); d != guardrail.ImplicitDeny {
				t.Fatalf("a failed parse gave %v", d)
			}
			return
		}
		for _, r := range []guardrail.Request{req, {Action: req.Action}, {Action: "IAM:" + string(doc), Resource: string(doc), Context: req.Context}} {
			d := guardrail.Evaluate(r, []*guardrail.Policy{p})
			e := guardrail.Explain(r, guardrail.Layer{Name: "fuzz", Policies: []*guardrail.Policy{p}})
			if d != e.Decision {
				t.Fatalf("Evaluate %v, Explain %v", d, e.Decision)
			}
			_ = e.String()
		}
	})
}

// FuzzParseOrgPolicy: never a panic; failures give nil.
func FuzzParseOrgPolicy(f *testing.F) {
	f.Add([]byte(orgDoc))
	f.Add([]byte(`{"chatbot":{"platforms":{"slack":{"client":"enabled","workspaces":["*"]}}}}`))
	f.Add([]byte(`{"chatbot":{"platforms":{"slack":{"workspaces":{"@@append":["T1"]}}}}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		op, err := guardrail.ParseOrgPolicy(doc)
		if (err == nil) == (op == nil) {
			t.Fatalf("policy %v with error %v", op, err)
		}
		_ = op.Check(guardrail.OrgRequest{Platform: "slack", WorkspaceID: "T1", ChannelType: "public", RoleSetting: "user_role"})
	})
}

// FuzzWildcard compares the glob matcher with a regular expression built
// from the same pattern.
func FuzzWildcard(f *testing.F) {
	f.Add("ec2:Describe*", "ec2:DescribeInstances")
	f.Add("a*b*c?d", "aXbYbcZd")
	f.Add("*a*a*a*b", strings.Repeat("a", 64))
	f.Add("??é*", "aaé")
	f.Fuzz(func(t *testing.T, pat, s string) {
		// Patterns with space around them are refused at parse.
		if strings.ContainsAny(pat, "$\"\\") || strings.ContainsAny(s, "\"\\") || pat == "" || !isPrintable(pat) || !isPrintable(s) ||
			strings.TrimSpace(pat) != pat {
			return
		}
		// Resource patterns starting with "arn:" are matched by segment;
		// keep to whole-string globs here.
		if strings.HasPrefix(pat, "arn:") {
			return
		}
		doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"` + pat + `"}}`
		p, err := guardrail.ParsePolicy([]byte(doc))
		if err != nil {
			t.Fatalf("parse %q: %v", pat, err)
		}
		want := guardrail.GlobRegexp(pat).MatchString(s)
		if s == "" || s == guardrail.UnknownResource {
			return // the fail-closed rule applies instead
		}
		got := guardrail.Evaluate(guardrail.Request{Action: "x:y", Resource: s}, []*guardrail.Policy{p}) == guardrail.Allow
		if got != want {
			t.Fatalf("pattern %q on %q: got %v, regexp says %v", pat, s, got, want)
		}
	})
}

func isPrintable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return false
		}
	}
	return true
}
