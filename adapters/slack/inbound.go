package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/opschat/opschat/chat"
)

// listener is an active Listen call: the handler and the context events are
// handled under, and the handlers still running.
type listener struct {
	ctx context.Context
	h   chat.Handler

	mu      sync.Mutex
	closed  bool
	running sync.WaitGroup
}

// start runs f in a goroutine tracked by the listener, unless it is closing.
func (l *listener) start(f func()) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.running.Go(f)
	return true
}

// close stops new handlers and waits for the running ones.
func (l *listener) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.running.Wait()
}

// Listen delivers events to h until ctx ends, and returns nil then. With an
// app-level token it connects over Socket Mode (reconnecting as Slack asks);
// in every case it also makes HTTPHandler deliver to h, so an HTTP deployment
// calls Listen without an app token and serves HTTPHandler. Each event is
// handled in its own goroutine; Listen waits for running handlers (whose
// context it cancels) before returning. Only one Listen may run at a time.
// With WithUploadSweep it also sweeps orphaned inline image uploads while
// it runs, and stops the sweep before returning.
func (a *Adapter) Listen(ctx context.Context, h chat.Handler) error {
	if h == nil {
		return errors.New("slack: listen: nil handler")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	l := &listener{ctx: ctx, h: h}
	if !a.active.CompareAndSwap(nil, l) {
		return errors.New("slack: listen: already listening")
	}
	defer func() {
		cancel()
		a.active.CompareAndSwap(l, nil)
		l.close()
	}()
	if a.sweepEvery > 0 {
		// Tracked like a handler: Listen returns only once it has stopped.
		l.start(func() { a.runSweeps(ctx) })
	}
	if a.appToken.IsZero() {
		a.log.InfoContext(ctx, "slack: listening for HTTP events only (no app-level token)")
		<-ctx.Done()
		return nil
	}
	return a.runSocketMode(ctx, l)
}

// Listening reports whether a Listen call is active, so that events reaching
// HTTPHandler are handled; HTTP deployments can use it as a readiness check.
func (a *Adapter) Listening() bool { return a.active.Load() != nil }

// dispatch hands in to the handler in its own goroutine.
func (a *Adapter) dispatch(l *listener, in chat.Inbound, r chat.Replier) {
	in.Conversation.Platform = chat.PlatformSlack
	ok := l.start(func() {
		if err := l.h.HandleMessage(l.ctx, in, r); err != nil && !errors.Is(err, context.Canceled) {
			a.log.ErrorContext(l.ctx, "slack: handler failed", "kind", in.Kind, "conversation", in.Conversation.String(), "error", err)
		}
	})
	if !ok {
		a.log.WarnContext(l.ctx, "slack: event dropped during shutdown", "kind", in.Kind, "conversation", in.Conversation.String())
	}
}

// threadReplier replies in conv (a thread, or the channel for DMs).
func (a *Adapter) threadReplier(conv chat.Conversation) chat.Replier {
	return chat.SenderReplier(a, conv)
}

// firstTime reports whether the event ID is new, recording it. Store failures
// let the event through: handling twice beats dropping a command.
func (a *Adapter) firstTime(ctx context.Context, team, eventID string) bool {
	if eventID == "" {
		return true
	}
	ok, err := a.store.PutIfAbsent(ctx, nsEvent, team+"/"+eventID, []byte{1}, dedupTTL)
	if err != nil {
		a.log.WarnContext(ctx, "slack: dedup check failed", "event_id", eventID, "error", err)
		return true
	}
	return ok
}

// handleEventsAPI converts an Events API callback (from Socket Mode or HTTP)
// and dispatches it.
func (a *Adapter) handleEventsAPI(l *listener, ev slackevents.EventsAPIEvent) {
	ctx := l.ctx
	cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok || ev.Type != slackevents.CallbackEvent {
		return
	}
	team := ev.TeamID
	if !a.firstTime(ctx, team, cb.EventID) {
		a.log.DebugContext(ctx, "slack: duplicate event ignored", "event_id", cb.EventID)
		return
	}
	if _, ok := ev.InnerEvent.Data.(*slackevents.AppUninstalledEvent); ok {
		a.forget(ctx, team)
		return
	}
	botUser := a.botUserID(ctx, team, cb.Authorizations)
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.AppMentionEvent:
		if e.BotID != "" || e.User == "" || e.User == botUser {
			return
		}
		conv := chat.Conversation{WorkspaceID: team, ChannelID: e.Channel, ThreadID: e.ThreadTimeStamp, Type: chat.ConversationChannel}
		conv.Private = a.channelPrivate(ctx, team, e.Channel, "")
		in := chat.Inbound{Kind: chat.KindMention, Conversation: conv, User: chat.User{ID: e.User}, Text: e.Text, MessageID: e.TimeStamp, Time: tsTime(e.TimeStamp)}
		a.dispatch(l, in, a.threadReplier(conv.InThread(firstNonEmpty(e.ThreadTimeStamp, e.TimeStamp))))
	case *slackevents.MessageEvent:
		// Only plain user messages: edits, deletions, joins and bot posts
		// (our own included) are not commands.
		if (e.SubType != "" && e.SubType != "file_share" && e.SubType != "thread_broadcast") || e.BotID != "" || e.User == "" || e.User == botUser {
			return
		}
		conv := chat.Conversation{WorkspaceID: team, ChannelID: e.Channel, ThreadID: e.ThreadTimeStamp}
		in := chat.Inbound{User: chat.User{ID: e.User}, Text: e.Text, MessageID: e.TimeStamp, Time: tsTime(e.TimeStamp)}
		switch e.ChannelType {
		case "im":
			conv.Type = chat.ConversationDirect
			in.Kind = chat.KindDirectMessage
			// In a DM, a reply in one of the bot's threads answers its
			// question (a prompt, a confirmation) as in a channel.
			if e.ThreadTimeStamp != "" && e.ThreadTimeStamp != e.TimeStamp && a.isBotThread(ctx, team, e.Channel, e.ThreadTimeStamp) {
				in.Kind = chat.KindThreadReply
			}
			in.Conversation = conv
			// A DM is answered in the DM itself unless the user wrote in a thread.
			a.dispatch(l, in, a.threadReplier(conv))
			return
		case "channel", "group", "mpim":
			if e.ThreadTimeStamp == "" || e.ThreadTimeStamp == e.TimeStamp {
				return
			}
			if botUser != "" && strings.Contains(e.Text, "<@"+botUser+">") {
				return // delivered as app_mention too
			}
			if !a.isBotThread(ctx, team, e.Channel, e.ThreadTimeStamp) {
				return
			}
			conv.Type = chat.ConversationChannel
			if e.ChannelType == "mpim" {
				conv.Type = chat.ConversationGroup
			}
			conv.Private = e.ChannelType == "group" || a.channelPrivate(ctx, team, e.Channel, e.ChannelType)
			in.Kind = chat.KindThreadReply
			in.Conversation = conv
			a.dispatch(l, in, a.threadReplier(conv))
		}
	}
}

