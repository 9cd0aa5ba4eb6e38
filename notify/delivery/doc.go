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
// Limiter (token buckets per channel and per workspace at the platform's
// limits less a margin, 10 % by default; paused by a platform's 429
// Retry-After, capped at MaxRetryAfter). The limits hold where the
// platform counts, on arrival, not only where the slots are granted: a
// send counts against the platform's limit from its slot until its answer
// (the arrival guard, arrivals.go), so a send delayed between its slot and
// the platform by a loaded CPU cannot bunch up with the next one. The
// Dispatcher bounds how many envelopes are routed at once
// (WithRouteConcurrency), so a storm's routing does not starve the posts.
// A send is retried by
// RetrySender (exponential backoff with jitter; chat.Retryable classifies
// errors in one place) and, when it fails for good, becomes a DeadLetter in
// the Store, logged at ERROR whatever the configuration's LoggingLevel.
// Dead letters carry the whole notification and can be listed, replayed
// (Retry, RetryAll) and deleted. A backlog past a threshold is coalesced into
// a digest; if the digest fails, each notification it stood for gets its
// own dead letter and its own source is told. Thread keys send follow-ups
// into the first message's thread and, where the adapter can edit messages
// (chat.Updater; WithAnchorUpdates, default on), also edit that first
// message to show the follow-up, so the channel's top level shows each
// alarm's current state and its thread the history. The edit is best
// effort: it passes the rate limiter like a post, is retried like one, and
// when it fails for good it is logged, not dead-lettered (the change was
// posted); a crash between the post and the edit leaves the first message
// showing the previous state until the next change. Metrics go through the
// OpenTelemetry metric API.
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
// A graceful stop (the submitter's context ends, or Shutdown's grace
// period) leaves no claim behind, so a peer takes the notification over at
// once: a claim being written is let finish (a request abandoned on the
// wire may still be applied after its caller moved on, by nobody's claim)
// and then released; queued and in-flight sends release theirs; a release
// or a mark that fails is retried a few times; and the Dispatcher returns
// only once the cancelled deliveries released their claims (a second at
// most), so that the copy its source hands back is not refused. With a
// ConditionalStore (boltstore, dynamostore) the lease renewal and the
// release are conditional on the claim's own token: a renewal that lands
// late cannot bring a released claim back, and a release cannot delete a
// claim another replica took after the lease ran out. What stays bounded by
// the lease is what a crash, a Store unreachable for the whole release, or
// a claim whose PutIfAbsent failed with an unknown outcome and landed later
// leaves.
//
// Claims are taken when a notification is enqueued, concurrently for all
// its channels and alongside every other source's claims, so that a
// batching Store (bbolt) commits many of them at once; each channel's
// worker then sends in queue order, waiting only for the claim of the
// message at its head. The "delivered" mark is written after the post,
// off the channel's critical path: the channel's next send does not wait
// for it, but the source's Wait (and so its acknowledgement) returns only
// once the marks of all its channels are durable or their failure is
// logged. The first message of a thread stores its anchor the same way,
// concurrently with its mark (one shared commit on bbolt); until then the
// Deliverer keeps the anchor in memory, so the channel's next message, a
// follow-up of the same alarm, still goes into the thread. A source thus
// waits for two commits in sequence (claims, then marks and anchors), each
// shared with every other source's writes, and no channel waits for one. A claim's lease is renewed from the claim until its mark or
// release, however long the message waits in its queue.
//
// The one duplicate window: a post that the platform accepted but whose
// "delivered" record was not durable (the process crashed, or the Store
// write failed, between the platform's answer and the mark's commit) is
// posted again when the notification is redelivered after the lease
// expires. Since the mark is asynchronous the window is one Store commit
// per message, as before, but a crash may now hit it for several messages
// of a channel at once: every post accepted since the last committed marks
// (at most the marks in flight, bounded at 1,024 per Deliverer; in
// practice the posts of the last commit interval). None of those was
// acknowledged to its source, so each is redelivered and posted again. A
// failed mark is logged at ERROR. None of Slack, Teams or Chime
// deduplicates posts, so delivery is at-least-once across crashes and once
// per channel otherwise. Records written as "failed" by earlier versions
// are taken over (delete, then claim); without a ConditionalStore two
// replicas doing that at the same instant could both post. Two copies of one notification submitted at
// the same time are not queued behind each other: the second finds the
// first's claim and is reported ErrInProgress, and its source's retry then
// finds "delivered".
//
// RetrySender and LimitedSender are plain chat.Sender decorators that hosts
// can also use around command replies.
package delivery
