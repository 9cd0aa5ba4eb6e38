package jmespath_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	upstream "github.com/jmespath/go-jmespath"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/internal/jmespath"
)

type complianceSuite struct {
	Given any `json:"given"`
	Cases []struct {
		Expression string `json:"expression"`
		Result     any    `json:"result"`
		Error      string `json:"error"`
	} `json:"cases"`
}

func loadCompliance(t *testing.T) map[string][]complianceSuite {
	t.Helper()
	files, err := filepath.Glob("testdata/compliance/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := map[string][]complianceSuite{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		var suites []complianceSuite
		require.NoError(t, json.Unmarshal(data, &suites), f)
		out[filepath.Base(f)] = suites
	}
	return out
}

// TestCompliance runs the JMESPath compliance suite that go-jmespath v0.4.0
// ships: the changes keep every case passing (none of them orders strings,
// and the keys()/values() cases hold one-member objects or sorted keys).
func TestCompliance(t *testing.T) {
	t.Parallel()
	for file, suites := range loadCompliance(t) {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			for _, s := range suites {
				for _, c := range s.Cases {
					got, err := jmespath.Search(c.Expression, s.Given)
					if c.Error != "" {
						assert.Error(t, err, "%s should fail (%s)", c.Expression, c.Error)
						continue
					}
					if assert.NoError(t, err, c.Expression) {
						assert.Equal(t, c.Result, got, c.Expression)
					}
				}
			}
		})
	}
}

// TestGrammarMatchesUpstream guards the promise that the grammar is
// upstream's: command.Parse validates --query with
// github.com/jmespath/go-jmespath while the executor evaluates with this
// package, so both must accept and reject the same expressions.
func TestGrammarMatchesUpstream(t *testing.T) {
	t.Parallel()
	exprs := []string{
		"Reservations[].Instances[?LaunchTime > '2026-11-01'].InstanceId",
		"keys(@)", "values(@)", "*", "sort_by(@, &Name)[].Name", "max_by(Buckets, &CreationDate).Name",
		"a[?b == `running`]", "a[", "a.[b, c]", "{x: a}", "&a", "a | b", "!a", "a || b && c",
		"[?a < 'x']", "foo[-1:0:-1]", "a.'b'", "`{\"a\": 1}`", "@.@", "a[?", "]",
	}
	for _, suites := range loadCompliance(t) {
		for _, s := range suites {
			for _, c := range s.Cases {
				exprs = append(exprs, c.Expression)
			}
		}
	}
	require.Greater(t, len(exprs), 500)
	for _, e := range exprs {
		_, ours := jmespath.Compile(e)
		_, theirs := upstream.Compile(e)
		assert.Equal(t, theirs == nil, ours == nil, "%q: ours %v, upstream %v", e, ours, theirs)
	}
}
