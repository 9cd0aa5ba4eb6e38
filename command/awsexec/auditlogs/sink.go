package auditlogs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// PutLogEvents limits (CloudWatch Logs quotas).
const (
	MaxBatchEvents = 10000
	MaxBatchBytes  = 1048576
	// EventOverhead is what CloudWatch Logs counts per event on top of the
	// message's UTF-8 bytes.
	EventOverhead = 26
	// MaxEventBytes is the largest message a single event carries; longer
	// records are shortened field by field, free text first, and marked
	// (see Write), rather than rejected.
	MaxEventBytes = 256*1024 - EventOverhead
	// MaxBatchSpan is the widest time range one batch may cover.
	MaxBatchSpan = 24 * time.Hour
)

// Defaults.
const (
	DefaultGroupPrefix   = "/aws/chatbot/"
	DefaultStream        = "opschat-audit"
	DefaultConfiguration = "opschat"
	DefaultFlushInterval = 5 * time.Second
	DefaultMaxBuffered   = 100000
)

// ErrBufferFull is returned by Write when CloudWatch Logs has been
// unreachable for so long that the buffer holds the maximum number of
// records; the record is not accepted, so the audit log can report it.
var ErrBufferFull = errors.New("auditlogs: buffer full")

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("auditlogs: sink closed")

// API is the part of the CloudWatch Logs client the sink uses;
// *cloudwatchlogs.Client implements it.
type API interface {
	PutLogEvents(ctx context.Context, in *cloudwatchlogs.PutLogEventsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.PutLogEventsOutput, error)
	CreateLogGroup(ctx context.Context, in *cloudwatchlogs.CreateLogGroupInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.CreateLogGroupOutput, error)
	CreateLogStream(ctx context.Context, in *cloudwatchlogs.CreateLogStreamInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.CreateLogStreamOutput, error)
}

// Option configures a Sink.
type Option func(*Sink)

// WithStream names the log stream in every group (default "opschat-audit";
// use one per replica, for example the host name).
func WithStream(name string) Option { return func(s *Sink) { s.stream = name } }

// WithGroupPrefix changes the group prefix (default "/aws/chatbot/").
func WithGroupPrefix(p string) Option { return func(s *Sink) { s.prefix = p } }

// WithDefaultConfiguration is the configuration used for records without a
// "configuration" field (default "opschat").
func WithDefaultConfiguration(name string) Option { return func(s *Sink) { s.defaultConf = name } }

// WithFlushInterval sends buffered records in the background this often
// (default 5 s); 0 disables background sending: only Flush and Close send.
func WithFlushInterval(d time.Duration) Option { return func(s *Sink) { s.interval = d } }

// WithMaxBuffered bounds the records held while CloudWatch Logs is
// unreachable (default 100000).
func WithMaxBuffered(n int) Option { return func(s *Sink) { s.maxBuffered = n } }

// WithMaxFieldBytes caps each free-text field of a record (the command
// text, an error, anything but the decision fields) at n encoded bytes, cut
// and marked as for records over the event limit, so one long command
// cannot crowd a log view. 0 (the default) cuts only records over
// MaxEventBytes, keeping the full command as evidence.
func WithMaxFieldBytes(n int) Option { return func(s *Sink) { s.maxField = n } }

// WithLogger logs background flush failures.
func WithLogger(l *slog.Logger) Option { return func(s *Sink) { s.logger = l } }

// WithClock sets the clock used for records without a "time" field.
func WithClock(now func() time.Time) Option { return func(s *Sink) { s.now = now } }

type event struct {
	ts  int64 // milliseconds
	msg string
	seq int // arrival order, to keep equal timestamps in order
}

// Sink is an io.Writer that batches JSON audit records into CloudWatch Logs.
// It is safe for concurrent use. With a flush interval it runs one
// background goroutine, which Close stops; the creator must call Close.
type Sink struct {
	api         API
	stream      string
	prefix      string
	defaultConf string
	interval    time.Duration
	maxBuffered int
	logger      *slog.Logger
	now         func() time.Time
	maxField    int

	mu       sync.Mutex
	buf      map[string][]event // by log group
	buffered int
	seq      int
	closed   bool

	flushMu sync.Mutex // one flush at a time; guards ready
	ready   map[string]bool

	stop chan struct{}
	done chan struct{}
}

