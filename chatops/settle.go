package chatops

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/opschat/opschat/chat"
)

// nsPendingRef remembers where a confirmation or prompt was posted (token →
// chat.Ref), so that once it is answered the message can be updated in
// place: its buttons disappear and it says who answered and what happened.
const nsPendingRef = "pending-ref"

func (b *Bot) rememberPendingRef(ctx context.Context, token string, ref chat.Ref) {
	data, err := json.Marshal(ref)
	if err != nil {
		return
	}
	if err := b.store.Put(ctx, nsPendingRef, token, data, b.pendingTTL+time.Hour); err != nil {
		b.log.WarnContext(ctx, "remember pending message", "err", err)
	}
}

// settle updates the message of an answered confirmation or prompt in
// place, when the platform can edit messages: "Confirmed by @ana · ran in
// 1.2 s", "Cancelled by @ana", with the command and without buttons, so
// nobody clicks a stale Run and everybody sees who confirmed. A failure to
// update is logged: the answer itself has been posted already.
func (b *Bot) settle(ctx context.Context, req *request, p *pendingCommand) {
	data, ok, err := b.store.Get(ctx, nsPendingRef, p.Token)
	if err != nil || !ok {
		return
	}
	_ = b.store.Delete(ctx, nsPendingRef, p.Token)
	var ref chat.Ref
	if json.Unmarshal(data, &ref) != nil {
		return
	}
	up, ok := b.updaterFor(ref.Conversation.Platform)
	if !ok {
		return
	}
	who := req.in.User.Name
	if who == "" {
		who = req.in.User.ID
	}
	m := chat.Message{CodeBlocks: []chat.CodeBlock{{Content: "aws " + RedactSecrets(p.Command)}}}
	switch req.rec.Outcome {
	case OutcomeCancelled:
		m.Title, m.Severity = "Cancelled by "+who, chat.SeverityInfo
	case OutcomeSucceeded:
		m.Title, m.Severity = fmt.Sprintf("Confirmed by %s · ran in %s", who, roundDuration(time.Duration(req.rec.DurationMS)*time.Millisecond)), chat.SeveritySuccess
	case OutcomeDenied:
		m.Title, m.Severity = "Confirmed by "+who+" · not allowed", chat.SeverityWarning
	case OutcomePending:
		m.Title, m.Severity = "Answered by "+who, chat.SeverityInfo
	default:
		m.Title, m.Severity = fmt.Sprintf("Confirmed by %s · %s", who, req.rec.Outcome), chat.SeverityWarning
	}
	if p.Kind == pendingPrompt && req.rec.Outcome != OutcomeCancelled {
		m.Title = "Answered by " + who
	}
	if err := up.Update(ctx, ref, m); err != nil {
		b.log.WarnContext(ctx, "update answered message", "err", err)
	}
}

// settleExpired marks a confirmation or prompt that expired before anyone
// answered it, when a late click arrives. One that was answered has no
// remembered message any more and is left as its answer made it.
func (b *Bot) settleExpired(ctx context.Context, token string) {
	data, ok, err := b.store.Get(ctx, nsPendingRef, token)
	if err != nil || !ok {
		return
	}
	_ = b.store.Delete(ctx, nsPendingRef, token)
	var ref chat.Ref
	if json.Unmarshal(data, &ref) != nil {
		return
	}
	up, ok := b.updaterFor(ref.Conversation.Platform)
	if !ok {
		return
	}
	if err := up.Update(ctx, ref, chat.Message{Title: "Expired", Text: "Nobody answered this in time. Run the command again.", Severity: chat.SeverityInfo}); err != nil {
		b.log.WarnContext(ctx, "update expired message", "err", err)
	}
}

func (b *Bot) updaterFor(p chat.Platform) (chat.Updater, bool) {
	if a, ok := b.adapters[p]; ok {
		u, ok := a.(chat.Updater)
		return u, ok
	}
	return nil, false
}

func roundDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	default:
		return d.Round(100 * time.Millisecond).String()
	}
}

// nsThreadHint marks threads where the bot already said that nothing is
// waiting (conversation#thread → 1).
const nsThreadHint = "thread-hint"

// nsBotThread marks the threads the bot answered a command or a question
// in (conversation#thread → 1).
const nsBotThread = "bot-thread"

func (b *Bot) markBotThread(ctx context.Context, ref chat.Ref) {
	if t := ref.Thread(); t.ThreadID != "" {
		_ = b.store.Put(ctx, nsBotThread, threadKey(t), []byte("1"), 24*time.Hour)
	}
}

// nothingToContinue answers a thread reply that continues nothing, once per
// thread: people talking in a notification's thread should not get a bot
// reply to every message, but someone answering an expired prompt should
// learn why nothing happens.
func (b *Bot) nothingToContinue(ctx context.Context, req *request) error {
	// Only in threads of a conversation with the bot (a command's or a
	// question's): a notification's thread is where people talk.
	if _, ours, err := b.store.Get(ctx, nsBotThread, threadKey(req.in.Conversation)); err != nil || !ours {
		return nil
	}
	first, err := b.store.PutIfAbsent(ctx, nsThreadHint, threadKey(req.in.Conversation), []byte("1"), 24*time.Hour)
	if err != nil || !first {
		return nil
	}
	req.rec.Outcome = OutcomeAnswered
	req.rec.Reason = "thread reply with nothing to continue"
	return b.reply(ctx, req, chat.Message{Text: "Nothing in this thread is waiting for an answer (it may have expired). Mention me with a command or a question, e.g. `@aws cloudwatch describe-alarms`."})
}
