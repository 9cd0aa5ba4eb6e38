package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Sentinel errors, for errors.Is.
var (
	// ErrClosed is returned by every call on a Store after Close.
	ErrClosed = errors.New("boltstore: store is closed")
	// ErrLocked is returned by Open when another process (or another open
	// Store in this one) holds the file.
	ErrLocked = errors.New("boltstore: database file is in use by another process")
	// ErrInvalidKey is returned for an empty namespace or key, or a key
	// longer than MaxKeySize.
	ErrInvalidKey = errors.New("boltstore: invalid namespace or key")
	// ErrCorrupt is returned when a stored value cannot be decoded.
	ErrCorrupt = errors.New("boltstore: corrupt value")
)

// MaxKeySize is the longest key (and namespace) accepted, in bytes: bbolt's
// own limit.
const MaxKeySize = bolt.MaxKeySize

// Defaults, in one place.
const (
	defaultMode          fs.FileMode = 0o600
	defaultLockTimeout               = time.Second
	defaultSweepInterval             = time.Minute
	// A short delay: the batch that collects writers during the previous
	// commit's fsync is what coalesces them, so waiting longer only adds
	// latency to a lone writer (bbolt's default is 10 ms).
	defaultBatchDelay = time.Millisecond
	defaultBatchSize  = 1000
	// sweepChunk bounds how many expired entries one sweep transaction
	// deletes, so the sweep never holds the write lock for long.
	sweepChunk = 1000
)

// Option configures Open.
type Option func(*options)

type options struct {
	mode          fs.FileMode
	lockTimeout   time.Duration
	sweepInterval time.Duration
	batchDelay    time.Duration
	batchSize     int
	now           func() time.Time
	onCommit      func(CommitStats)
}

// WithFileMode sets the permission bits of a newly created file (default
// 0600: the store may hold tokens).
func WithFileMode(mode fs.FileMode) Option { return func(o *options) { o.mode = mode } }

// WithLockTimeout sets how long Open waits for another holder of the file
// before failing with ErrLocked (default 1s). It must be positive: waiting
// forever would hang a second replica pointed at the same file.
func WithLockTimeout(d time.Duration) Option { return func(o *options) { o.lockTimeout = d } }

// WithSweepInterval sets how often expired entries are deleted from the file
// (default 1 minute); d < 0 disables the sweep. Expired entries are never
// returned either way: the sweep only reclaims space.
func WithSweepInterval(d time.Duration) Option { return func(o *options) { o.sweepInterval = d } }

// WithBatch sets how many concurrent writes may share one transaction and
// one fsync (default 1000). Writes are group-committed: every write that
// arrives while a commit runs joins the next one, so no waiting is needed;
// delay is accepted for compatibility and must not be negative.
func WithBatch(size int, delay time.Duration) Option {
	return func(o *options) { o.batchSize, o.batchDelay = size, delay }
}

// WithNow sets the clock used for TTLs (default time.Now), for tests.
func WithNow(now func() time.Time) Option { return func(o *options) { o.now = now } }

// CommitStats describes one group commit: how many writes shared it, how
// long the transaction took (its fsyncs included) and whether it failed.
type CommitStats struct {
	Writes   int
	Duration time.Duration
	Err      error
}

// WithCommitObserver calls f after every group commit, from the single
// writer goroutine and before the commit's writers are released, so f must
// be quick (count, record a histogram). It lets a host export commit sizes
// and latencies as metrics, and it is how the pipeline benchmarks see
// writes per commit.
func WithCommitObserver(f func(CommitStats)) Option { return func(o *options) { o.onCommit = f } }

// Store is a Store (chatops.Store's method set) in one bbolt file. It is
// safe for concurrent use. Reads run in shared read transactions; writes
// are group-committed (commit.go), so each returns once its transaction is
// committed and fsync'd. The caller must call Close.
type Store struct {
	db   *bolt.DB
	now  func() time.Time
	path string

	stopSweep context.CancelFunc
	sweepDone chan struct{}
	closeOnce sync.Once
	closeErr  error

	// The group-commit writer (commit.go).
	writeMu      sync.RWMutex
	writesClosed bool
	writes       chan *writeReq
	writerDone   chan struct{}
	onCommit     func(CommitStats)
}

