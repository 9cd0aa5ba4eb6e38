package chatops

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/opschat/opschat/chat"
)

func (b *Bot) cancelPending(ctx context.Context, req *request) error {
	tok, ok, err := b.store.Get(ctx, nsPendingUser, req.cfg.Name+"/"+req.in.User.ID)
	if err == nil && ok {
		if p, err := b.loadPending(ctx, string(tok)); err == nil && p != nil {
			return b.resume(ctx, req, p, "cancel", nil)
		}
	}
	return b.answer(ctx, req, chat.Message{Text: "Nothing is waiting for you to cancel."})
}

// switchRole lets a member choose the role their commands run with, among
// the configuration's UserRoleArns. The choice takes effect for their next
// command, whether or not the configuration requires user roles; when it
// cannot (no roles offered, a role not offered), the answer says why and
// nothing changes. "switch-role channel" goes back to the channel role
// where the configuration allows it.
func (b *Bot) switchRole(ctx context.Context, req *request, arg string) error {
	cfg := req.cfg
	arg = strings.TrimSpace(arg)
	key := cfg.Name + "/" + req.in.User.ID
	if arg == "" {
		current, _ := b.roleFor(ctx, req)
		text := "Choose the role your commands run with."
		if current != "" {
			text += fmt.Sprintf(" Now: `%s`.", current)
		}
		return b.answer(ctx, req, b.chooseRoleMessage(cfg, text))
	}
	if len(cfg.UserRoleARNs) == 0 {
		req.rec.Outcome = OutcomeDenied
		req.rec.Decision = DecisionDeny
		req.rec.Reason = "configuration offers no user roles"
		return b.reply(ctx, req, chat.Message{Text: fmt.Sprintf("I can't switch roles here: configuration `%s` offers no user roles (UserRoleArns), so commands run as the channel role `%s`. Ask an administrator to add the roles members may choose.",
			chat.EscapeMarkdown(cfg.Name), chat.EscapeMarkdown(cfg.IAMRoleARN)), Severity: chat.SeverityWarning})
	}
	if strings.EqualFold(arg, "channel") || strings.EqualFold(arg, "clear") {
		if cfg.UserRoleRequired || req.in.Conversation.Type == chat.ConversationDirect {
			req.rec.Outcome = OutcomeDenied
			req.rec.Decision = DecisionDeny
			req.rec.Reason = "user role required"
			return b.reply(ctx, req, b.chooseRoleMessage(cfg, "This channel runs commands with each member's own role; there is no channel role to go back to."))
		}
		if err := b.store.Delete(ctx, nsUserRole, key); err != nil {
			return b.failInternal(ctx, req, err)
		}
		return b.answer(ctx, req, chat.Message{Text: fmt.Sprintf("Your commands in this channel now run as the channel role `%s`.", cfg.IAMRoleARN), Severity: chat.SeveritySuccess})
	}
	if !slices.Contains(cfg.UserRoleARNs, arg) {
		req.rec.Outcome = OutcomeDenied
		req.rec.Decision = DecisionDeny
		req.rec.Reason = "role not offered by the configuration"
		return b.reply(ctx, req, b.chooseRoleMessage(cfg, fmt.Sprintf("`%s` is not one of the roles this channel offers.", chat.EscapeMarkdown(arg))))
	}
	if err := b.store.Put(ctx, nsUserRole, key, []byte(arg), 0); err != nil {
		return b.failInternal(ctx, req, err)
	}
	req.rec.Role = arg
	return b.answer(ctx, req, chat.Message{Text: fmt.Sprintf("Your commands in this channel now run as `%s`.", arg), Severity: chat.SeveritySuccess})
}

func (b *Bot) chooseRoleMessage(cfg *ChannelConfig, text string) chat.Message {
	m := chat.Message{Title: "Choose a role", Text: text}
	if len(cfg.UserRoleARNs) == 0 {
		m.Text += " This configuration offers no user roles (UserRoleArns); ask an administrator."
		return m
	}
	m.Text += " Or type `switch-role ROLE-ARN`."
	if !cfg.UserRoleRequired {
		m.Text += " `switch-role channel` goes back to the channel role."
	}
	for _, r := range cfg.UserRoleARNs {
		label := r
		if i := strings.LastIndex(r, "/"); i >= 0 {
			label = r[i+1:]
		}
		m.Buttons = append(m.Buttons, chat.Button{ID: ActionRole, Label: label, Value: r})
	}
	return m
}
