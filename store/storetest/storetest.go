package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Store is the interface under test. It has the method set of chatops.Store,
// declared here because store packages may not import chatops.
type Store interface {
	Get(ctx context.Context, namespace, key string) ([]byte, bool, error)
	Put(ctx context.Context, namespace, key string, value []byte, ttl time.Duration) error
	PutIfAbsent(ctx context.Context, namespace, key string, value []byte, ttl time.Duration) (bool, error)
	Delete(ctx context.Context, namespace, key string) error
	List(ctx context.Context, namespace, prefix string) (map[string][]byte, error)
}

// Option adjusts the suite to an implementation's documented limits.
type Option func(*config)

type config struct {
	largeValue int   // size of the value that must round-trip
	limit      int   // largest value accepted, 0: no limit tested
	limitErr   error // sentinel a value above limit must wrap
}

// WithLargeValue sets the size of the large value that must round-trip
// (default 300 KiB).
func WithLargeValue(n int) Option { return func(c *config) { c.largeValue = n } }

// WithValueLimit declares that values longer than maxBytes are refused with
// an error wrapping sentinel (DynamoDB's 400 KB item limit, for example). The
// suite then checks that such a Put fails that way and stores nothing.
func WithValueLimit(maxBytes int, sentinel error) Option {
	return func(c *config) { c.limit, c.limitErr = maxBytes, sentinel }
}

// Clock is a manual clock for RunWithClock. It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock that reads start until advanced.
func NewClock(start time.Time) *Clock { return &Clock{t: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add advances the clock by d.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// suite holds one run's factory. clock is nil when the implementation runs
// on real time, in which case expiry is checked with short TTLs and
// require.Eventually: the checks cannot flake on a slow machine, they only
// wait longer.
type suite struct {
	cfg      config
	newStore func(t *testing.T) (Store, *Clock)
}

// Run runs the conformance suite against stores that use the real clock.
// newStore is called once per subtest and must return an empty store (or one
// whose namespaces do not collide: every subtest uses its own namespaces);
// it registers its own cleanup with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) Store, opts ...Option) {
	s := suite{cfg: newConfig(opts), newStore: func(t *testing.T) (Store, *Clock) { return newStore(t), nil }}
	s.run(t)
}

// RunWithClock runs the suite against stores that read time from now, so
// TTL boundaries are checked exactly.
func RunWithClock(t *testing.T, newStore func(t *testing.T, now func() time.Time) Store, opts ...Option) {
	s := suite{cfg: newConfig(opts), newStore: func(t *testing.T) (Store, *Clock) {
		// Start at the real time: a DynamoDB table's TTL reaper must not see
		// items that expired decades ago.
		c := NewClock(time.Now().Truncate(time.Second))
		return newStore(t, c.Now), c
	}}
	s.run(t)
}

func newConfig(opts []Option) config {
	c := config{largeValue: 300 << 10}
	for _, o := range opts {
		o(&c)
	}
	return c
}

func (s suite) run(t *testing.T) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, st Store, c *Clock)
	}{
		{"Missing", s.testMissing},
		{"PutGet", s.testPutGet},
		{"NamespacesAreSeparate", s.testNamespaces},
		{"Delete", s.testDelete},
		{"ListPrefix", s.testListPrefix},
		{"ListManyPages", s.testListMany},
		{"Keys", s.testKeys},
		{"BinaryValues", s.testBinary},
		{"LargeValue", s.testLarge},
		{"ValueLimit", s.testLimit},
		{"TTL", s.testTTL},
		{"PutIfAbsent", s.testPutIfAbsent},
		{"PutIfAbsentOneWinner", s.testOneWinner},
		{"PutIfAbsentOverExpired", s.testOverExpired},
		{"CancelledContext", s.testCancelled},
		{"ConcurrentUse", s.testConcurrent},
		{"Conditional", s.testConditional},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, c := s.newStore(t)
			require.NotNil(t, st)
			tt.fn(t, st, c)
		})
	}
}

