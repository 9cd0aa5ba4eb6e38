package chatops_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/internal/memstore"
)

// failingGets fails every Get in one namespace.
type failingGets struct {
	chatops.Store
	ns string
}

func (s failingGets) Get(ctx context.Context, ns, key string) ([]byte, bool, error) {
	if ns == s.ns {
		return nil, false, errors.New("store unavailable")
	}
	return s.Store.Get(ctx, ns, key)
}

func (s failingGets) PutIfAbsent(ctx context.Context, ns, key string, v []byte, ttl time.Duration) (bool, error) {
	return s.Store.PutIfAbsent(ctx, ns, key, v, ttl)
}

// A thread reply that may answer a confirmation is still audited when the
// store cannot say what is pending: every attempt leaves one record.
func TestThreadReplyAuditedWhenStoreFails(t *testing.T) {
	h := newHarness(t, chatops.WithStore(failingGets{Store: memstore.New(nil), ns: "pending-thread"}))
	got := h.say(t, "ec2 stop-instances --instance-ids i-1")
	n := len(h.records(t))
	_ = h.chat.Say(context.Background(), got.Ref.Thread(), "U1", "yes")
	recs := h.records(t)
	require.Len(t, recs, n+1, "the reply left no audit record")
	assert.Equal(t, chatops.OutcomeFailed, recs[n].Outcome)
	assert.Empty(t, h.exec.requests())
}