// forget drops what the adapter keeps about a workspace that uninstalled
// the app: its bot token is dead and must not stay in the Store.
func (a *Adapter) forget(ctx context.Context, team string) {
	a.botUser.Delete(team)
	if a.oauth == nil || team == "" {
		return
	}
	if err := a.store.Delete(ctx, nsInstall, team); err != nil {
		a.log.ErrorContext(ctx, "slack: forget uninstalled workspace", "team", team, "error", err)
		return
	}
	a.log.InfoContext(ctx, "slack: app uninstalled; installation removed", "team", team)
}

// botUserID finds the bot's user ID in team, from the event's authorizations,
// the installation, or auth.test (cached).
func (a *Adapter) botUserID(ctx context.Context, team string, auths []slackgo.EventAuthorization) string {
	for _, au := range auths {
		if au.IsBot && au.UserID != "" && (au.TeamID == "" || au.TeamID == team) {
			return au.UserID
		}
	}
	if v, ok := a.botUser.Load(team); ok {
		return v.(string)
	}
	if a.oauth != nil && team != "" {
		if inst, ok, _ := a.installation(ctx, team); ok && inst.BotUserID != "" {
			a.botUser.Store(team, inst.BotUserID)
			return inst.BotUserID
		}
	}
	api, err := a.client(ctx, team)
	if err != nil {
		return ""
	}
	resp, err := api.AuthTestContext(ctx)
	if err != nil {
		a.log.WarnContext(ctx, "slack: auth.test failed", "team", team, "error", classify("auth.test", err))
		return ""
	}
	a.botUser.Store(team, resp.UserID)
	return resp.UserID
}

