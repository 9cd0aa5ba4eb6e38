package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/opschat/opschat/chat"
	"go.opentelemetry.io/otel/metric"
)

func dedupKey(t *task) string { return t.key + "|" + t.job.DedupKey }

// Dedup record values. There is deliberately no "failed" state: a failure
// deletes the claim, so the next copy of the notification tries again. A
// claim is statePending followed by ":" and a token naming its owner, so a
// claimer that cannot tell whether its PutIfAbsent landed (the call failed
// or was cancelled in flight, or the store client retried a write that had
// succeeded) can recognise its own claim and take or release it, instead
// of leaving a lease that blocks every copy until it expires.
const (
	stateDelivered = "delivered"
	statePending   = "pending"
	// stateFailedLegacy was written by earlier versions after a dead
	// letter; such a record is taken over, never honoured.
	stateFailedLegacy = "failed"
)

// storeTimeout bounds the Store calls made on a task's behalf that its own
// context must not cut short (claim, release, mark, dead letter).
const storeTimeout = 10 * time.Second

// storeCtx returns the context of a Store call made for t that must run to
// its answer even when t is cancelled: a request abandoned on the wire may
// still be applied by the server after its caller moved on, so a claim
// written by an abandoned PutIfAbsent would be held by nobody until its
// lease expires.
func storeCtx(t *task) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(t.ctx), storeTimeout)
}

// writeAttempts and writeRetryWait are the tries of a release or a
// "delivered" mark: one failed request (a throttle, a reset connection)
// must not leave a claim for the whole lease or open the duplicate window.
const (
	writeAttempts  = 4
	writeRetryWait = 50 * time.Millisecond
)

// retryWrite runs write until it succeeds, writeAttempts times or ctx
// ends, waiting a little longer each time, and returns the last error.
func (d *Deliverer) retryWrite(ctx context.Context, write func(context.Context) error) error {
	var err error
	wait := writeRetryWait
	for range writeAttempts {
		if err = write(ctx); err == nil {
			return nil
		}
		if d.clock.Sleep(ctx, wait) != nil {
			return err
		}
		wait *= 2
	}
	return err
}

// claim takes t's dedup key. It returns done=true when t is finished
// already (a duplicate, or a failure).
func (d *Deliverer) claim(t *task) (done bool) {
	if t.job.DedupKey == "" {
		return false
	}
	if err := t.ctx.Err(); err != nil {
		// Stopped before anything was written: nothing to release.
		t.fail(err, "")
		return true
	}
	// The claim's requests run to their answer even when t is cancelled
	// meanwhile (see storeCtx); a claim taken for a cancelled task is
	// released at once below.
	ctx, cancel := storeCtx(t)
	defer cancel()
	token := d.claimToken()
	// Two rounds: a claim that expires or is released between PutIfAbsent
	// and Get is taken on the second round instead of failing the copy.
	for range 2 {
		t.token = token
		ok, err := d.store.PutIfAbsent(ctx, NamespaceDedup, dedupKey(t), token, d.claimTTL)
		if err != nil {
			if d.ownClaim(t, token) {
				return d.holdClaimed(t)
			}
			// Unknown outcome: if the write still lands, nobody owns
			// it and copies wait for its lease, as after a crash.
			t.fail(fmt.Errorf("claim dedup key: %w", err), "")
			return true
		}
		if ok {
			return d.holdClaimed(t)
		}
		v, found, err := d.store.Get(ctx, NamespaceDedup, dedupKey(t))
		switch {
		case err != nil:
			t.fail(fmt.Errorf("read dedup key: %w", err), "")
			return true
		case !found:
			continue
		case string(v) == string(token):
			// The store's client retried a write that had landed.
			return d.holdClaimed(t)
		case string(v) == stateDelivered:
			d.inst.duplicate.Add(t.ctx, 1, d.attrsOf(t))
			d.log.log(t.ctx, t.job.LogLevel, slog.LevelInfo, "notification already delivered to channel; skipped",
				"configuration", t.job.Configuration, "channel", t.key, "dedup_key", t.job.DedupKey)
			t.finish(nil)
			return true
		case string(v) == stateFailedLegacy:
			// A failure must never suppress a redelivery. With a
			// ConditionalStore only the record still "failed" is deleted
			// and the next round's PutIfAbsent has one winner; without
			// one, two replicas taking over the same legacy record at once
			// could both send. Only records written by earlier versions
			// exist in that state.
			if err := d.deleteIf(ctx, dedupKey(t), []byte(stateFailedLegacy)); err != nil {
				t.fail(fmt.Errorf("take over failed dedup key: %w", err), "")
				return true
			}
		default:
			t.fail(ErrInProgress, "")
			return true
		}
	}
	t.fail(ErrInProgress, "")
	return true
}

