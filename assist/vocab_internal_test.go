package assist

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/common"
	"github.com/opschat/opschat/command/awsexec/services/iamops"
)

// TestKindsAreReadOnlyOperations checks the vocabulary against the real
// tables: every kind names a read-only operation (IAM kinds need iamops,
// which the common set leaves out), and every state's operation too.
func TestKindsAreReadOnlyOperations(t *testing.T) {
	t.Parallel()
	reg := awsexec.NewRegistry()
	common.Register(reg)
	reg.Add(iamops.Service())
	for _, k := range kinds {
		op, ok := reg.Operation(k.service, k.op)
		require.True(t, ok, "%s %s", k.service, k.op)
		assert.True(t, op.ReadOnly, "%s %s", k.service, k.op)
		for w, st := range k.states {
			if st.op != "" {
				op, ok := reg.Operation(k.service, st.op)
				require.True(t, ok, "%s %s (%s)", k.service, st.op, w)
				assert.True(t, op.ReadOnly, "%s %s", k.service, st.op)
			}
		}
		line, _ := buildList(&matchedKind{k: &k}, intent{}, "us-east-1")
		inv, err := command.Parse(line, reg)
		require.NoError(t, err, line)
		assert.Empty(t, inv.Missing, line)
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
		got, all := regionsIn(c.text)
		assert.Equal(t, c.want, got, c.text)
		assert.Equal(t, c.all, all, c.text)
	}
}