// channelPrivate reports whether a channel is private, from the event's
// channel type when it says, else from conversations.info (cached). When it
// cannot tell (no client for the workspace, the lookup fails) it fails
// closed: the channel counts as private, which is the restrictive side of an
// organisation policy that allows only public channels, and a policy
// allowing only private ones has no public channel to protect. The guess is
// logged and not cached, so the next event asks again.
func (a *Adapter) channelPrivate(ctx context.Context, team, channel, channelType string) bool {
	switch channelType {
	case "group":
		return true
	case "channel":
		return false
	}
	key := team + "/" + channel
	if v, ok := a.private.Load(key); ok {
		return v.(bool)
	}
	api, err := a.client(ctx, team)
	if err != nil {
		a.log.WarnContext(ctx, "slack: no client for conversations.info; channel privacy unknown, treated as private", "team", team, "channel", channel, "error", err)
		return true
	}
	info, err := api.GetConversationInfoContext(ctx, &slackgo.GetConversationInfoInput{ChannelID: channel})
	if err != nil {
		a.log.WarnContext(ctx, "slack: conversations.info failed; channel privacy unknown, treated as private", "team", team, "channel", channel, "error", classify("conversations.info", err))
		return true
	}
	a.private.Store(key, info.IsPrivate)
	return info.IsPrivate
}

// handleSlash converts a slash command. The reply goes to the channel as a
// new message through chat.postMessage (so it can be threaded and updated);
// where the bot cannot post (not a member of the channel, a DM between two
// other people) it falls back to the command's response_url.
func (a *Adapter) handleSlash(l *listener, cmd slackgo.SlashCommand) {
	if cmd.Command != a.command {
		a.log.WarnContext(l.ctx, "slack: unknown slash command ignored", "command", cmd.Command)
		return
	}
	conv := chat.Conversation{WorkspaceID: cmd.TeamID, ChannelID: cmd.ChannelID, Type: chat.ConversationChannel}
	switch {
	case cmd.ChannelName == "directmessage":
		conv.Type = chat.ConversationDirect
	case strings.HasPrefix(cmd.ChannelName, "mpdm-"):
		conv.Type = chat.ConversationGroup
	case cmd.ChannelName == "privategroup":
		conv.Private = true
	default:
		conv.Private = a.channelPrivate(l.ctx, cmd.TeamID, cmd.ChannelID, "")
	}
	in := chat.Inbound{
		Kind:         chat.KindSlashCommand,
		Conversation: conv,
		User:         chat.User{ID: cmd.UserID, Name: cmd.UserName},
		Text:         cmd.Text,
		Time:         time.Now(),
	}
	a.dispatch(l, in, a.slashReplier(conv, cmd.ResponseURL))
}

func (a *Adapter) slashReplier(conv chat.Conversation, responseURL string) chat.Replier {
	return chat.ReplierFunc(func(ctx context.Context, m chat.Message) (chat.Ref, error) {
		ref, err := a.Send(ctx, conv, m)
		if err == nil || responseURL == "" {
			return ref, err
		}
		switch slackErrorCode(err) {
		case "not_in_channel", "channel_not_found":
		default:
			return ref, err
		}
		return a.respond(ctx, conv, responseURL, m)
	})
}

