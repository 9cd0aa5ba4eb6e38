package chatops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/opschat/opschat/chat"
)

// nsAliasOwner records who created each alias (configuration/name → user
// ID), so Forget can remove the aliases a user owns.
const nsAliasOwner = "alias-owner"

// ForgetResult says what Forget removed.
type ForgetResult struct {
	// Deleted is the number of stored entries removed.
	Deleted int
}

// WithAdmins names the chat users (by platform user ID, e.g. Slack's
// "U012AB3CD") who may use the bot's administrative commands: "forget user
// USER-ID" and "forget workspace". Without it nobody can, in chat; the host
// can always call Bot.Forget.
func WithAdmins(userIDs ...string) Option {
	return func(b *Bot) error {
		for _, id := range userIDs {
			if strings.TrimSpace(id) == "" {
				return errors.New("WithAdmins: empty user ID")
			}
		}
		b.admins = append(b.admins, userIDs...)
		return nil
	}
}

// Forget deletes what the bot stores about a user of a workspace (user
// non-empty) or about the whole workspace (user empty): role and account
// choices, the aliases the user created (all of the workspace's aliases and
// remembered regions for a workspace), and pending confirmations and
// prompts. It is what AWS Chatbot does on request through Support, for a
// member who leaves or a workspace that is removed. Notification records
// (deduplication, dead letters) hold no user state and are kept until they
// expire. One audit record says who was forgotten and how many entries went.
func (b *Bot) Forget(ctx context.Context, workspace, user string) (ForgetResult, error) {
	return b.forget(ctx, workspace, user, AuditRecord{User: "host", Platform: "api"})
}

func (b *Bot) forget(ctx context.Context, workspace, user string, rec AuditRecord) (ForgetResult, error) {
	if strings.TrimSpace(workspace) == "" {
		return ForgetResult{}, errors.New("chatops: forget: workspace required")
	}
	var cfgs []*ChannelConfig
	for i := range b.config.Configurations {
		if cc := &b.config.Configurations[i]; cc.WorkspaceID == workspace {
			cfgs = append(cfgs, cc)
		}
	}
	f := forgetter{b: b}
	for _, cc := range cfgs {
		if user != "" {
			f.del(ctx, nsUserRole, cc.Name+"/"+user)
			f.del(ctx, nsPendingUser, cc.Name+"/"+user)
			owners := f.list(ctx, nsAliasOwner, cc.Name+"/")
			for k, v := range owners {
				if string(v) == user {
					f.del(ctx, nsAlias, k)
					f.del(ctx, nsAliasOwner, k)
				}
			}
			continue
		}
		for _, ns := range []string{nsUserRole, nsPendingUser, nsAlias, nsAliasOwner} {
			for k := range f.list(ctx, ns, cc.Name+"/") {
				f.del(ctx, ns, k)
			}
		}
		f.del(ctx, nsRegion, cc.Name)
	}
	// Account choices are keyed platform/workspace/channel/user.
	platforms := map[chat.Platform]bool{}
	for _, cc := range cfgs {
		platforms[cc.Platform] = true
	}
	for p := range platforms {
		for _, ns := range []string{nsAccount, nsAccountPending} {
			for k := range f.list(ctx, ns, string(p)+"/"+workspace+"/") {
				if user == "" || strings.HasSuffix(k, "/"+user) {
					f.del(ctx, ns, k)
				}
			}
		}
	}
	// Pending commands: their tokens, and the thread index pointing at them.
	names := make([]string, 0, len(cfgs))
	for _, cc := range cfgs {
		names = append(names, cc.Name)
	}
	tokens := map[string]bool{}
	for k, v := range f.list(ctx, nsPending, "") {
		var p pendingCommand
		if json.Unmarshal(v, &p) != nil || !slices.Contains(names, p.Config) || user != "" && p.User != user {
			continue
		}
		tokens[p.Token] = true
		f.del(ctx, nsPending, k)
		f.del(ctx, nsPendingClaim, k)
	}
	if len(tokens) > 0 {
		for k, v := range f.list(ctx, nsPendingThread, "") {
			if tokens[string(v)] {
				f.del(ctx, nsPendingThread, k)
			}
		}
	}

	rec.Time = b.now().UTC()
	rec.Workspace = workspace
	rec.Operation = "forget"
	rec.Text = "forget workspace " + workspace
	if user != "" {
		rec.Text = "forget user " + user + " in workspace " + workspace
	}
	rec.Reason = fmt.Sprintf("%d stored entries deleted", f.deleted)
	rec.Outcome = OutcomeSucceeded
	err := errors.Join(f.errs...)
	if err != nil {
		rec.Outcome = OutcomeFailed
		rec.Error = err.Error()
	}
	b.audit.Record(ctx, rec)
	if err != nil {
		return ForgetResult{Deleted: f.deleted}, fmt.Errorf("chatops: forget: %w", err)
	}
	return ForgetResult{Deleted: f.deleted}, nil
}

