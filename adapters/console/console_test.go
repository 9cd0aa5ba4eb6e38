package console_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/console"
	"github.com/opschat/opschat/chat"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestConformance(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T) *adaptertest.Harness {
		out := &syncBuffer{}
		a := console.New(strings.NewReader(""), out)
		return &adaptertest.Harness{
			Sender:       a,
			Conversation: a.Conversation(),
			Posted:       func() int { return strings.Count(out.String(), "\n\n") },
		}
	})
}

// echo replies with what it received, so tests can see the order and kinds.
func echo(got *[]chat.Inbound) chat.Handler {
	return chat.HandlerFunc(func(ctx context.Context, in chat.Inbound, r chat.Replier) error {
		*got = append(*got, in)
		m := chat.Message{Text: "got " + string(in.Kind) + ": " + in.Text}
		if in.Text == "buttons" {
			m.Buttons = []chat.Button{{ID: "confirm", Label: "Run", Value: "tok"}, {ID: "cancel", Label: "Cancel", Value: "tok2"}}
		}
		_, err := r.Reply(ctx, m)
		return err
	})
}

func TestNonInteractiveProcessesLinesInOrderAndStopsAtEOF(t *testing.T) {
	out := &syncBuffer{}
	a := console.New(strings.NewReader("help\n\nbuttons\n!2\n> yes\n!9\n"), out)
	var got []chat.Inbound
	done := make(chan error)
	go func() { done <- a.Listen(context.Background(), echo(&got)) }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Listen did not return at end of input")
	}
	require.Len(t, got, 4, "the blank line is skipped, the bad button click is reported")
	assert.Equal(t, chat.KindMention, got[0].Kind)
	assert.Equal(t, "help", got[0].Text)
	assert.Equal(t, chat.KindButtonClick, got[2].Kind)
	assert.Equal(t, "cancel", got[2].Action.ID)
	assert.Equal(t, "tok2", got[2].Action.Value)
	assert.Equal(t, chat.KindThreadReply, got[3].Kind)
	assert.Equal(t, "yes", got[3].Text)
	assert.NotEmpty(t, got[3].Conversation.ThreadID)
	text := out.String()
	assert.Contains(t, text, "got mention: help")
	assert.Contains(t, text, "[1] Run")
	assert.Contains(t, text, "no button 9")
	assert.NotContains(t, text, "\x1b[", "no colour when the output is not a terminal")
}

func TestRenderMessage(t *testing.T) {
	out := &syncBuffer{}
	a := console.New(strings.NewReader(""), out)
	m := adaptertest.FullMessage()
	m.Text += "\nevil \x1b]0;title\x07 sequence"
	_, err := a.Send(context.Background(), a.Conversation(), m)
	require.NoError(t, err)
	text := out.String()
	for _, want := range []string{
		`[CRITICAL] ALARM: "HighErrors" in US East (N. Virginia)`,
		"https://console.aws.amazon.com/cloudwatch/home",
		"Threshold *crossed*: 1 datapoint [5.0] was _greater_ than `1.0`.",
		"runbook (https://example.com/runbook)",
		"State:  ALARM",
		"Reason: <@U123> & friends",
		`"a": 1`,
		"[image: graph https://example.com/graph.png]",
		"[file: output.json, 7 bytes]",
		"Account 123456789012",
		"[1] Show logs",
		"[2] Cancel",
		"answer with `> VALUE` for --function-name",
	} {
		assert.Contains(t, text, want)
	}
	assert.NotContains(t, text, "\x1b]0;", "control sequences from payloads are neutralised")
}

func TestColorWhenForced(t *testing.T) {
	out := &syncBuffer{}
	a := console.New(strings.NewReader(""), out, console.WithColor(true))
	_, err := a.Send(context.Background(), a.Conversation(), chat.Message{Title: "t", Text: "**b**", Severity: chat.SeverityWarning})
	require.NoError(t, err)
	assert.Contains(t, out.String(), "\x1b[1mb\x1b[0m")
}

func TestListenStopsOnCancel(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	a := console.New(r, &syncBuffer{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- a.Listen(ctx, chat.HandlerFunc(func(context.Context, chat.Inbound, chat.Replier) error { return nil }))
	}()
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Listen did not stop on cancel")
	}
}