// respond posts m through a response_url. Slack returns no timestamp for it,
// so the Ref has no MessageID.
func (a *Adapter) respond(ctx context.Context, conv chat.Conversation, responseURL string, m chat.Message) (chat.Ref, error) {
	api, err := a.client(ctx, conv.WorkspaceID)
	if err != nil {
		return chat.Ref{}, err
	}
	r, err := a.render(ctx, m, nil) // a response_url reply shows no uploaded files
	if err != nil {
		return chat.Ref{}, &chat.SendError{Platform: chat.PlatformSlack, Err: err}
	}
	opts := append(msgOptions(r), slackgo.MsgOptionResponseURL(responseURL, slackgo.ResponseTypeInChannel))
	if _, _, err := api.PostMessageContext(ctx, conv.ChannelID, opts...); err != nil {
		// The response_url is a bearer credential for the channel: keep it
		// out of the error, which ends up in logs and the audit record.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			ue.URL = redactResponseURL(ue.URL)
		}
		return chat.Ref{}, classify("response_url", err)
	}
	conv.Platform = chat.PlatformSlack
	if len(r.Uploads) > 0 {
		a.log.WarnContext(ctx, "slack: files not attached to a response_url reply (bot not in channel)", "conversation", conv.String(), "files", len(r.Uploads))
	}
	return chat.Ref{Conversation: conv}, nil
}

// handleInteraction converts button clicks and modal submissions. Clicks on a
// form's button open the modal here (the trigger_id expires in 3 seconds)
// instead of reaching the handler.
func (a *Adapter) handleInteraction(l *listener, cb slackgo.InteractionCallback) {
	ctx := l.ctx
	switch cb.Type {
	case slackgo.InteractionTypeBlockActions:
		conv := chat.Conversation{
			WorkspaceID: firstNonEmpty(cb.Team.ID, cb.User.TeamID),
			ChannelID:   firstNonEmpty(cb.Container.ChannelID, cb.Channel.ID),
			ThreadID:    firstNonEmpty(cb.Container.ThreadTs, cb.Message.ThreadTimestamp),
			Type:        chat.ConversationChannel,
		}
		if strings.HasPrefix(conv.ChannelID, "D") {
			conv.Type = chat.ConversationDirect
		}
		msg := chat.Ref{Conversation: conv, MessageID: firstNonEmpty(cb.Container.MessageTs, cb.Message.Timestamp)}
		msg.Conversation.Platform = chat.PlatformSlack
		privacyKnown := conv.Type == chat.ConversationDirect
		for _, act := range cb.ActionCallback.BlockActions {
			if act == nil {
				continue
			}
			if ButtonID(act.ActionID) == formButtonActionID {
				if err := a.openForm(ctx, cb, msg, act.Value); err != nil {
					a.log.ErrorContext(ctx, "slack: open form", "conversation", conv.String(), "error", err)
				}
				continue
			}
			if !privacyKnown {
				// Clicks run commands too: an organisation policy on
				// private channels must see the same privacy as a
				// mention. Looked up after any modal is opened, which
				// must happen within 3 seconds of the click.
				conv.Private = a.channelPrivate(ctx, conv.WorkspaceID, conv.ChannelID, "")
				msg.Conversation.Private = conv.Private
				privacyKnown = true
			}
			in := chat.Inbound{
				Kind:         chat.KindButtonClick,
				Conversation: conv,
				User:         chat.User{ID: cb.User.ID, Name: firstNonEmpty(cb.User.Name, cb.User.Username)},
				MessageID:    msg.MessageID,
				Action:       &chat.Action{ID: ButtonID(act.ActionID), Value: act.Value, Message: msg},
				Time:         tsTime(firstNonEmpty(act.ActionTs, cb.ActionTs)),
			}
			a.dispatch(l, in, a.threadReplier(msg.Thread()))
		}
	case slackgo.InteractionTypeViewSubmission:
		_ = a.handleViewSubmission(l, cb)
	}
}

