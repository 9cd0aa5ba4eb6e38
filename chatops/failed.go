package chatops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/notify/delivery"
)

// IAM-style actions of the bot's own notification commands. The authorizer
// checks them like AWS actions, so a channel's guardrails decide who may
// list and replay failed notifications ("Action": "*" allows them; a
// read-only guardrail does not allow the retry).
const (
	ActionListFailedNotifications  = "opschat:ListFailedNotifications"
	ActionRetryFailedNotifications = "opschat:RetryFailedNotifications"
)

// maxFailedShown bounds the list posted in chat.
const maxFailedShown = 20

// ErrNoPipeline is returned by FailedNotifications and RetryNotifications
// when the bot has no notification pipeline (see NotificationPipeline).
var ErrNoPipeline = errors.New("chatops: no notification pipeline")

func (b *Bot) deliverer() *delivery.Deliverer {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pipeline == nil {
		return nil
	}
	return b.pipeline.Deliverer
}

// FailedNotifications returns the notifications that could not be
// delivered for good (dead letters), oldest first, kept durably in the
// bot's Store with the whole message and the last error. configuration
// limits the list to one channel configuration ("" for all).
func (b *Bot) FailedNotifications(ctx context.Context, configuration string) ([]delivery.DeadLetter, error) {
	d := b.deliverer()
	if d == nil {
		return nil, ErrNoPipeline
	}
	all, err := d.DeadLetters(ctx)
	if err != nil {
		return nil, err
	}
	if configuration == "" {
		return all, nil
	}
	return slices.DeleteFunc(all, func(dl delivery.DeadLetter) bool { return dl.Configuration != configuration }), nil
}

// RetryNotifications replays failed notifications through the normal
// delivery path: ids, or every one of configuration ("" for all) when ids
// is empty. A replay that is delivered removes its dead letter; one that
// fails again keeps it with the new error. It returns how many were
// delivered and every failure joined.
func (b *Bot) RetryNotifications(ctx context.Context, configuration string, ids ...string) (int, error) {
	d := b.deliverer()
	if d == nil {
		return 0, ErrNoPipeline
	}
	if len(ids) == 0 && configuration == "" {
		// Every dead letter at once: each channel's replays share its
		// queue and rate limit.
		return d.RetryAll(ctx)
	}
	if len(ids) == 0 {
		dls, err := b.FailedNotifications(ctx, configuration)
		if err != nil {
			return 0, err
		}
		for _, dl := range dls {
			ids = append(ids, dl.ID)
		}
	}
	delivered := 0
	var errs []error
	for _, id := range ids {
		if configuration != "" {
			dl, err := d.DeadLetter(ctx, id)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if dl.Configuration != configuration {
				// Another channel's notification: not this channel's to replay.
				errs = append(errs, fmt.Errorf("%w: %q", delivery.ErrNoDeadLetter, id))
				continue
			}
		}
		if err := d.Retry(ctx, id); err != nil {
			errs = append(errs, err)
			continue
		}
		delivered++
	}
	return delivered, errors.Join(errs...)
}

