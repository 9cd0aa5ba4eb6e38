package delivery

import (
	"context"
	"encoding/json"
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

// storeTimeout bounds the Store writes made on a task's behalf after its
// own context may have ended (release, mark, dead letter).
const storeTimeout = 10 * time.Second

// claim takes t's dedup key. It returns done=true when t is finished
// already (a duplicate, or a failure).
func (d *Deliverer) claim(t *task) (done bool) {
	if t.job.DedupKey == "" {
		return false
	}
	token := d.claimToken()
	// Two rounds: a claim that expires or is released between PutIfAbsent
	// and Get is taken on the second round instead of failing the copy.
	for range 2 {
		t.token = token
		ok, err := d.store.PutIfAbsent(t.ctx, NamespaceDedup, dedupKey(t), token, d.claimTTL)
		if err != nil {
			if d.ownClaim(t, token) {
				t.claimed = true
				if t.ctx.Err() != nil {
					d.release(t)
					t.fail(t.ctx.Err(), "")
					return true
				}
				return false
			}
			t.fail(fmt.Errorf("claim dedup key: %w", err), "")
			return true
		}
		if ok {
			t.claimed = true
			return false
		}
		v, found, err := d.store.Get(t.ctx, NamespaceDedup, dedupKey(t))
		switch {
		case err != nil:
			t.fail(fmt.Errorf("read dedup key: %w", err), "")
			return true
		case !found:
			continue
		case string(v) == string(token):
			// The store's client retried a write that had landed.
			t.claimed = true
			return false
		case string(v) == stateDelivered:
			d.inst.duplicate.Add(t.ctx, 1, d.attrsOf(t))
			d.log.log(t.ctx, t.job.LogLevel, slog.LevelInfo, "notification already delivered to channel; skipped",
				"configuration", t.job.Configuration, "channel", t.key, "dedup_key", t.job.DedupKey)
			t.finish(nil)
			return true
		case string(v) == stateFailedLegacy:
			// A failure must never suppress a redelivery. Without a
			// conditional delete, two replicas taking over the same legacy
			// record at once could both send; only records written before
			// this version exist in that state.
			if err := d.store.Delete(t.ctx, NamespaceDedup, dedupKey(t)); err != nil {
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
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), storeTimeout)
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
	// The task's own ctx may be the reason we release: use a fresh one.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), storeTimeout)
	defer cancel()
	if err := d.store.Delete(ctx, NamespaceDedup, dedupKey(t)); err != nil {
		// The lease expires by itself; until then copies get ErrInProgress.
		d.log.always(ctx, slog.LevelError, "release dedup claim failed; copies wait for the lease to expire",
			"channel", t.key, "dedup_key", t.job.DedupKey, "error", err)
	}
	t.claimed = false
}

// keepClaims renews the claims of tasks until stop is called, so that a
// slow delivery (long retries, Retry-After) never loses its lease to a
// copy of the same notification while a crashed one frees it within
// ClaimTTL.
func (d *Deliverer) keepClaims(ctx context.Context, tasks []*task) (stop func()) {
	var claimed []*task
	for _, t := range tasks {
		if t.claimed {
			claimed = append(claimed, t)
		}
	}
	if len(claimed) == 0 {
		return func() {}
	}
	// Store TTLs run on the store's (wall) clock, not on the injected one.
	kctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(d.claimTTL / 3)
		defer tick.Stop()
		for {
			select {
			case <-kctx.Done():
				return
			case <-tick.C:
			}
			for _, t := range claimed {
				if err := d.store.Put(kctx, NamespaceDedup, dedupKey(t), t.token, d.claimTTL); err != nil && kctx.Err() == nil {
					d.log.log(kctx, t.job.LogLevel, slog.LevelError, "renew dedup claim failed", "channel", t.key, "dedup_key", t.job.DedupKey, "error", err)
				}
			}
		}
	})
	return func() {
		cancel()
		wg.Wait()
	}
}

// markDelivered records that t reached its channel.
func (d *Deliverer) markDelivered(t *task) {
	if !t.claimed {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), storeTimeout)
	defer cancel()
	if err := d.store.Put(ctx, NamespaceDedup, dedupKey(t), []byte(stateDelivered), d.dedupTTL); err != nil {
		// Delivered, but the claim expires and a redelivery posts again:
		// the documented duplicate window, made visible.
		d.log.always(ctx, slog.LevelError, "mark delivered failed; a redelivery may post twice",
			"configuration", t.job.Configuration, "channel", t.key, "dedup_key", t.job.DedupKey, "error", err)
	}
}

func threadKey(t *task) string { return t.key + "|" + t.job.Message.ThreadKey }

func (d *Deliverer) deliverOne(t *task) {
	if d.claim(t) {
		return
	}
	conv := t.job.Conversation
	var thread bool
	if t.job.Message.ThreadKey != "" && d.threads[conv.Platform] && conv.ThreadID == "" {
		if v, ok, err := d.store.Get(t.ctx, NamespaceThread, threadKey(t)); err == nil && ok {
			var ref chat.Ref
			if json.Unmarshal(v, &ref) == nil && ref.MessageID != "" {
				conv = ref.Thread()
				thread = true
			}
		}
	}
	stop := d.keepClaims(t.ctx, []*task{t})
	ref, err := d.send(t.ctx, conv, t.job.Message)
	stop()
	if err != nil {
		d.failed(t, err)
		return
	}
	d.markDelivered(t)
	if t.job.Message.ThreadKey != "" && !thread {
		if b, err := json.Marshal(ref); err == nil {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), storeTimeout)
			_, _ = d.store.PutIfAbsent(ctx, NamespaceThread, threadKey(t), b, d.threadTTL)
			cancel()
		}
	}
	d.succeeded(t, ref)
	t.finish(nil)
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
