// Package delivery posts notifications to chat reliably: it is the last
// step of the outbound flow (source → decode → route → format → deliver).
//
// A Dispatcher is the notify.Handler that sources (notify/snshttp,
// notify/sqssource, notify/lambdasource) call: it routes an envelope into
// Jobs, one per target channel, and hands them to a Deliverer, returning
// only when each job was delivered or permanently failed and recorded, so
// the source knows when to acknowledge.
//
// The Deliverer keeps one queue per channel. Each send waits for the
// Limiter (token buckets per channel and per workspace, paused by a
// platform's 429 Retry-After), is retried by RetrySender (exponential
// backoff with jitter; chat.Retryable classifies errors in one place) and,
// when it fails for good, becomes a DeadLetter in the Store. Dedup keys in
// the Store make each notification reach each channel once, thread keys send
// follow-ups into the first message's thread, and a backlog past a threshold
// is coalesced into a digest. Metrics go through the OpenTelemetry metric
// API; logs follow each configuration's LoggingLevel.
//
// RetrySender and LimitedSender are plain chat.Sender decorators that hosts
// can also use around command replies.
package delivery
