package chatops

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/command"
)

// alias handles "alias create|list|delete" and "run NAME ...". Aliases are
// stored per channel configuration, shared by its members, and run with the
// invoking member's permissions. A refused or guardrail-denied command is
// rejected at creation and checked again at every run.
func (b *Bot) alias(ctx context.Context, req *request, ac *command.AliasCommand) error {
	key := func(name string) string { return req.cfg.Name + "/" + strings.ToLower(name) }
	switch ac.Action {
	case command.AliasCreate:
		a, err := command.NewAlias(ac.Name, ac.Command, b.catalog)
		if err != nil {
			req.rec.Outcome = OutcomeInvalid
			req.rec.Error = err.Error()
			return b.reply(ctx, req, userErrorMessage(err))
		}
		if reason, denied, err := b.aliasDenied(ctx, req, a); err != nil {
			return b.failInternal(ctx, req, err)
		} else if denied {
			req.rec.Outcome = OutcomeDenied
			req.rec.Decision = DecisionDeny
			req.rec.Reason = reason
			return b.reply(ctx, req, chat.Message{Title: "Alias not created", Text: denialText(a.Action, reason), Severity: chat.SeverityWarning})
		}
		data, err := json.Marshal(a)
		if err != nil {
			return b.failInternal(ctx, req, err)
		}
		if err := b.store.Put(ctx, nsAlias, key(a.Name), data, 0); err != nil {
			return b.failInternal(ctx, req, err)
		}
		if err := b.store.Put(ctx, nsAliasOwner, key(a.Name), []byte(req.in.User.ID), 0); err != nil {
			b.log.ErrorContext(ctx, "record alias owner", "err", err)
		}
		return b.answer(ctx, req, chat.Message{Text: fmt.Sprintf("Alias `%s` created. Run it with `%s`.", a.Name, a.Usage()), Severity: chat.SeveritySuccess})
	case command.AliasDelete:
		if _, ok, err := b.store.Get(ctx, nsAlias, key(ac.Name)); err != nil {
			return b.failInternal(ctx, req, err)
		} else if !ok {
			req.rec.Outcome = OutcomeInvalid
			return b.reply(ctx, req, chat.Message{Text: fmt.Sprintf("There is no alias `%s`. `alias list` shows them.", chat.EscapeMarkdown(ac.Name))})
		}
		if err := b.store.Delete(ctx, nsAlias, key(ac.Name)); err != nil {
			return b.failInternal(ctx, req, err)
		}
		_ = b.store.Delete(ctx, nsAliasOwner, key(ac.Name))
		return b.answer(ctx, req, chat.Message{Text: fmt.Sprintf("Alias `%s` deleted.", ac.Name)})
	case command.AliasList:
		items, err := b.store.List(ctx, nsAlias, req.cfg.Name+"/")
		if err != nil {
			return b.failInternal(ctx, req, err)
		}
		if len(items) == 0 {
			return b.answer(ctx, req, chat.Message{Text: "This channel has no aliases yet. `alias help` shows how to create one."})
		}
		keys := make([]string, 0, len(items))
		for k := range items {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var sb strings.Builder
		for _, k := range keys {
			a, err := command.DecodeAlias(items[k])
			if err != nil {
				b.log.WarnContext(ctx, "stored alias is invalid", "key", k, "err", err)
				continue
			}
			fmt.Fprintf(&sb, "%s → aws %s\n", a.Usage(), RedactSecrets(a.Command))
		}
		return b.answer(ctx, req, chat.Message{Title: "Aliases", CodeBlocks: []chat.CodeBlock{{Content: strings.TrimSpace(sb.String())}}})
	case command.AliasRun:
		data, ok, err := b.store.Get(ctx, nsAlias, key(ac.Name))
		if err != nil {
			return b.failInternal(ctx, req, err)
		}
		if !ok {
			req.rec.Outcome = OutcomeInvalid
			req.rec.Reason = "unknown alias"
			return b.reply(ctx, req, chat.Message{Text: fmt.Sprintf("There is no alias `%s`. `alias list` shows them.", chat.EscapeMarkdown(ac.Name)), Severity: chat.SeverityWarning})
		}
		a, err := command.DecodeAlias(data)
		if err != nil {
			return b.failInternal(ctx, req, err)
		}
		inv, err := a.Invocation(ac.Args, ac.Named, b.catalog)
		if err != nil {
			req.rec.Outcome = OutcomeInvalid
			req.rec.Error = err.Error()
			return b.reply(ctx, req, userErrorMessage(err))
		}
		return b.runInvocation(ctx, req, inv)
	}
	return b.answer(ctx, req, chat.Message{Title: command.AliasHelpText().Title, Text: command.AliasHelpText().Text})
}

// aliasDenied checks an alias's action against the authorizer at creation,
// with placeholders unresolved.
func (b *Bot) aliasDenied(ctx context.Context, req *request, a *command.Alias) (string, bool, error) {
	if b.authorizer == nil || a.Action == "" {
		return "", false, nil
	}
	service, op, _ := strings.Cut(a.Action, ":")
	// Every IAM action the aliased operation needs, as at run time.
	actions := a.Actions
	if len(actions) == 0 {
		actions = []string{a.Action}
	}
	inv := &command.Invocation{Service: service, Operation: op, IAMAction: a.Action, IAMActions: actions, Text: a.Command}
	role, err := b.roleFor(ctx, req)
	if err != nil {
		return "", false, err
	}
	if role == "" {
		role = req.cfg.IAMRoleARN
	}
	res, err := b.authorizer.Authorize(ctx, AuthRequest{Config: req.cfg, Inbound: req.in, Invocation: inv, RoleARN: role, Region: req.cfg.DefaultRegion, Time: b.now()})
	if err != nil {
		return "", false, err
	}
	return res.Reason, !res.Allowed, nil
}
