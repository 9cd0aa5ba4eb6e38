package auditlogs

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The invariants, at small limits where every path is reached: the result
// is a JSON object within the limit, marked when cut, and a short outcome
// survives whenever the limit leaves room for it.
func TestFitRecordInvariants(t *testing.T) {
	t.Parallel()
	recs := []string{
		`{"text":"` + strings.Repeat("a", 500) + `","outcome":"denied","user":"U1"}`,
		`{"outcome":"denied","text":"` + strings.Repeat(`\"\\\n\u0001😀`, 100) + `"}`,
		`{"reason":"` + strings.Repeat("r", 400) + `","role":"` + strings.Repeat("x", 400) + `","outcome":"failed"}`,
		`{"details":{"a":[1,2,3],"b":"` + strings.Repeat("z", 400) + `"},"outcome":"succeeded","duration_ms":5}`,
		`{"truncated":false,"original_bytes":"x","text":"` + strings.Repeat("t", 400) + `","outcome":"denied"}`,
		`{"outcome":"denied","outcome":"succeeded","text":"` + strings.Repeat("t", 400) + `"}`,
		`{"actions":["` + strings.Repeat("s3:GetObject\",\"", 50) + `"],"outcome":"denied"}`,
		`{"text":"` + strings.Repeat("\xff", 300) + `","outcome":"denied"}`,
	}
	for _, rec := range recs {
		for _, limit := range []int{60, 120, 200, 300, 1000} {
			out, cut := fitRecord(rec, limit, 0)
			require.LessOrEqual(t, len(out), limit, "%s at %d: %s", rec[:20], limit, out)
			var got map[string]any
			require.NoError(t, json.Unmarshal([]byte(out), &got), "valid JSON at %d: %s", limit, out)
			if len(rec) > limit {
				assert.True(t, cut)
				assert.Equal(t, true, got["truncated"], out)
			}
			if limit >= 300 {
				var orig map[string]any
				if json.Unmarshal([]byte(rec), &orig) == nil {
					assert.Equal(t, orig["outcome"], got["outcome"], "outcome at %d: %s", limit, out)
				}
			}
		}
	}
}

func TestFitRecordUnparsable(t *testing.T) {
	t.Parallel()
	out, cut := fitRecord(`[`+strings.Repeat("1,", 100)+`1]`, 100, 0)
	assert.True(t, cut)
	assert.JSONEq(t, `{"truncated":true,"original_bytes":203,"truncated_fields":{}}`, out)
}

func FuzzFitRecord(f *testing.F) {
	f.Add(`{"text":"`+strings.Repeat("a", 200)+`","outcome":"denied"}`, 100)
	f.Add(`{"outcome":"x","reason":"\u2028\"","n":[1,{"a":"b"}]}`, 40)
	f.Add(`{}`, 1)
	f.Fuzz(func(t *testing.T, rec string, limit int) {
		if limit < 80 || limit > 1<<16 || !json.Valid([]byte(rec)) {
			t.Skip()
		}
		out, _ := fitRecord(rec, limit, 0)
		if len(out) > limit && len(rec) > limit {
			t.Fatalf("over the limit %d: %d bytes", limit, len(out))
		}
		if len(rec) > limit {
			var m map[string]any
			if err := json.Unmarshal([]byte(out), &m); err != nil {
				t.Fatalf("invalid JSON %q: %v", out, err)
			}
		}
	})
}

func BenchmarkFitRecord(b *testing.B) {
	rec := `{"time":"2026-12-06T10:00:00Z","platform":"slack","channel":"C1","user":"U1","text":"` +
		strings.Repeat(`ec2 describe-instances --filters \"Name=tag:x,Values=y\" `, 6000) +
		`","outcome":"denied","reason":"guardrail","duration_ms":3}`
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		fitRecord(rec, MaxEventBytes, 0)
	}
}
