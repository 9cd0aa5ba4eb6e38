package fake_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/fake"
	"github.com/opschat/opschat/chat"
)

func TestConformance(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T) *adaptertest.Harness {
		a := fake.New()
		return &adaptertest.Harness{
			Sender:       a,
			Conversation: a.Conversation("T1", "C1"),
			FailNext: func(n, status int, retryAfter time.Duration) {
				a.FailNext(n, chat.ClassifyHTTP(chat.PlatformFake, status, retryAfter, nil))
			},
			Posted: func() int { return len(a.Sent()) },
		}
	})
}

func TestInjectReachesHandlerAndRepliesInThread(t *testing.T) {
	a := fake.New()
	var got chat.Inbound
	a.SetHandler(chat.HandlerFunc(func(ctx context.Context, in chat.Inbound, r chat.Replier) error {
		got = in
		_, err := r.Reply(ctx, chat.Message{Text: "pong"})
		return err
	}))
	conv := a.Conversation("T1", "C1")
	require.NoError(t, a.Say(context.Background(), conv, "U1", "ping"))
	assert.Equal(t, chat.KindMention, got.Kind)
	assert.Equal(t, "ping", got.Text)
	assert.Equal(t, "U1", got.User.ID)
	last, ok := a.Last()
	require.True(t, ok)
	assert.Equal(t, "pong", last.Message.Text)
	assert.Equal(t, got.MessageID, last.Ref.Conversation.ThreadID, "reply goes to the inbound message's thread")
}

func TestClickAndSubmit(t *testing.T) {
	a := fake.New()
	var events []chat.Inbound
	a.SetHandler(chat.HandlerFunc(func(ctx context.Context, in chat.Inbound, r chat.Replier) error {
		events = append(events, in)
		return nil
	}))
	ctx := context.Background()
	ref, err := a.Send(ctx, a.Conversation("T1", "C1"), chat.Message{
		Buttons: []chat.Button{{ID: "confirm", Label: "Run", Value: "tok-1"}},
		Form:    &chat.Form{ID: "prompt", Value: "tok-2", Fields: []chat.FormField{{ID: "name"}}},
	})
	require.NoError(t, err)
	require.NoError(t, a.Click(ctx, ref, "confirm", "U2"))
	require.NoError(t, a.Submit(ctx, ref, "U2", map[string]string{"name": "x"}))
	assert.Error(t, a.Click(ctx, ref, "nope", "U2"), "unknown button")
	require.Len(t, events, 2)
	assert.Equal(t, chat.KindButtonClick, events[0].Kind)
	assert.Equal(t, "tok-1", events[0].Action.Value)
	assert.Equal(t, ref.MessageID, events[0].Action.Message.MessageID)
	assert.Equal(t, chat.KindFormSubmit, events[1].Kind)
	assert.Equal(t, map[string]string{"name": "x"}, events[1].Action.Values)
}

func TestInjectWithoutListenerTimesOut(t *testing.T) {
	a := fake.New()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := a.Say(ctx, a.Conversation("T", "C"), "U", "hi")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestWaitForSent(t *testing.T) {
	a := fake.New()
	go func() {
		_, _ = a.Send(context.Background(), a.Conversation("T", "C"), chat.Message{Text: "x"})
	}()
	got, err := a.WaitForSent(1, 5*time.Second)
	require.NoError(t, err)
	assert.Len(t, got, 1)
	_, err = a.WaitForSent(2, 10*time.Millisecond)
	assert.ErrorIs(t, err, fake.ErrTimeout)
}

func TestListenUntilCancelled(t *testing.T) {
	a := fake.New()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- a.Listen(ctx, chat.HandlerFunc(func(context.Context, chat.Inbound, chat.Replier) error { return nil }))
	}()
	require.NoError(t, a.Say(context.Background(), a.Conversation("T", "C"), "U", "hi"))
	cancel()
	assert.NoError(t, <-done)
}
