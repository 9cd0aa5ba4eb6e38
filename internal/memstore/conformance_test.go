package memstore_test

import (
	"testing"
	"time"

	"github.com/opschat/opschat/internal/memstore"
	"github.com/opschat/opschat/store/storetest"
)

// TestConformance holds the in-memory store to the contract the durable
// stores keep, so swapping one for another changes no behaviour.
func TestConformance(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, now func() time.Time) storetest.Store {
		return memstore.New(now)
	})
}

func TestConformanceRealClock(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return memstore.New(nil) })
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) storetest.Store { return memstore.New(nil) })
}
