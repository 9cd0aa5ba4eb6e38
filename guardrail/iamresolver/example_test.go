package iamresolver_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/opschat/opschat/guardrail"
	"github.com/opschat/opschat/guardrail/iamresolver"
)

// Resolve the guardrails a channel configuration names by ARN, then decide
// a command against them. (Not run: it needs AWS credentials.)
func Example() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		panic(err)
	}
	resolver := iamresolver.NewResolver(iam.NewFromConfig(cfg), guardrail.WithTTL(5*time.Minute))
	var guardrails []*guardrail.Policy
	for _, arn := range []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::123456789012:policy/chat/NoProd"} {
		p, err := resolver.ResolvePolicy(ctx, arn)
		if err != nil {
			panic(err)
		}
		guardrails = append(guardrails, p)
	}
	_, err = guardrail.Authorize(guardrail.Request{Action: "ec2:DescribeInstances"},
		guardrail.Layer{Name: "guardrail", Policies: guardrails})
	fmt.Println(err)
}
