package awssim_test

import (
	"context"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/common"
	"github.com/opschat/opschat/internal/awssim"
)

// BenchmarkQuickstartCommand runs the quickstart's command path end to end
// against the simulated account: command.Parse of the chat text, then the
// executor (role session, input, SDK call over loopback HTTP, CLI-shaped
// output, rendering). "describe-alarms" is the cost of the answer, which
// no longer waits for the alarm graphs; "describe-alarms+3graphs" also runs
// its follow-up (three GetMetricWidgetImage calls, concurrent), the whole
// work of the command. The
// aws-cli sub-benchmark runs /usr/bin/aws for describe-alarms against the
// same server, for the ratio:
//
//	go test -run '^$' -bench QuickstartCommand -benchmem ./internal/awssim/
func BenchmarkQuickstartCommand(b *testing.B) {
	sim := awssim.New()
	defer sim.Close()
	ctx := context.Background()
	reg := awsexec.NewRegistry()
	common.Register(reg) // cloudwatch with its 3 alarm graphs, as in the quickstart
	e, err := awsexec.New(reg, sim.InProcessConfig())
	require.NoError(b, err)
	overTCP, err := awsexec.New(reg, sim.Config())
	require.NoError(b, err)
	for _, c := range []struct {
		name, line string
		followUp   bool // also run the follow-up (the graphs) in the loop
		tcp        bool // over loopback TCP instead of in process
	}{
		{"describe-alarms", "cloudwatch describe-alarms", false, false},
		{"describe-alarms+3graphs", "cloudwatch describe-alarms", true, false},
		{"describe-alarms+3graphs-loopback-tcp", "cloudwatch describe-alarms", true, true},
		{"show-error-logs", `logs filter-log-events --log-group-name /aws/lambda/checkout-api --filter-pattern ERROR --limit 30`, false, false},
		{"lambda-get-function", "lambda get-function --function-name checkout-api", false, false},
		{"ec2-describe-instances-stopped", "ec2 describe-instances --filters Name=instance-state-name,Values=stopped", false, false},
		{"ecs-describe-services", "ecs describe-services --cluster storefront --services web cart-worker", false, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := chatops.ExecRequest{RoleARN: "arn:aws:iam::123456789012:role/opschat-quickstart", SessionName: "bench",
				Capabilities: chat.Capabilities{MaxText: 3000, Images: true}}
			b.ReportAllocs()
			cpu := cpuTime(b, syscall.RUSAGE_SELF)
			i := 0
			for b.Loop() {
				inv, err := command.Parse(c.line, reg)
				if err != nil {
					b.Fatal(err)
				}
				req.Invocation = inv
				exec := e
				if c.tcp {
					exec = overTCP
				}
				res, err := exec.Execute(ctx, req)
				if err != nil {
					b.Fatal(err)
				}
				if c.followUp && res.FollowUp != nil {
					if _, err := res.FollowUp(ctx); err != nil {
						b.Fatal(err)
					}
				}
				if i++; i%1000 == 0 {
					sim.Reset() // the recorder keeps every request
				}
			}
			cpu.report(b)
		})
	}
	b.Run("aws-cli-describe-alarms", func(b *testing.B) {
		if err := awssim.CLIAvailable(); err != nil {
			b.Skip(err)
		}
		env := append(os.Environ(), "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=y", "AWS_DEFAULT_REGION=us-east-1",
			"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
		b.ReportAllocs()
		cpu := cpuTime(b, syscall.RUSAGE_CHILDREN)
		for b.Loop() {
			cmd := exec.CommandContext(ctx, awssim.CLIPath, "cloudwatch", "describe-alarms", "--endpoint-url", sim.URL(), "--output", "table")
			cmd.Env = env
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%v: %s", err, out)
			}
		}
		cpu.report(b)
	})
}

// cpuMeter reports CPU time per operation (user + system, of this process
// with the in-process server, or of the CLI child processes): on the shared
// 2-core machine wall time grows with the load, CPU time much less.
type cpuMeter struct {
	who   int
	start time.Duration
}

func cpuTime(b *testing.B, who int) cpuMeter {
	return cpuMeter{who: who, start: rusage(b, who)}
}

func (m cpuMeter) report(b *testing.B) {
	b.ReportMetric(float64(rusage(b, m.who)-m.start)/float64(b.N), "cpu-ns/op")
}

func rusage(b *testing.B, who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
