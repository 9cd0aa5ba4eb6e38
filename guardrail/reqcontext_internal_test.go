package guardrail

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The table lookup must answer as the scan of the whole map does: found or
// not, the value when the key is unambiguous, and ambiguity.
func checkLookup(t *testing.T, m map[string][]string, key string) {
	t.Helper()
	k := newCtxKey(key)
	rc := reqContext{m: m}
	gv, gf, ga := rc.lookup(&k)
	wv, wf, wa := scanLookup(m, key)
	require.Equal(t, wf, gf, "found %q in %q", key, m)
	require.Equal(t, wa, ga, "ambiguous %q in %q", key, m)
	if wf && !wa {
		require.Equal(t, wv, gv, "value of %q in %q", key, m)
	}
}

func TestReqContextLookup(t *testing.T) {
	t.Parallel()
	base := func() map[string][]string {
		return map[string][]string{"aws:username": {"alice"}, KeyChannelID: {"C1"}, KeyCurrentTime: {"2026-12-06T12:00:00Z"},
			"k": {"short"}, "aws:PrincipalTag/team": {"blue"}, "aws:SourceIp": {"10.0.0.1"}}
	}
	tests := []struct {
		name  string
		extra map[string][]string
	}{
		{"plain", nil},
		{"case duplicate", map[string][]string{"AWS:USERNAME": {"bob"}}},
		{"Kelvin duplicate of a short key", map[string][]string{"\u212a": {"kelvin"}}},
		{"long s", map[string][]string{"aws:\u017fourceIp": {"10.0.0.2"}}},
		{"non-ASCII unrelated", map[string][]string{"aws:PrincipalTag/\u00e9quipe": {"x"}}},
		{"empty key", map[string][]string{"": {"x"}}},
		{"oversized", func() map[string][]string {
			m := map[string][]string{}
			for i := range ctxTableSize {
				m["aws:PrincipalTag/t"+strings.Repeat("x", i)] = []string{"v"}
			}
			return m
		}()},
	}
	keys := []string{"aws:username", "AWS:UserName", "chatops:channelid", "K", "k", "\u212a", "aws:sourceip", "aws:SourceIp",
		"aws:\u017fourceip", "aws:principaltag/TEAM", "aws:PrincipalTag/\u00c9quipe", "", "missing", "aws:PrincipalTag/txxx"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			for k, v := range tt.extra {
				m[k] = v
			}
			for _, k := range keys {
				checkLookup(t, m, k)
			}
		})
	}
	// An empty or nil context finds nothing.
	for _, m := range []map[string][]string{nil, {}} {
		k := newCtxKey("aws:username")
		rc := reqContext{m: m}
		_, found, amb := rc.lookup(&k)
		assert.False(t, found)
		assert.False(t, amb)
	}
}

// FuzzReqContextLookup: three context keys and a looked-up key, any bytes.
func FuzzReqContextLookup(f *testing.F) {
	f.Add("aws:username", "AWS:USERNAME", "\u212a", "aws:UserName")
	f.Add("k", "K", "\u212a", "k")
	f.Add("aws:SourceIp", "aws:\u017fourceIp", "x", "AWS:SOURCEIP")
	f.Add("abcdefghijklmnopq", "ABCDEFGHIJKLMNOPQ", "abcdefgh", "abcdefghijklmnopQ")
	f.Fuzz(func(t *testing.T, a, b, c, key string) {
		m := map[string][]string{a: {"1"}, b: {"2"}, c: {"3"}}
		checkLookup(t, m, key)
		for _, k := range []string{a, b, c} {
			checkLookup(t, m, k)
		}
	})
}
