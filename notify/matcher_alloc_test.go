//go:build !race

package notify

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMatchDoesNotAllocate counts allocations (not time): once the pooled
// buffers have grown, a match allocates nothing but its result slice. The
// race detector allocates on its own, hence the build tag.
func TestMatchDoesNotAllocate(t *testing.T) {
	event := []byte(`{"source":"aws.guardduty","detail-type":"GuardDuty Finding","detail":{"severity":8,"type":"Recon:EC2/PortProbe",
"accountId":"123456789012","resource":{"instanceDetails":{"tags":[{"key":"env","value":"prod"},{"key":"team","value":"Payments"}]}},
"note":"caf\u00e9 \"quoted\"","ip":"10.1.2.3"}}`)
	set := NewPatternSet()
	for i, src := range []string{
		`{"source":["aws.guardduty"],"detail":{"severity":[{"numeric":[">=",7]}]}}`,
		`{"detail":{"type":[{"wildcard":"Recon:*Probe"}],"accountId":[{"anything-but":["000000000000"]}]}}`,
		`{"detail":{"resource":{"instanceDetails":{"tags":{"key":["team"],"value":[{"equals-ignore-case":"payments"}]}}}}}`,
		`{"detail":{"note":[{"prefix":"caf\u00e9"}],"ip":[{"cidr":"10.0.0.0/8"}]}}`,
		`{"detail-type":[{"suffix":{"equals-ignore-case":"FINDING"}}],"detail":{"missing":[{"exists":false}]}}`,
		`{"source":["aws.ec2"]}`,
	} {
		p, err := CompilePattern([]byte(src))
		require.NoError(t, err)
		require.NoError(t, set.Add(fmt.Sprint(i), p))
	}
	dst := make([]string, 0, 8)
	got, err := set.AppendMatches(dst, event)
	require.NoError(t, err)
	require.Equal(t, []string{"0", "1", "2", "3", "4"}, got)

	assert.Zero(t, testing.AllocsPerRun(100, func() {
		_, _ = set.AppendMatches(dst[:0], event)
	}), "AppendMatches")
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() {
		_, _ = set.Match(event)
	}), "Match: the result slice only")

	p, err := CompilePattern([]byte(`{"detail":{"resource":{"instanceDetails":{"tags":{"key":["env"],"value":["prod"]}}}}}`))
	require.NoError(t, err)
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		_, _ = p.Match(event)
	}), "Pattern.Match")

	fp, err := CompileFilterPolicy([]byte(`{"detail":{"severity":[{"numeric":[">",5]}],"accountId":["123456789012"]}}`))
	require.NoError(t, err)
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		_, _ = fp.MatchBody(event)
	}), "FilterPolicy.MatchBody")
}