// notificationsCommand answers "notifications failed" and "notifications
// retry ID|all" for the channel's own configuration; the bot's
// administrators (WithAdmins) see and replay every configuration's.
func (b *Bot) notificationsCommand(ctx context.Context, req *request, arg string) error {
	sub, rest := splitWord(arg)
	scope := req.cfg.Name
	if slices.Contains(b.admins, req.in.User.ID) {
		scope = ""
	}
	req.rec.Service = "notifications"
	switch sub {
	case "failed", "list":
		req.rec.Operation = "failed"
		if !b.allowBuiltin(ctx, req, ActionListFailedNotifications, command.AccessList) {
			return nil
		}
		dls, err := b.FailedNotifications(ctx, scope)
		if errors.Is(err, ErrNoPipeline) {
			return b.answer(ctx, req, chat.Message{Text: "This bot has no notification pipeline, so it keeps no failed notifications."})
		}
		if err != nil {
			return b.failInternal(ctx, req, err)
		}
		if len(dls) == 0 {
			return b.answer(ctx, req, chat.Message{Text: "No failed notifications: everything was delivered.", Severity: chat.SeveritySuccess})
		}
		var sb strings.Builder
		for i, dl := range dls {
			if i == maxFailedShown {
				fmt.Fprintf(&sb, "… and %d more\n", len(dls)-i)
				break
			}
			title := dl.Message.Title
			if title == "" {
				title = firstLine(dl.Message.Text)
			}
			fmt.Fprintf(&sb, "%s  %s  %s → %s  %q: %s\n", dl.ID, dl.Time.UTC().Format(time.RFC3339), dl.Configuration, dl.Conversation.ChannelID, truncate(title, 80), truncate(dl.Error, 160))
		}
		m := chat.Message{Title: fmt.Sprintf("%d failed notification(s)", len(dls)), CodeBlocks: []chat.CodeBlock{{Content: strings.TrimSpace(sb.String())}},
			Text: "`notifications retry ID` replays one, `notifications retry all` every one.", Severity: chat.SeverityWarning}
		return b.answer(ctx, req, m)
	case "retry":
		req.rec.Operation = "retry"
		if rest == "" {
			req.rec.Outcome = OutcomeInvalid
			return b.reply(ctx, req, chat.Message{Text: "Usage: `notifications retry ID` or `notifications retry all` (`notifications failed` lists them)."})
		}
		if !b.allowBuiltin(ctx, req, ActionRetryFailedNotifications, command.AccessWrite) {
			return nil
		}
		var ids []string
		if !strings.EqualFold(rest, "all") {
			ids = strings.Fields(rest)
		}
		n, err := b.RetryNotifications(ctx, scope, ids...)
		switch {
		case errors.Is(err, ErrNoPipeline):
			return b.answer(ctx, req, chat.Message{Text: "This bot has no notification pipeline, so it keeps no failed notifications."})
		case err != nil:
			req.rec.Outcome = OutcomeFailed
			req.rec.Error = err.Error()
			return b.reply(ctx, req, chat.Message{Text: fmt.Sprintf("Delivered %d. Still failing: %s", n, chat.EscapeMarkdown(truncate(err.Error(), 500))), Severity: chat.SeverityWarning})
		}
		req.rec.Outcome = OutcomeSucceeded
		return b.reply(ctx, req, chat.Message{Text: fmt.Sprintf("Delivered %d failed notification(s).", n), Severity: chat.SeveritySuccess})
	}
	req.rec.Outcome = OutcomeInvalid
	return b.reply(ctx, req, chat.Message{Text: "Usage: `notifications failed`, `notifications retry ID` or `notifications retry all`."})
}

// allowBuiltin checks one of the bot's own actions with the authorizer, as
// for an AWS command; it replies and audits the refusal itself.
func (b *Bot) allowBuiltin(ctx context.Context, req *request, action string, access command.AccessLevel) bool {
	req.rec.Action = action
	if b.authorizer == nil {
		if b.unsafeAllowAll {
			return true
		}
		req.rec.Outcome = OutcomeDenied
		req.rec.Decision = DecisionDeny
		req.rec.Reason = "no authorizer"
		_ = b.reply(ctx, req, chat.Message{Text: "This bot has no authorizer configured, so it refuses this command.", Severity: chat.SeverityWarning})
		return false
	}
	role, _ := b.roleFor(ctx, req)
	inv := &command.Invocation{Service: req.rec.Service, Operation: req.rec.Operation, IAMAction: action, IAMActions: []string{action},
		Op: &command.Operation{Name: req.rec.Operation, Actions: []string{action}, Access: access, ReadOnly: access.ReadOnly()}}
	res, err := b.authorizer.Authorize(ctx, AuthRequest{Config: req.cfg, Inbound: req.in, Invocation: inv, RoleARN: role, Region: req.cfg.DefaultRegion, Time: b.now()})
	if err != nil || !res.Allowed {
		req.rec.Outcome = OutcomeDenied
		req.rec.Decision = DecisionDeny
		req.rec.Reason = res.Reason
		if err != nil {
			req.rec.Reason = "authorizer error"
			req.rec.Error = err.Error()
		}
		_ = b.reply(ctx, req, chat.Message{Title: "Not allowed", Text: denialText(action, res.Reason), Severity: chat.SeverityWarning})
		return false
	}
	req.rec.Decision = DecisionAllow
	return true
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
