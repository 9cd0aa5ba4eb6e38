package delivery

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotDelivered matches (errors.Is) every error Deliver, Pending.Wait and
// the Dispatcher return when a notification did not reach every target
// channel: a channel failed for good (it is then a dead letter), another
// delivery holds the notification (ErrInProgress), the Store failed, or the
// caller's context ended first. A source that sees it must not acknowledge
// the message, so that its queue or SNS redelivers it (or moves it to the
// queue's own dead-letter queue).
var ErrNotDelivered = errors.New("delivery: not delivered")

// ChannelFailure is one target channel a notification did not reach.
type ChannelFailure struct {
	// Channel is the channel key (ChannelKey).
	Channel       string
	Configuration string
	DedupKey      string
	// DeadLetterID names the dead letter recorded for this failure; empty
	// when the failure is not final (cancelled, in progress elsewhere,
	// Store error) or when recording the dead letter failed.
	DeadLetterID string
	// Err is the last error.
	Err error
}

// NotDeliveredError lists the channels a notification did not reach. It
// matches ErrNotDelivered and, through Unwrap, each failure's error
// (ErrInProgress, context.DeadlineExceeded, a *chat.SendError, ...).
type NotDeliveredError struct {
	Failures []ChannelFailure
}

// maxListed bounds the failures Error spells out: a failed digest can
// stand for hundreds of notifications.
const maxListed = 5

func (e *NotDeliveredError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "delivery: not delivered to %d channel(s)", len(e.Failures))
	for i, f := range e.Failures {
		if i == maxListed {
			fmt.Fprintf(&b, "; and %d more", len(e.Failures)-maxListed)
			break
		}
		fmt.Fprintf(&b, "; %s", f.Channel)
		if f.DedupKey != "" {
			fmt.Fprintf(&b, " (%s)", f.DedupKey)
		}
		if f.DeadLetterID != "" {
			fmt.Fprintf(&b, " dead letter %s", f.DeadLetterID)
		}
		fmt.Fprintf(&b, ": %v", f.Err)
	}
	return b.String()
}

// Unwrap returns ErrNotDelivered and every failure's error.
func (e *NotDeliveredError) Unwrap() []error {
	out := make([]error, 0, len(e.Failures)+1)
	out = append(out, ErrNotDelivered)
	for _, f := range e.Failures {
		if f.Err != nil {
			out = append(out, f.Err)
		}
	}
	return out
}

// InProgressOnly reports whether every failure is ErrInProgress: the
// notification is held by other deliveries, nothing failed here
// (notify.OnlyInProgress).
func (e *NotDeliveredError) InProgressOnly() bool {
	for _, f := range e.Failures {
		if !errors.Is(f.Err, ErrInProgress) {
			return false
		}
	}
	return len(e.Failures) > 0
}

// failure is what a worker finishes a task with when it was not delivered.
type failure struct{ ChannelFailure }

func (f *failure) Error() string { return f.Err.Error() }
func (f *failure) Unwrap() error { return f.Err }

// notDelivered builds the error for the tasks whose results are non-nil.
func notDelivered(tasks []*task, results []error) error {
	var fs []ChannelFailure
	for i, err := range results {
		if err == nil {
			continue
		}
		var f *failure
		if errors.As(err, &f) {
			fs = append(fs, f.ChannelFailure)
			continue
		}
		t := tasks[i]
		fs = append(fs, ChannelFailure{Channel: t.key, Configuration: t.job.Configuration, DedupKey: t.job.DedupKey, Err: err})
	}
	if len(fs) == 0 {
		return nil
	}
	return &NotDeliveredError{Failures: fs}
}
