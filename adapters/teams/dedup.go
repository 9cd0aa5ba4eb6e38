package teams

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"
)

// Activity deduplication. The Bot Framework redelivers an activity it
// thinks was not received, and a captured request (body and bearer token)
// can be posted again while its token is valid; either way the activity has
// the same conversation and activity IDs, so ServeHTTP hands each
// (conversation, activity) pair to the handler once, within the window.
//
// The window: Bot Framework tokens live about an hour and the validator
// allows five minutes of clock skew, so a verbatim replay is refused at the
// door once its token has expired, and redeliveries come within minutes.
// DefaultDedupWindow covers both. Note what deduplication cannot do: a
// stolen token lets its holder post a new activity ID; only the token's
// lifetime bounds that.
const (
	// DefaultDedupWindow is how long an activity ID is remembered.
	DefaultDedupWindow = 70 * time.Minute
	// DefaultDedupCapacity bounds the IDs held in memory (about 100 bytes
	// each): when full, the oldest is forgotten first. At the default it
	// allows 12 activities a second, sustained over the whole window,
	// before an ID can be forgotten early.
	DefaultDedupCapacity = 50000
)

// namespaceActivity holds the keys of activities already handled, when the
// host passed a shared Store (WithStore), so that every replica sees them.
const namespaceActivity = "teams.activity"

// activityKey identifies an activity. Both IDs come from the request body:
// hashing bounds what each remembered ID costs, however long they are.
func activityKey(channelID, conversationID, activityID string) string {
	h := sha256.New()
	for _, s := range []string{channelID, conversationID, activityID} {
		_, _ = h.Write([]byte(s))
		_, _ = h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// deduper remembers the activities handled. With a shared Store it asks the
// Store (conditional put with TTL), and falls back to its own memory when
// the Store fails, so a Store outage neither stops the bot nor lets a
// redelivery run twice on this replica.
type deduper struct {
	store  Store // nil: memory only
	mem    *recentKeys
	window time.Duration
	now    func() time.Time
	log    *slog.Logger
}

// first records key and reports whether it was new.
func (d *deduper) first(ctx context.Context, key string) bool {
	if d.store != nil {
		ok, err := d.store.PutIfAbsent(ctx, namespaceActivity, key, []byte{1}, d.window)
		if err == nil {
			return ok
		}
		d.log.Warn("teams: shared activity dedup failed; deduplicating in this replica only", "error", err)
	}
	return d.mem.add(key, d.now())
}

// forget drops key, for an activity that was refused (no listener) and that
// Teams will deliver again.
func (d *deduper) forget(ctx context.Context, key string) {
	if d.store != nil {
		if err := d.store.Delete(ctx, namespaceActivity, key); err != nil {
			d.log.Warn("teams: forgetting a refused activity failed; its redelivery may be ignored", "error", err)
		}
	}
	d.mem.remove(key)
}

// recentKeys is a bounded set of keys that expire after a window. It is
// safe for concurrent use.
type recentKeys struct {
	mu     sync.Mutex
	window time.Duration
	max    int
	seq    uint64
	live   map[string]queued // key → its latest insertion
	queue  []queued          // in insertion order; queue[head:] is live
	head   int
}

type queued struct {
	key string
	exp time.Time
	seq uint64 // tells a key's latest insertion from an earlier one
}

func newRecentKeys(window time.Duration, max int) *recentKeys {
	return &recentKeys{window: window, max: max, live: make(map[string]queued)}
}

// add records key at now and reports whether it was absent (or expired).
func (r *recentKeys) add(key string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	// Insertion order is expiry order (one window for all), so expired
	// keys are at the front.
	for r.head < len(r.queue) && !now.Before(r.queue[r.head].exp) {
		r.pop()
	}
	if q, ok := r.live[key]; ok && now.Before(q.exp) {
		return false
	}
	for len(r.live) >= r.max && r.head < len(r.queue) {
		r.pop()
	}
	r.seq++
	q := queued{key: key, exp: now.Add(r.window), seq: r.seq}
	r.live[key] = q
	r.queue = append(r.queue, q)
	return true
}

// pop drops the oldest queued key. A key removed, or added again since, is
// not that insertion any more and stays.
func (r *recentKeys) pop() {
	q := r.queue[r.head]
	r.queue[r.head] = queued{}
	r.head++
	if cur, ok := r.live[q.key]; ok && cur.seq == q.seq {
		delete(r.live, q.key)
	}
	// Reclaim the drained front once it is half the slice.
	if r.head > 1024 && r.head*2 >= len(r.queue) {
		r.queue = append(r.queue[:0:0], r.queue[r.head:]...)
		r.head = 0
	}
}

func (r *recentKeys) remove(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.live, key)
}

func (r *recentKeys) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.live)
}
