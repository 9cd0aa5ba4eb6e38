package assist_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/assist"
	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/common"
	"github.com/opschat/opschat/command/awsexec/services/iamops"
)

// TestKindCommandsParseAndAreReadOnly checks the whole vocabulary against
// the real tables: the listing command of every kind and every state
// parses, is complete and read-only (IAM kinds need iamops, which the
// common set leaves out).
func TestKindCommandsParseAndAreReadOnly(t *testing.T) {
	t.Parallel()
	reg := awsexec.NewRegistry()
	common.Register(reg)
	reg.Add(iamops.Service())
	lines := assist.KindCommands("us-east-1")
	require.Greater(t, len(lines), 40)
	for _, line := range lines {
		inv, err := command.Parse(line, reg)
		require.NoError(t, err, line)
		assert.Empty(t, inv.Missing, line)
		assert.True(t, inv.Op.ReadOnly, line)
	}
}

func TestRegionsIn(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		text string
		want []string
		all  bool
	}{
		{"instances in n. virginia", []string{"us-east-1"}, false},
		{"instances in northern california and oregon", []string{"us-west-1", "us-west-2"}, false},
		{"queues in eu-west-3", []string{"eu-west-3"}, false},
		{"queues in xx-nowhere-9", nil, false},
		{"tables in us-gov-west-1", []string{"us-gov-west-1"}, false},
		{"stacks in são paulo", []string{"sa-east-1"}, false},
		{"alarms in every region", nil, true},
	} {
		got, all := assist.RegionsIn(c.text)
		assert.Equal(t, c.want, got, c.text)
		assert.Equal(t, c.all, all, c.text)
	}
}