// Open opens (creating if needed) the database file at path. It fails with
// ErrLocked, after the lock timeout, when the file is held by another
// process: bbolt takes an exclusive lock, so two replicas cannot share a
// file (use dynamostore for that).
func Open(path string, opts ...Option) (*Store, error) {
	o := options{
		mode:          defaultMode,
		lockTimeout:   defaultLockTimeout,
		sweepInterval: defaultSweepInterval,
		batchDelay:    defaultBatchDelay,
		batchSize:     defaultBatchSize,
		now:           time.Now,
	}
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case path == "":
		return nil, errors.New("boltstore: open: empty path")
	case o.lockTimeout <= 0:
		return nil, fmt.Errorf("boltstore: open %s: lock timeout must be positive, got %s", path, o.lockTimeout)
	case o.batchSize < 1 || o.batchDelay < 0:
		return nil, fmt.Errorf("boltstore: open %s: invalid batch size %d or delay %s", path, o.batchSize, o.batchDelay)
	case o.now == nil:
		return nil, fmt.Errorf("boltstore: open %s: nil clock", path)
	}
	db, err := bolt.Open(path, o.mode, &bolt.Options{Timeout: o.lockTimeout})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s (waited %s; a second replica needs its own file or dynamostore): %w",
			ErrLocked, path, o.lockTimeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	s := &Store{db: db, now: o.now, path: path, sweepDone: make(chan struct{}),
		writes: make(chan *writeReq, 4*o.batchSize), writerDone: make(chan struct{}), onCommit: o.onCommit}
	go s.writer(o.batchSize)
	ctx, cancel := context.WithCancel(context.Background())
	s.stopSweep = cancel
	if o.sweepInterval > 0 {
		go s.sweepLoop(ctx, o.sweepInterval)
	} else {
		close(s.sweepDone)
	}
	return s, nil
}

// Close stops the sweep and closes the file, waiting for transactions in
// flight. Later calls return the first call's result; every other method
// then fails with ErrClosed.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.stopSweep()
		<-s.sweepDone
		s.stopWriter()
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("boltstore: close %s: %w", s.path, err)
		}
	})
	return s.closeErr
}

// Value encoding: a format byte, the expiry as Unix nanoseconds (big endian,
// 0 = never), then the value. The expiry lives with the value so a reader
// needs one lookup.
const (
	formatV1  = 1
	headerLen = 9
)

func encode(value []byte, expires int64) []byte {
	buf := make([]byte, headerLen+len(value))
	buf[0] = formatV1
	binary.BigEndian.PutUint64(buf[1:headerLen], uint64(expires))
	copy(buf[headerLen:], value)
	return buf
}

// decode returns the expiry and the value, which aliases raw (valid only in
// the transaction that read it).
func decode(raw []byte) (expires int64, value []byte, err error) {
	if len(raw) < headerLen || raw[0] != formatV1 {
		return 0, nil, ErrCorrupt
	}
	return int64(binary.BigEndian.Uint64(raw[1:headerLen])), raw[headerLen:], nil
}

// lookup reads key's stored entry (live or not) in tx, with its bucket;
// the value aliases the transaction's memory.
func lookup(tx *bolt.Tx, namespace, key string) (b *bolt.Bucket, expires int64, value []byte, found bool, err error) {
	b = tx.Bucket([]byte(namespace))
	if b == nil {
		return nil, 0, nil, false, nil
	}
	raw := b.Get([]byte(key))
	if raw == nil {
		return b, 0, nil, false, nil
	}
	expires, value, err = decode(raw)
	return b, expires, value, err == nil, err
}

// live reports whether an entry expiring at expires is live at now.
func live(expires, now int64) bool { return expires == 0 || now < expires }

func (s *Store) expiry(ttl time.Duration) int64 {
	if ttl <= 0 {
		return 0
	}
	return s.now().Add(ttl).UnixNano()
}

func validate(namespace, key string) error {
	if namespace == "" || key == "" || len(namespace) > MaxKeySize || len(key) > MaxKeySize {
		return fmt.Errorf("%w: namespace %d bytes, key %d bytes (each 1..%d)", ErrInvalidKey, len(namespace), len(key), MaxKeySize)
	}
	return nil
}

// start is the common prologue: the context, then the arguments.
func start(ctx context.Context, namespace, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return validate(namespace, key)
}

