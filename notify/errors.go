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
// source logs such a redelivery quietly (a replica storm makes many) and
// anything else as the failure it is.
func OnlyInProgress(err error) bool {
	var ip interface{ InProgressOnly() bool }
	if errors.As(err, &ip) {
		return ip.InProgressOnly()
	}
	return errors.Is(err, ErrInProgress)
}

// FailureLevel is the level a source logs a HandleEnvelope error at: Info
// when the notification is only being delivered elsewhere, Error otherwise.
func FailureLevel(err error) slog.Level {
	if OnlyInProgress(err) {
		return slog.LevelInfo
	}
	return slog.LevelError
}
