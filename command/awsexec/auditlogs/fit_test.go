package auditlogs_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command/awsexec/auditlogs"
)

// decisionRecord is an audit record as chatops writes it, with every
// decision field set.
func decisionRecord() map[string]any {
	return map[string]any{
		"time": "2026-12-06T10:00:00Z", "platform": "slack", "workspace": "T0001", "channel": "C0001",
		"thread": "1700000000.000100", "user": "U1", "user_name": "jane", "configuration": "prod-alerts",
		"text": "ec2 terminate-instances --instance-ids i-1", "service": "ec2", "operation": "TerminateInstances",
		"action": "ec2:TerminateInstances", "region": "us-east-1", "account": "123456789012",
		"role": "arn:aws:iam::123456789012:role/chatbot", "decision": "deny",
		"reason": "denied by guardrail policy ReadOnlyAccess", "outcome": "denied", "duration_ms": 12,
	}
}

var decisionFields = []string{"time", "platform", "workspace", "channel", "thread", "user", "user_name",
	"configuration", "service", "operation", "action", "region", "account", "role", "decision", "reason", "outcome", "duration_ms"}

// sent writes rec through a sink and returns the single message CloudWatch
// Logs received.
func sent(t *testing.T, rec map[string]any) (string, int) {
	t.Helper()
	line, err := json.Marshal(rec)
	require.NoError(t, err)
	s, sim := newSink(t)
	n, err := s.Write(append(line, '\n'))
	require.NoError(t, err)
	assert.Equal(t, len(line)+1, n)
	require.NoError(t, s.Flush(context.Background()))
	puts := calls(sim, "PutLogEvents")
	require.Len(t, puts, 1)
	evs := puts[0].Params["logEvents"].([]any)
	require.Len(t, evs, 1)
	return evs[0].(map[string]any)["message"].(string), len(line)
}

// A user cannot hide a command's outcome behind a long command: a record
// over CloudWatch Logs' event limit is still valid JSON under the limit,
// with every decision field intact and the truncation marked.
func TestSinkOversizedRecordKeepsDecisionFields(t *testing.T) {
	long := strings.Repeat("ec2 describe-instances --filters Name=tag:x,Values=y ", 6000) // ~320 KB
	escapy := strings.Repeat("\"quote\" \\ back\nline\x01ctl <b>&amp; 😀 \u2028 ", 8000)
	tests := []struct {
		name      string
		edit      func(rec map[string]any)
		shortened []string // fields cut, others unchanged
		protected []string // decision fields that must stay whole
	}{
		{"long command text", func(r map[string]any) { r["text"] = long }, []string{"text"}, decisionFields},
		{"text full of escapes", func(r map[string]any) { r["text"] = escapy }, []string{"text"}, decisionFields},
		{"long text and error", func(r map[string]any) { r["text"] = long; r["error"] = long }, []string{"text", "error"}, decisionFields},
		{"unknown free-text field", func(r map[string]any) { r["reply"] = long }, []string{"reply"}, decisionFields},
		{"long reason is kept, text gives way", func(r map[string]any) {
			r["reason"] = strings.Repeat("r", 100*1024)
			r["text"] = long
		}, []string{"text"}, decisionFields},
		{"nested free-form value", func(r map[string]any) {
			r["details"] = map[string]any{"output": long}
		}, []string{"details"}, decisionFields},
		{"decision fields alone too long", func(r map[string]any) {
			r["reason"] = long
			r["role"] = long
			r["text"] = long
		}, []string{"text", "reason", "role"}, []string{"outcome", "decision", "user", "channel", "action", "time", "configuration"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := decisionRecord()
			tt.edit(rec)
			msg, origLen := sent(t, rec)
			assert.LessOrEqual(t, len(msg), auditlogs.MaxEventBytes)
			var got map[string]any
			require.NoError(t, json.Unmarshal([]byte(msg), &got), "the record stays valid JSON")
			for _, f := range tt.protected {
				assert.Equal(t, rec[f], jsonRound(t, got[f]), "decision field %s", f)
			}
			assert.Equal(t, true, got["truncated"])
			assert.EqualValues(t, origLen, got["original_bytes"])
			tf, ok := got["truncated_fields"].(map[string]any)
			require.True(t, ok, "truncated_fields lists what was cut")
			for _, f := range tt.shortened {
				require.Contains(t, tf, f)
				orig := rec[f]
				if s, isStr := orig.(string); isStr {
					assert.EqualValues(t, len(s), tf[f], "original length of %s", f)
					cut, _ := got[f].(string)
					assert.True(t, strings.HasPrefix(s, cut), "%s is a prefix of the original", f)
					assert.Less(t, len(cut), len(s))
				}
			}
			assert.Len(t, tf, len(tt.shortened), "only the long fields are cut: %v", tf)
			for k, v := range rec {
				if _, cut := tf[k]; !cut {
					assert.Equal(t, v, jsonRound(t, got[k]), "field %s unchanged", k)
				}
			}
		})
	}
}

// jsonRound normalises a decoded value (float64 numbers) for comparison with
// the record's Go values.
func jsonRound(t *testing.T, v any) any {
	t.Helper()
	if f, ok := v.(float64); ok && f == float64(int(f)) {
		return int(f)
	}
	return v
}

// A record under the limit is sent byte for byte.
func TestSinkSmallRecordVerbatim(t *testing.T) {
	rec := decisionRecord()
	rec["text"] = strings.Repeat("x", 200*1024)
	msg, _ := sent(t, rec)
	line, err := json.Marshal(rec)
	require.NoError(t, err)
	assert.Equal(t, string(line), msg)
}

// WithMaxFieldBytes caps free text in every record, not only oversized
// ones; decision fields are never capped by it, and records without a long
// field are sent byte for byte.
func TestSinkMaxFieldBytes(t *testing.T) {
	s, sim := newSink(t, auditlogs.WithMaxFieldBytes(1024))
	long := decisionRecord()
	long["text"] = strings.Repeat("t", 5000)
	long["reason"] = strings.Repeat("r", 5000)
	short := decisionRecord()
	for _, rec := range []map[string]any{long, short} {
		line, err := json.Marshal(rec)
		require.NoError(t, err)
		_, err = s.Write(line)
		require.NoError(t, err)
	}
	require.NoError(t, s.Flush(context.Background()))
	puts := calls(sim, "PutLogEvents")
	require.Len(t, puts, 1)
	evs := puts[0].Params["logEvents"].([]any)
	require.Len(t, evs, 2)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(evs[0].(map[string]any)["message"].(string)), &got))
	assert.Len(t, got["text"], 1024)
	assert.Equal(t, long["reason"], got["reason"], "decision fields are not capped")
	assert.Equal(t, "denied", got["outcome"])
	assert.Equal(t, map[string]any{"text": float64(5000)}, got["truncated_fields"])
	shortLine, err := json.Marshal(short)
	require.NoError(t, err)
	assert.Equal(t, string(shortLine), evs[1].(map[string]any)["message"])

	for _, n := range []int{-1, 10} {
		_, err := auditlogs.New(cloudwatchlogs.NewFromConfig(sim.Config()), auditlogs.WithMaxFieldBytes(n))
		assert.Error(t, err, "%d", n)
	}
}
