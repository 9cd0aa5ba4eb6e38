package adaptertest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
)

// Preparer has the method set of notify/delivery's Preparer, which this
// package (like the adapters) may not import: an adapter that does a
// send's work before the rate-limit slot returns a function that only
// posts. An adapter's test asserts it with
//
//	var _ adaptertest.Preparer = (*slack.Adapter)(nil)
//
// so that a drift between the two method sets breaks the build.
type Preparer interface {
	Prepare(ctx context.Context, conv chat.Conversation, m chat.Message) (func(context.Context) (chat.Ref, error), error)
}

// runPrepared checks a Sender that is a Preparer: Prepare posts nothing,
// the function posts once, fails cleanly after its context ended, and
// reports the platform's errors as Send does.
func runPrepared(t *testing.T, newHarness func(t *testing.T) *Harness) {
	t.Helper()
	prepare := func(t *testing.T, h *Harness, ctx context.Context) func(context.Context) (chat.Ref, error) {
		t.Helper()
		p, ok := h.Sender.(Preparer)
		if !ok {
			t.Skip("adapter is not a Preparer")
		}
		post, err := p.Prepare(ctx, h.Conversation, simpleMessage())
		require.NoError(t, err)
		require.NotNil(t, post)
		return post
	}
	t.Run("PreparedPostsOnce", func(t *testing.T) {
		h := newHarness(t)
		before := h.Posted()
		post := prepare(t, h, context.Background())
		assert.Equal(t, before, h.Posted(), "Prepare must not post")
		ref, err := post(context.Background())
		require.NoError(t, err)
		assert.NotEmpty(t, ref.MessageID)
		assert.Equal(t, h.Conversation.ChannelID, ref.Conversation.ChannelID)
		assert.Equal(t, before+1, h.Posted())
		// A second call would be a duplicate: it must fail, not post.
		_, err = post(context.Background())
		require.Error(t, err)
		assert.Equal(t, before+1, h.Posted())
		checkNoSecrets(t, h, err.Error())
	})
	t.Run("PreparedPostCancelled", func(t *testing.T) {
		h := newHarness(t)
		before := h.Posted()
		ctx, cancel := context.WithCancel(context.Background())
		post := prepare(t, h, ctx)
		cancel()
		done := make(chan error, 1)
		go func() {
			_, err := post(ctx)
			done <- err
		}()
		select {
		case err := <-done:
			require.ErrorIs(t, err, context.Canceled)
			ok, _ := chat.Retryable(err)
			assert.False(t, ok, "a cancelled post is not retryable")
			assert.Equal(t, before, h.Posted())
		case <-time.After(10 * time.Second):
			t.Fatal("a prepared post with a cancelled context did not return")
		}
	})
	t.Run("PreparedPostRateLimited", func(t *testing.T) {
		h := newHarness(t)
		if h.FailNext == nil {
			t.Skip("adapter has no remote side")
		}
		post := prepare(t, h, context.Background())
		// The platform's answer comes to the post, inside the slot, where
		// the delivery layer reads it to pause the channel.
		h.FailNext(1, 429, 7*time.Second)
		_, err := post(context.Background())
		require.ErrorIs(t, err, chat.ErrRateLimited)
		ok, after := chat.Retryable(err)
		assert.True(t, ok)
		assert.Equal(t, 7*time.Second, after)
		checkNoSecrets(t, h, err.Error())
	})
}