var _ io.Writer = (*Sink)(nil)

// New returns a sink sending to CloudWatch Logs through api.
func New(api API, opts ...Option) (*Sink, error) {
	if api == nil {
		return nil, errors.New("auditlogs: new: nil client")
	}
	s := &Sink{
		api:         api,
		stream:      DefaultStream,
		prefix:      DefaultGroupPrefix,
		defaultConf: DefaultConfiguration,
		interval:    DefaultFlushInterval,
		maxBuffered: DefaultMaxBuffered,
		logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		now:         time.Now,
		buf:         map[string][]event{},
		ready:       map[string]bool{},
	}
	for _, o := range opts {
		o(s)
	}
	if s.stream == "" || s.maxBuffered <= 0 {
		return nil, errors.New("auditlogs: new: empty stream name or non-positive buffer size")
	}
	if s.maxField < 0 || (s.maxField > 0 && s.maxField < 64) {
		return nil, errors.New("auditlogs: new: WithMaxFieldBytes must be 0 (off) or at least 64")
	}
	if s.interval > 0 {
		s.stop, s.done = make(chan struct{}), make(chan struct{})
		go s.loop()
	}
	return s, nil
}

func (s *Sink) loop() {
	defer close(s.done)
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), s.interval*4)
			if err := s.Flush(ctx); err != nil {
				s.logger.Warn("auditlogs: flush", slog.String("error", err.Error()))
			}
			cancel()
		}
	}
}

// record is the part of an audit record the sink reads.
type record struct {
	Time          string `json:"time"`
	Configuration string `json:"configuration"`
}

// Write buffers one JSON audit record (a trailing newline is dropped). The
// record's "configuration" picks the log group and its "time" (RFC 3339)
// the event timestamp. A record over MaxEventBytes is shortened so that it
// stays valid JSON under the limit with its decision fields (outcome,
// decision, reason, user, channel, action...) whole: the free-text fields
// (the command text, an error, anything else) are cut first, and the record
// gets "truncated": true, "original_bytes" and "truncated_fields" (each cut
// field's original length). It does no I/O.
func (s *Sink) Write(p []byte) (int, error) {
	msg := string(p)
	for len(msg) > 0 && (msg[len(msg)-1] == '\n' || msg[len(msg)-1] == '\r') {
		msg = msg[:len(msg)-1]
	}
	if msg == "" {
		return len(p), nil
	}
	var rec record
	if err := json.Unmarshal([]byte(msg), &rec); err != nil {
		return 0, fmt.Errorf("auditlogs: write: record is not a JSON object: %w", err)
	}
	ts := s.now()
	if rec.Time != "" {
		if t, err := time.Parse(time.RFC3339Nano, rec.Time); err == nil {
			ts = t
		}
	}
	conf := rec.Configuration
	if conf == "" {
		conf = s.defaultConf
	}
	if fitted, cut := fitRecord(msg, MaxEventBytes, s.maxField); cut {
		// Still valid JSON with every decision field; see fitRecord.
		level := slog.LevelDebug // a field over WithMaxFieldBytes: routine
		if len(msg) > MaxEventBytes {
			level = slog.LevelWarn
		}
		s.logger.Log(context.Background(), level, "auditlogs: record shortened",
			slog.Int("bytes", len(msg)), slog.Int("max_event_bytes", MaxEventBytes), slog.String("configuration", conf))
		msg = fitted
	}
	group := s.GroupName(conf)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	if s.buffered >= s.maxBuffered {
		return 0, ErrBufferFull
	}
	s.seq++
	s.buf[group] = append(s.buf[group], event{ts: ts.UnixMilli(), msg: msg, seq: s.seq})
	s.buffered++
	return len(p), nil
}

var groupBad = regexp.MustCompile(`[^A-Za-z0-9._/#-]`)

