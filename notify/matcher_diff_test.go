package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests in this file hold the streaming engine to the answers of the
// matcher it replaced (matcher_legacy_test.go), which the conformance
// cases in pattern_test.go were written against.

func sampleEvents(t testing.TB) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob("testdata/samples/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		out[filepath.Base(p)] = b
	}
	return out
}

// eventValues lists every (path, scalar) of a decoded event, sorted so a
// seeded generator is reproducible.
type pathValue struct {
	path []string
	v    any
}

func eventValues(v any, path []string, out *[]pathValue) {
	switch tv := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(tv))
		for k := range tv {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			eventValues(tv[k], append(path[:len(path):len(path)], k), out)
		}
	case []any:
		for _, x := range tv {
			eventValues(x, path, out)
		}
	default:
		*out = append(*out, pathValue{path, v})
	}
}

// genRule writes one rule (the array of a field) for value v.
func genRule(r *rand.Rand, v any) string {
	lit, _ := json.Marshal(v)
	s, isStr := v.(string)
	n, isNum := v.(float64)
	switch r.IntN(12) {
	case 0:
		return fmt.Sprintf(`[%s]`, lit)
	case 1:
		return `["no-such-value", 12345]`
	case 2:
		if isStr && len(s) > 0 {
			q, _ := json.Marshal(s[:r.IntN(len(s))+1])
			return fmt.Sprintf(`[{"prefix":%s}]`, q)
		}
	case 3:
		if isStr && len(s) > 0 {
			q, _ := json.Marshal(strings.ToUpper(s[r.IntN(len(s)):]))
			return fmt.Sprintf(`[{"suffix":{"equals-ignore-case":%s}}]`, q)
		}
	case 4:
		if isStr {
			q, _ := json.Marshal(strings.ToUpper(s))
			return fmt.Sprintf(`[{"equals-ignore-case":%s}]`, q)
		}
	case 5:
		if isStr && len(s) > 2 {
			i := r.IntN(len(s) - 1)
			g := strings.ReplaceAll(strings.ReplaceAll(s[:i], `\`, `\\`), "*", `\*`) + "*" +
				strings.ReplaceAll(strings.ReplaceAll(s[i+1+r.IntN(len(s)-i-1):], `\`, `\\`), "*", `\*`)
			q, _ := json.Marshal(g)
			return fmt.Sprintf(`[{"wildcard":%s}]`, q)
		}
	case 6:
		if isStr || isNum {
			if r.IntN(2) == 0 {
				return fmt.Sprintf(`[{"anything-but":%s}]`, lit)
			}
			return `[{"anything-but":["zzz", 7]}]`
		}
	case 7:
		if isNum {
			return fmt.Sprintf(`[{"numeric":[">=",%g,"<",%g]}]`, n-float64(r.IntN(3)), n+float64(r.IntN(3)))
		}
	case 8:
		return `[{"exists":true}]`
	case 9:
		return `[{"exists":false}]`
	case 10:
		if isStr {
			return `[{"cidr":"10.0.0.0/8"}, {"anything-but":{"prefix":"arn:"}}]`
		}
	case 11:
		return fmt.Sprintf(`[%s, {"exists":false}]`, lit)
	}
	return fmt.Sprintf(`[%s]`, lit)
}

// genPattern builds a random pattern from real values of an event, so that
// a fair share of the patterns match.
func genPattern(r *rand.Rand, vals []pathValue) string {
	var fields []string
	for range r.IntN(3) + 1 {
		pv := vals[r.IntN(len(vals))]
		path := pv.path
		if r.IntN(10) == 0 {
			path = append(path[:len(path):len(path)], "missing")
		}
		rule := genRule(r, pv.v)
		for i := len(path) - 1; i >= 0; i-- {
			k, _ := json.Marshal(path[i])
			rule = fmt.Sprintf(`{%s:%s}`, k, rule)
		}
		fields = append(fields, rule)
	}
	if len(fields) > 1 && r.IntN(3) == 0 {
		return `{"$or":[` + strings.Join(fields, ",") + `]}`
	}
	// Merge the single-field objects into one pattern by deep merge.
	merged := map[string]any{}
	for _, f := range fields {
		var m map[string]any
		if json.Unmarshal([]byte(f), &m) == nil {
			deepMerge(merged, m)
		}
	}
	b, _ := json.Marshal(merged)
	return string(b)
}

func deepMerge(dst, src map[string]any) {
	for k, v := range src {
		if dm, ok := dst[k].(map[string]any); ok {
			if sm, ok := v.(map[string]any); ok {
				deepMerge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// TestEngineAgreesWithLegacy compiles thousands of random patterns made
// from the values of every sample event, as EventBridge patterns and SNS
// body policies, and checks that each matches exactly when the old
// matcher says so, alone and all together in one set.
func TestEngineAgreesWithLegacy(t *testing.T) {
	t.Parallel()
	events := sampleEvents(t)
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range events {
			if !yield(k) {
				return
			}
		}
	})
	r := rand.New(rand.NewPCG(1, 2))
	set, legacy := NewPatternSet(), newLegacySet()
	matched := 0
	for _, name := range names {
		var v any
		if json.Unmarshal(events[name], &v) != nil {
			continue
		}
		var vals []pathValue
		eventValues(v, nil, &vals)
		if len(vals) == 0 {
			continue
		}
		for i := range 30 {
			src := genPattern(r, vals)
			p, err := CompilePattern([]byte(src))
			if err != nil {
				continue // e.g. a generated number out of range
			}
			id := fmt.Sprintf("%s/%d", name, i)
			require.NoError(t, set.Add(id, p))
			require.NoError(t, legacy.Add(id, p))
			fp, fpErr := CompileFilterPolicy([]byte(src))
			for _, evName := range names {
				ev := events[evName]
				got, err := p.Match(ev)
				want, wantErr := legacyMatch(p.branches, ev)
				require.Equal(t, wantErr != nil, err != nil, "%s on %s", src, evName)
				require.Equal(t, want, got, "%s on %s", src, evName)
				if got {
					matched++
				}
				if fpErr == nil {
					got, err := fp.MatchBody(ev)
					branches, _ := compileDoc(&snsDialect, []byte(src))
					want, wantErr := legacyMatch(branches, ev)
					require.Equal(t, wantErr != nil, err != nil, "policy %s on %s", src, evName)
					require.Equal(t, want, got, "policy %s on %s", src, evName)
				}
			}
		}
	}
	t.Logf("%d of the pattern-event pairs matched", matched)
	assert.Greater(t, matched, 200, "the generator should produce many matching patterns")
	for _, evName := range names {
		got, err := set.Match(events[evName])
		want, wantErr := legacy.Match(events[evName])
		require.Equal(t, wantErr != nil, err != nil)
		assert.Equal(t, want, got, evName)
	}
}

func legacyMatch(branches []branch, event []byte) (bool, error) {
	s := newLegacySet()
	s.addBranches("x", branches)
	ids, err := s.Match(event)
	return len(ids) > 0, err
}

// FuzzMatchDifferential runs a fuzzed pattern (as an EventBridge pattern
// and as an SNS body policy) on a fuzzed event with both engines.
func FuzzMatchDifferential(f *testing.F) {
	ev := []byte(`{"source":"aws.ec2","detail":{"state":"pending","n":5,"items":[{"k":"a","v":1},{"k":"b","v":2}],"ip":"10.0.0.1","flag":true,"x":null}}`)
	for _, s := range []string{
		`{"source":["aws.ec2"]}`,
		`{"detail":{"items":{"k":["b"],"v":[{"numeric":["<",2]}]}}}`,
		`{"detail":{"state":[{"anything-but":["running"]}],"n":[{"numeric":[">",1,"<=",5]}]}}`,
		`{"$or":[{"detail":{"ip":[{"cidr":"10.0.0.0/24"}]}},{"detail":{"x":[null]}}]}`,
		`{"detail":{"state":[{"wildcard":"p*d*"}],"flag":[true],"missing":[{"exists":false}]}}`,
		`{"source":[{"prefix":{"equals-ignore-case":"AWS."}}],"detail":{"state":[{"suffix":"ing"}]}}`,
	} {
		f.Add([]byte(s), ev)
	}
	f.Add([]byte(`{"a":[1]}`), []byte(`{"a":1,"a":[1,2]}`))
	f.Fuzz(func(t *testing.T, pattern, event []byte) {
		if p, err := CompilePattern(pattern); err == nil {
			got, err := p.Match(event)
			want, wantErr := legacyMatch(p.branches, event)
			if (err != nil) != (wantErr != nil) || got != want {
				t.Fatalf("pattern %s on %q: got %v, %v; legacy %v, %v", pattern, event, got, err, want, wantErr)
			}
		}
		if fp, err := CompileFilterPolicy(pattern); err == nil {
			got, err := fp.MatchBody(event)
			branches, _ := compileDoc(&snsDialect, pattern)
			want, wantErr := legacyMatch(branches, event)
			if (err != nil) != (wantErr != nil) || got != want {
				t.Fatalf("policy %s on %q: got %v, %v; legacy %v, %v", pattern, event, got, err, want, wantErr)
			}
			// The same bytes as a String.Array attribute.
			attrs := map[string]MessageAttribute{"a": {Type: "String.Array", Value: string(event)}, "source": {Type: "String", Value: string(bytes.TrimSpace(event))}}
			ls := newLegacySet()
			ls.addBranches("x", branches)
			if fp.MatchAttributes(attrs) != legacyMatchAttributes(ls, attrs) {
				t.Fatalf("policy %s on attributes %q disagrees", pattern, event)
			}
		}
	})
}

// TestPatternSetConcurrentMatch matches from many goroutines at once (run
// with -race): the engine is shared and read-only, each match takes its
// own buffers from the pool.
func TestPatternSetConcurrentMatch(t *testing.T) {
	t.Parallel()
	events := sampleEvents(t)
	set := NewPatternSet()
	for i, src := range []string{
		`{"source":["aws.guardduty"],"detail":{"severity":[{"numeric":[">=",7]}]}}`,
		`{"source":[{"prefix":"aws."}]}`,
		`{"detail":{"state":{"value":["ALARM"]}}}`,
		`{"detail-type":[{"wildcard":"*Change"}]}`,
	} {
		p, err := CompilePattern([]byte(src))
		require.NoError(t, err)
		require.NoError(t, set.Add(fmt.Sprint(i), p))
	}
	want := map[string][]string{}
	for name, ev := range events {
		want[name], _ = set.Match(ev)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 50 {
				for name, ev := range events {
					if got, _ := set.Match(ev); !slices.Equal(got, want[name]) {
						errs <- fmt.Errorf("%s: got %v, want %v", name, got, want[name])
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		assert.NoError(t, <-errs)
	}
}
