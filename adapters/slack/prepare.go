package slack

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	slackgo "github.com/slack-go/slack"

	"github.com/opschat/opschat/chat"
)

// A delivery layer that rate-limits posts per channel (notify/delivery's
// LimitedSender) calls Prepare before it waits for a slot and the returned
// function once it has one, so that the slot covers only chat.postMessage:
// the shorter the time between the grant and Slack's receipt, the closer
// Slack's count of arrivals (1 per second per channel) follows the
// limiter's. Everything else happens in Prepare: the bot token lookup (a
// Store read with OAuth), the inline image uploads, and the rendering,
// including storing a form too large for its button.
//
// The image uploads belong before the slot: files.getUploadURLExternal and
// files.completeUploadExternal are other Web API methods (Tier 4, counted
// per workspace and method, not against chat.postMessage's per-channel
// limit), and each takes a round trip or more; made inside the slot they
// would push the post seconds away from its grant. The price is that an
// upload may be made for a post that never happens (the wait for the slot
// was abandoned): the upload is private to the app, and it is deleted when
// Prepare's context ends before the post function runs.
//
// Files attached after the message (chat.Message.Files, images that could
// not be shown inline, the full text of a truncated message) still go after
// the post inside the function: they need the message's timestamp to land
// in its thread.

// ErrPostedTwice is returned by a function from Prepare called again: it
// posts once, so that a retry prepares the message again instead of
// posting it twice.
var ErrPostedTwice = errors.New("slack: prepared message already posted")

// Prepare does all the work of Send but the post itself: it looks up the
// workspace's bot token, uploads the message's inline images and renders
// it. The function it returns posts the message (chat.postMessage, posted
// again with the images attached when Slack refuses their blocks) and
// uploads the message's files into its thread; call it once. Send is
// Prepare followed by the call.
//
// An error from Prepare means nothing was posted and no slot need be
// taken: the context ended, the conversation has no channel, the app is not
// installed in the workspace (ErrNotInstalled), or the message cannot be
// rendered. When Prepare's context ends before the function is called, the
// inline image uploads are deleted and the function, if called after all,
// attaches the images after the message instead of showing them inline.
//
// Prepare implements notify/delivery's Preparer; it is safe for concurrent
// use, the function it returns is not.
func (a *Adapter) Prepare(ctx context.Context, conv chat.Conversation, m chat.Message) (func(context.Context) (chat.Ref, error), error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("slack: send: %w", err)
	}
	if conv.ChannelID == "" {
		return nil, &chat.SendError{Platform: chat.PlatformSlack, Err: errors.New("slack: send: conversation has no channel ID")}
	}
	api, err := a.client(ctx, conv.WorkspaceID)
	if err != nil {
		return nil, err
	}
	p, err := a.prepare(ctx, api, m)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (chat.Ref, error) { return a.post(ctx, conv, p) }, nil
}

// post posts a prepared message to conv and uploads its files into the
// message's thread (see Send).
func (a *Adapter) post(ctx context.Context, conv chat.Conversation, p *prepared) (chat.Ref, error) {
	var channel, ts string
	r, err := p.send(ctx, "send", "chat.postMessage", func(r Rendered) error {
		opts := msgOptions(r)
		if conv.ThreadID != "" {
			opts = append(opts, slackgo.MsgOptionTS(conv.ThreadID))
		}
		var err error
		channel, ts, err = p.api.PostMessageContext(ctx, conv.ChannelID, opts...)
		return err
	})
	if err != nil {
		return chat.Ref{}, err
	}
	conv.Platform = chat.PlatformSlack
	if channel != "" {
		conv.ChannelID = channel
	}
	ref := chat.Ref{Conversation: conv, MessageID: ts}
	a.rememberThread(ctx, ref.Thread())
	a.log.DebugContext(ctx, "slack: posted message", "conversation", conv.String(), "ts", ts, "truncated", r.Truncated)
	return ref, a.uploadAll(ctx, p.api, ref.Thread(), r.Uploads)
}

