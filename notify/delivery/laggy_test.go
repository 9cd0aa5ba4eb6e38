package delivery_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/opschat/opschat/internal/memstore"
	"github.com/opschat/opschat/notify/delivery"
	"github.com/opschat/opschat/store/boltstore"
)

// errReset is what a store client reports when the connection drops after
// the request was sent: the server may have applied it, or may still.
var errReset = errors.New("laggy store: connection reset")

// laggyStore is a Store seen from across a network: a write the client
// gave up on — its context ended while the request was in flight, or the
// answer was lost — may still be applied by the server afterwards (a
// DynamoDB or dynalite server finishes a request whose client went away).
// Such writes are queued and applied when the test calls land. It offers
// the conditional operations (delivery.ConditionalStore), made atomic by
// one mutex around every call.
//
// Its hooks (setHooks) may change while a Deliverer uses it.
type laggyStore struct {
	mem *memstore.Store

	hmu sync.Mutex
	h   hooks

	mu   sync.Mutex
	late []func()
}

// hooks, all optional, run under no lock:
//   - before runs at the start of every call and may cancel the caller;
//   - lose decides that a write's answer is lost: the call fails with
//     errReset and the write lands later;
//   - fail decides that a call fails outright (nothing applied).
type hooks struct {
	before func(op, ns, key string, value []byte)
	lose   func(op, ns, key string, value []byte) bool
	fail   func(op, ns, key string, value []byte) error
}

func (s *laggyStore) setHooks(h hooks) {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	s.h = h
}

func (s *laggyStore) hooks() hooks {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	return s.h
}

var (
	_ delivery.ConditionalStore = (*laggyStore)(nil)
	_ delivery.ConditionalStore = (*boltstore.Store)(nil)
)

func newLaggyStore(now func() time.Time) *laggyStore {
	return &laggyStore{mem: memstore.New(now)}
}

// Store operations as the hooks name them.
const (
	opGet         = "get"
	opPut         = "put"
	opPutIfAbsent = "put-if-absent"
	opDelete      = "delete"
	opSwap        = "compare-and-swap"
	opCAD         = "compare-and-delete"
)

// call runs one operation the way a remote store does: nothing is sent
// when ctx has ended already; a request whose caller gives up in flight
// (before cancelled ctx) or whose answer is lost still lands, later.
func (s *laggyStore) call(ctx context.Context, op, ns, key string, value []byte, apply func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	h := s.hooks()
	if h.before != nil {
		h.before(op, ns, key, value)
	}
	if h.fail != nil {
		if err := h.fail(op, ns, key, value); err != nil {
			return err
		}
	}
	lost := ctx.Err()
	if lost == nil && h.lose != nil && h.lose(op, ns, key, value) {
		lost = errReset
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if lost != nil {
		if op != opGet {
			s.late = append(s.late, apply)
		}
		return lost
	}
	apply()
	return nil
}

// land applies every write whose client gave up, in the order sent.
func (s *laggyStore) land() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.late {
		f()
	}
	s.late = nil
}

func (s *laggyStore) Get(ctx context.Context, ns, key string) (v []byte, ok bool, err error) {
	err = s.call(ctx, opGet, ns, key, nil, func() { v, ok, err = s.mem.Get(context.Background(), ns, key) })
	return v, ok, err
}

func (s *laggyStore) Put(ctx context.Context, ns, key string, value []byte, ttl time.Duration) error {
	var perr error
	err := s.call(ctx, opPut, ns, key, value, func() { perr = s.mem.Put(context.Background(), ns, key, value, ttl) })
	return errors.Join(err, perr)
}

func (s *laggyStore) PutIfAbsent(ctx context.Context, ns, key string, value []byte, ttl time.Duration) (bool, error) {
	var ok bool
	var perr error
	err := s.call(ctx, opPutIfAbsent, ns, key, value, func() {
		ok, perr = s.mem.PutIfAbsent(context.Background(), ns, key, value, ttl)
	})
	return ok, errors.Join(err, perr)
}

func (s *laggyStore) Delete(ctx context.Context, ns, key string) error {
	var perr error
	err := s.call(ctx, opDelete, ns, key, nil, func() { perr = s.mem.Delete(context.Background(), ns, key) })
	return errors.Join(err, perr)
}

func (s *laggyStore) List(ctx context.Context, ns, prefix string) (map[string][]byte, error) {
	return s.mem.List(ctx, ns, prefix)
}

// holds reports whether key's live value is old; the caller holds mu.
func (s *laggyStore) holds(ns, key string, old []byte) bool {
	v, ok, err := s.mem.Get(context.Background(), ns, key)
	return err == nil && ok && bytes.Equal(v, old)
}

func (s *laggyStore) CompareAndSwap(ctx context.Context, ns, key string, old, value []byte, ttl time.Duration) (bool, error) {
	var ok bool
	var perr error
	err := s.call(ctx, opSwap, ns, key, value, func() {
		if ok = s.holds(ns, key, old); ok {
			perr = s.mem.Put(context.Background(), ns, key, value, ttl)
		}
	})
	return ok, errors.Join(err, perr)
}

func (s *laggyStore) CompareAndDelete(ctx context.Context, ns, key string, old []byte) (bool, error) {
	var ok bool
	var perr error
	err := s.call(ctx, opCAD, ns, key, old, func() {
		if ok = s.holds(ns, key, old); ok {
			perr = s.mem.Delete(context.Background(), ns, key)
		}
	})
	return ok, errors.Join(err, perr)
}

// claims returns the dedup records that are neither absent nor delivered:
// claims someone still holds.
func (s *laggyStore) claims() map[string]string {
	m, _ := s.mem.List(context.Background(), delivery.NamespaceDedup, "")
	out := map[string]string{}
	for k, v := range m {
		if string(v) != "delivered" {
			out[k] = string(v)
		}
	}
	return out
}