// handleViewSubmission dispatches a form submission and returns the
// acknowledgement payload: nil closes the modal; a response_action "errors"
// keeps it open with the reason shown under the first input, for a form that
// expired or cannot be read.
func (a *Adapter) handleViewSubmission(l *listener, cb slackgo.InteractionCallback) any {
	if cb.View.CallbackID != formCallbackID {
		return nil
	}
	in, err := a.formSubmission(l.ctx, cb)
	if err != nil {
		a.log.WarnContext(l.ctx, "slack: form submission rejected", "error", err)
		for _, b := range cb.View.Blocks.BlockSet {
			if ib, ok := b.(*slackgo.InputBlock); ok && ib.BlockID != "" {
				return map[string]any{"response_action": "errors", "errors": map[string]string{
					ib.BlockID: "This form has expired. Close it and run the command again.",
				}}
			}
		}
		return nil
	}
	// The channel's privacy may need conversations.info: look it up after
	// the acknowledgement, which Slack wants within 3 seconds.
	started := l.start(func() {
		if in.Conversation.Type == chat.ConversationChannel {
			in.Conversation.Private = a.channelPrivate(l.ctx, in.Conversation.WorkspaceID, in.Conversation.ChannelID, "")
			in.Action.Message.Conversation.Private = in.Conversation.Private
		}
		a.dispatch(l, in, a.threadReplier(in.Action.Message.Thread()))
	})
	if !started {
		a.log.WarnContext(l.ctx, "slack: form submission dropped during shutdown")
	}
	return nil
}

// formMeta travels in the modal's private_metadata (3,000 characters).
type formMeta struct {
	Button  string `json:"b"`
	Team    string `json:"t"`
	Channel string `json:"c"`
	Thread  string `json:"h,omitempty"`
	Message string `json:"m,omitempty"`
}

func (a *Adapter) loadForm(ctx context.Context, value string) (*chat.Form, error) {
	var raw []byte
	switch {
	case strings.HasPrefix(value, inlineFormPrefix):
		raw = []byte(value[len(inlineFormPrefix):])
	case strings.HasPrefix(value, storedFormPrefix):
		b, ok, err := a.store.Get(ctx, nsForm, value[len(storedFormPrefix):])
		if err != nil {
			return nil, fmt.Errorf("slack: load form: %w", err)
		}
		if !ok {
			return nil, errors.New("slack: form expired")
		}
		raw = b
	default:
		return nil, errors.New("slack: unrecognised form reference")
	}
	var p formPayload
	if err := json.Unmarshal(raw, &p); err != nil || p.Form == nil {
		return nil, fmt.Errorf("slack: decode form: %v", err)
	}
	return p.Form, nil
}

func (a *Adapter) openForm(ctx context.Context, cb slackgo.InteractionCallback, msg chat.Ref, value string) error {
	f, err := a.loadForm(ctx, value)
	if err != nil {
		return err
	}
	meta, err := json.Marshal(formMeta{Button: value, Team: msg.Conversation.WorkspaceID, Channel: msg.Conversation.ChannelID, Thread: msg.Conversation.ThreadID, Message: msg.MessageID})
	if err != nil {
		return fmt.Errorf("slack: encode form metadata: %w", err)
	}
	view := Modal(f)
	view.PrivateMetadata = string(meta)
	if runeLen(view.PrivateMetadata) > 3000 {
		return errors.New("slack: form metadata exceeds 3,000 characters")
	}
	api, err := a.client(ctx, msg.Conversation.WorkspaceID)
	if err != nil {
		return err
	}
	if _, err := api.OpenViewContext(ctx, cb.TriggerID, view); err != nil {
		return classify("views.open", err)
	}
	return nil
}

