package command_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
)

// TestArgumentConformance compares how parameter words are unpacked with
// what the AWS CLI's argument processing produced against botocore's real
// models (testdata/gen_args.py): shorthand, JSON, lists, the single-Value
// structure shortcut, maps of lists, integers.
func TestArgumentConformance(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/args_conformance.json")
	require.NoError(t, err)
	var cases []struct {
		Service, Operation, Param string
		Words                     []string
		Want                      json.RawMessage
	}
	require.NoError(t, json.Unmarshal(data, &cases))
	require.NotEmpty(t, cases)
	for _, c := range cases {
		quoted := make([]string, len(c.Words))
		for i, w := range c.Words {
			quoted[i] = command.QuoteArg(w)
		}
		text := c.Service + " " + c.Operation + " --" + c.Param + " " + strings.Join(quoted, " ")
		t.Run(text, func(t *testing.T) {
			inv, err := command.Parse(text, cat)
			require.NoError(t, err)
			got, err := json.Marshal(inv.Params[c.Param])
			require.NoError(t, err)
			assert.JSONEq(t, string(c.Want), string(got))
		})
	}
}
