package guardrail_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/opschat/opschat/guardrail"
)

// benchLayers is a realistic set of 20 statements over three layers: a role,
// channel guardrails with conditions (regions, channel, time, tags, IPs) and
// an organization-wide deny list.
func benchLayers(b testing.TB) [][]*guardrail.Policy {
	role := mustParse(b, "ChannelRole", `{"Version":"2012-10-17","Statement":[
		{"Sid":"Read","Effect":"Allow","Action":["ec2:Describe*","ec2:Get*","s3:List*","cloudwatch:Describe*","cloudwatch:Get*","logs:Get*","logs:Describe*"],"Resource":"*"},
		{"Sid":"Lambda","Effect":"Allow","Action":["lambda:InvokeFunction","lambda:InvokeAsync"],"Resource":"arn:aws:lambda:*:123456789012:function:ops-*"},
		{"Sid":"Ops","Effect":"Allow","Action":["ec2:StartInstances","ec2:StopInstances","ec2:RebootInstances"],"Resource":"arn:aws:ec2:*:123456789012:instance/*",
		 "Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}},
		{"Sid":"Support","Effect":"Allow","Action":"support:*","Resource":"*"},
		{"Sid":"Incidents","Effect":"Allow","Action":"ssm-incidents:*","Resource":"*"},
		{"Sid":"ECS","Effect":"Allow","Action":["ecs:Describe*","ecs:List*","ecs:UpdateService"],"Resource":"*"}
	]}`)
	guard := mustParse(b, "ReadOnlyGuardrail", `{"Version":"2012-10-17","Statement":[
		{"Sid":"Regions","Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","eu-central-1","us-east-1"]}}},
		{"Sid":"OnCallOnly","Effect":"Deny","Action":["ec2:Stop*","ec2:Terminate*","ecs:UpdateService"],"Resource":"*","Condition":{"StringNotEquals":{"chatops:ChannelId":"C0ONCALL"},"StringEquals":{"chatops:Platform":"slack"}}},
		{"Sid":"Window","Effect":"Deny","Action":"ec2:Reboot*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}},
		{"Sid":"TLS","Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
		{"Sid":"Office","Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]},"Null":{"aws:SourceIp":"false"}}},
		{"Sid":"Tags","Effect":"Deny","Action":"ec2:CreateTags","Resource":"*","Condition":{"ForAnyValue:StringLike":{"aws:TagKeys":["aws:*","secret*"]}}},
		{"Sid":"Allow","Effect":"Allow","Action":["ec2:*","s3:List*","cloudwatch:*","logs:*","lambda:Invoke*","support:*","ssm-incidents:*","ecs:*"],"Resource":"*"},
		{"Sid":"Config","Effect":"Allow","Action":"ec2:Describe*","Resource":"*","Condition":{"StringLike":{"chatops:ConfigurationName":"ops-*"},"NumericLessThan":{"aws:EpochTime":"4102444800"}}}
	]}`)
	org := mustParse(b, "OrgGuard", `{"Version":"2012-10-17","Statement":[
		{"Sid":"NoIAM","Effect":"Deny","Action":["iam:*","organizations:*","account:*"],"Resource":"*"},
		{"Sid":"NoLeave","Effect":"Deny","Action":"ec2:DeleteVpc","Resource":"*"},
		{"Sid":"Chatbot","Effect":"Deny","Action":"s3:PutObject","Resource":"*","Condition":{"ArnLike":{"aws:ChatbotSourceArn":"arn:aws:chatbot::*:chat-configuration/slack-channel/*"}}},
		{"Sid":"Org","Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-abc123"}}},
		{"Sid":"Full","Effect":"Allow","Action":"*","Resource":"*"},
		{"Sid":"Unused","Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}
	]}`)
	return [][]*guardrail.Policy{{role}, {guard}, {org}}
}

func benchRequest() guardrail.Request {
	return guardrail.Request{
		Action:   "ec2:StopInstances",
		Resource: "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc",
		Context: map[string][]string{
			"aws:RequestedRegion":       {"eu-west-1"},
			"aws:CurrentTime":           {"2026-11-24T20:00:00Z"},
			"aws:EpochTime":             {"1795550400"},
			"aws:SecureTransport":       {"true"},
			"aws:SourceIp":              {"10.1.2.3"},
			"aws:ResourceTag/team":      {"blue"},
			"aws:PrincipalTag/team":     {"blue"},
			"chatops:Platform":          {"slack"},
			"chatops:WorkspaceId":       {"T01"},
			"chatops:ChannelId":         {"C0ONCALL"},
			"chatops:UserId":            {"U01"},
			"chatops:ConfigurationName": {"ops-main"},
			"aws:PrincipalOrgID":        {"o-abc123"},
		},
	}
}

// BenchmarkEvaluate is one decision over 20 statements with conditions; every
// Deny is checked, so this is the full cost of an Allow.
func BenchmarkEvaluate(b *testing.B) {
	layers := benchLayers(b)
	req := benchRequest()
	if d := guardrail.Evaluate(req, layers...); d != guardrail.Allow {
		b.Fatalf("setup: got %v", d)
	}
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		if guardrail.Evaluate(req, layers...) != guardrail.Allow {
			b.Fatal("decision changed")
		}
	}
	cpu.report(b)
}

