package delivery

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/opschat/opschat/chat"
)

// ErrNoDeadLetter is returned for an unknown (or expired) dead letter ID.
var ErrNoDeadLetter = errors.New("delivery: no such dead letter")

// DeadLetter is a notification that could not be delivered to one channel,
// kept in the Store (namespace "deadletter", for the keep TTL of WithTTLs)
// with everything needed to replay it: the conversation, the rendered
// message, the configuration and its logging level, the dedup key and the
// envelope it came from, plus the last error.
//
// One notification has at most one dead letter per channel: when a
// redelivery of the same notification (same dedup key) fails again, its
// record is updated (Time, Attempts, Error, Failures) rather than doubled.
type DeadLetter struct {
	ID string `json:"id"`
	// Time is the last failure; FirstTime the first.
	Time      time.Time `json:"time"`
	FirstTime time.Time `json:"firstTime"`
	// Failures counts the copies and replays that failed for good.
	Failures      int               `json:"failures"`
	Configuration string            `json:"configuration"`
	Conversation  chat.Conversation `json:"conversation"`
	DedupKey      string            `json:"dedupKey,omitempty"`
	Message       chat.Message      `json:"message"`
	LogLevel      LogLevel          `json:"logLevel"`
	Kind          string            `json:"kind,omitempty"`
	State         string            `json:"state,omitempty"`
	Unsupported   bool              `json:"unsupported,omitempty"`
	// TopicARN and MessageID identify the source envelope.
	TopicARN  string `json:"topicArn,omitempty"`
	MessageID string `json:"messageId,omitempty"`
	// Attempts is how many sends the last failure made.
	Attempts int    `json:"attempts"`
	Error    string `json:"error"`
}

// Job returns the job that replays dl.
func (dl *DeadLetter) Job() Job {
	return Job{Conversation: dl.Conversation, Message: dl.Message, DedupKey: dl.DedupKey, Configuration: dl.Configuration,
		LogLevel: dl.LogLevel, Kind: dl.Kind, State: dl.State, Unsupported: dl.Unsupported, TopicARN: dl.TopicARN,
		MessageID: dl.MessageID}
}

// deadLetterID names t's dead letter: derived from channel and dedup key,
// so that every failed copy of a notification updates one record.
func deadLetterID(t *task, now time.Time) string {
	if t.deadLetterID != "" {
		return t.deadLetterID
	}
	if t.job.DedupKey == "" {
		return fmt.Sprintf("dl-%020d-%s", now.UnixNano(), randomID())
	}
	sum := sha256.Sum256([]byte(dedupKey(t)))
	return "dl-" + hex.EncodeToString(sum[:12])
}

// deadLetter records t's failure and returns the dead letter's ID.
func (d *Deliverer) deadLetter(t *task, cause error, attempts int) (string, error) {
	now := d.clock.Now()
	id := deadLetterID(t, now)
	j := t.job
	rec := DeadLetter{ID: id, Time: now, FirstTime: now, Failures: 1, Configuration: j.Configuration,
		Conversation: j.Conversation, DedupKey: j.DedupKey, Message: j.Message, LogLevel: j.LogLevel, Kind: j.Kind,
		State: j.State, Unsupported: j.Unsupported, TopicARN: j.TopicARN, MessageID: j.MessageID, Attempts: attempts,
		Error: cause.Error()}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), storeTimeout)
	defer cancel()
	// Failures are rare: reading the previous record to keep its history
	// costs nothing on the delivery path.
	if old, ok, err := d.store.Get(ctx, NamespaceDeadLetter, id); err == nil && ok {
		var prev DeadLetter
		if json.Unmarshal(old, &prev) == nil && !prev.FirstTime.IsZero() {
			rec.FirstTime, rec.Failures = prev.FirstTime, prev.Failures+1
		}
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return "", fmt.Errorf("encode dead letter: %w", err)
	}
	if err := d.store.Put(ctx, NamespaceDeadLetter, id, b, d.keepTTL); err != nil {
		return "", fmt.Errorf("store dead letter: %w", err)
	}
	return id, nil
}