// Modal renders f as a Slack modal: one input per field (a static select
// when the field has options). Submissions come back with callback ID
// "opschat.form" and each value under block and action ID = field ID.
func Modal(f *chat.Form) slackgo.ModalViewRequest {
	plain := func(s string, n int) *slackgo.TextBlockObject {
		return slackgo.NewTextBlockObject(slackgo.PlainTextType, truncatePlain(s, n), false, false)
	}
	var blocks []slackgo.Block
	for i, fld := range f.Fields {
		if i == 100 { // a modal holds at most 100 blocks
			break
		}
		id := firstNonEmpty(fld.ID, "field"+strconv.Itoa(i))
		var el slackgo.BlockElement
		if len(fld.Options) > 0 {
			var opts []*slackgo.OptionBlockObject
			for j, o := range fld.Options {
				if j == 100 || len(o) > 150 {
					break
				}
				opts = append(opts, slackgo.NewOptionBlockObject(o, plain(o, 75), nil))
			}
			sel := slackgo.NewOptionsSelectBlockElement(slackgo.OptTypeStatic, nil, id, opts...)
			if fld.Placeholder != "" {
				sel.Placeholder = plain(fld.Placeholder, 150)
			}
			el = sel
		} else {
			in := slackgo.NewPlainTextInputBlockElement(nil, id)
			if fld.Placeholder != "" {
				in.Placeholder = plain(fld.Placeholder, 150)
			}
			el = in
		}
		block := slackgo.NewInputBlock(id, plain(firstNonEmpty(fld.Label, fld.ID, "Value"), 2000), nil, el)
		block.Optional = !fld.Required
		blocks = append(blocks, block)
	}
	return slackgo.ModalViewRequest{
		Type:       slackgo.VTModal,
		CallbackID: formCallbackID,
		Title:      plain(firstNonEmpty(f.Title, "Parameters"), 24),
		Submit:     plain(firstNonEmpty(f.SubmitLabel, "Submit"), 24),
		Close:      plain("Cancel", 24),
		Blocks:     slackgo.Blocks{BlockSet: blocks},
	}
}

func (a *Adapter) formSubmission(ctx context.Context, cb slackgo.InteractionCallback) (chat.Inbound, error) {
	var meta formMeta
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil {
		return chat.Inbound{}, fmt.Errorf("slack: form metadata: %w", err)
	}
	f, err := a.loadForm(ctx, meta.Button)
	if err != nil {
		return chat.Inbound{}, err
	}
	values := map[string]string{}
	if cb.View.State != nil {
		for _, fld := range f.Fields {
			for _, act := range cb.View.State.Values[fld.ID] {
				v := act.Value
				if act.SelectedOption.Value != "" {
					v = act.SelectedOption.Value
				}
				values[fld.ID] = v
			}
		}
	}
	conv := chat.Conversation{Platform: chat.PlatformSlack, WorkspaceID: firstNonEmpty(meta.Team, cb.Team.ID), ChannelID: meta.Channel, ThreadID: meta.Thread, Type: chat.ConversationChannel}
	if strings.HasPrefix(conv.ChannelID, "D") {
		conv.Type = chat.ConversationDirect
	}
	// Privacy is left to handleViewSubmission, after the acknowledgement.
	msg := chat.Ref{Conversation: conv, MessageID: meta.Message}
	return chat.Inbound{
		Kind:         chat.KindFormSubmit,
		Conversation: conv,
		User:         chat.User{ID: cb.User.ID, Name: firstNonEmpty(cb.User.Name, cb.User.Username)},
		MessageID:    meta.Message,
		Action:       &chat.Action{ID: f.ID, Value: f.Value, Message: msg, Values: values},
		Time:         time.Now(),
	}, nil
}

// tsTime converts a Slack timestamp ("1700000000.000100") to a time.
func tsTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}
	}
	var ns int64
	if frac != "" {
		frac = (frac + "000000000")[:9]
		ns, _ = strconv.ParseInt(frac, 10, 64)
	}
	return time.Unix(s, ns).UTC()
}

// redactResponseURL keeps a response_url's scheme and host, for diagnosis,
// and drops the path that authorises posting.
func redactResponseURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "[response_url]"
	}
	return u.Scheme + "://" + u.Host + "/[redacted]"
}
