// Package memstore is the in-memory key/value store behind
// chatops.NewMemoryStore, shared with tests of packages that may not import
// chatops.
package memstore

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"time"
)

type entry struct {
	value   []byte
	expires time.Time // zero: never
}

// Store is an in-memory store with TTLs. It is safe for concurrent use. The
// zero value is not usable; call New.
type Store struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]map[string]entry
}

// New returns an empty store. now may be nil (time.Now).
func New(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{now: now, m: make(map[string]map[string]entry)}
}

func (s *Store) live(ns, key string, now time.Time) (entry, bool) {
	e, ok := s.m[ns][key]
	if !ok {
		return entry{}, false
	}
	if !e.expires.IsZero() && !now.Before(e.expires) {
		delete(s.m[ns], key)
		return entry{}, false
	}
	return e, true
}

func (s *Store) expiry(ttl time.Duration, now time.Time) time.Time {
	if ttl <= 0 {
		return time.Time{}
	}
	return now.Add(ttl)
}

// Get returns the value stored under namespace and key.
func (s *Store) Get(ctx context.Context, namespace, key string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(namespace, key, s.now())
	if !ok {
		return nil, false, nil
	}
	return append([]byte(nil), e.value...), true, nil
}

// Put stores value; ttl <= 0 means it never expires.
func (s *Store) Put(ctx context.Context, namespace, key string, value []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(namespace, key, value, ttl, s.now())
	return nil
}

func (s *Store) put(namespace, key string, value []byte, ttl time.Duration, now time.Time) {
	m := s.m[namespace]
	if m == nil {
		m = make(map[string]entry)
		s.m[namespace] = m
	}
	m[key] = entry{value: append([]byte(nil), value...), expires: s.expiry(ttl, now)}
}

// PutIfAbsent stores value only when no live value exists, and reports
// whether it stored it.
func (s *Store) PutIfAbsent(ctx context.Context, namespace, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if _, ok := s.live(namespace, key, now); ok {
		return false, nil
	}
	s.put(namespace, key, value, ttl, now)
	return true, nil
}

// Delete removes the value; deleting a missing key is not an error.
func (s *Store) Delete(ctx context.Context, namespace, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m[namespace], key)
	return nil
}

// List returns the live entries of namespace whose keys start with prefix.
func (s *Store) List(ctx context.Context, namespace, prefix string) (map[string][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := make(map[string][]byte)
	for k := range s.m[namespace] {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		if e, ok := s.live(namespace, k, now); ok {
			out[k] = append([]byte(nil), e.value...)
		}
	}
	return out, nil
}

// CompareAndSwap stores value with ttl (replacing the TTL too) only if the
// live value under namespace and key equals old, and reports whether it
// did: a delivery claim is renewed only while it is still its owner's.
func (s *Store) CompareAndSwap(ctx context.Context, namespace, key string, old, value []byte, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if e, ok := s.live(namespace, key, now); !ok || !bytes.Equal(e.value, old) {
		return false, nil
	}
	s.put(namespace, key, value, ttl, now)
	return true, nil
}

// CompareAndDelete deletes the value only if it is live and equals old, and
// reports whether it did: a release never deletes a claim a peer took over.
func (s *Store) CompareAndDelete(ctx context.Context, namespace, key string, old []byte) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.live(namespace, key, s.now()); !ok || !bytes.Equal(e.value, old) {
		return false, nil
	}
	delete(s.m[namespace], key)
	return true, nil
}