// cpuClock measures the process's CPU time (user + system) over a benchmark
// loop. On a shared machine the wall-clock ns/op includes the time the
// benchmark waited for a core; cpu-ns/op does not, so it is the figure to
// compare between runs. The loops measured do not allocate, so no GC work
// is included.
type cpuClock struct{ start time.Duration }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuClock { return cpuClock{start: cpuNow()} }

func (c cpuClock) report(b *testing.B) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuNow()-c.start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkEvaluateDeny stops at the OnCallOnly Deny.
func BenchmarkEvaluateDeny(b *testing.B) {
	layers := benchLayers(b)
	req := benchRequest()
	req.Context["chatops:ChannelId"] = []string{"C0RANDOM"}
	if d := guardrail.Evaluate(req, layers...); d != guardrail.ExplicitDeny {
		b.Fatalf("setup: got %v", d)
	}
	b.ReportAllocs()
	for b.Loop() {
		guardrail.Evaluate(req, layers...)
	}
}

func BenchmarkAuthorize(b *testing.B) {
	ps := benchLayers(b)
	layers := []guardrail.Layer{{Name: "role", Policies: ps[0]}, {Name: "guardrail", Policies: ps[1]}, {Name: "organization", Policies: ps[2]}}
	req := benchRequest()
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		if _, err := guardrail.Authorize(req, layers...); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

func BenchmarkParsePolicy(b *testing.B) {
	doc := []byte(`{"Version":"2012-10-17","Statement":[
		{"Sid":"Regions","Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","eu-central-1","us-east-1"]}}},
		{"Sid":"Allow","Effect":"Allow","Action":["ec2:*","s3:List*","cloudwatch:*","logs:*"],"Resource":"arn:aws:ec2:*:123456789012:instance/*"}]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := guardrail.ParsePolicy(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func benchNamedLayers(b testing.TB) []guardrail.Layer {
	ps := benchLayers(b)
	return []guardrail.Layer{{Name: "role", Policies: ps[0]}, {Name: "guardrail", Policies: ps[1]}, {Name: "organization", Policies: ps[2]}}
}

// benchDecideActions is the decision the bot makes for one command: the
// blocklist, then the three layers, for every action the operation needs.
func benchDecideActions(b *testing.B, decide decideFunc, actions []string) {
	layers := benchNamedLayers(b)
	req := benchRequest()
	if d, at := decide(actions, req.Resource, req.Context, layers...); d != guardrail.Allow {
		b.Fatalf("setup: got %v at %d", d, at)
	}
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		if d, _ := decide(actions, req.Resource, req.Context, layers...); d != guardrail.Allow {
			b.Fatal("decision changed")
		}
	}
	cpu.report(b)
}

type decideFunc func([]string, string, map[string][]string, ...guardrail.Layer) (guardrail.Decision, int)

var (
	benchActions1 = []string{"ec2:StopInstances"}
	benchActions3 = []string{"ec2:StopInstances", "ec2:DescribeInstances", "ec2:RebootInstances"}
)

func BenchmarkDecideActions1(b *testing.B) {
	benchDecideActions(b, guardrail.DecideActions, benchActions1)
}
func BenchmarkDecideActions3(b *testing.B) {
	benchDecideActions(b, guardrail.DecideActions, benchActions3)
}

// The Reference benchmarks run the straightforward evaluation the indexed
// one is tested against (every action alone, every pattern of every
// statement tried): the baseline of the same run, whatever the load.
func BenchmarkDecideActions1Reference(b *testing.B) {
	benchDecideActions(b, guardrail.ReferenceDecideActions, benchActions1)
}

func BenchmarkDecideActions3Reference(b *testing.B) {
	benchDecideActions(b, guardrail.ReferenceDecideActions, benchActions3)
}

// BenchmarkDecideActions3PreparedContext is DecideActions3 over a
// Context made once (DecideActions with a map reads every key on each
// call, to find keys that differ only by case).
func BenchmarkDecideActions3PreparedContext(b *testing.B) {
	c, err := guardrail.NewContext(benchRequest().Context)
	if err != nil {
		b.Fatal(err)
	}
	benchDecideActions(b, func(actions []string, resource string, _ map[string][]string, layers ...guardrail.Layer) (guardrail.Decision, int) {
		return c.DecideActions(actions, resource, layers...)
	}, benchActions3)
}

// BenchmarkAuthorizeActions3 adds the explanation a chat reply shows.
func BenchmarkAuthorizeActions3(b *testing.B) {
	layers := benchNamedLayers(b)
	req := benchRequest()
	actions := []string{"ec2:StopInstances", "ec2:DescribeInstances", "ec2:RebootInstances"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := guardrail.AuthorizeActions(actions, req.Resource, req.Context, layers...); err != nil {
			b.Fatal(err)
		}
	}
}