// holdClaimed starts holding t's fresh claim and reports whether t is finished:
// when t was cancelled while its claim was being written, the claim is
// released at once, for a peer to take.
func (d *Deliverer) holdClaimed(t *task) (done bool) {
	d.hold(t)
	if err := t.ctx.Err(); err != nil {
		d.release(t)
		t.fail(err, "")
		return true
	}
	return false
}

// claimToken returns a claim value no other claim has: the Deliverer's
// random ID and a counter.
func (d *Deliverer) claimToken() []byte {
	return fmt.Appendf(nil, "%s:%s-%d", statePending, d.id, d.claims.Add(1))
}

// ownClaim reports, after a PutIfAbsent whose outcome is unknown, whether
// the stored claim is ours (with a context of its own: t's may be the
// reason the call failed). While our claim lives nobody else can take it,
// so finding it ours is enough to hold or release it safely.
func (d *Deliverer) ownClaim(t *task, token []byte) bool {
	ctx, cancel := storeCtx(t)
	defer cancel()
	v, ok, err := d.store.Get(ctx, NamespaceDedup, dedupKey(t))
	return err == nil && ok && string(v) == string(token)
}

func (d *Deliverer) attrsOf(t *task) metric.MeasurementOption {
	return attrs(t.job.Configuration, string(t.job.Conversation.Platform))
}

// release gives up t's claim so that a retry can take it.
func (d *Deliverer) release(t *task) {
	if !t.claimed {
		return
	}
	d.drop(t)
	// The task's own ctx may be the reason we release: use a fresh one.
	ctx, cancel := storeCtx(t)
	defer cancel()
	err := d.retryWrite(ctx, func(ctx context.Context) error { return d.deleteIf(ctx, dedupKey(t), t.token) })
	if err != nil {
		// The lease expires by itself; until then copies get ErrInProgress.
		d.log.always(ctx, slog.LevelError, "release dedup claim failed; copies wait for the lease to expire",
			"channel", t.key, "dedup_key", t.job.DedupKey, "error", err)
	}
	t.claimed = false
}

// deleteIf deletes the dedup record key if it still holds value: only our
// own claim, never one a peer took over after our lease expired, when the
// Store is a ConditionalStore; unconditionally otherwise.
func (d *Deliverer) deleteIf(ctx context.Context, key string, value []byte) error {
	if cs, ok := d.store.(ConditionalStore); ok {
		_, err := cs.CompareAndDelete(ctx, NamespaceDedup, key, value)
		return err
	}
	return d.store.Delete(ctx, NamespaceDedup, key)
}

// hold registers t's claim with the renewer, which keeps its lease alive
// from the claim (at enqueue) until drop: a task may wait in its channel's
// queue behind a rate limit or long retries, and its lease must outlive
// that wait while a crashed process's lease still frees within ClaimTTL.
func (d *Deliverer) hold(t *task) {
	t.claimed = true
	d.hmu.Lock()
	d.held[t] = struct{}{}
	start := !d.renewing
	d.renewing = true
	d.hmu.Unlock()
	if start {
		go d.renewLoop()
	}
}

// drop stops renewing t's claim. Once it returns no renewal of t is in
// flight or will start, so a "delivered" mark or a release written after it
// cannot be overwritten by a stale lease (which would expire and let a
// redelivery post again).
func (d *Deliverer) drop(t *task) {
	t.rmu.Lock()
	t.dropped = true
	t.rmu.Unlock()
	d.hmu.Lock()
	delete(d.held, t)
	d.hmu.Unlock()
}

// renewParallel bounds the concurrent lease renewals of one round: enough
// that a storm's thousands of held claims are renewed in a few commits of a
// batching store, few enough not to flood a remote one.
const renewParallel = 32

