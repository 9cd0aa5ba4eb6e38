// Package fake is an in-memory chat adapter for tests: a host program's unit
// tests inject messages and button clicks and read what the bot posted, with
// no network and no platform account.
//
// The adapter implements chat.Sender, chat.Updater, chat.FileUploader and
// chat.Listener. A bot started with Run (or any code calling Listen) receives
// what Inject, Say and Click deliver; Inject returns once the handler has
// finished, so tests can assert on Sent right away.
package fake

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/opschat/opschat/chat"
)

// Posted is one message the bot posted or updated.
type Posted struct {
	Ref     chat.Ref
	Message chat.Message
	// Updated is true when the message replaced an earlier one (chat.Updater).
	Updated bool
	// File is set for uploads.
	File *chat.File
}

// Adapter is the in-memory adapter. It is safe for concurrent use. Create it
// with New.
type Adapter struct {
	platform chat.Platform
	now      func() time.Time

	mu       sync.Mutex
	cond     *sync.Cond
	handler  chat.Handler
	posted   []Posted
	seq      int
	failN    int
	failErr  error
	listened chan struct{}
}

// Option configures an Adapter.
type Option func(*Adapter)

// WithPlatform sets the platform the adapter reports and stamps on
// conversations (default chat.PlatformFake).
func WithPlatform(p chat.Platform) Option { return func(a *Adapter) { a.platform = p } }

// WithClock sets the clock used for inbound event times.
func WithClock(now func() time.Time) Option { return func(a *Adapter) { a.now = now } }

// New returns an adapter with nothing posted.
func New(opts ...Option) *Adapter {
	a := &Adapter{platform: chat.PlatformFake, now: time.Now, listened: make(chan struct{})}
	a.cond = sync.NewCond(&a.mu)
	for _, o := range opts {
		o(a)
	}
	return a
}

var (
	_ chat.Adapter            = (*Adapter)(nil)
	_ chat.Updater            = (*Adapter)(nil)
	_ chat.FileUploader       = (*Adapter)(nil)
	_ chat.CapabilityReporter = (*Adapter)(nil)
)

// Platform returns the configured platform.
func (a *Adapter) Platform() chat.Platform { return a.platform }

// Capabilities reports everything supported.
func (a *Adapter) Capabilities() chat.Capabilities {
	return chat.Capabilities{Threads: true, Updates: true, Files: true, Buttons: true, Images: true, Commands: true, MaxText: 40000}
}

// Conversation returns a channel conversation on the adapter's platform.
func (a *Adapter) Conversation(workspace, channel string) chat.Conversation {
	return chat.Conversation{Platform: a.platform, WorkspaceID: workspace, ChannelID: channel, Type: chat.ConversationChannel}
}

// Listen registers h and blocks until ctx is done.
func (a *Adapter) Listen(ctx context.Context, h chat.Handler) error {
	a.mu.Lock()
	if a.handler != nil {
		a.mu.Unlock()
		return errors.New("fake: Listen called twice")
	}
	a.handler = h
	close(a.listened)
	a.mu.Unlock()
	<-ctx.Done()
	a.mu.Lock()
	a.handler = nil
	a.listened = make(chan struct{})
	a.mu.Unlock()
	return nil
}

// SetHandler registers h without blocking, for tests that do not run a
// listener loop.
func (a *Adapter) SetHandler(h chat.Handler) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.handler == nil {
		close(a.listened)
	}
	a.handler = h
}

// FailNext makes the next n sends fail with err (a *chat.SendError, for
// example, to exercise retries).
func (a *Adapter) FailNext(n int, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.failN, a.failErr = n, err
}