func (s suite) testMissing(t *testing.T, st Store, _ *Clock) {
	ctx := context.Background()
	v, ok, err := st.Get(ctx, "missing", "k")
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Nil(t, v)
	assert.NoError(t, st.Delete(ctx, "missing", "k"), "deleting a missing key is not an error")
	items, err := st.List(ctx, "missing", "")
	require.NoError(t, err)
	assert.Empty(t, items)
}

func (s suite) testPutGet(t *testing.T, st Store, _ *Clock) {
	ctx := context.Background()
	in := []byte("first")
	require.NoError(t, st.Put(ctx, "pg", "k", in, 0))
	in[0] = 'X' // the store must have copied the value
	got := mustGet(t, st, "pg", "k")
	assert.Equal(t, "first", string(got))
	got[0] = 'Y' // callers own what they get
	assert.Equal(t, "first", string(mustGet(t, st, "pg", "k")))

	require.NoError(t, st.Put(ctx, "pg", "k", []byte("second"), time.Hour))
	assert.Equal(t, "second", string(mustGet(t, st, "pg", "k")), "Put overwrites")
}

func (s suite) testNamespaces(t *testing.T, st Store, _ *Clock) {
	ctx := context.Background()
	require.NoError(t, st.Put(ctx, "ns-a", "k", []byte("a"), 0))
	require.NoError(t, st.Put(ctx, "ns-b", "k", []byte("b"), 0))
	assert.Equal(t, "a", string(mustGet(t, st, "ns-a", "k")))
	assert.Equal(t, "b", string(mustGet(t, st, "ns-b", "k")))
	// A namespace that is a prefix of another must not see its entries.
	require.NoError(t, st.Put(ctx, "ns-ab", "k2", []byte("ab"), 0))
	items, err := st.List(ctx, "ns-a", "")
	require.NoError(t, err)
	assert.Equal(t, map[string][]byte{"k": []byte("a")}, items)
	require.NoError(t, st.Delete(ctx, "ns-a", "k"))
	assert.Equal(t, "b", string(mustGet(t, st, "ns-b", "k")), "delete is per namespace")
}

func (s suite) testDelete(t *testing.T, st Store, _ *Clock) {
	ctx := context.Background()
	require.NoError(t, st.Put(ctx, "del", "k", []byte("v"), 0))
	require.NoError(t, st.Put(ctx, "del", "k2", []byte("v2"), time.Hour))
	require.NoError(t, st.Delete(ctx, "del", "k"))
	assertAbsent(t, st, "del", "k")
	items, err := st.List(ctx, "del", "")
	require.NoError(t, err)
	assert.Equal(t, map[string][]byte{"k2": []byte("v2")}, items)
	require.NoError(t, st.Delete(ctx, "del", "k"), "deleting twice is not an error")
	stored, err := st.PutIfAbsent(ctx, "del", "k", []byte("again"), 0)
	require.NoError(t, err)
	assert.True(t, stored, "a deleted key is absent")
}

func (s suite) testListPrefix(t *testing.T, st Store, _ *Clock) {
	ctx := context.Background()
	keys := []string{"a/1", "a/2", "a/10", "ab", "b/1", "日本/x", "日本語", "a"}
	for _, k := range keys {
		require.NoError(t, st.Put(ctx, "list", k, []byte("v:"+k), 0))
	}
	require.NoError(t, st.Put(ctx, "list-other", "a/3", []byte("elsewhere"), 0))
	tests := []struct {
		prefix string
		want   []string
	}{
		{"a/", []string{"a/1", "a/2", "a/10"}},
		{"a", []string{"a", "a/1", "a/2", "a/10", "ab"}},
		{"a/1", []string{"a/1", "a/10"}},
		{"", keys},
		{"日本", []string{"日本/x", "日本語"}},
		{"zzz", nil},
		{"a/10/", nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("prefix=%q", tt.prefix), func(t *testing.T) {
			items, err := st.List(ctx, "list", tt.prefix)
			require.NoError(t, err)
			want := map[string][]byte{}
			for _, k := range tt.want {
				want[k] = []byte("v:" + k)
			}
			assert.Equal(t, want, nonNil(items))
		})
	}
}

