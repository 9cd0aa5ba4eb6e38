package delivery

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/opschat/opschat/chat"
)

// Thread anchors. The first message posted for a ThreadKey in a channel is
// the thread's anchor; its chat.Ref is kept in the Store (NamespaceThread)
// so that every replica threads follow-ups under it. The anchor is written
// after the post together with the "delivered" mark, off the channel's
// critical path: until that write is done, d.anchors holds the reference,
// so a follow-up queued right behind the first message (the channel's next
// send) still finds the thread without waiting for a commit.
//
// A later message of the thread (an alarm's new state) also edits the
// anchor in place to show it (WithAnchorUpdates), so the channel's top
// level shows each alarm's current state; the change itself is posted in
// the thread. The edit runs in the channel's worker right after the post,
// so edits of one thread land in the order of their posts. It is best
// effort: a failed edit is logged and does not fail the notification,
// which was posted.

func threadKey(t *task) string { return t.key + "|" + t.job.Message.ThreadKey }

// anchorOf returns the anchor of t's thread in its channel: the one still
// being written by this Deliverer, else the stored one. A Store error
// counts as no anchor (the message is posted at the top level rather than
// not at all).
func (d *Deliverer) anchorOf(t *task) (chat.Ref, bool) {
	key := threadKey(t)
	d.amu.Lock()
	ref, ok := d.anchors[key]
	d.amu.Unlock()
	if ok {
		return ref, true
	}
	v, ok, err := d.store.Get(t.ctx, NamespaceThread, key)
	if err != nil || !ok {
		return chat.Ref{}, false
	}
	if json.Unmarshal(v, &ref) != nil || ref.MessageID == "" {
		return chat.Ref{}, false
	}
	return ref, true
}

// anchorPending makes ref t's thread anchor for this Deliverer until
// storeAnchor has written it.
func (d *Deliverer) anchorPending(t *task, ref chat.Ref) {
	d.amu.Lock()
	d.anchors[threadKey(t)] = ref
	d.amu.Unlock()
}

// storeAnchor writes t's anchor unless one exists (another replica may
// have posted the thread's first message at the same time: the first
// stored wins, for everyone), then forgets the in-memory copy. A failed
// write is logged: follow-ups then start a new thread, nothing is lost.
func (d *Deliverer) storeAnchor(t *task, ref chat.Ref) {
	key := threadKey(t)
	defer func() {
		d.amu.Lock()
		delete(d.anchors, key)
		d.amu.Unlock()
	}()
	b, err := json.Marshal(ref)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), storeTimeout)
	defer cancel()
	if _, err := d.store.PutIfAbsent(ctx, NamespaceThread, key, b, d.threadTTL); err != nil {
		d.log.log(ctx, t.job.LogLevel, slog.LevelWarn, "store thread anchor failed; follow-ups start a new thread",
			"configuration", t.job.Configuration, "channel", t.key, "thread_key", t.job.Message.ThreadKey, "error", err)
	}
}

// updateAnchor edits the anchor of t's thread to show t's message, when the
// platform's adapter can edit.
func (d *Deliverer) updateAnchor(t *task, anchor chat.Ref) {
	u := d.updaters[t.job.Conversation.Platform]
	if u == nil {
		return
	}
	if err := u.Update(t.ctx, anchor, t.job.Message); err != nil {
		d.log.log(t.ctx, t.job.LogLevel, slog.LevelWarn, "update thread's first message failed; the change is in the thread",
			"configuration", t.job.Configuration, "channel", t.key, "thread_key", t.job.Message.ThreadKey,
			"message_id", anchor.MessageID, "error", err)
		return
	}
	d.inst.anchorUpdates.Add(t.ctx, 1, d.attrsOf(t))
}