// GroupName returns the log group of a configuration
// ("/aws/chatbot/prod-alerts"); characters log group names cannot hold
// become '_'.
func (s *Sink) GroupName(configuration string) string {
	name := s.prefix + groupBad.ReplaceAllString(configuration, "_")
	if len(name) > 512 {
		name = name[:512]
	}
	return name
}

// Flush sends every buffered record. Records that could not be sent stay
// buffered for the next flush; the error says which groups failed.
func (s *Sink) Flush(ctx context.Context) error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.mu.Lock()
	pending := s.buf
	s.buf = map[string][]event{}
	s.mu.Unlock()

	groups := make([]string, 0, len(pending))
	for g := range pending {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	var errs []error
	for _, g := range groups {
		evs := pending[g]
		sort.SliceStable(evs, func(i, j int) bool {
			if evs[i].ts != evs[j].ts {
				return evs[i].ts < evs[j].ts
			}
			return evs[i].seq < evs[j].seq
		})
		sent, err := s.sendGroup(ctx, g, evs)
		s.mu.Lock()
		s.buffered -= sent
		if err != nil {
			// Keep the unsent records, ahead of anything written meanwhile.
			s.buf[g] = append(evs[sent:len(evs):len(evs)], s.buf[g]...)
			errs = append(errs, fmt.Errorf("auditlogs: flush %s: %w", g, err))
		}
		s.mu.Unlock()
	}
	return errors.Join(errs...)
}

// sendGroup sends sorted events in batches and returns how many were sent.
func (s *Sink) sendGroup(ctx context.Context, group string, evs []event) (int, error) {
	if !s.ready[group] {
		if err := s.ensure(ctx, group); err != nil {
			return 0, err
		}
	}
	sent := 0
	for sent < len(evs) {
		n := batchLen(evs[sent:])
		batch := make([]types.InputLogEvent, n)
		for i, e := range evs[sent : sent+n] {
			batch[i] = types.InputLogEvent{Timestamp: aws.Int64(e.ts), Message: aws.String(e.msg)}
		}
		in := &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(s.stream), LogEvents: batch}
		out, err := s.api.PutLogEvents(ctx, in)
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			// Deleted since we created it: create again, retry once.
			delete(s.ready, group)
			if err = s.ensure(ctx, group); err == nil {
				out, err = s.api.PutLogEvents(ctx, in)
			}
		}
		if err != nil {
			return sent, err
		}
		if out != nil && out.RejectedLogEventsInfo != nil {
			s.logger.Warn("auditlogs: events rejected", slog.String("group", group),
				slog.Any("tooOldEndIndex", out.RejectedLogEventsInfo.TooOldLogEventEndIndex),
				slog.Any("tooNewStartIndex", out.RejectedLogEventsInfo.TooNewLogEventStartIndex))
		}
		sent += n
	}
	return sent, nil
}

// batchLen returns how many of the sorted events fit in one PutLogEvents call.
func batchLen(evs []event) int {
	size := 0
	for i, e := range evs {
		sz := len(e.msg) + EventOverhead
		if i == MaxBatchEvents || size+sz > MaxBatchBytes || time.Duration(e.ts-evs[0].ts)*time.Millisecond >= MaxBatchSpan {
			return i
		}
		size += sz
	}
	return len(evs)
}

func (s *Sink) ensure(ctx context.Context, group string) error {
	var exists *types.ResourceAlreadyExistsException
	if _, err := s.api.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("create log group: %w", err)
	}
	if _, err := s.api.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(s.stream)}); err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("create log stream: %w", err)
	}
	s.ready[group] = true
	return nil
}

// Close stops the background flusher, refuses further writes and sends what
// is buffered.
func (s *Sink) Close(ctx context.Context) error {
	s.mu.Lock()
	already := s.closed
	s.closed = true
	s.mu.Unlock()
	if !already && s.stop != nil {
		close(s.stop)
		<-s.done
	}
	return s.Flush(ctx)
}

// Buffered returns how many records wait to be sent.
func (s *Sink) Buffered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buffered
}
