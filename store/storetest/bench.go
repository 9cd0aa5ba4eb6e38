package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchValueSize is the value size the benchmarks use: about one dedup or
// thread-anchor record.
const BenchValueSize = 256

// Bench runs the shared benchmarks (Get, Put, PutIfAbsent, ParallelPut)
// against stores from newStore, one store per sub-benchmark. Each reports
// ops/s and the 99th-percentile latency of a single call (p99-ns), measured
// from per-call durations, besides the usual ns/op, B/op and allocs/op.
func Bench(b *testing.B, newStore func(b *testing.B) Store) {
	value := pattern(BenchValueSize)
	ctx := context.Background()

	b.Run("Get", func(b *testing.B) {
		st := newStore(b)
		const keys = 1024
		for i := range keys {
			if err := st.Put(ctx, "bench", benchKey(i), value, 0); err != nil {
				b.Fatal(err)
			}
		}
		measure(b, func(i int) error {
			_, ok, err := st.Get(ctx, "bench", benchKey(i%keys))
			if err == nil && !ok {
				err = fmt.Errorf("get %s: missing", benchKey(i%keys))
			}
			return err
		})
	})
	b.Run("Put", func(b *testing.B) {
		st := newStore(b)
		measure(b, func(i int) error { return st.Put(ctx, "bench", benchKey(i), value, time.Hour) })
	})
	b.Run("PutIfAbsent", func(b *testing.B) {
		st := newStore(b)
		// Alternate a fresh key (stored) and the previous one (refused), the
		// mix a dedup check sees.
		measure(b, func(i int) error {
			_, err := st.PutIfAbsent(ctx, "bench", benchKey(i/2), value, time.Hour)
			return err
		})
	})
	b.Run("ParallelPut", func(b *testing.B) {
		st := newStore(b)
		measureParallel(b, func(worker, i int) error {
			return st.Put(ctx, "bench", fmt.Sprintf("w%d/%d", worker, i), value, time.Hour)
		})
	})
}

func benchKey(i int) string { return fmt.Sprintf("key/%08d", i) }

// measure runs op b.N times sequentially, timing each call.
func measure(b *testing.B, op func(i int) error) {
	b.Helper()
	durs := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		durs = append(durs, time.Since(t0))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	report(b, durs, elapsed)
}

// measureParallel runs op from GOMAXPROCS*parallelism goroutines through
// b.RunParallel. The parallelism is high because Store callers (delivery
// workers, chat handlers) mostly wait on I/O: writers that wait together are
// what a batching store coalesces.
func measureParallel(b *testing.B, op func(worker, i int) error) {
	b.Helper()
	var (
		mu     sync.Mutex
		all    []time.Duration
		nextID int
		failed error
	)
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		id := nextID
		nextID++
		mu.Unlock()
		var durs []time.Duration
		var err error
		for i := 0; pb.Next(); i++ {
			t0 := time.Now()
			if err = op(id, i); err != nil {
				break
			}
			durs = append(durs, time.Since(t0))
		}
		mu.Lock()
		all = append(all, durs...)
		if err != nil && failed == nil {
			failed = err
		}
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if failed != nil {
		b.Fatal(failed)
	}
	report(b, all, elapsed)
}

func report(b *testing.B, durs []time.Duration, elapsed time.Duration) {
	if len(durs) == 0 || elapsed <= 0 {
		return
	}
	slices.Sort(durs)
	// Nearest-rank percentile: the smallest duration with at least 99% of
	// the calls at or below it.
	idx := (len(durs)*99+99)/100 - 1
	b.ReportMetric(float64(durs[idx].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(len(durs))/elapsed.Seconds(), "ops/s")
}
