package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchValueSize is the value size the benchmarks use: about one dedup or
// thread-anchor record.
const BenchValueSize = 256

// Bench runs the shared benchmarks (Get, Put, PutIfAbsent, and Put from 8,
// 32 and 128 concurrent writers)
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
	for _, writers := range []int{8, 32, 128} {
		b.Run(fmt.Sprintf("ParallelPut/writers=%d", writers), func(b *testing.B) {
			st := newStore(b)
			measureParallel(b, writers, func(worker, i int) error {
				return st.Put(ctx, "bench", fmt.Sprintf("w%d/%d", worker, i), value, time.Hour)
			})
		})
	}
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

// measureParallel runs op b.N times in total from writers goroutines,
// timing each call. Store callers (delivery workers, chat handlers) mostly
// wait on I/O, so many writers waiting together is the realistic case, and
// the one a batching store coalesces.
func measureParallel(b *testing.B, writers int, op func(worker, i int) error) {
	b.Helper()
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		durs  = make([][]time.Duration, writers)
		errs  = make([]error, writers)
		total = int64(b.N)
	)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for w := range writers {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < total; i = next.Add(1) - 1 {
				t0 := time.Now()
				if err := op(w, int(i)); err != nil {
					errs[w] = err
					return
				}
				durs[w] = append(durs[w], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err := errors.Join(errs...); err != nil {
		b.Fatal(err)
	}
	report(b, slices.Concat(durs...), elapsed)
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
