package chatops_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/internal/memstore"
)

// hookStore runs before once, the first time a confirmation is claimed.
type hookStore struct {
	chatops.Store
	fired  atomic.Bool
	before func()
}

func (s *hookStore) PutIfAbsent(ctx context.Context, ns, key string, v []byte, ttl time.Duration) (bool, error) {
	if ns == "pending-claim" && s.before != nil && s.fired.CompareAndSwap(false, true) {
		s.before()
	}
	return s.Store.PutIfAbsent(ctx, ns, key, v, ttl)
}

// A Cancel that lands while Run is claiming the same confirmation must not
// tell the user "Cancelled" while the command runs anyway: exactly one of
// the two answers wins.
func TestCancelRacingConfirmRunsOrCancelsNotBoth(t *testing.T) {
	st := &hookStore{Store: memstore.New(nil)}
	h := newHarness(t, chatops.WithStore(st))
	ctx := context.Background()
	got := h.say(t, "ec2 stop-instances --instance-ids i-1")
	require.Len(t, got.Message.Buttons, 2)
	token := got.Message.Buttons[1].Value

	var cancelReply chat.Message
	st.before = func() {
		in := chat.Inbound{Kind: chat.KindButtonClick, Conversation: got.Ref.Conversation, User: chat.User{ID: "U1"},
			Action: &chat.Action{ID: chatops.ActionCancel, Value: token, Message: got.Ref}}
		err := h.bot.HandleMessage(ctx, in, chat.ReplierFunc(func(_ context.Context, m chat.Message) (chat.Ref, error) {
			cancelReply = m
			return chat.Ref{}, nil
		}))
		require.NoError(t, err)
	}
	require.NoError(t, h.chat.Click(ctx, got.Ref, chatops.ActionConfirm, "U1"))
	require.True(t, st.fired.Load())
	ran := len(h.exec.requests()) == 1
	cancelled := cancelReply.Text != "" && cancelReply.Text[:min(9, len(cancelReply.Text))] == "Cancelled"
	assert.False(t, ran && cancelled, "the command ran although the user was told it was cancelled")
	assert.True(t, ran || cancelled, "one answer must win")
}
