package awssim_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/opschat/opschat/internal/awssim"
)

// BenchmarkDescribeAlarms compares one cloudwatch describe-alarms through
// the Go SDK (CBOR) with the same command through the AWS CLI as a
// subprocess, both against the simulated account.
func BenchmarkDescribeAlarms(b *testing.B) {
	srv := awssim.New()
	defer srv.Close()
	ctx := context.Background()
	b.Run("sdk", func(b *testing.B) {
		cw := cloudwatch.NewFromConfig(srv.Config())
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{}); err != nil {
				b.Fatal(err)
			}
			srv.Reset()
		}
	})
	b.Run("cli", func(b *testing.B) {
		if err := awssim.CLIAvailable(); err != nil {
			b.Skip(err)
		}
		for b.Loop() {
			run, err := srv.RunCLI(ctx, "cloudwatch", "describe-alarms")
			if err != nil || run.ExitCode != 0 {
				b.Fatal(err, run)
			}
			srv.Reset()
		}
	})
}

func BenchmarkNormalizeDiff(b *testing.B) {
	a := awssim.Request{Service: "ec2", Operation: "DescribeInstances", Protocol: awssim.ProtocolEC2Query,
		Params: map[string]any{"Filter": []any{
			map[string]any{"Name": "tag:env", "Value": []any{"prod", "dev"}},
			map[string]any{"Name": "instance-state-name", "Value": []any{"running"}}},
			"InstanceId": []any{"i-1", "i-2"}, "MaxResults": "10"}}
	b.ReportAllocs()
	for b.Loop() {
		_ = awssim.Normalize(a)
		_ = awssim.Diff(a, a)
	}
}
