package command_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
)

// TestQueryForms checks that the --query forms people copy from AWS
// documentation and the CLI are accepted at parse time, literals rewritten
// as the CLI reads them, and that a broken expression is refused with the
// place of the mistake.
func TestQueryForms(t *testing.T) {
	t.Parallel()
	accepted := []struct{ in, query string }{
		{`Reservations[].Instances[?LaunchTime > '2026-11-01'].InstanceId`, `Reservations[].Instances[?LaunchTime > '2026-11-01'].InstanceId`},
		{`Reservations[].Instances[?LaunchTime <= '2026-11-01T00:00:00+00:00'][]`, `Reservations[].Instances[?LaunchTime <= '2026-11-01T00:00:00+00:00'][]`},
		{`keys(Reservations[0].Instances[0])`, `keys(Reservations[0].Instances[0])`},
		{`[keys(@), values(@)]`, `[keys(@), values(@)]`},
		{`sort_by(Reservations[].Instances[], &LaunchTime)[-1].InstanceId`, `sort_by(Reservations[].Instances[], &LaunchTime)[-1].InstanceId`},
		{`max_by(Reservations[].Instances[], &LaunchTime).InstanceId`, `max_by(Reservations[].Instances[], &LaunchTime).InstanceId`},
		{"Reservations[].Instances[?State.Name > `pending`]", "Reservations[].Instances[?State.Name > `\"pending\"`]"},
		{"Reservations[].Instances[?LaunchTime > `2026-11-01`]", "Reservations[].Instances[?LaunchTime > `\"2026-11-01\"`]"},
	}
	for _, c := range accepted {
		t.Run(c.in, func(t *testing.T) {
			t.Parallel()
			inv, err := command.Parse("ec2 describe-instances --query \""+c.in+"\"", cat)
			require.NoError(t, err)
			assert.Equal(t, c.query, inv.Query)
		})
	}
	refused := []struct{ in, caret string }{
		{`Reservations[?LaunchTime > ]`, "Reservations[?LaunchTime > ]\n                           ^"},
		{`keys(@`, "keys(@\n      ^"},
		{`Reservations[].Instances[?LaunchTime >> '2026']`, "Reservations[].Instances[?LaunchTime >> '2026']\n                                      ^"},
	}
	for _, c := range refused {
		t.Run(c.in, func(t *testing.T) {
			t.Parallel()
			_, err := command.Parse("ec2 describe-instances --query \""+c.in+"\"", cat)
			require.Error(t, err)
			assert.True(t, errors.Is(err, command.ErrInvalidValue), "%v", err)
			var se *command.SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, c.caret, se.Caret())
		})
	}
}
