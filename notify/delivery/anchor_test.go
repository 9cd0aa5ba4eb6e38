package delivery_test

import (
	"context"
	"errors"
	"testing"

	"github.com/opschat/opschat/adapters/fake"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/notify/delivery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// capsSender overrides what an adapter reports it can do, and can make
// every edit fail.
type capsSender struct {
	*fake.Adapter
	caps      chat.Capabilities
	updateErr error
}

func (c capsSender) Capabilities() chat.Capabilities { return c.caps }

func (c capsSender) Update(ctx context.Context, ref chat.Ref, m chat.Message) error {
	if c.updateErr != nil {
		return c.updateErr
	}
	return c.Adapter.Update(ctx, ref, m)
}

// sendOnly hides the fake's Update (a webhook-style platform).
type sendOnly struct{ a *fake.Adapter }

func (s sendOnly) Send(ctx context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	return s.a.Send(ctx, conv, m)
}

func (s sendOnly) Capabilities() chat.Capabilities { return chat.Capabilities{Threads: true} }

// TestAnchorUpdates: an alarm's later states are posted in the thread of
// its first message and, where the adapter can edit, also replace that
// first message, so the channel shows each alarm's current state.
func TestAnchorUpdates(t *testing.T) {
	t.Parallel()
	all := chat.Capabilities{Threads: true, Updates: true}
	tests := []struct {
		name   string
		sender func(*fake.Adapter) chat.Sender
		opts   []delivery.Option
		// threaded: later states go into the first message's thread;
		// shows: what the first message shows at the end (its own title
		// when never edited).
		threaded bool
		shows    string
		edits    int
	}{
		{name: "default on", sender: func(a *fake.Adapter) chat.Sender { return a },
			threaded: true, shows: "OK | cpu", edits: 2},
		{name: "option off", sender: func(a *fake.Adapter) chat.Sender { return a },
			opts: []delivery.Option{delivery.WithAnchorUpdates(false)}, threaded: true, shows: "ALARM | cpu"},
		{name: "adapter cannot edit", sender: func(a *fake.Adapter) chat.Sender { return sendOnly{a} },
			threaded: true, shows: "ALARM | cpu"},
		{name: "edits but no threads", sender: func(a *fake.Adapter) chat.Sender {
			return capsSender{Adapter: a, caps: chat.Capabilities{Updates: true}}
		}, shows: "OK | cpu", edits: 2},
		{name: "failed edit is not a failed delivery", sender: func(a *fake.Adapter) chat.Sender {
			return capsSender{Adapter: a, caps: all, updateErr: chat.ClassifyHTTP(chat.PlatformSlack, 400, 0, errors.New("cant_update_message"))}
		}, threaded: true, shows: "ALARM | cpu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := fake.New(fake.WithPlatform(chat.PlatformSlack))
			d, store := newDeliverer(t, tt.sender(a), tt.opts...)
			ctx := context.Background()
			states := []string{"ALARM", "INSUFFICIENT_DATA", "OK"}
			for i, state := range states {
				j := job("C1", "n"+state)
				j.Message = chat.Message{Title: state + " | cpu", ThreadKey: "arn:alarm:cpu", Severity: chat.Severity(3 - i)}
				require.NoError(t, d.Deliver(ctx, j), "an edit never fails the notification")
				// A redelivery is skipped whole: no second post, no edit.
				require.NoError(t, d.Deliver(ctx, j))
			}

			var posts []fake.Posted
			shows := map[string]chat.Message{}
			edits := 0
			for _, p := range a.Sent() {
				if p.Updated {
					edits++
				} else {
					posts = append(posts, p)
				}
				shows[p.Ref.MessageID] = p.Message
			}
			require.Len(t, posts, len(states), "every state posted once")
			first := posts[0].Ref
			assert.Empty(t, first.Conversation.ThreadID)
			for _, p := range posts[1:] {
				if tt.threaded {
					assert.Equal(t, first.MessageID, p.Ref.Conversation.ThreadID, "%s in the thread", p.Message.Title)
				} else {
					assert.Empty(t, p.Ref.Conversation.ThreadID, "%s at the top level", p.Message.Title)
				}
			}
			assert.Equal(t, tt.edits, edits)
			assert.Equal(t, tt.shows, shows[first.MessageID].Title, "what the first message shows")
			if tt.edits > 0 {
				assert.Equal(t, chat.Severity(1), shows[first.MessageID].Severity, "the edit carries the new severity")
			}
			_, ok, err := store.Get(ctx, delivery.NamespaceThread, "slack:T1:C1|arn:alarm:cpu")
			require.NoError(t, err)
			assert.True(t, ok, "the anchor is stored for replicas")
		})
	}
}