// testListMany stores more than a megabyte, so a DynamoDB Query needs
// several pages.
func (s suite) testListMany(t *testing.T, st Store, _ *Clock) {
	ctx := context.Background()
	const n = 600
	val := bytes.Repeat([]byte{'v'}, 2<<10)
	for i := range n {
		require.NoError(t, st.Put(ctx, "many", fmt.Sprintf("item/%04d", i), val, 0))
	}
	require.NoError(t, st.Put(ctx, "many", "other/1", val, 0))
	items, err := st.List(ctx, "many", "item/")
	require.NoError(t, err)
	assert.Len(t, items, n)
	for i := range n {
		k := fmt.Sprintf("item/%04d", i)
		if !assert.Contains(t, items, k) {
			break
		}
		assert.Equal(t, val, items[k])
	}
}

func (s suite) testKeys(t *testing.T, st Store, _ *Clock) {
	ctx := context.Background()
	keys := []string{
		"simple", "with/slash", "/leading/slash/", "a//b", "space in key", "T0123:C456:1700000000.000100",
		"ünïcødé", "日本語/キー", "emoji-🚀", "quote\"and'apos", "percent%2Fslash", "#hash", "back\\slash",
		strings.Repeat("long", 200),
	}
	for _, k := range keys {
		require.NoError(t, st.Put(ctx, "keys", k, []byte(k), 0), "key %q", k)
	}
	for _, k := range keys {
		assert.Equal(t, k, string(mustGet(t, st, "keys", k)), "key %q", k)
	}
	items, err := st.List(ctx, "keys", "")
	require.NoError(t, err)
	assert.Len(t, items, len(keys))
	// Unicode and slashes in the namespace too.
	require.NoError(t, st.Put(ctx, "ns/ünï", "k", []byte("v"), 0))
	assert.Equal(t, "v", string(mustGet(t, st, "ns/ünï", "k")))
}

func (s suite) testBinary(t *testing.T, st Store, _ *Clock) {
	ctx := context.Background()
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	tests := []struct {
		name  string
		value []byte
	}{
		{"all bytes", all},
		{"zeros", make([]byte, 64)},
		{"invalid utf8", []byte{0xff, 0xfe, 0xc3, 0x28}},
		{"empty", []byte{}},
		{"nil", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, st.Put(ctx, "bin", tt.name, tt.value, 0))
			got := mustGet(t, st, "bin", tt.name)
			assert.Equal(t, len(tt.value), len(got))
			assert.True(t, bytes.Equal(tt.value, got))
		})
	}
	items, err := st.List(ctx, "bin", "")
	require.NoError(t, err)
	require.Contains(t, items, "empty", "an empty value is a live entry")
	assert.Empty(t, items["empty"])
	assert.Equal(t, all, items["all bytes"])
}

func (s suite) testLarge(t *testing.T, st Store, _ *Clock) {
	ctx := context.Background()
	v := pattern(s.cfg.largeValue)
	require.NoError(t, st.Put(ctx, "large", "big", v, 0))
	assert.Equal(t, v, mustGet(t, st, "large", "big"))
	items, err := st.List(ctx, "large", "b")
	require.NoError(t, err)
	assert.Equal(t, v, items["big"])
	stored, err := st.PutIfAbsent(ctx, "large", "big2", v, 0)
	require.NoError(t, err)
	assert.True(t, stored)
	assert.Equal(t, v, mustGet(t, st, "large", "big2"))
}

func (s suite) testLimit(t *testing.T, st Store, _ *Clock) {
	if s.cfg.limit == 0 {
		t.Skip("the implementation declares no value limit")
	}
	ctx := context.Background()
	v := pattern(s.cfg.limit + 1)
	err := st.Put(ctx, "limit", "k", v, 0)
	require.Error(t, err)
	assert.ErrorIs(t, err, s.cfg.limitErr)
	_, err = st.PutIfAbsent(ctx, "limit", "k", v, 0)
	assert.ErrorIs(t, err, s.cfg.limitErr)
	assertAbsent(t, st, "limit", "k")
}