// wrap adds what failed and maps bbolt's "not open" to ErrClosed.
func wrap(op, namespace, key string, err error) error {
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		err = ErrClosed
	}
	return fmt.Errorf("boltstore: %s %s/%s: %w", op, namespace, key, err)
}

// Get returns the live value stored under namespace and key.
func (s *Store) Get(ctx context.Context, namespace, key string) ([]byte, bool, error) {
	if err := start(ctx, namespace, key); err != nil {
		return nil, false, wrap("get", namespace, key, err)
	}
	now := s.now().UnixNano()
	var out []byte
	var found bool
	err := s.db.View(func(tx *bolt.Tx) error {
		_, expires, v, ok, err := lookup(tx, namespace, key)
		if err != nil || !ok {
			return err
		}
		if live(expires, now) {
			out, found = bytes.Clone(v), true
			if out == nil {
				out = []byte{}
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, wrap("get", namespace, key, err)
	}
	return out, found, nil
}

// Put stores value; ttl <= 0 means it never expires. It returns after the
// write is durable.
func (s *Store) Put(ctx context.Context, namespace, key string, value []byte, ttl time.Duration) error {
	if err := start(ctx, namespace, key); err != nil {
		return wrap("put", namespace, key, err)
	}
	// Encoded outside the batched function: Batch may run it more than
	// once, and it must do the same thing each time.
	enc := encode(value, s.expiry(ttl))
	err := s.write(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(namespace))
		if err != nil {
			return err
		}
		return b.Put([]byte(key), enc)
	})
	if err != nil {
		return wrap("put", namespace, key, err)
	}
	return nil
}

// PutIfAbsent stores value only when there is no live value (an expired one
// counts as absent) and reports whether it did. Of concurrent callers,
// exactly one wins: the check and the write run in one write transaction.
func (s *Store) PutIfAbsent(ctx context.Context, namespace, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := start(ctx, namespace, key); err != nil {
		return false, wrap("put-if-absent", namespace, key, err)
	}
	now := s.now()
	var expires int64
	if ttl > 0 {
		expires = now.Add(ttl).UnixNano()
	}
	enc := encode(value, expires)
	var stored bool
	err := s.write(func(tx *bolt.Tx) error {
		// Assigned on every run: if the batch is retried, only the last
		// run's outcome is the committed one.
		stored = false
		b, err := tx.CreateBucketIfNotExists([]byte(namespace))
		if err != nil {
			return err
		}
		if raw := b.Get([]byte(key)); raw != nil {
			exp, _, err := decode(raw)
			// A corrupt value is treated as present: overwriting data we
			// cannot read would hide the corruption.
			if err != nil {
				return err
			}
			if live(exp, now.UnixNano()) {
				return nil
			}
		}
		if err := b.Put([]byte(key), enc); err != nil {
			return err
		}
		stored = true
		return nil
	})
	if err != nil {
		return false, wrap("put-if-absent", namespace, key, err)
	}
	return stored, nil
}

// Delete removes the value; deleting a missing key is not an error.
func (s *Store) Delete(ctx context.Context, namespace, key string) error {
	if err := start(ctx, namespace, key); err != nil {
		return wrap("delete", namespace, key, err)
	}
	err := s.write(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(namespace))
		if b == nil {
			return nil
		}
		return b.Delete([]byte(key))
	})
	if err != nil {
		return wrap("delete", namespace, key, err)
	}
	return nil
}

// List returns the live entries of namespace whose keys start with prefix,
// read in one consistent snapshot.
func (s *Store) List(ctx context.Context, namespace, prefix string) (map[string][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, wrap("list", namespace, prefix+"*", err)
	}
	if namespace == "" || len(namespace) > MaxKeySize {
		return nil, wrap("list", namespace, prefix+"*", validate(namespace, "-"))
	}
	now := s.now().UnixNano()
	out := make(map[string][]byte)
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(namespace))
		if b == nil {
			return nil
		}
		p := []byte(prefix)
		c := b.Cursor()
		for k, raw := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, raw = c.Next() {
			// A long listing still notices cancellation.
			if err := ctx.Err(); err != nil {
				return err
			}
			expires, v, err := decode(raw)
			if err != nil {
				return fmt.Errorf("key %q: %w", k, err)
			}
			if live(expires, now) {
				out[string(k)] = append([]byte{}, v...)
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("list", namespace, prefix+"*", err)
	}
	return out, nil
}