// renewLoop renews every held claim each third of ClaimTTL, and exits when
// none is held or the Deliverer is shut down. Store TTLs run on the
// store's (wall) clock, not on the injected one.
func (d *Deliverer) renewLoop() {
	tick := time.NewTicker(d.claimTTL / 3)
	defer tick.Stop()
	for {
		select {
		case <-d.life.Done():
			d.hmu.Lock()
			d.renewing = false
			d.hmu.Unlock()
			return
		case <-tick.C:
		}
		d.hmu.Lock()
		if len(d.held) == 0 {
			d.renewing = false
			d.hmu.Unlock()
			return
		}
		ts := make([]*task, 0, len(d.held))
		for t := range d.held {
			ts = append(ts, t)
		}
		d.hmu.Unlock()
		next := make(chan *task)
		var wg sync.WaitGroup
		for range min(renewParallel, len(ts)) {
			wg.Go(func() {
				for t := range next {
					d.renew(t)
				}
			})
		}
		for _, t := range ts {
			next <- t
		}
		close(next)
		wg.Wait()
	}
}

// renew extends t's lease unless t was dropped; drop waits for it.
func (d *Deliverer) renew(t *task) {
	t.rmu.Lock()
	defer t.rmu.Unlock()
	if t.dropped {
		return
	}
	ctx, cancel := context.WithTimeout(d.life, storeTimeout)
	defer cancel()
	cs, conditional := d.store.(ConditionalStore)
	if !conditional {
		// A plain Put: should it land after the release (its answer
		// lost), it writes the claim back until its lease expires.
		if err := d.store.Put(ctx, NamespaceDedup, dedupKey(t), t.token, d.claimTTL); err != nil && d.life.Err() == nil {
			d.log.log(ctx, t.job.LogLevel, slog.LevelError, "renew dedup claim failed", "channel", t.key, "dedup_key", t.job.DedupKey, "error", err)
		}
		return
	}
	// Conditional: a renewal that lands late finds the claim released
	// (or taken over) and writes nothing.
	ok, err := cs.CompareAndSwap(ctx, NamespaceDedup, dedupKey(t), t.token, t.token, d.claimTTL)
	switch {
	case err != nil:
		if d.life.Err() == nil {
			d.log.log(ctx, t.job.LogLevel, slog.LevelError, "renew dedup claim failed", "channel", t.key, "dedup_key", t.job.DedupKey, "error", err)
		}
	case !ok:
		// The lease ran out before this renewal (the Store was
		// unreachable for a third of ClaimTTL) and the claim is gone or
		// another delivery's. Renewing stops; the send goes on, so the
		// channel may get the notification twice.
		t.dropped = true
		d.log.always(ctx, slog.LevelWarn, "dedup claim lost before its delivery ended; the notification may be posted twice",
			"configuration", t.job.Configuration, "channel", t.key, "dedup_key", t.job.DedupKey)
	}
}

// markDelivered records that t reached its channel.
func (d *Deliverer) markDelivered(t *task) {
	if !t.claimed {
		return
	}
	d.drop(t)
	ctx, cancel := storeCtx(t)
	defer cancel()
	err := d.retryWrite(ctx, func(ctx context.Context) error {
		return d.store.Put(ctx, NamespaceDedup, dedupKey(t), []byte(stateDelivered), d.dedupTTL)
	})
	if err != nil {
		// Delivered, but the claim expires and a redelivery posts again:
		// the documented duplicate window, made visible.
		d.log.always(ctx, slog.LevelError, "mark delivered failed; a redelivery may post twice",
			"configuration", t.job.Configuration, "channel", t.key, "dedup_key", t.job.DedupKey, "error", err)
	}
}

// claimAll claims the dedup keys of one Enqueue's tasks, concurrently, so
// that the claims of many notifications (of this call and of every other
// source submitting at the same time) share the Store's commits instead of
// each channel's worker writing them one at a time. It runs off the
// channel queues: a worker only waits for the claim of the task it is
// about to send, usually long done by then.
func (d *Deliverer) claimAll(tasks []*task) {
	defer d.wg.Done()
	if len(tasks) == 1 {
		d.claimStep(tasks[0])
		return
	}
	var wg sync.WaitGroup
	for _, t := range tasks {
		wg.Go(func() { d.claimStep(t) })
	}
	wg.Wait()
}

func (d *Deliverer) claimStep(t *task) {
	t.finishedEarly = d.claim(t)
	close(t.claimDone)
}

