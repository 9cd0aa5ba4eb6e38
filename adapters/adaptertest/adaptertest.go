// Package adaptertest is the conformance suite every chat adapter runs: the
// behaviour the core and the delivery layer rely on, checked the same way for
// Slack, Teams, Chime, the console and the fake.
//
// An adapter's test builds a Harness around its Sender pointed at a loopback
// fake of the platform and calls Run:
//
//	func TestConformance(t *testing.T) {
//		adaptertest.Run(t, func(t *testing.T) *adaptertest.Harness { ... })
//	}
package adaptertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
)

// Harness is what an adapter's test provides to the suite. Each subtest gets a
// fresh Harness from the constructor passed to Run.
type Harness struct {
	// Sender is the adapter under test, pointed at a loopback fake platform.
	Sender chat.Sender
	// Conversation is a conversation the fake platform accepts.
	Conversation chat.Conversation
	// FailNext makes the fake platform answer the next n send attempts with
	// status, and a Retry-After header when retryAfter > 0. Nil skips the
	// error-classification checks (adapters with no remote side).
	FailNext func(n, status int, retryAfter time.Duration)
	// Posted returns the number of messages the fake platform accepted.
	Posted func() int
	// Secrets must never appear in an error string or in Logs.
	Secrets []string
	// Logs returns everything the adapter logged. Nil means it logs nothing.
	Logs func() string
}

// Run runs the conformance suite against the harnesses newHarness builds.
func Run(t *testing.T, newHarness func(t *testing.T) *Harness) {
	t.Helper()
	t.Run("SendReturnsRef", func(t *testing.T) {
		h := newHarness(t)
		before := h.Posted()
		ref, err := h.Sender.Send(context.Background(), h.Conversation, simpleMessage())
		require.NoError(t, err)
		assert.NotEmpty(t, ref.MessageID, "Send must return the posted message's ID")
		assert.Equal(t, h.Conversation.ChannelID, ref.Conversation.ChannelID)
		assert.Equal(t, before+1, h.Posted(), "the platform must have received exactly one message")
		checkNoSecrets(t, h, "")
	})
	t.Run("SecretsNotPrinted", func(t *testing.T) {
		h := newHarness(t)
		// After a send, so that tokens fetched on the way are cached too.
		_, err := h.Sender.Send(context.Background(), h.Conversation, simpleMessage())
		require.NoError(t, err)
		// Hosts dump their components in debug logs and status pages.
		var out strings.Builder
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			out.WriteString(fmt.Sprintf(verb, h.Sender) + "\n")
		}
		out.WriteString(fmt.Sprint(h.Sender) + fmt.Sprintln(h.Sender))
		if b, err := json.Marshal(h.Sender); err == nil {
			out.Write(b)
		}
		log := slog.New(slog.NewTextHandler(&out, nil))
		log.Info("adapter", "a", h.Sender)
		log = slog.New(slog.NewJSONHandler(&out, nil))
		log.Info("adapter", "a", h.Sender)
		checkNoSecrets(t, h, out.String())
	})
	t.Run("FullMessageAccepted", func(t *testing.T) {
		h := newHarness(t)
		_, err := h.Sender.Send(context.Background(), h.Conversation, FullMessage())
		require.NoError(t, err)
		assert.GreaterOrEqual(t, h.Posted(), 1)
	})
	t.Run("CancelledContext", func(t *testing.T) {
		h := newHarness(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		done := make(chan error, 1)
		go func() {
			_, err := h.Sender.Send(ctx, h.Conversation, simpleMessage())
			done <- err
		}()
		select {
		case err := <-done:
			require.Error(t, err)
			assert.ErrorIs(t, err, context.Canceled)
			ok, _ := chat.Retryable(err)
			assert.False(t, ok, "a cancelled send is not retryable")
			checkNoSecrets(t, h, err.Error())
		case <-time.After(10 * time.Second):
			t.Fatal("Send with a cancelled context did not return")
		}
	})
	t.Run("RateLimited", func(t *testing.T) {
		h := newHarness(t)
		if h.FailNext == nil {
			t.Skip("adapter has no remote side")
		}
		h.FailNext(1, 429, 7*time.Second)
		_, err := h.Sender.Send(context.Background(), h.Conversation, simpleMessage())
		require.Error(t, err)
		assert.ErrorIs(t, err, chat.ErrRateLimited)
		ok, after := chat.Retryable(err)
		assert.True(t, ok, "429 must be retryable")
		assert.Equal(t, 7*time.Second, after, "Retry-After must be honoured")
		checkNoSecrets(t, h, err.Error())
	})
	t.Run("RateLimitedRetryAfterCapped", func(t *testing.T) {
		h := newHarness(t)
		if h.FailNext == nil {
			t.Skip("adapter has no remote side")
		}
		// One 429 asking for a day must not pause the channel for a day.
		h.FailNext(1, 429, 24*time.Hour)
		_, err := h.Sender.Send(context.Background(), h.Conversation, simpleMessage())
		require.Error(t, err)
		ok, after := chat.Retryable(err)
		assert.True(t, ok, "429 must be retryable")
		assert.Equal(t, chat.MaxRetryAfter, after, "Retry-After must be capped at chat.MaxRetryAfter")
		se, isSendErr := errors.AsType[*chat.SendError](err)
		require.True(t, isSendErr, "a 429 is a *chat.SendError")
		assert.Equal(t, 24*time.Hour, se.RequestedRetryAfter, "the asked wait stays visible for the log")
		checkNoSecrets(t, h, err.Error())
	})
	for _, status := range []int{500, 502, 503} {
		t.Run("ServerError"+strconv.Itoa(status), func(t *testing.T) {
			h := newHarness(t)
			if h.FailNext == nil {
				t.Skip("adapter has no remote side")
			}
			h.FailNext(1, status, 0)
			_, err := h.Sender.Send(context.Background(), h.Conversation, simpleMessage())
			require.Error(t, err)
			ok, _ := chat.Retryable(err)
			assert.True(t, ok, "HTTP %d must be retryable", status)
			assert.False(t, errors.Is(err, chat.ErrRateLimited))
			checkNoSecrets(t, h, err.Error())
			// The platform recovers: the next send works.
			_, err = h.Sender.Send(context.Background(), h.Conversation, simpleMessage())
			assert.NoError(t, err)
		})
	}
	for _, status := range []int{400, 403, 404} {
		t.Run("ClientError"+strconv.Itoa(status), func(t *testing.T) {
			h := newHarness(t)
			if h.FailNext == nil {
				t.Skip("adapter has no remote side")
			}
			h.FailNext(1, status, 0)
			_, err := h.Sender.Send(context.Background(), h.Conversation, simpleMessage())
			require.Error(t, err)
			ok, _ := chat.Retryable(err)
			assert.False(t, ok, "HTTP %d must not be retryable", status)
			checkNoSecrets(t, h, err.Error())
		})
	}
	t.Run("Thread", func(t *testing.T) {
		h := newHarness(t)
		if !chat.CapabilitiesOf(h.Sender).Threads {
			t.Skip("adapter does not support threads")
		}
		root, err := h.Sender.Send(context.Background(), h.Conversation, simpleMessage())
		require.NoError(t, err)
		reply, err := h.Sender.Send(context.Background(), root.Thread(), simpleMessage())
		require.NoError(t, err)
		assert.NotEmpty(t, reply.MessageID)
		assert.NotEmpty(t, reply.Conversation.ThreadID, "a reply in a thread must say which thread")
	})
	t.Run("Update", func(t *testing.T) {
		h := newHarness(t)
		u, ok := h.Sender.(chat.Updater)
		if !ok {
			t.Skip("adapter does not implement chat.Updater")
		}
		ref, err := h.Sender.Send(context.Background(), h.Conversation, simpleMessage())
		require.NoError(t, err)
		m := simpleMessage()
		m.Text = "updated"
		assert.NoError(t, u.Update(context.Background(), ref, m))
	})
	runPrepared(t, newHarness)
	t.Run("Capabilities", func(t *testing.T) {
		h := newHarness(t)
		caps := chat.CapabilitiesOf(h.Sender)
		_, isUpdater := h.Sender.(chat.Updater)
		_, isUploader := h.Sender.(chat.FileUploader)
		if caps.Updates {
			assert.True(t, isUpdater, "Capabilities.Updates requires chat.Updater")
		}
		if caps.Files {
			assert.True(t, isUploader, "Capabilities.Files requires chat.FileUploader")
		}
	})
}

