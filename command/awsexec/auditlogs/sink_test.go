package auditlogs_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command/awsexec/auditlogs"
	"github.com/opschat/opschat/internal/awssim"
)

func newSink(t *testing.T, opts ...auditlogs.Option) (*auditlogs.Sink, *awssim.Server) {
	t.Helper()
	sim := awssim.New()
	t.Cleanup(sim.Close)
	s, err := auditlogs.New(cloudwatchlogs.NewFromConfig(sim.Config()), append([]auditlogs.Option{auditlogs.WithFlushInterval(0)}, opts...)...)
	require.NoError(t, err)
	return s, sim
}

func calls(sim *awssim.Server, op string) []awssim.Request {
	var out []awssim.Request
	for _, r := range sim.Requests() {
		if r.Service == "logs" && r.Operation == op {
			out = append(out, r)
		}
	}
	return out
}

func TestSinkGroupsPerConfigurationInOrder(t *testing.T) {
	s, sim := newSink(t, auditlogs.WithStream("replica-1"))
	ctx := context.Background()
	lines := []string{
		`{"time":"2026-11-24T10:00:02Z","configuration":"prod-alerts","platform":"slack","command":"ec2 describe-instances"}` + "\n",
		`{"time":"2026-11-24T10:00:01Z","configuration":"prod-alerts","platform":"slack","command":"cloudwatch describe-alarms"}` + "\n",
		`{"time":"2026-11-24T10:00:03Z","configuration":"dev chat","platform":"teams","command":"lambda list-functions"}`,
	}
	for _, l := range lines {
		n, err := s.Write([]byte(l))
		require.NoError(t, err)
		assert.Equal(t, len(l), n)
	}
	assert.Equal(t, 3, s.Buffered())
	assert.Empty(t, sim.Requests(), "Write does no I/O")
	require.NoError(t, s.Flush(ctx))
	assert.Equal(t, 0, s.Buffered())

	groups := calls(sim, "CreateLogGroup")
	require.Len(t, groups, 2)
	assert.Equal(t, "/aws/chatbot/dev_chat", groups[0].Params["logGroupName"])
	assert.Equal(t, "/aws/chatbot/prod-alerts", groups[1].Params["logGroupName"])
	streams := calls(sim, "CreateLogStream")
	require.Len(t, streams, 2)
	assert.Equal(t, "replica-1", streams[0].Params["logStreamName"])

	puts := calls(sim, "PutLogEvents")
	require.Len(t, puts, 2)
	prod := puts[1]
	assert.Equal(t, "/aws/chatbot/prod-alerts", prod.Params["logGroupName"])
	evs := prod.Params["logEvents"].([]any)
	require.Len(t, evs, 2)
	// Sorted by timestamp, newline dropped, message kept verbatim.
	first := evs[0].(map[string]any)
	assert.Equal(t, strings.TrimSpace(lines[1]), first["message"])
	assert.Equal(t, fmt.Sprint(time.Date(2026, 11, 24, 10, 0, 1, 0, time.UTC).UnixMilli()), fmt.Sprint(first["timestamp"]))

	// Groups are created once.
	_, err := s.Write([]byte(lines[0]))
	require.NoError(t, err)
	require.NoError(t, s.Flush(ctx))
	assert.Len(t, calls(sim, "CreateLogGroup"), 2)
	assert.Len(t, calls(sim, "PutLogEvents"), 3)
}

