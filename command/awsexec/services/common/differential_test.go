package common_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/common"
	"github.com/opschat/opschat/command/awsexec/services/stsops"
	"github.com/opschat/opschat/internal/awssim"
)

// chatForms are how a chat user types commands whose terminal form has
// parts that make no sense in chat: lambda invoke's output file argument.
// The CLI still runs the terminal form.
var chatForms = map[string]string{
	"lambda invoke payload": `lambda invoke --function-name payments-api --payload '{"k":1}' --log-type Tail`,
}

func registry() *awsexec.Registry {
	reg := awsexec.NewRegistry()
	common.Register(reg)
	stsops.Register(reg)
	return reg
}

// TestDifferentialAgainstAWSCLI runs every command of awssim's differential
// table twice against the simulated account: through command.Parse and the
// executor, and through the real AWS CLI (/usr/bin/aws). The decoded
// parameter sets the two send must be the same (protocol, encoding and
// parameter order may differ: the CLI 2.9 sends CloudWatch as query, the Go
// SDK as CBOR).
func TestDifferentialAgainstAWSCLI(t *testing.T) {
	if err := awssim.CLIAvailable(); err != nil {
		t.Skipf("skipping the differential test: %v", err)
	}
	sim := awssim.New()
	defer sim.Close()
	reg := registry()
	e, err := awsexec.New(reg, sim.Config())
	require.NoError(t, err)
	ctx := context.Background()
	cmds := awssim.Commands()
	require.GreaterOrEqual(t, len(cmds), 20)
	protocols := map[awssim.Protocol]bool{}
	for _, c := range cmds {
		t.Run(c.Name, func(t *testing.T) {
			line := c.Line()
			if chatLine, ok := chatForms[c.Name]; ok {
				line = chatLine
			}
			inv, err := command.Parse(line, reg)
			require.NoError(t, err, line)
			require.Empty(t, inv.Missing, c.Line())
			sim.Reset()
			_, err = e.Execute(ctx, chatops.ExecRequest{Invocation: inv})
			var api *awsexec.APIError
			if err != nil && !errors.As(err, &api) {
				// AWS errors from the simulated data are fine (the request
				// was still sent); anything else is not.
				require.NoError(t, err, c.Line())
			}
			var goReq *awssim.Request
			for _, r := range sim.Requests() {
				if r.Service == c.Service && r.Operation == c.Operation {
					goReq = &r
					break
				}
			}
			require.NotNil(t, goReq, "the executor sent no %s:%s for %s", c.Service, c.Operation, c.Line())
			cliReq, err := sim.RecordCLI(ctx, c)
			require.NoError(t, err)
			protocols[goReq.Protocol] = true
			if d := awssim.Diff(cliReq, *goReq); len(d) > 0 {
				t.Errorf("%s\nCLI (a, %s) and executor (b, %s) differ:\n  %s", c.Line(), cliReq.Protocol, goReq.Protocol, strings.Join(d, "\n  "))
			}
		})
	}
	t.Logf("protocols the executor used: %v", protocols)
}
