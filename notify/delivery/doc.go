// Package delivery posts notifications to chat reliably: it is the last
// step of the outbound flow (source → decode → route → format → deliver).
//
// A Dispatcher is the notify.Handler that sources (notify/snshttp,
// notify/sqssource, notify/lambdasource) call: it routes an envelope into
// Jobs, one per target channel, and hands them to a Deliverer. It returns
// only when each job reached its channel or failed for good, and it
// returns nil only when every channel has the notification: a failure is a
// *NotDeliveredError (errors.Is ErrNotDelivered), so the source does not
// acknowledge the message and its own retry machinery (SNS delivery policy,
// SQS redrive, Lambda retries) keeps it. A failed notification is never
// acknowledged as a success.
//
// The Deliverer keeps one queue per channel. Each send waits for the
// Limiter (token buckets per channel and per workspace, paused by a
// platform's 429 Retry-After, capped at MaxRetryAfter), is retried by
// RetrySender (exponential backoff with jitter; chat.Retryable classifies
// errors in one place) and, when it fails for good, becomes a DeadLetter in
// the Store, logged at ERROR whatever the configuration's LoggingLevel.
// Dead letters carry the whole notification and can be listed, replayed
// (Retry, RetryAll) and deleted. A backlog past a threshold is coalesced into
// a digest; if the digest fails, each notification it stood for gets its
// own dead letter and its own source is told. Thread keys send follow-ups
// into the first message's thread. Metrics go through the OpenTelemetry
// metric API.
//
// # Redelivery and the duplicate window
//
// Dedup records are per (channel, notification): "<channel>|<DedupKey>"
// in the Store. A redelivered notification skips the channels that have it
// ("delivered") and tries the others again; a failure deletes its record,
// so it never suppresses a redelivery. A channel that another delivery is
// working on (a live claim, a lease of the claim TTL renewed while the send
// runs) is reported as ErrInProgress and the source retries later; if that
// delivery's process died, its lease expires after at most the claim TTL
// (default 2 minutes) and the next redelivery takes over.
//
// The one duplicate window: a post that the platform accepted but whose
// "delivered" record was not written (the process crashed, or the Store
// write failed, between the platform's answer and the write, a window of one
// Store round trip; a failed write is logged at ERROR) is posted again when
// the notification is redelivered after the lease expires. None of Slack,
// Teams or Chime deduplicates posts, so delivery is at-least-once across
// crashes and once per channel otherwise. Records written as "failed" by
// earlier versions are taken over (delete, then claim); two replicas doing
// that at the same instant could both post.
//
// RetrySender and LimitedSender are plain chat.Sender decorators that hosts
// can also use around command replies.
package delivery