// forgetter collects deletions and their errors: one failure must not stop
// the rest of a forget request.
type forgetter struct {
	b       *Bot
	deleted int
	errs    []error
}

func (f *forgetter) list(ctx context.Context, ns, prefix string) map[string][]byte {
	m, err := f.b.store.List(ctx, ns, prefix)
	if err != nil {
		f.errs = append(f.errs, fmt.Errorf("list %s/%s: %w", ns, prefix, err))
	}
	return m
}

func (f *forgetter) del(ctx context.Context, ns, key string) {
	if _, ok, err := f.b.store.Get(ctx, ns, key); err != nil || !ok {
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("get %s/%s: %w", ns, key, err))
		}
		return
	}
	if err := f.b.store.Delete(ctx, ns, key); err != nil {
		f.errs = append(f.errs, fmt.Errorf("delete %s/%s: %w", ns, key, err))
		return
	}
	f.deleted++
}

// forgetCommand is the admin-only chat path: "forget user USER-ID" or
// "forget workspace", for the workspace the command is typed in.
func (b *Bot) forgetCommand(ctx context.Context, req *request, arg string) error {
	if !slices.Contains(b.admins, req.in.User.ID) {
		req.rec.Outcome = OutcomeDenied
		req.rec.Decision = DecisionDeny
		req.rec.Reason = "forget is for the bot's administrators"
		return b.reply(ctx, req, chat.Message{Text: "Only the bot's administrators can make it forget stored data (the host lists them with WithAdmins).", Severity: chat.SeverityWarning})
	}
	what, rest := splitWord(arg)
	var user string
	switch {
	case what == "user" && rest != "" && !strings.ContainsAny(rest, " \t"):
		user = strings.TrimPrefix(strings.TrimSuffix(strings.TrimPrefix(rest, "<@"), ">"), "@")
	case what == "workspace" && rest == "":
	default:
		req.rec.Outcome = OutcomeInvalid
		return b.reply(ctx, req, chat.Message{Text: "Usage: `forget user USER-ID` or `forget workspace` (this workspace)."})
	}
	rec := req.rec
	res, err := b.forget(ctx, req.in.Conversation.WorkspaceID, user, rec)
	// forget wrote the audit record; the reply must not write a second.
	if err != nil {
		b.log.ErrorContext(ctx, "forget", "err", err)
		_, rerr := req.r.Reply(ctx, chat.Message{Text: fmt.Sprintf("I deleted %d stored entries but some could not be deleted; the error is in the bot's log. Try again.", res.Deleted), Severity: chat.SeverityCritical})
		return rerr
	}
	who := "this workspace"
	if user != "" {
		who = "`" + chat.EscapeMarkdown(user) + "`"
	}
	_, err = req.r.Reply(ctx, chat.Message{Text: fmt.Sprintf("Forgotten: %d stored entries about %s.", res.Deleted, who), Severity: chat.SeveritySuccess})
	return err
}