func (s suite) testTTL(t *testing.T, st Store, c *Clock) {
	ctx := context.Background()
	require.NoError(t, st.Put(ctx, "ttl", "hour", []byte("h"), time.Hour))
	require.NoError(t, st.Put(ctx, "ttl", "never", []byte("n"), 0))
	require.NoError(t, st.Put(ctx, "ttl", "negative", []byte("n"), -time.Second))
	if c == nil {
		require.NoError(t, st.Put(ctx, "ttl", "short", []byte("s"), 30*time.Millisecond))
		eventuallyAbsent(t, st, "ttl", "short")
		for _, k := range []string{"hour", "never", "negative"} {
			assert.NotNil(t, mustGet(t, st, "ttl", k), k)
		}
		return
	}
	require.NoError(t, st.Put(ctx, "ttl", "subsecond", []byte("s"), 1500*time.Millisecond))
	require.NoError(t, st.Put(ctx, "ttl", "cleared", []byte("c"), time.Minute))
	require.NoError(t, st.Put(ctx, "ttl", "cleared", []byte("c2"), 0)) // a Put replaces the TTL too

	c.Add(1499 * time.Millisecond)
	assert.Equal(t, "s", string(mustGet(t, st, "ttl", "subsecond")), "live just before its TTL")
	c.Add(time.Millisecond)
	assertAbsent(t, st, "ttl", "subsecond")

	c.Add(time.Hour - 1500*time.Millisecond - time.Millisecond)
	assert.Equal(t, "h", string(mustGet(t, st, "ttl", "hour")))
	c.Add(time.Millisecond)
	assertAbsent(t, st, "ttl", "hour")
	items, err := st.List(ctx, "ttl", "")
	require.NoError(t, err)
	assert.Equal(t, []string{"cleared", "negative", "never"}, sortedKeys(items), "List skips expired entries")

	c.Add(10 * 365 * 24 * time.Hour)
	for _, k := range []string{"never", "negative", "cleared"} {
		assert.NotNil(t, mustGet(t, st, "ttl", k), "%s never expires", k)
	}
}

func (s suite) testPutIfAbsent(t *testing.T, st Store, c *Clock) {
	ctx := context.Background()
	stored, err := st.PutIfAbsent(ctx, "pia", "k", []byte("first"), 0)
	require.NoError(t, err)
	assert.True(t, stored)
	stored, err = st.PutIfAbsent(ctx, "pia", "k", []byte("second"), 0)
	require.NoError(t, err)
	assert.False(t, stored, "a live value is kept")
	assert.Equal(t, "first", string(mustGet(t, st, "pia", "k")))

	stored, err = st.PutIfAbsent(ctx, "pia", "ttl", []byte("t"), time.Hour)
	require.NoError(t, err)
	require.True(t, stored)
	if c != nil {
		c.Add(time.Hour)
		assertAbsent(t, st, "pia", "ttl")
	}
}

// testOneWinner races 32 goroutines on PutIfAbsent of the same key, several
// times: exactly one must win, and the stored value must be the winner's.
func (s suite) testOneWinner(t *testing.T, st Store, _ *Clock) {
	for round := range 4 {
		key := fmt.Sprintf("race-%d", round)
		winner := raceOne(t, st, "race", key, time.Hour)
		require.GreaterOrEqual(t, winner, 0, "round %d: no winner", round)
		assert.Equal(t, fmt.Sprint(winner), string(mustGet(t, st, "race", key)))
	}
}

func (s suite) testOverExpired(t *testing.T, st Store, c *Clock) {
	ctx := context.Background()
	if c == nil {
		require.NoError(t, st.Put(ctx, "exp", "k", []byte("old"), 20*time.Millisecond))
		require.Eventually(t, func() bool {
			stored, err := st.PutIfAbsent(ctx, "exp", "k", []byte("new"), 0)
			return err == nil && stored
		}, 10*time.Second, 10*time.Millisecond, "an expired value counts as absent")
		assert.Equal(t, "new", string(mustGet(t, st, "exp", "k")))
		return
	}
	require.NoError(t, st.Put(ctx, "exp", "k", []byte("old"), time.Second))
	c.Add(time.Second)
	stored, err := st.PutIfAbsent(ctx, "exp", "k", []byte("new"), time.Minute)
	require.NoError(t, err)
	assert.True(t, stored, "an expired value counts as absent")
	assert.Equal(t, "new", string(mustGet(t, st, "exp", "k")))
	c.Add(time.Minute)
	// Many contenders over an expired value: still one winner.
	winner := raceOne(t, st, "exp", "k", time.Minute)
	require.GreaterOrEqual(t, winner, 0)
	assert.Equal(t, fmt.Sprint(winner), string(mustGet(t, st, "exp", "k")))
}