// DeadLetters returns the dead letters, oldest first. A dead letter whose
// notification has since reached its channel (a redelivery by the source
// succeeded) is removed here instead of being listed.
func (d *Deliverer) DeadLetters(ctx context.Context) ([]DeadLetter, error) {
	m, err := d.store.List(ctx, NamespaceDeadLetter, "")
	if err != nil {
		return nil, fmt.Errorf("delivery: list dead letters: %w", err)
	}
	out := make([]DeadLetter, 0, len(m))
	for k, v := range m {
		var dl DeadLetter
		if err := json.Unmarshal(v, &dl); err != nil {
			return nil, fmt.Errorf("delivery: dead letter %q: %w", k, err)
		}
		resolved, err := d.resolved(ctx, &dl)
		if err != nil {
			return nil, err
		}
		if resolved {
			if err := d.store.Delete(ctx, NamespaceDeadLetter, k); err != nil {
				return nil, fmt.Errorf("delivery: remove delivered dead letter %q: %w", k, err)
			}
			continue
		}
		out = append(out, dl)
	}
	sortDeadLetters(out)
	return out, nil
}

// resolved reports whether dl's notification was delivered after it failed.
func (d *Deliverer) resolved(ctx context.Context, dl *DeadLetter) (bool, error) {
	if dl.DedupKey == "" {
		return false, nil
	}
	v, ok, err := d.store.Get(ctx, NamespaceDedup, ChannelKey(dl.Conversation)+"|"+dl.DedupKey)
	if err != nil {
		return false, fmt.Errorf("delivery: dead letter %q: read dedup key: %w", dl.ID, err)
	}
	return ok && string(v) == stateDelivered, nil
}

// DeadLetter returns the dead letter with the given ID, or an error
// matching ErrNoDeadLetter.
func (d *Deliverer) DeadLetter(ctx context.Context, id string) (*DeadLetter, error) {
	b, ok, err := d.store.Get(ctx, NamespaceDeadLetter, id)
	if err != nil {
		return nil, fmt.Errorf("delivery: read dead letter %q: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoDeadLetter, id)
	}
	var dl DeadLetter
	if err := json.Unmarshal(b, &dl); err != nil {
		return nil, fmt.Errorf("delivery: dead letter %q: %w", id, err)
	}
	return &dl, nil
}

// DeleteDeadLetter removes a dead letter (the operator gave up on it).
// Deleting an unknown ID is not an error.
func (d *Deliverer) DeleteDeadLetter(ctx context.Context, id string) error {
	if err := d.store.Delete(ctx, NamespaceDeadLetter, id); err != nil {
		return fmt.Errorf("delivery: delete dead letter %q: %w", id, err)
	}
	return nil
}

// Retry replays a dead letter through the normal delivery path (queue,
// rate limit, retries, dedup) and blocks for the outcome, like Deliver. A
// replay that reaches the channel, or finds the notification delivered
// already, removes the dead letter and returns nil; one that fails again
// keeps it, updated with the new error, and returns a *NotDeliveredError.
func (d *Deliverer) Retry(ctx context.Context, id string) error {
	dl, err := d.DeadLetter(ctx, id)
	if err != nil {
		return err
	}
	p, err := d.enqueue(ctx, nil, dl.ID, []Job{dl.Job()})
	if err != nil {
		return fmt.Errorf("delivery: retry %s: %w", id, err)
	}
	return d.settleReplay(ctx, dl.ID, p)
}

func (d *Deliverer) settleReplay(ctx context.Context, id string, p *Pending) error {
	if err := p.Wait(ctx); err != nil {
		return err
	}
	if err := d.store.Delete(context.WithoutCancel(ctx), NamespaceDeadLetter, id); err != nil {
		return fmt.Errorf("delivery: replayed %s but could not remove its dead letter: %w", id, err)
	}
	return nil
}

// RetryAll replays every dead letter (see Retry) at once, so each channel's
// replays share its queue and rate limit, and returns how many were
// delivered and every failure joined.
func (d *Deliverer) RetryAll(ctx context.Context) (delivered int, err error) {
	dls, err := d.DeadLetters(ctx)
	if err != nil {
		return 0, err
	}
	pend := make([]*Pending, len(dls))
	var errs []error
	for i := range dls {
		p, err := d.enqueue(ctx, nil, dls[i].ID, []Job{dls[i].Job()})
		if err != nil {
			errs = append(errs, fmt.Errorf("delivery: retry %s: %w", dls[i].ID, err))
			continue
		}
		pend[i] = p
	}
	for i, p := range pend {
		if p == nil {
			continue
		}
		if err := d.settleReplay(ctx, dls[i].ID, p); err != nil {
			errs = append(errs, err)
			continue
		}
		delivered++
	}
	return delivered, errors.Join(errs...)
}

func sortDeadLetters(dls []DeadLetter) {
	slices.SortFunc(dls, func(a, b DeadLetter) int {
		if c := a.FirstTime.Compare(b.FirstTime); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

func randomID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