// Send records m and returns its reference.
func (a *Adapter) Send(ctx context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	if err := ctx.Err(); err != nil {
		return chat.Ref{}, fmt.Errorf("fake: send: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failN > 0 {
		a.failN--
		return chat.Ref{}, fmt.Errorf("fake: send: %w", a.failErr)
	}
	ref := a.nextRef(conv)
	a.posted = append(a.posted, Posted{Ref: ref, Message: m})
	a.cond.Broadcast()
	return ref, nil
}

func (a *Adapter) nextRef(conv chat.Conversation) chat.Ref {
	a.seq++
	if conv.Platform == "" {
		conv.Platform = a.platform
	}
	return chat.Ref{Conversation: conv, MessageID: "m" + strconv.Itoa(a.seq)}
}

// Update records a replacement of the message ref points at.
func (a *Adapter) Update(ctx context.Context, ref chat.Ref, m chat.Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("fake: update: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	found := false
	for _, p := range a.posted {
		if p.Ref.MessageID == ref.MessageID {
			found = true
			break
		}
	}
	if !found {
		return fmt.Errorf("fake: update: no message %q", ref.MessageID)
	}
	a.posted = append(a.posted, Posted{Ref: ref, Message: m, Updated: true})
	a.cond.Broadcast()
	return nil
}

// UploadFile records an upload.
func (a *Adapter) UploadFile(ctx context.Context, conv chat.Conversation, f chat.File) (chat.Ref, error) {
	if err := ctx.Err(); err != nil {
		return chat.Ref{}, fmt.Errorf("fake: upload: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	ref := a.nextRef(conv)
	a.posted = append(a.posted, Posted{Ref: ref, File: &f})
	a.cond.Broadcast()
	return ref, nil
}

// Sent returns a copy of everything posted so far, in order.
func (a *Adapter) Sent() []Posted {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Posted(nil), a.posted...)
}

// Last returns the most recent posted message, or false when nothing was posted.
func (a *Adapter) Last() (Posted, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.posted) == 0 {
		return Posted{}, false
	}
	return a.posted[len(a.posted)-1], true
}

// Reset forgets everything posted.
func (a *Adapter) Reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.posted = nil
}

// ErrTimeout is returned by the Wait helpers when the condition did not hold
// in time.
var ErrTimeout = errors.New("fake: timed out")

// WaitForSent blocks until at least n messages were posted, or timeout passes,
// and returns what was posted.
func (a *Adapter) WaitForSent(n int, timeout time.Duration) ([]Posted, error) {
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		a.mu.Lock()
		a.cond.Broadcast()
		a.mu.Unlock()
	})
	defer timer.Stop()
	a.mu.Lock()
	defer a.mu.Unlock()
	for len(a.posted) < n {
		if !time.Now().Before(deadline) {
			return append([]Posted(nil), a.posted...), fmt.Errorf("%w: %d of %d messages after %s", ErrTimeout, len(a.posted), n, timeout)
		}
		a.cond.Wait()
	}
	return append([]Posted(nil), a.posted...), nil
}

// Inject delivers in to the registered handler and returns when the handler
// has returned. It waits for a handler (Listen or SetHandler) until ctx is
// done. Replies go to the thread of the inbound message.
func (a *Adapter) Inject(ctx context.Context, in chat.Inbound) error {
	a.mu.Lock()
	listened := a.listened
	a.mu.Unlock()
	select {
	case <-listened:
	case <-ctx.Done():
		return fmt.Errorf("fake: inject: no handler is listening: %w", ctx.Err())
	}
	a.mu.Lock()
	h := a.handler
	if in.Conversation.Platform == "" {
		in.Conversation.Platform = a.platform
	}
	if in.MessageID == "" && in.Kind != chat.KindButtonClick {
		a.seq++
		in.MessageID = "in" + strconv.Itoa(a.seq)
	}
	if in.Time.IsZero() {
		in.Time = a.now()
	}
	a.mu.Unlock()
	if h == nil {
		return errors.New("fake: inject: listener stopped")
	}
	reply := in.Conversation
	if reply.ThreadID == "" && in.MessageID != "" && reply.Type != chat.ConversationDirect {
		reply.ThreadID = in.MessageID
	}
	return h.HandleMessage(ctx, in, chat.SenderReplier(a, reply))
}

// Say injects a mention of the bot by user in conv with the given text.
func (a *Adapter) Say(ctx context.Context, conv chat.Conversation, user, text string) error {
	kind := chat.KindMention
	if conv.Type == chat.ConversationDirect {
		kind = chat.KindDirectMessage
	} else if conv.ThreadID != "" {
		kind = chat.KindThreadReply
	}
	return a.Inject(ctx, chat.Inbound{Kind: kind, Conversation: conv, User: chat.User{ID: user, Name: user}, Text: text})
}

// Click injects a click by user on the button with buttonID of the posted
// message ref.
func (a *Adapter) Click(ctx context.Context, ref chat.Ref, buttonID, user string) error {
	var btn *chat.Button
	for _, p := range a.Sent() {
		if p.Ref.MessageID != ref.MessageID {
			continue
		}
		for i := range p.Message.Buttons {
			if p.Message.Buttons[i].ID == buttonID {
				b := p.Message.Buttons[i]
				btn = &b
			}
		}
	}
	if btn == nil {
		return fmt.Errorf("fake: click: message %q has no button %q", ref.MessageID, buttonID)
	}
	return a.Inject(ctx, chat.Inbound{
		Kind:         chat.KindButtonClick,
		Conversation: ref.Conversation,
		User:         chat.User{ID: user, Name: user},
		Action:       &chat.Action{ID: btn.ID, Value: btn.Value, Message: ref},
	})
}

// Submit injects a submission by user of the form on the posted message ref
// with the given values.
func (a *Adapter) Submit(ctx context.Context, ref chat.Ref, user string, values map[string]string) error {
	var form *chat.Form
	for _, p := range a.Sent() {
		if p.Ref.MessageID == ref.MessageID && p.Message.Form != nil {
			form = p.Message.Form
		}
	}
	if form == nil {
		return fmt.Errorf("fake: submit: message %q has no form", ref.MessageID)
	}
	return a.Inject(ctx, chat.Inbound{
		Kind:         chat.KindFormSubmit,
		Conversation: ref.Conversation,
		User:         chat.User{ID: user, Name: user},
		Action:       &chat.Action{ID: form.ID, Value: form.Value, Message: ref, Values: values},
	})
}
