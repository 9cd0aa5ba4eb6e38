package slack_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/chat"
)

func BenchmarkRenderAlarm(b *testing.B) {
	m := alarm()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := slack.Render(m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderFullMessage(b *testing.B) {
	m := adaptertest.FullMessage()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := slack.Render(m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderTruncated renders 26 KB of command output: split into
// sections, truncated to the block budget, full text kept for the file.
func BenchmarkRenderTruncated(b *testing.B) {
	m := chat.Message{Title: "ec2 describe-instances", CodeBlocks: []chat.CodeBlock{{
		Content: strings.Repeat("i-0123456789abcdef0  running  t3.micro  10.0.0.1  web-<server>&co\n", 400)}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := slack.Render(m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSend posts through the loopback fake: rendering, the Web API call
// and the thread bookkeeping.
func BenchmarkSend(b *testing.B) {
	e := newEnv(b)
	m := alarm()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.adapter.Send(ctx, channel, m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHTTPEvent is the cost of one verified Events API request up to
// the hand-off to the handler.
func BenchmarkHTTPEvent(b *testing.B) {
	e := newEnv(b, slack.WithAppToken(""))
	listen(b, e.adapter, chat.HandlerFunc(func(context.Context, chat.Inbound, chat.Replier) error { return nil }))
	h := e.adapter.HTTPHandler()
	body := jsonBody(b, eventCallback("EvB%d", map[string]any{"type": "message", "channel_type": "channel", "user": "U1", "text": "chatter", "channel": "C1", "ts": "1.1"}))
	now := time.Now()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		// A distinct event ID per request: identical signed requests are replays.
		req := signed(b, slack.PathEvents, "application/json", strings.Replace(body, "%d", strconv.Itoa(i), 1), now, testSigning)
		if w := serve(h, req); w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkSlot measures what a rate-limit slot covers per message, against
// the loopback fake: "send" is Send, all of which ran inside the slot before
// the Adapter was a Preparer; "prepared" is only the function Prepare
// returns (the post), with Prepare itself reported apart as prepare-ns/op.
// slot-ns/op is the figure to compare; the ratio matters, not the absolute
// numbers of a shared machine.
func BenchmarkSlot(b *testing.B) {
	msgs := []struct {
		name string
		m    chat.Message
	}{{"alarm", alarm()}, {"alarm_graph", adaptertest.AlarmGraphMessage()}}
	for _, tt := range msgs {
		b.Run(tt.name+"/send", func(b *testing.B) {
			e := newEnv(b)
			ctx := context.Background()
			var slot time.Duration
			b.ReportAllocs()
			for b.Loop() {
				t0 := time.Now()
				if _, err := e.adapter.Send(ctx, channel, tt.m); err != nil {
					b.Fatal(err)
				}
				slot += time.Since(t0)
			}
			b.ReportMetric(float64(slot.Nanoseconds())/float64(b.N), "slot-ns/op")
		})
		b.Run(tt.name+"/prepared", func(b *testing.B) {
			e := newEnv(b)
			ctx := context.Background()
			var prep, slot time.Duration
			b.ReportAllocs()
			for b.Loop() {
				t0 := time.Now()
				post, err := e.adapter.Prepare(ctx, channel, tt.m)
				if err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := post(ctx); err != nil {
					b.Fatal(err)
				}
				prep, slot = prep+t1.Sub(t0), slot+time.Since(t1)
			}
			b.ReportMetric(float64(prep.Nanoseconds())/float64(b.N), "prepare-ns/op")
			b.ReportMetric(float64(slot.Nanoseconds())/float64(b.N), "slot-ns/op")
		})
	}
}

// BenchmarkSendAlarmGraph posts an alarm with its graph shown inline: the
// unshared upload (three Web API calls), its Store record written before
// and removed after the post, and the post. Compare with BenchmarkSend,
// the same alarm without a graph, in the same run.
func BenchmarkSendAlarmGraph(b *testing.B) {
	e := newEnv(b)
	m := adaptertest.AlarmGraphMessage()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.adapter.Send(ctx, channel, m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSweepUploadsNothingToDelete is one sweep over 250 files of the
// bot's (three pages of files.list), none of them an orphan: the cost a
// periodic sweep has on a clean workspace.
func BenchmarkSweepUploadsNothingToDelete(b *testing.B) {
	e := newEnv(b)
	for i := range 250 {
		e.fake.addFile(upload{Name: "report-" + strconv.Itoa(i) + ".png", Created: time.Now().Add(-2 * time.Hour)})
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if n, err := e.adapter.SweepUploads(ctx, time.Hour); err != nil || n != 0 {
			b.Fatal(n, err)
		}
	}
}
