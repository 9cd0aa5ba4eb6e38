package teams

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRecentKeys(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		run  func(t *testing.T, r *recentKeys)
	}{
		{"duplicate within window", func(t *testing.T, r *recentKeys) {
			assert.True(t, r.add("a", t0))
			assert.False(t, r.add("a", t0.Add(time.Minute)))
			assert.False(t, r.add("a", t0.Add(10*time.Minute-time.Nanosecond)))
		}},
		{"new after window", func(t *testing.T, r *recentKeys) {
			assert.True(t, r.add("a", t0))
			assert.True(t, r.add("a", t0.Add(10*time.Minute)))
			assert.False(t, r.add("a", t0.Add(11*time.Minute)), "re-added with a fresh window")
		}},
		{"expired keys are dropped", func(t *testing.T, r *recentKeys) {
			for i := range 3 {
				r.add(strconv.Itoa(i), t0)
			}
			r.add("late", t0.Add(time.Hour))
			assert.Equal(t, 1, r.len())
		}},
		{"bounded: oldest evicted first", func(t *testing.T, r *recentKeys) {
			for i := range 5 {
				assert.True(t, r.add(strconv.Itoa(i), t0))
			}
			assert.Equal(t, 4, r.len())
			assert.True(t, r.add("0", t0), "the oldest was evicted")
			assert.False(t, r.add("4", t0), "the newest is kept")
		}},
		{"removed then re-added stays until its own expiry", func(t *testing.T, r *recentKeys) {
			assert.True(t, r.add("a", t0))
			r.remove("a")
			assert.True(t, r.add("a", t0), "a removed key is new")
			// The first insertion's queue entry must not evict the second.
			for i := range 3 {
				r.add("x"+strconv.Itoa(i), t0)
			}
			assert.Equal(t, 4, r.len())
			assert.False(t, r.add("a", t0))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newRecentKeys(10*time.Minute, 4))
		})
	}
}

// The queue's drained front is reclaimed: memory stays bounded by the
// capacity under a long stream of distinct keys.
func TestRecentKeysQueueReclaimed(t *testing.T) {
	t.Parallel()
	r := newRecentKeys(time.Hour, 100)
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	for i := range 100000 {
		r.add(strconv.Itoa(i), t0.Add(time.Duration(i)*time.Millisecond))
	}
	assert.Equal(t, 100, r.len())
	assert.Less(t, len(r.queue)-r.head, 101)
	assert.Less(t, cap(r.queue), 5000, "the drained front was reclaimed")
}

func BenchmarkRecentKeysAdd(b *testing.B) {
	r := newRecentKeys(time.Hour, DefaultDedupCapacity)
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	keys := make([]string, 1<<16)
	for i := range keys {
		keys[i] = activityKey("msteams", "19:abc@thread.tacv2", strconv.Itoa(i))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.add(keys[i&(len(keys)-1)], t0.Add(time.Duration(i)))
	}
}
