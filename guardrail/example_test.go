package guardrail_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/opschat/opschat/guardrail"
)

func ExampleEvaluate() {
	role, _ := guardrail.ParsePolicy([]byte(`{
		"Version": "2012-10-17",
		"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}
	}`))
	readOnly, _ := guardrail.ParsePolicy([]byte(`{
		"Version": "2012-10-17",
		"Statement": [
			{"Effect": "Allow", "Action": ["ec2:Describe*", "cloudwatch:Get*"], "Resource": "*"},
			{"Effect": "Deny", "Action": "ec2:Describe*", "Resource": "*",
			 "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}
		]
	}`))
	// The role allows everything; the channel guardrail narrows it.
	for _, r := range []guardrail.Request{
		{Action: "ec2:DescribeInstances", Context: map[string][]string{"aws:RequestedRegion": {"eu-west-1"}}},
		{Action: "ec2:DescribeInstances", Context: map[string][]string{"aws:RequestedRegion": {"us-east-1"}}},
		{Action: "ec2:StopInstances", Context: map[string][]string{"aws:RequestedRegion": {"eu-west-1"}}},
	} {
		fmt.Println(r.Action, r.Context["aws:RequestedRegion"][0], guardrail.Evaluate(r, []*guardrail.Policy{role}, []*guardrail.Policy{readOnly}))
	}
	// Output:
	// ec2:DescribeInstances eu-west-1 Allow
	// ec2:DescribeInstances us-east-1 ExplicitDeny
	// ec2:StopInstances eu-west-1 ImplicitDeny
}

func ExampleAuthorize() {
	role, _ := guardrail.ParseNamedPolicy("OpsRole", []byte(`{"Version": "2012-10-17",
		"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}`))
	guard, _ := guardrail.ParseNamedPolicy("ReadOnly", []byte(`{"Version": "2012-10-17",
		"Statement": [
			{"Sid": "Read", "Effect": "Allow", "Action": ["ec2:Describe*", "ec2:Get*"], "Resource": "*"},
			{"Sid": "DenyStop", "Effect": "Deny", "Action": "ec2:StopInstances", "Resource": "*"}
		]}`))
	layers := []guardrail.Layer{
		{Name: "role", Policies: []*guardrail.Policy{role}},
		{Name: "guardrail", Policies: []*guardrail.Policy{guard}},
	}
	cc := guardrail.CommandContext{Region: "eu-west-1", Platform: "slack", ChannelID: "C01"}
	for _, action := range []string{"ec2:DescribeInstances", "ec2:StopInstances", "ec2:RunInstances", "ec2:GetPasswordData"} {
		_, err := guardrail.Authorize(guardrail.CommandRequest(action, "", cc), layers...)
		if err == nil {
			fmt.Println(action, "allowed")
			continue
		}
		var denied *guardrail.DeniedError
		if errors.As(err, &denied) {
			fmt.Println(denied.Explanation)
		}
	}
	// Output:
	// ec2:DescribeInstances allowed
	// `ec2:StopInstances` denied by guardrail `ReadOnly`, statement `DenyStop`
	// `ec2:RunInstances` is not allowed: no statement in the guardrail policies (`ReadOnly`) allows it (the resource is not known in advance, so only statements with Resource "*" can allow it)
	// `ec2:GetPasswordData` is blocked for everyone by the built-in blocklist (statement `BlockSecretReadingActions`): this operation can return secrets, credentials or data contents into the channel, so it is never run from chat
}

func ExampleCommandContext() {
	// A guardrail that lets only the on-call channel restart services.
	guard, _ := guardrail.ParseNamedPolicy("OnCall", []byte(`{"Version": "2012-10-17",
		"Statement": [
			{"Effect": "Allow", "Action": "ecs:*", "Resource": "*"},
			{"Sid": "RestartFromOnCallOnly", "Effect": "Deny", "Action": "ecs:UpdateService", "Resource": "*",
			 "Condition": {"StringNotEquals": {"chatops:ChannelId": "C0ONCALL"}}}
		]}`))
	at := time.Date(2026, 11, 24, 20, 0, 0, 0, time.UTC)
	for _, channel := range []string{"C0ONCALL", "C0GENERAL"} {
		cc := guardrail.CommandContext{Time: at, Platform: "slack", WorkspaceID: "T01", ChannelID: channel, UserID: "U01"}
		req := guardrail.CommandRequest("ecs:UpdateService", "", cc)
		fmt.Println(channel, guardrail.Explain(req, guardrail.Layer{Name: "guardrail", Policies: []*guardrail.Policy{guard}}))
	}
	// Output:
	// C0ONCALL `ecs:UpdateService` is allowed by guardrail `OnCall`, statement `#0`
	// C0GENERAL `ecs:UpdateService` denied by guardrail `OnCall`, statement `RestartFromOnCallOnly`
}