func (s suite) testCancelled(t *testing.T, st Store, _ *Clock) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.NoError(t, st.Put(context.Background(), "cancel", "present", []byte("v"), 0))
	ops := []struct {
		name string
		call func() error
	}{
		{"Get", func() error { _, _, err := st.Get(ctx, "cancel", "present"); return err }},
		{"Put", func() error { return st.Put(ctx, "cancel", "k", []byte("v"), 0) }},
		{"PutIfAbsent", func() error { _, err := st.PutIfAbsent(ctx, "cancel", "k", []byte("v"), 0); return err }},
		{"Delete", func() error { return st.Delete(ctx, "cancel", "present") }},
		{"List", func() error { _, err := st.List(ctx, "cancel", ""); return err }},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			assert.ErrorIs(t, op.call(), context.Canceled)
		})
	}
	assertAbsent(t, st, "cancel", "k")
	assert.Equal(t, "v", string(mustGet(t, st, "cancel", "present")), "a cancelled Delete deletes nothing")
}

func (s suite) testConcurrent(t *testing.T, st Store, _ *Clock) {
	ctx := context.Background()
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				k := fmt.Sprintf("w%d/%d", w, i)
				if err := st.Put(ctx, "conc", k, []byte(k), time.Hour); err != nil {
					errs <- err
					return
				}
				v, ok, err := st.Get(ctx, "conc", k)
				if err != nil || !ok || string(v) != k {
					errs <- fmt.Errorf("get %s: %q %v %w", k, v, ok, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	items, err := st.List(ctx, "conc", "w")
	require.NoError(t, err)
	assert.Len(t, items, workers*each)
}

// raceOne starts 32 goroutines that call PutIfAbsent(ns, key, "<i>") at once
// and returns the index of the single winner (-1 if none); it fails the test
// when more than one wins or a call errors.
func raceOne(t *testing.T, st Store, ns, key string, ttl time.Duration) int {
	t.Helper()
	const n = 32
	var (
		wg     sync.WaitGroup
		wins   atomic.Int32
		winner atomic.Int32
		start  = make(chan struct{})
		errs   = make([]error, n)
	)
	winner.Store(-1)
	for i := range n {
		wg.Go(func() {
			<-start
			ok, err := st.PutIfAbsent(context.Background(), ns, key, []byte(fmt.Sprint(i)), ttl)
			errs[i] = err
			if ok {
				wins.Add(1)
				winner.Store(int32(i))
			}
		})
	}
	close(start)
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	require.Equal(t, int32(1), wins.Load(), "exactly one PutIfAbsent wins")
	return int(winner.Load())
}

func mustGet(t *testing.T, st Store, ns, key string) []byte {
	t.Helper()
	v, ok, err := st.Get(context.Background(), ns, key)
	require.NoError(t, err)
	require.True(t, ok, "%s/%s should be present", ns, key)
	return v
}

func assertAbsent(t *testing.T, st Store, ns, key string) {
	t.Helper()
	v, ok, err := st.Get(context.Background(), ns, key)
	require.NoError(t, err)
	assert.False(t, ok, "%s/%s should be absent, has %q", ns, key, v)
}

func eventuallyAbsent(t *testing.T, st Store, ns, key string) {
	t.Helper()
	require.Eventually(t, func() bool {
		_, ok, err := st.Get(context.Background(), ns, key)
		if err != nil || ok {
			return false
		}
		items, err := st.List(context.Background(), ns, key)
		return err == nil && len(items) == 0
	}, 10*time.Second, 10*time.Millisecond, "%s/%s should expire", ns, key)
}

// pattern returns n bytes that are not all alike, so a truncated or shifted
// value is noticed.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func nonNil(m map[string][]byte) map[string][]byte {
	if m == nil {
		return map[string][]byte{}
	}
	return m
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
