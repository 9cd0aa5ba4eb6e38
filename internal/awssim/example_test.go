package awssim_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/opschat/opschat/internal/awssim"
)

// Point SDK clients at the simulated account with Config and read back
// what they sent.
func Example() {
	srv := awssim.New()
	defer srv.Close()
	ctx := context.Background()

	who, err := sts.NewFromConfig(srv.Config()).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(aws.ToString(who.Arn))

	alarms, err := cloudwatch.NewFromConfig(srv.Config()).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{
		StateValue: cwtypes.StateValueAlarm})
	if err != nil {
		fmt.Println(err)
		return
	}
	a := alarms.MetricAlarms[0]
	fmt.Println(aws.ToString(a.AlarmName), a.StateValue, aws.ToString(a.MetricName))

	for _, r := range srv.Requests() {
		fmt.Println(r.Key(), r.Protocol, awssim.Normalize(r).Params)
	}
	// Output:
	// arn:aws:iam::123456789012:user/opschat-bot
	// checkout-api-errors ALARM Errors
	// sts:GetCallerIdentity awsQuery map[]
	// monitoring:DescribeAlarms rpcv2Cbor map[StateValue:ALARM]
}

// Inject makes an operation fail the way AWS would refuse it.
func ExampleServer_Inject() {
	srv := awssim.New()
	defer srv.Close()
	srv.Inject(awssim.AccessDenied("ec2", "StopInstances"))

	_, err := ec2.NewFromConfig(srv.Config()).StopInstances(context.Background(), &ec2.StopInstancesInput{
		InstanceIds: []string{awssim.RunningInstance}})
	var ae smithy.APIError
	if errors.As(err, &ae) {
		fmt.Println(ae.ErrorCode())
	}
	fmt.Println(srv.InstanceState(awssim.RunningInstance))
	// Output:
	// UnauthorizedOperation
	// running
}

// Diff compares requests in meaning: the AWS CLI sends CloudWatch as query
// (every scalar a string), the Go SDK as CBOR (typed).
func ExampleDiff() {
	cli := awssim.Request{Service: "monitoring", Operation: "DescribeAlarms", Protocol: awssim.ProtocolQuery,
		Params: map[string]any{"AlarmNames": []any{"a", "b"}, "MaxRecords": "2"}}
	sdk := awssim.Request{Service: "monitoring", Operation: "DescribeAlarms", Protocol: awssim.ProtocolCBOR,
		Params: map[string]any{"AlarmNames": []any{"a", "c"}, "MaxRecords": awssim.Number("2")}}
	for _, d := range awssim.Diff(cli, sdk) {
		fmt.Println(d)
	}
	// Output:
	// AlarmNames[1]: a has "b", b has "c"
}