func ExampleParsePolicy_errors() {
	_, err := guardrail.ParsePolicy([]byte(`{"Version": "2012-10-17", "Statement": [
		{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
		{"Effect": "Deny", "Action": "ec2:*", "Resource": "*", "Condition": {"StringEqualz": {"aws:RequestedRegion": "us-east-1"}}}
	]}`))
	fmt.Println(err)
	fmt.Println(errors.Is(err, guardrail.ErrInvalidPolicy))
	// Output:
	// guardrail: policy: Statement[1].Condition.StringEqualz: unknown operator
	// true
}

func ExampleOrgPolicy_Check() {
	op, _ := guardrail.ParseOrgPolicy([]byte(`{"chatbot": {"platforms": {
		"slack": {
			"client": {"@@assign": "enabled"},
			"workspaces": {"@@assign": ["T0ACME"]},
			"default": {"supported_channel_types": {"@@assign": ["private"]}}
		},
		"chime": {"client": {"@@assign": "disabled"}}
	}}}`))
	fmt.Println(op.Check(guardrail.OrgRequest{Platform: "slack", WorkspaceID: "T0ACME", ChannelType: "private"}))
	fmt.Println(op.Check(guardrail.OrgRequest{Platform: "slack", WorkspaceID: "T0ACME", ChannelType: "public"}))
	fmt.Println(op.Check(guardrail.OrgRequest{Platform: "chime"}))
	// Output:
	// <nil>
	// guardrail: the organization chat policy does not allow channel type public (allowed: private); contact your organization administrator
	// guardrail: the organization chat policy does not allow the chime platform (allowed: slack, microsoft_teams); contact your organization administrator
}

func ExampleCachingResolver() {
	// In production the fetcher is iamresolver.New(iam.NewFromConfig(cfg)).
	fetch := guardrail.FetcherFunc(func(_ context.Context, arn string) ([]byte, error) {
		return []byte(`{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": ["ec2:Describe*"], "Resource": "*"}}`), nil
	})
	r := guardrail.NewCachingResolver(fetch, guardrail.WithTTL(10*time.Minute))
	p, err := r.ResolvePolicy(context.Background(), "arn:aws:iam::123456789012:policy/chat/ReadOnlyEC2")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Name(), guardrail.Evaluate(guardrail.Request{Action: "ec2:DescribeVpcs"}, []*guardrail.Policy{p}))
	// Output:
	// ReadOnlyEC2 Allow
}

// A Context reads the request context once for every decision of a
// command, and refuses keys that differ only by letter case.
func ExampleNewContext() {
	guard, _ := guardrail.ParseNamedPolicy("OnCall", []byte(`{"Version": "2012-10-17",
		"Statement": [
			{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
			{"Effect": "Deny", "Action": "ec2:Stop*", "Resource": "*",
			 "Condition": {"StringNotEquals": {"chatops:ChannelId": "C0ONCALL"}}}
		]}`))
	layers := []guardrail.Layer{{Name: "guardrail", Policies: []*guardrail.Policy{guard}}}
	c, err := guardrail.NewContext(guardrail.CommandContext{ChannelID: "C0RANDOM"}.Map())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, actions := range [][]string{{"ec2:DescribeInstances"}, {"ec2:DescribeInstances", "ec2:StopInstances"}} {
		d, at := c.DecideActions(actions, "", layers...)
		fmt.Println(actions, d, at)
	}
	_, err = guardrail.NewContext(map[string][]string{"aws:username": {"alice"}, "AWS:USERNAME": {"bob"}})
	fmt.Println(errors.Is(err, guardrail.ErrAmbiguousContext))
	// Output:
	// [ec2:DescribeInstances] Allow -1
	// [ec2:DescribeInstances ec2:StopInstances] ExplicitDeny 1
	// true
}
