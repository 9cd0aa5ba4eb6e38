package chatops_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chatops"
)

// A clicked confirmation is updated in place: who confirmed, what happened,
// no buttons left to click; a cancelled one says who cancelled.
func TestConfirmationUpdatedInPlace(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ask := h.say(t, "ec2 stop-instances --instance-ids i-1")
	require.Equal(t, "Run this command?", ask.Message.Title)
	require.NoError(t, h.chat.Click(ctx, ask.Ref, chatops.ActionConfirm, "U1"))
	var updated bool
	for _, p := range h.chat.Sent() {
		if p.Updated && p.Ref.MessageID == ask.Ref.MessageID {
			updated = true
			assert.Contains(t, p.Message.Title, "Confirmed by U1 · ran in")
			assert.Empty(t, p.Message.Buttons, "no stale Run button")
			require.Len(t, p.Message.CodeBlocks, 1)
			assert.Contains(t, p.Message.CodeBlocks[0].Content, "stop-instances")
		}
	}
	assert.True(t, updated)

	ask = h.say(t, "ec2 stop-instances --instance-ids i-2")
	require.NoError(t, h.chat.Click(ctx, ask.Ref, chatops.ActionCancel, "U1"))
	updated = false
	for _, p := range h.chat.Sent() {
		if p.Updated && p.Ref.MessageID == ask.Ref.MessageID {
			updated = true
			assert.Equal(t, "Cancelled by U1", p.Message.Title)
		}
	}
	assert.True(t, updated)

	// A second click on an answered confirmation does not overwrite it.
	n := len(h.chat.Sent())
	require.NoError(t, h.chat.Click(ctx, ask.Ref, chatops.ActionConfirm, "U1"))
	for _, p := range h.chat.Sent()[n:] {
		assert.False(t, p.Updated, "an answered confirmation keeps its answer")
	}
}

// A thread reply that continues nothing gets one answer per thread.
func TestThreadReplyWithNothingToContinue(t *testing.T) {
	h := newHarness(t)
	got := h.say(t, "help")
	thread := got.Ref.Thread()
	n := len(h.chat.Sent())
	require.NoError(t, h.chat.Say(context.Background(), thread, "U1", "hello"))
	sent := h.chat.Sent()
	require.Len(t, sent, n+1)
	assert.Contains(t, sent[n].Message.Text, "Nothing in this thread is waiting")
	require.NoError(t, h.chat.Say(context.Background(), thread, "U2", "thanks"))
	assert.Len(t, h.chat.Sent(), n+1, "only once per thread")
}