func simpleMessage() chat.Message {
	return chat.Message{Title: "Conformance", Text: "hello from the **conformance** suite", Summary: "conformance"}
}

// FullMessage returns a message with every part set, for adapters' own tests.
func FullMessage() chat.Message {
	return chat.Message{
		Title:     "ALARM: \"HighErrors\" in US East (N. Virginia)",
		TitleLink: "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/HighErrors",
		Text:      "Threshold **crossed**: 1 datapoint [5.0] was _greater_ than `1.0`.\n- see [runbook](https://example.com/runbook)\n- <!channel> must stay literal",
		Summary:   "ALARM: HighErrors",
		Severity:  chat.SeverityCritical,
		Fields: []chat.Field{
			{Name: "State", Value: "ALARM", Short: true},
			{Name: "Region", Value: "us-east-1", Short: true},
			{Name: "Reason", Value: "<@U123> & friends"},
		},
		CodeBlocks: []chat.CodeBlock{{Caption: "Payload", Language: "json", Content: "{\n  \"a\": 1\n}"}},
		Images: []chat.Image{
			{URL: "https://example.com/graph.png", AltText: "graph"},
			{Data: pngBytes, ContentType: "image/png", Name: "graph.png", AltText: "graph"},
		},
		Context: []string{"Account 123456789012", "2026-11-24T10:00:00Z"},
		Buttons: []chat.Button{
			{ID: "show-logs", Label: "Show logs", Value: "logs filter-log-events --log-group-name /aws/lambda/f"},
			{ID: "cancel", Label: "Cancel", Value: "tok", Style: chat.ButtonDanger},
		},
		Form: &chat.Form{ID: "prompt", Value: "tok", Title: "Missing parameters", SubmitLabel: "Run",
			Fields: []chat.FormField{{ID: "function-name", Label: "function-name", Required: true}}},
		Files:     []chat.File{{Name: "output.json", Title: "Full output", ContentType: "application/json", Data: []byte(`{"a":1}`)}},
		ThreadKey: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:HighErrors",
	}
}

// A 1×1 transparent PNG.
var pngBytes = []byte{
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
	0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
	0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
	0x42, 0x60, 0x82,
}

func checkNoSecrets(t *testing.T, h *Harness, errText string) {
	t.Helper()
	logs := ""
	if h.Logs != nil {
		logs = h.Logs()
	}
	for _, s := range h.Secrets {
		if s == "" {
			continue
		}
		assert.False(t, strings.Contains(errText, s), "error text leaks a secret")
		assert.False(t, strings.Contains(logs, s), "logs leak a secret")
	}
}