func TestSinkBatchLimits(t *testing.T) {
	s, sim := newSink(t)
	base := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	// 10001 events in one group: two batches by count.
	for i := 0; i <= auditlogs.MaxBatchEvents; i++ {
		_, err := fmt.Fprintf(s, `{"time":%q,"configuration":"c"}`, base.Add(time.Duration(i)*time.Millisecond).Format(time.RFC3339Nano))
		require.NoError(t, err)
	}
	// Events more than 24 h apart go in different batches.
	_, err := fmt.Fprintf(s, `{"time":%q,"configuration":"c"}`, base.Add(25*time.Hour).Format(time.RFC3339Nano))
	require.NoError(t, err)
	require.NoError(t, s.Flush(context.Background()))
	puts := calls(sim, "PutLogEvents")
	require.Len(t, puts, 3)
	assert.Len(t, puts[0].Params["logEvents"], auditlogs.MaxBatchEvents)
	assert.Len(t, puts[1].Params["logEvents"], 1)
	assert.Len(t, puts[2].Params["logEvents"], 1)

	// Large records: batches stay under 1 MiB.
	sim.Reset()
	big := strings.Repeat("x", 200*1024)
	for i := 0; i < 6; i++ {
		_, err := fmt.Fprintf(s, `{"configuration":"c","pad":%q}`, big)
		require.NoError(t, err)
	}
	require.NoError(t, s.Flush(context.Background()))
	puts = calls(sim, "PutLogEvents")
	require.Len(t, puts, 2)
	assert.Len(t, puts[0].Params["logEvents"], 5)
}

func TestSinkRetriesAndRecreates(t *testing.T) {
	s, sim := newSink(t)
	ctx := context.Background()
	_, err := s.Write([]byte(`{"configuration":"c","n":1}`))
	require.NoError(t, err)
	sim.Inject(awssim.Fault{Service: "logs", Operation: "PutLogEvents", Code: "ServiceUnavailableException", Status: 400, Message: "down", Times: 1})
	err = s.Flush(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/aws/chatbot/c")
	assert.Equal(t, 1, s.Buffered(), "unsent records stay buffered")
	_, err = s.Write([]byte(`{"configuration":"c","n":2}`))
	require.NoError(t, err)
	require.NoError(t, s.Flush(ctx))
	puts := calls(sim, "PutLogEvents")
	last := puts[len(puts)-1].Params["logEvents"].([]any)
	require.Len(t, last, 2)

	// The group was deleted behind our back: created again, then sent.
	sim.Reset()
	sim.Inject(awssim.Fault{Service: "logs", Operation: "PutLogEvents", Code: "ResourceNotFoundException", Message: "The specified log group does not exist.", Times: 1})
	_, err = s.Write([]byte(`{"configuration":"c","n":3}`))
	require.NoError(t, err)
	require.NoError(t, s.Flush(ctx))
	assert.Len(t, calls(sim, "CreateLogGroup"), 1)
	assert.Len(t, calls(sim, "PutLogEvents"), 2)
}

func TestSinkWriteErrorsAndClose(t *testing.T) {
	s, sim := newSink(t, auditlogs.WithMaxBuffered(1), auditlogs.WithDefaultConfiguration("fallback"))
	_, err := s.Write([]byte("not json"))
	assert.Error(t, err)
	_, err = s.Write([]byte(`{"command":"x"}`))
	require.NoError(t, err)
	_, err = s.Write([]byte(`{"command":"y"}`))
	assert.ErrorIs(t, err, auditlogs.ErrBufferFull)
	require.NoError(t, s.Close(context.Background()))
	puts := calls(sim, "PutLogEvents")
	require.Len(t, puts, 1)
	assert.Equal(t, "/aws/chatbot/fallback", puts[0].Params["logGroupName"])
	_, err = s.Write([]byte(`{}`))
	assert.ErrorIs(t, err, auditlogs.ErrClosed)
	require.NoError(t, s.Close(context.Background()))
}

func TestSinkBackgroundFlush(t *testing.T) {
	sim := awssim.New()
	defer sim.Close()
	s, err := auditlogs.New(cloudwatchlogs.NewFromConfig(sim.Config()), auditlogs.WithFlushInterval(10*time.Millisecond))
	require.NoError(t, err)
	_, err = s.Write([]byte(`{"configuration":"bg"}`))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(calls(sim, "PutLogEvents")) == 1 }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, s.Close(context.Background()))
}
