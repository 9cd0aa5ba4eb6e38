//go:build alltables

// This test links every SDK client opschat ships into one binary: minutes
// of compile and gigabytes of memory on a cold cache, so it runs only with
// -tags alltables (a separate CI job). The default test suite checks the
// tables at the source level instead (cmd/opschat-gen TestTablesUpToDate).

package all_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/all"
)

func TestRegisterAll(t *testing.T) {
	reg := awsexec.NewRegistry()
	all.Register(reg)
	require.Len(t, reg.Services(), all.Packages)
	unknown, total := 0, 0
	for _, name := range reg.Services() {
		svc, ok := reg.Service(name)
		require.True(t, ok)
		assert.NotEmpty(t, svc.IAMPrefix, name)
		ops := reg.Operations(name)
		assert.NotEmpty(t, ops, name)
		for _, o := range ops {
			op, ok := reg.Operation(name, o)
			require.True(t, ok)
			total++
			assert.NotEmpty(t, op.Actions, "%s %s", name, o)
			if op.Access == command.AccessUnknown {
				unknown++
				assert.False(t, op.ReadOnly, "%s %s: Unknown must ask for confirmation", name, o)
			}
		}
	}
	t.Logf("%d services, %d operations, %d with access level Unknown", len(reg.Services()), total, unknown)
	for _, cli := range []string{"s3api", "sqs", "ssm", "dynamodb", "events", "elbv2", "stepfunctions", "logs", "ce"} {
		_, ok := reg.Service(cli)
		assert.True(t, ok, cli)
	}
}
