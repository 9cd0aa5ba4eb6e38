package notify

import (
	"errors"
	"log/slog"
)

// ErrInProgress reports that a notification is being delivered elsewhere
// (by another replica, or by an earlier copy of the same message): nothing
// failed, and the source should let it come back later, by which time it is
// either delivered or released. notify/delivery returns it (as
// delivery.ErrInProgress, the same value); sources test it with
// OnlyInProgress without importing delivery.
var ErrInProgress = errors.New("delivery: same notification is being delivered elsewhere")

// OnlyInProgress reports whether err says nothing but ErrInProgress: every
// channel the notification did not reach is held by another delivery. A
// source logs such a redelivery more quietly (a replica storm makes many)
// and anything else as the failure it is.
func OnlyInProgress(err error) bool {
	var ip interface{ InProgressOnly() bool }
	if errors.As(err, &ip) {
		return ip.InProgressOnly()
	}
	return errors.Is(err, ErrInProgress)
}

// FailureLevel is the level a source without a dead-letter queue (SNS over
// HTTP, Lambda) logs a HandleEnvelope error at: Warn when the notification
// is only being delivered elsewhere — its holder may still deliver it, or
// may have crashed with a claim that outlives this source's last retry —
// Error otherwise. A source with a dead-letter queue behind its retries
// (SQS) may log OnlyInProgress at Info.
func FailureLevel(err error) slog.Level {
	if OnlyInProgress(err) {
		return slog.LevelWarn
	}
	return slog.LevelError
}
