package boltstore

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// Group commit. Every write waits for an fsync'd commit (two fsyncs in
// bbolt, ~5-15 ms on a busy disk), so throughput comes from putting many
// writes in one commit. bbolt's own Batch closes a batch after a fixed delay
// and the batches then queue behind each other, each paying its own fsync:
// more concurrent writers did not mean more writes per commit. Here one
// writer goroutine takes every write that arrived while the previous commit
// ran into the next commit, so the commit size grows with the load and a
// writer waits about two commit latencies whatever the concurrency.

type writeReq struct {
	fn   func(tx *bolt.Tx) error
	done chan error
}

// write runs fn in the next group commit and returns its error, or the
// commit's. fn runs exactly once; it must make a single change (or none)
// so that an error leaves nothing half done in the shared transaction.
func (s *Store) write(fn func(tx *bolt.Tx) error) error {
	r := &writeReq{fn: fn, done: make(chan error, 1)}
	s.writeMu.RLock()
	if s.writesClosed {
		s.writeMu.RUnlock()
		return ErrClosed
	}
	s.writes <- r
	s.writeMu.RUnlock()
	return <-r.done
}

// writer commits the queued writes in groups until the queue is closed and
// drained.
func (s *Store) writer(maxBatch int) {
	defer close(s.writerDone)
	batch := make([]*writeReq, 0, maxBatch)
	errs := make([]error, maxBatch)
	for first := range s.writes {
		batch = append(batch[:0], first)
	more:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-s.writes:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		began := time.Now()
		err := s.db.Update(func(tx *bolt.Tx) error {
			for i, r := range batch {
				errs[i] = r.fn(tx)
			}
			return nil
		})
		if s.onCommit != nil {
			s.onCommit(CommitStats{Writes: len(batch), Duration: time.Since(began), Err: err})
		}
		for i, r := range batch {
			if err != nil {
				r.done <- err
			} else {
				r.done <- errs[i]
			}
			batch[i] = nil
		}
	}
}

// stopWriter lets the queued writes commit, then stops the writer; later
// writes fail with ErrClosed.
func (s *Store) stopWriter() {
	s.writeMu.Lock()
	if !s.writesClosed {
		s.writesClosed = true
		close(s.writes)
	}
	s.writeMu.Unlock()
	<-s.writerDone
}