// deliverOne sends t, whose claim the worker has waited for. Nothing after
// the send makes the channel wait for the Store: the "delivered" mark and
// a new thread anchor are written off the channel's critical path
// (markAsync), while t's source still learns the outcome only once both
// are durable.
func (d *Deliverer) deliverOne(t *task) {
	<-t.claimDone
	if t.finishedEarly {
		return
	}
	conv := t.job.Conversation
	p := conv.Platform
	anchored := t.job.Message.ThreadKey != "" && conv.ThreadID == "" && (d.threads[p] || d.updaters[p] != nil)
	var anchor chat.Ref
	var found bool
	if anchored {
		anchor, found = d.anchorOf(t)
		if found && d.threads[p] {
			conv = anchor.Thread()
		}
	}
	ref, err := d.send(t.ctx, conv, t.job.Message)
	if err != nil {
		d.failed(t, err)
		return
	}
	if anchored && !found {
		// Until the anchor is durable, a follow-up right behind this
		// message finds it in memory.
		d.anchorPending(t, ref)
	}
	if !found {
		d.markAsync(t, ref, anchored, nil)
		return
	}
	// The edit runs here, so the channel's edits keep their order, while
	// the mark is written meanwhile (the duplicate window stays one
	// commit); the source is answered once both are over.
	edited := make(chan struct{})
	d.markAsync(t, ref, false, edited)
	d.updateAnchor(t, anchor)
	close(edited)
}

// maxMarksInFlight bounds the "delivered" marks being written at once
// across the Deliverer; past it, workers wait (backpressure on a slow
// Store instead of unbounded goroutines).
const maxMarksInFlight = 1024

// markAsync writes t's "delivered" mark (and, for the first message of a
// thread, its anchor) in its own goroutine and only then finishes t (and,
// when edited is set, once it is closed), so Wait returns after the mark
// is durable (or its failure is logged at ERROR). Shutdown waits for it.
func (d *Deliverer) markAsync(t *task, ref chat.Ref, newAnchor bool, edited <-chan struct{}) {
	d.marks <- struct{}{}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer func() { <-d.marks }()
		// The anchor and the mark are written concurrently, so that a
		// group-committing Store puts both in one commit: the source waits
		// for one commit after its post, not two.
		var wg sync.WaitGroup
		if newAnchor {
			wg.Go(func() { d.storeAnchor(t, ref) })
		}
		d.markDelivered(t)
		wg.Wait()
		if edited != nil {
			<-edited
		}
		d.succeeded(t, ref)
		t.finish(nil)
	}()
}

func (d *Deliverer) send(ctx context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	s := d.wrapped[conv.Platform]
	if s == nil {
		return chat.Ref{}, fmt.Errorf("%w %q", ErrNoSender, conv.Platform)
	}
	return s.Send(ctx, conv, m)
}

func (d *Deliverer) succeeded(t *task, ref chat.Ref) {
	d.inst.success.Add(t.ctx, 1, d.attrsOf(t))
	d.inst.latency.Record(t.ctx, d.clock.Now().Sub(t.enqueued).Seconds(), d.attrsOf(t))
	d.log.log(t.ctx, t.job.LogLevel, slog.LevelInfo, "notification delivered",
		"configuration", t.job.Configuration, "channel", t.key, "dedup_key", t.job.DedupKey, "message_id", ref.MessageID)
}

// failed settles a task whose send failed. Cancelled work is released for
// a retry, without a dead letter (the source still holds the message).
// Anything else is final for this copy: it becomes a dead letter, the claim
// is released so that a redelivery tries the channel again, and the source
// is told it was not delivered.
func (d *Deliverer) failed(t *task, err error) {
	if t.ctx.Err() != nil {
		d.release(t)
		t.fail(err, "")
		return
	}
	attempts := 1
	var ae *AttemptsError
	if errors.As(err, &ae) {
		attempts = ae.Attempts
	}
	id, derr := d.deadLetter(t, err, attempts)
	d.release(t)
	d.inst.failure.Add(t.ctx, 1, d.attrsOf(t))
	if derr != nil {
		d.log.always(t.ctx, slog.LevelError, "notification delivery failed and its dead letter could not be recorded; the source keeps the message",
			"configuration", t.job.Configuration, "channel", t.key, "dedup_key", t.job.DedupKey, "topic", t.job.TopicARN,
			"source_message_id", t.job.MessageID, "attempts", attempts, "error", err, "store_error", derr)
		t.fail(fmt.Errorf("%w (and recording its dead letter failed: %w)", err, derr), "")
		return
	}
	d.log.always(t.ctx, slog.LevelError, "notification delivery failed; dead-lettered",
		"configuration", t.job.Configuration, "channel", t.key, "dedup_key", t.job.DedupKey, "topic", t.job.TopicARN,
		"source_message_id", t.job.MessageID, "dead_letter", id, "attempts", attempts, "error", err)
	t.fail(err, id)
}
