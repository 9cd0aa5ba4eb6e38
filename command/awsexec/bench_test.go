package awsexec_test

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/cloudwatchops"
	"github.com/opschat/opschat/internal/awssim"
)

// BenchmarkDescribeAlarms measures `cloudwatch describe-alarms` end to end
// against the loopback simulated account, side by side with running the AWS
// CLI as a subprocess for the same command (what many home-made bots do):
//
//	go test -run '^$' -bench DescribeAlarms -benchmem ./command/awsexec/
//
// The executor sub-benchmark includes building the input, the SDK call over
// HTTP (CBOR), the CLI-shaped JSON and the rendered table; alarm graphs are
// off so both sides make one call.
func BenchmarkDescribeAlarms(b *testing.B) {
	sim := awssim.New()
	defer sim.Close()
	ctx := context.Background()

	b.Run("executor", func(b *testing.B) {
		reg := awsexec.NewRegistry()
		cloudwatchops.RegisterWithGraphs(reg, 0)
		e, err := awsexec.New(reg, sim.Config())
		require.NoError(b, err)
		op, _ := reg.Operation("cloudwatch", "describe-alarms")
		req := chatops.ExecRequest{
			Invocation:   &command.Invocation{Service: "cloudwatch", Operation: "describe-alarms", Op: op, Params: map[string]any{}},
			RoleARN:      testRole,
			SessionName:  "bench",
			Capabilities: chat.Capabilities{MaxText: 3000},
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := e.Execute(ctx, req); err != nil {
				b.Fatal(err)
			}
			if i%1000 == 999 {
				sim.Reset() // the recorder keeps every request
			}
		}
	})

	b.Run("aws-cli-subprocess", func(b *testing.B) {
		if err := awssim.CLIAvailable(); err != nil {
			b.Skip(err)
		}
		env := append(os.Environ(), "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=y", "AWS_DEFAULT_REGION=us-east-1",
			"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			cmd := exec.CommandContext(ctx, awssim.CLIPath, "cloudwatch", "describe-alarms", "--endpoint-url", sim.URL(), "--output", "table")
			cmd.Env = env
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%v: %s", err, out)
			}
		}
	})
}
