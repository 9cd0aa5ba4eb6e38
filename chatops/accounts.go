package chatops

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/opschat/opschat/chat"
)

// A channel may be configured in several AWS accounts (one configuration
// per account, as in AWS Chatbot). Each member chooses the account their
// commands go to; the choice is remembered for a week, like AWS Chatbot's,
// and changed with "set default-account".
const (
	nsAccount        = "account"         // platform/workspace/channel/user → account ID
	nsAccountPending = "account-pending" // platform/workspace/channel/user → the command waiting for the choice
	accountChoiceTTL = 7 * 24 * time.Hour
	accountAskTTL    = 15 * time.Minute

	// ActionAccount is the button that chooses an account; Value is the
	// account ID.
	ActionAccount = "opschat.account"
)

func accountKey(in chat.Inbound) string {
	c := in.Conversation
	return string(c.Platform) + "/" + c.WorkspaceID + "/" + c.ChannelID + "/" + in.User.ID
}

// selectConfig picks the configuration req runs under. When it answered the
// event itself (no configuration, an account to choose, an account chosen)
// it returns handled.
func (b *Bot) selectConfig(ctx context.Context, req *request) (cfg *ChannelConfig, handled bool, err error) {
	all := b.config.LookupAll(req.in.Conversation)
	switch len(all) {
	case 0:
		return nil, true, b.noConfiguration(ctx, req)
	case 1:
		return all[0], false, nil
	}
	in := req.in
	if in.Kind == chat.KindButtonClick && in.Action != nil && in.Action.ID == ActionAccount {
		return nil, true, b.setAccount(ctx, req, all, in.Action.Value)
	}
	if word, rest := splitWord(StripMention(in.Text)); word == "set" {
		if sub, arg := splitWord(rest); sub == "default-account" {
			return nil, true, b.setAccount(ctx, req, all, arg)
		}
	}
	v, ok, err := b.store.Get(ctx, nsAccount, accountKey(in))
	if err != nil {
		return nil, true, b.failInternal(ctx, req, fmt.Errorf("read account choice: %w", err))
	}
	if ok {
		for _, cc := range all {
			if cc.Account() == string(v) {
				return cc, false, nil
			}
		}
	}
	// No (valid) choice yet: keep what was typed and ask. Button clicks
	// are not kept: the button is still there to click again.
	text := strings.TrimSpace(StripMention(in.Text))
	if (in.Kind == chat.KindMention || in.Kind == chat.KindDirectMessage || in.Kind == chat.KindSlashCommand) && text != "" {
		if err := b.store.Put(ctx, nsAccountPending, accountKey(in), []byte(text), accountAskTTL); err != nil {
			return nil, true, b.failInternal(ctx, req, err)
		}
	}
	req.rec.Outcome = OutcomePending
	req.rec.Reason = "account not chosen"
	return nil, true, b.reply(ctx, req, chooseAccountMessage(all, "This channel is configured in several AWS accounts. Which one should your commands go to?"))
}

func chooseAccountMessage(all []*ChannelConfig, text string) chat.Message {
	m := chat.Message{Title: "Choose an account", Text: text + " I'll remember your choice for 7 days; `set default-account` changes it."}
	for _, cc := range all {
		m.Buttons = append(m.Buttons, chat.Button{ID: ActionAccount, Label: cc.Account() + " (" + cc.Name + ")", Value: cc.Account()})
	}
	return m
}

// setAccount records the member's account and runs the command that was
// waiting for it, if any.
func (b *Bot) setAccount(ctx context.Context, req *request, all []*ChannelConfig, account string) error {
	account = strings.TrimSpace(account)
	var cfg *ChannelConfig
	for _, cc := range all {
		if cc.Account() == account {
			cfg = cc
		}
	}
	if cfg == nil {
		if account != "" {
			req.rec.Outcome = OutcomeDenied
			req.rec.Decision = DecisionDeny
			req.rec.Reason = "account not configured for this channel"
			return b.reply(ctx, req, chooseAccountMessage(all, fmt.Sprintf("This channel is not configured in account `%s`.", chat.EscapeMarkdown(account))))
		}
		return b.answer(ctx, req, chooseAccountMessage(all, "Choose the AWS account your commands in this channel go to."))
	}
	req.cfg = cfg
	req.rec.Configuration = cfg.Name
	req.rec.Account = account
	key := accountKey(req.in)
	if err := b.store.Put(ctx, nsAccount, key, []byte(account), accountChoiceTTL); err != nil {
		return b.failInternal(ctx, req, err)
	}
	if err := b.answer(ctx, req, chat.Message{Text: fmt.Sprintf("Your commands in this channel now go to account `%s` (configuration `%s`) for the next 7 days.", account, chat.EscapeMarkdown(cfg.Name)), Severity: chat.SeveritySuccess}); err != nil {
		return err
	}
	parked, ok, err := b.store.Get(ctx, nsAccountPending, key)
	if err != nil || !ok {
		return nil
	}
	_ = b.store.Delete(ctx, nsAccountPending, key)
	next := req.in
	next.Kind, next.Text, next.Action = chat.KindMention, string(parked), nil
	if req.in.Conversation.Type == chat.ConversationDirect {
		next.Kind = chat.KindDirectMessage
	}
	return b.handle(ctx, next, req.r)
}

// setDefaultAccountSingle answers "set default-account" in a channel
// configured in one account.
func (b *Bot) setDefaultAccountSingle(ctx context.Context, req *request) error {
	return b.answer(ctx, req, chat.Message{Text: fmt.Sprintf("This channel is configured in one AWS account, `%s` (configuration `%s`): there is no other to choose.",
		req.cfg.Account(), chat.EscapeMarkdown(req.cfg.Name))})
}

func splitWord(s string) (word, rest string) {
	s = strings.TrimSpace(s)
	w, r, _ := strings.Cut(s, " ")
	return strings.ToLower(strings.TrimSpace(w)), strings.TrimSpace(r)
}