// prepared is a message ready to be sent by one Web API call: rendered,
// with its inline images uploaded (unshared) and, when there are any, the
// rendering that attaches them after the message instead, for when Slack
// refuses their blocks or the uploads were deleted. Rendering the fallback
// up front keeps every rendering error (a form that cannot be stored) in
// Prepare, before any slot.
type prepared struct {
	a   *Adapter
	api *slackgo.Client
	// up are the inline images' uploads; nil when none was uploaded (then
	// attached is unused and release nil).
	up       *inlineUploads
	inline   Rendered // shows the images from up
	attached Rendered // attaches them after the message
	// release disarms the deletion of the uploads when Prepare's context
	// ends; false means the deletion has started, and the uploads are gone.
	release func() bool
	used    atomic.Bool
}

// prepare uploads m's inline images and renders m both ways (see prepared).
func (a *Adapter) prepare(ctx context.Context, api *slackgo.Client, m chat.Message) (*prepared, error) {
	up := a.uploadInlineImages(ctx, api, m)
	var ids []string
	if up != nil {
		ids = up.ids
	}
	// One form value for both renderings: a form too large for its button
	// is stored once, whichever rendering is posted.
	formValue := a.formValues(ctx)
	inline, err := a.renderWith(m, ids, formValue)
	if err != nil {
		a.deleteFiles(ctx, api, up)
		return nil, &chat.SendError{Platform: chat.PlatformSlack, Err: err}
	}
	p := &prepared{a: a, api: api, inline: inline}
	if up == nil {
		return p, nil
	}
	if p.attached, err = a.renderWith(m, nil, formValue); err != nil {
		a.deleteFiles(ctx, api, up)
		return nil, &chat.SendError{Platform: chat.PlatformSlack, Err: err}
	}
	p.up = up
	p.release = context.AfterFunc(ctx, func() { a.deleteFiles(ctx, api, up) })
	return p, nil
}

// send calls call (one Web API call named method) with the prepared
// rendering; when Slack refuses the inline image blocks (invalid_blocks,
// as for a file it has not finished processing) it deletes the uploads and
// calls it again with the images attached instead. Uploads no posted
// message shows are deleted, so a retried delivery leaves no copies. name
// ("send", "update") prefixes the errors that are not Slack's; Slack's are
// classified (see classify). It returns the rendering call took.
func (p *prepared) send(ctx context.Context, name, method string, call func(Rendered) error) (Rendered, error) {
	if p.used.Swap(true) {
		return Rendered{}, fmt.Errorf("slack: %s: %w", name, ErrPostedTwice)
	}
	if err := ctx.Err(); err != nil {
		p.discard(ctx)
		return Rendered{}, fmt.Errorf("slack: %s: %w", name, err)
	}
	if p.up == nil {
		return p.inline, classifyOrNil(method, call(p.inline))
	}
	if !p.release() {
		p.a.log.WarnContext(ctx, "slack: inline images deleted when the preparation's context ended, attaching them instead")
		return p.attached, classifyOrNil(method, call(p.attached))
	}
	// The records of the files this message shows go before the post: a
	// process that dies after Slack took the message must not leave a
	// record by which a sweep would delete a shown image (a private orphan
	// kept is the lesser harm). A failed post deletes the files and puts
	// back the record of any it could not delete.
	p.a.forgetShown(ctx, p.up, p.inline)
	err := call(p.inline)
	if err == nil {
		p.a.settle(ctx, p.api, p.up, p.inline)
		return p.inline, nil
	}
	p.a.deleteFiles(ctx, p.api, p.up)
	if slackErrorCode(err) != "invalid_blocks" {
		return p.inline, classify(method, err)
	}
	p.a.log.WarnContext(ctx, "slack: inline image refused, attaching it instead", "error", err)
	return p.attached, classifyOrNil(method, call(p.attached))
}

// discard deletes the uploads of a message that will not be sent, unless
// the cleanup on Prepare's context already does.
func (p *prepared) discard(ctx context.Context) {
	if p.up != nil && p.release() {
		p.a.deleteFiles(ctx, p.api, p.up)
	}
}

func classifyOrNil(method string, err error) error {
	if err == nil {
		return nil
	}
	return classify(method, err)
}
