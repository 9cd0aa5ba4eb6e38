package chatops

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/delivery"
)

// Store namespaces the bot uses.
const (
	nsPending       = "pending"        // token → pendingCommand
	nsPendingThread = "pending-thread" // conversation#thread → token
	nsPendingUser   = "pending-user"   // configuration/user → token of the user's latest prompt
	nsPendingClaim  = "pending-claim"  // token → who resumed it (one winner per confirmation)
	nsRegion        = "region"         // configuration → region last given with --region
	nsUserRole      = "user-role"      // configuration/user → role ARN
	nsAlias         = "alias"          // configuration/name → alias
)

// Action IDs of the bot's buttons.
const (
	ActionConfirm    = "opschat.confirm"
	ActionCancel     = "opschat.cancel"
	ActionRun        = "opschat.run"  // Value is a command line to run (alarm and custom actions)
	ActionRole       = "opschat.role" // Value is a role ARN to switch to
	ActionPromptForm = "opschat.prompt"
)

type pendingKind string

const (
	pendingConfirm pendingKind = "confirm"
	pendingPrompt  pendingKind = "prompt"
)

// pendingCommand is a command waiting for a confirmation or for missing
// parameters. It is stored as JSON so any Store (and any replica) can resume it.
type pendingCommand struct {
	Kind    pendingKind `json:"kind"`
	Token   string      `json:"token"`
	Config  string      `json:"config"`
	User    string      `json:"user"`
	Command string      `json:"command"` // normalised command line, re-parsed on resume
	Missing []string    `json:"missing,omitempty"`
	Thread  string      `json:"thread,omitempty"` // conversation key of the prompt's thread
	// Region is the region a confirmation was checked for: the command
	// runs there even if the channel's remembered region changes while
	// the confirmation waits.
	Region  string    `json:"region,omitempty"`
	Created time.Time `json:"created"`
}

func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// command handles everything addressed to the bot that is not one of its
// own words: AWS commands, help, aliases, options for a pending command.
func (b *Bot) command(ctx context.Context, req *request, text string) error {
	cr, err := command.Interpret(text, b.catalog)
	if err != nil {
		if svc, reason, blocked := blockedServiceOf(err); blocked {
			// Blocked means blocked, whatever is registered: a credential
			// service is refused by name, not reported as unknown.
			req.rec.Service = svc
			req.rec.Outcome = OutcomeDenied
			req.rec.Decision = DecisionDeny
			req.rec.Reason = reason
			return b.reply(ctx, req, chat.Message{Title: "Not allowed", Text: fmt.Sprintf("`%s` is blocked for everyone: %s.", chat.EscapeMarkdown(svc), reason), Severity: chat.SeverityWarning})
		}
		// A question is not a command: "what's wrong with x?" fails as an
		// unclosed quote before it fails as an unknown service.
		if (errors.Is(err, command.ErrUnknownService) || errors.Is(err, command.ErrSyntax)) && b.assistant != nil && looksLikeQuestion(text) {
			return b.ask(ctx, req, text, nil)
		}
		req.rec.Outcome = OutcomeInvalid
		req.rec.Error = err.Error()
		return b.reply(ctx, req, userErrorMessage(err))
	}
	switch cr.Kind {
	case command.KindHelp:
		return b.answer(ctx, req, chat.Message{Title: cr.Help.Title, Text: cr.Help.Text})
	case command.KindAlias:
		return b.alias(ctx, req, cr.Alias)
	case command.KindParams:
		tok, ok, err := b.store.Get(ctx, nsPendingUser, req.cfg.Name+"/"+req.in.User.ID)
		if err != nil {
			return b.failInternal(ctx, req, err)
		}
		if ok {
			if p, err := b.loadPending(ctx, string(tok)); err == nil && p != nil && p.Kind == pendingPrompt {
				return b.resume(ctx, req, p, text, nil)
			}
		}
		req.rec.Outcome = OutcomeInvalid
		req.rec.Reason = "no pending command"
		return b.reply(ctx, req, chat.Message{Text: "There is no command waiting for parameters. Start with the service and operation, e.g. `lambda get-function --function-name my-fn`."})
	}
	return b.runInvocation(ctx, req, cr.Invocation)
}

// runInvocation prompts for what is missing, or checks and runs.
func (b *Bot) runInvocation(ctx context.Context, req *request, inv *command.Invocation) error {
	b.recordInvocation(req, inv)
	if !inv.Complete() {
		return b.prompt(ctx, req, inv)
	}
	return b.authorizeAndRun(ctx, req, inv, false)
}

func (b *Bot) recordInvocation(req *request, inv *command.Invocation) {
	req.rec.Service = inv.Service
	req.rec.Operation = inv.Operation
	req.rec.Action = inv.Action()
	if acts := inv.Actions(); len(acts) > 1 {
		req.rec.Actions = acts
	}
	if inv.Op != nil {
		req.rec.Access = inv.Op.Access.String()
	}
	req.rec.Region = inv.Region
}

// userErrorMessage renders an error for the chat user: its UserMessage
// (neutral Markdown) when it has one.
func userErrorMessage(err error) chat.Message {
	m := chat.Message{Title: "I couldn't run that", Severity: chat.SeverityWarning}
	var um userMessager
	if errors.As(err, &um) {
		m.Text = um.UserMessage()
	} else {
		m.Text = chat.EscapeMarkdown(err.Error())
	}
	return m
}

func (b *Bot) failInternal(ctx context.Context, req *request, err error) error {
	b.log.ErrorContext(ctx, "internal error", "err", err)
	req.rec.Outcome = OutcomeFailed
	req.rec.Error = err.Error()
	return b.reply(ctx, req, internalErrorMessage())
}

// roleFor returns the role the user's commands run with: the role they
// chose with switch-role when the configuration still offers it, else the
// channel role, or "" when the configuration (or a direct message) requires
// a user role and the user has not chosen one.
func (b *Bot) roleFor(ctx context.Context, req *request) (string, error) {
	cfg := req.cfg
	required := cfg.UserRoleRequired || req.in.Conversation.Type == chat.ConversationDirect
	if len(cfg.UserRoleARNs) > 0 {
		v, ok, err := b.store.Get(ctx, nsUserRole, cfg.Name+"/"+req.in.User.ID)
		if err != nil {
			return "", fmt.Errorf("chatops: read user role: %w", err)
		}
		// A choice the configuration no longer offers is ignored: an
		// administrator who removes a role removes it for everyone.
		if ok && slices.Contains(cfg.UserRoleARNs, string(v)) {
			return string(v), nil
		}
	}
	if required {
		return "", nil
	}
	return cfg.IAMRoleARN, nil
}

func (b *Bot) regionFor(ctx context.Context, req *request, inv *command.Invocation) string {
	if req.region != "" {
		return req.region
	}
	if inv.Region != "" {
		// Remembered per channel, as AWS Chatbot does: give it once.
		if err := b.store.Put(ctx, nsRegion, req.cfg.Name, []byte(inv.Region), 0); err != nil {
			b.log.WarnContext(ctx, "remember region", "err", err)
		}
		return inv.Region
	}
	return b.channelRegion(ctx, req)
}

// channelRegion is the region remembered for the channel, or the
// configuration's default.
func (b *Bot) channelRegion(ctx context.Context, req *request) string {
	if v, ok, err := b.store.Get(ctx, nsRegion, req.cfg.Name); err == nil && ok {
		return string(v)
	}
	return req.cfg.DefaultRegion
}

// admission is what the checks every command passes before it runs
// decided: the role and region it runs with, or why it may not run.
type admission struct {
	role, region string
	// refusal says why the command may not run ("" when it may); err is
	// set when a check could not be made (a refusal: fail closed).
	refusal refusal
	reason  string
	err     error
}

type refusal int

const (
	admitted    refusal = iota
	roleFailed          // the role could not be looked up
	roleMissing         // the channel runs commands with the member's own role, not chosen yet
	authFailed          // the authorizer failed
	denied              // a guardrail, the blocklist or the org policy refused
)

// admit resolves the role and region of inv and asks the authorizer,
// recording each step in the audit record; typed commands and the
// assistant's commands pass the same checks. region is the region to use
// ("" for the channel's: typed commands remember one given with
// --region, the assistant's do not).
func (b *Bot) admit(ctx context.Context, req *request, inv *command.Invocation, region string) admission {
	role, err := b.roleFor(ctx, req)
	if err != nil {
		req.rec.Outcome, req.rec.Error = OutcomeFailed, err.Error()
		return admission{refusal: roleFailed, err: err}
	}
	if role == "" {
		req.rec.Outcome, req.rec.Decision, req.rec.Reason = OutcomeDenied, DecisionDeny, "user role required"
		return admission{refusal: roleMissing}
	}
	if region == "" {
		region = b.channelRegion(ctx, req)
	}
	req.rec.Role, req.rec.Region = role, region
	a := admission{role: role, region: region}
	if b.authorizer == nil {
		if !b.unsafeAllowAll {
			// New refuses this; a Bot built otherwise must still fail closed.
			req.rec.Outcome, req.rec.Decision, req.rec.Reason = OutcomeDenied, DecisionDeny, "no authorizer"
			a.refusal, a.reason = denied, "no authorizer is configured"
			return a
		}
	} else {
		res, err := b.authorizer.Authorize(ctx, AuthRequest{Config: req.cfg, Inbound: req.in, Invocation: inv, RoleARN: role, Region: region, Time: b.now()})
		if err != nil {
			req.rec.Outcome, req.rec.Decision, req.rec.Reason, req.rec.Error = OutcomeDenied, DecisionDeny, "authorization error", err.Error()
			b.log.ErrorContext(ctx, "authorize", "err", err)
			a.refusal, a.err = authFailed, err
			return a
		}
		if !res.Allowed {
			req.rec.Outcome, req.rec.Decision, req.rec.Reason = OutcomeDenied, DecisionDeny, res.Reason
			a.refusal, a.reason = denied, res.Reason
			return a
		}
	}
	req.rec.Decision = DecisionAllow
	return a
}

// authorizeAndRun checks a complete invocation and runs it, asking for
// confirmation first when it is not read-only.
func (b *Bot) authorizeAndRun(ctx context.Context, req *request, inv *command.Invocation, confirmed bool) error {
	a := b.admit(ctx, req, inv, b.regionFor(ctx, req, inv))
	switch a.refusal {
	case roleFailed:
		return b.reply(ctx, req, internalErrorMessage())
	case roleMissing:
		return b.reply(ctx, req, b.chooseRoleMessage(req.cfg, "This channel runs commands with each member's own role, and you have not chosen one yet."))
	case authFailed:
		// Fail closed: a check that could not be made is a refusal.
		return b.reply(ctx, req, chat.Message{Title: "Not allowed", Text: "I could not check the guardrails for this command, so I did not run it. The error is in the bot's log.", Severity: chat.SeverityCritical})
	case denied:
		return b.reply(ctx, req, chat.Message{Title: "Not allowed", Text: denialText(inv.Action(), a.reason), Severity: chat.SeverityWarning})
	}
	if !confirmed && (inv.Op == nil || !inv.Op.ReadOnly) {
		return b.askConfirmation(ctx, req, inv)
	}
	return b.execute(ctx, req, inv, a.role, a.region)
}

func (b *Bot) askConfirmation(ctx context.Context, req *request, inv *command.Invocation) error {
	p := pendingCommand{Kind: pendingConfirm, Token: newToken(), Config: req.cfg.Name, User: req.in.User.ID, Command: inv.Text, Region: req.rec.Region, Created: b.now()}
	m := chat.Message{
		Title:      "Run this command?",
		Text:       fmt.Sprintf("%s changes resources. Use the buttons, or reply `yes` or `cancel` in this thread.", actionsText(inv)),
		CodeBlocks: []chat.CodeBlock{{Content: "aws " + RedactSecrets(inv.Text)}},
		Buttons: []chat.Button{
			{ID: ActionConfirm, Label: "Run", Value: p.Token, Style: chat.ButtonPrimary},
			{ID: ActionCancel, Label: "Cancel", Value: p.Token, Style: chat.ButtonDanger},
		},
		Severity: chat.SeverityWarning,
	}
	return b.park(ctx, req, p, m)
}

// park stores a pending command, posts m, and indexes the thread m went
// to. The command is stored before m is posted, so a click that arrives the
// moment the buttons appear finds it.
func (b *Bot) park(ctx context.Context, req *request, p pendingCommand, m chat.Message) error {
	req.rec.Outcome = OutcomePending
	if err := b.savePending(ctx, p); err != nil {
		return b.failInternal(ctx, req, err)
	}
	ref, err := req.r.Reply(ctx, m)
	if err != nil {
		b.dropPending(ctx, &p)
		req.rec.Outcome = OutcomeFailed
		req.rec.Error = "reply: " + err.Error()
		b.finish(ctx, req)
		return fmt.Errorf("chatops: reply: %w", err)
	}
	b.rememberPendingRef(ctx, p.Token, ref)
	// Only the thread index is added now: rewriting the command itself
	// could revive one a fast click already answered. An index left
	// pointing at an answered command is harmless (it resolves to nothing)
	// and expires with the TTL.
	if err := b.store.Put(ctx, nsPendingThread, threadKey(ref.Thread()), []byte(p.Token), b.pendingTTL); err != nil {
		// The buttons still work (by token); only thread replies cannot
		// find the command.
		b.log.ErrorContext(ctx, "index pending command by thread", "err", err)
	}
	b.finish(ctx, req)
	return nil
}

func threadKey(c chat.Conversation) string {
	return string(c.Platform) + "/" + c.WorkspaceID + "/" + c.ChannelID + "#" + c.ThreadID
}

func (b *Bot) savePending(ctx context.Context, p pendingCommand) error {
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("chatops: encode pending command: %w", err)
	}
	if err := b.store.Put(ctx, nsPending, p.Token, data, b.pendingTTL); err != nil {
		return fmt.Errorf("chatops: store pending command: %w", err)
	}
	if p.Thread != "" {
		if err := b.store.Put(ctx, nsPendingThread, p.Thread, []byte(p.Token), b.pendingTTL); err != nil {
			return fmt.Errorf("chatops: store pending command: %w", err)
		}
	}
	if err := b.store.Put(ctx, nsPendingUser, p.Config+"/"+p.User, []byte(p.Token), b.pendingTTL); err != nil {
		return fmt.Errorf("chatops: store pending command: %w", err)
	}
	return nil
}

func (b *Bot) loadPending(ctx context.Context, token string) (*pendingCommand, error) {
	data, ok, err := b.store.Get(ctx, nsPending, token)
	if err != nil {
		return nil, fmt.Errorf("chatops: load pending command: %w", err)
	}
	if !ok {
		return nil, nil
	}
	var p pendingCommand
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("chatops: decode pending command: %w", err)
	}
	return &p, nil
}

func (b *Bot) dropPending(ctx context.Context, p *pendingCommand) {
	_ = b.store.Delete(ctx, nsPending, p.Token)
	if p.Thread != "" {
		_ = b.store.Delete(ctx, nsPendingThread, p.Thread)
	}
	if v, ok, _ := b.store.Get(ctx, nsPendingUser, p.Config+"/"+p.User); ok && string(v) == p.Token {
		_ = b.store.Delete(ctx, nsPendingUser, p.Config+"/"+p.User)
	}
}

// prompt asks for the first missing required parameter.
func (b *Bot) prompt(ctx context.Context, req *request, inv *command.Invocation) error {
	missing := make([]string, len(inv.Missing))
	for i, p := range inv.Missing {
		missing[i] = p.Name
	}
	p := pendingCommand{Kind: pendingPrompt, Token: newToken(), Config: req.cfg.Name, User: req.in.User.ID, Command: inv.Text, Missing: missing, Created: b.now()}
	text := command.Prompt(inv.Missing[0]) + " Reply in this thread."
	if len(missing) > 1 {
		text += fmt.Sprintf("\nAlso required: `--%s`.", strings.Join(missing[1:], "`, `--"))
	}
	form := &chat.Form{ID: ActionPromptForm, Value: p.Token, Title: "Missing parameters", SubmitLabel: "Run"}
	for _, mp := range inv.Missing {
		form.Fields = append(form.Fields, chat.FormField{ID: mp.Name, Label: mp.Name, Placeholder: mp.Doc, Required: true, Options: mp.Enum})
	}
	m := chat.Message{
		Title:      fmt.Sprintf("%s %s needs more parameters", inv.Service, inv.Operation),
		Text:       text,
		CodeBlocks: []chat.CodeBlock{{Content: "aws " + RedactSecrets(inv.Text)}},
		Form:       form,
	}
	return b.park(ctx, req, p, m)
}

// handleThreadReply resumes what is pending in the thread: "yes"/"cancel"
// for a confirmation, a value for a prompt.
func (b *Bot) handleThreadReply(ctx context.Context, req *request, text string) (bool, error) {
	tok, ok, err := b.store.Get(ctx, nsPendingThread, threadKey(req.in.Conversation))
	if err != nil || !ok {
		return false, err
	}
	p, err := b.loadPending(ctx, string(tok))
	if err != nil || p == nil {
		return false, err
	}
	return true, b.resume(ctx, req, p, text, nil)
}

// resume continues a pending command with a reply: text from a thread,
// or values from a form.
func (b *Bot) resume(ctx context.Context, req *request, p *pendingCommand, text string, values map[string]string) error {
	if p.User != req.in.User.ID {
		req.rec.Outcome = OutcomeDenied
		req.rec.Decision = DecisionDeny
		req.rec.Reason = "pending command belongs to another user"
		return b.reply(ctx, req, chat.Message{Text: "Only the person who asked can answer this.", Severity: chat.SeverityWarning})
	}
	if command.IsCancel(text) {
		// A cancel claims the token like a confirmation does, so a Run
		// and a Cancel answered at once end in one of them, never in
		// "Cancelled" for a command that runs anyway.
		if won, err := b.claim(ctx, req, p); !won {
			return err
		}
		b.dropPending(ctx, p)
		req.rec.Text = "aws " + p.Command
		req.rec.Outcome = OutcomeCancelled
		req.rec.Reason = "cancelled by user"
		b.settle(ctx, req, p)
		return b.reply(ctx, req, chat.Message{Text: "Cancelled: " + codeSpan("aws "+RedactSecrets(p.Command))})
	}
	inv, err := command.Resume(p.Command, b.catalog)
	if err != nil {
		b.dropPending(ctx, p)
		req.rec.Outcome = OutcomeInvalid
		req.rec.Error = err.Error()
		return b.reply(ctx, req, userErrorMessage(err))
	}
	switch p.Kind {
	case pendingConfirm:
		switch strings.ToLower(strings.Trim(command.Clean(text), " .!")) {
		case "yes", "y", "run", "confirm", "ok":
		default:
			req.rec.Outcome = OutcomeAnswered
			return b.reply(ctx, req, chat.Message{Text: "Reply `yes` to run the command, or `cancel`."})
		}
		// Two clicks (or replicas) may resume the same confirmation at
		// once: only the one that claims the token runs the command.
		if won, err := b.claim(ctx, req, p); !won {
			return err
		}
		b.dropPending(ctx, p)
		b.recordInvocation(req, inv)
		req.rec.Text = "aws " + inv.Text
		req.region = p.Region
		// Check again: guardrails may have changed while the
		// confirmation waited.
		err := b.authorizeAndRun(ctx, req, inv, true)
		b.settle(ctx, req, p)
		return err
	default:
		var next *command.Invocation
		if values != nil {
			// Form values are values, not chat text: quoted as they were
			// typed, never cleaned (a curly quote or "&amp;" in a value
			// stays what it is and cannot break out of its quoting).
			var sb strings.Builder
			sb.WriteString(inv.Text)
			for _, name := range p.Missing {
				if v := values[name]; strings.TrimSpace(v) != "" {
					sb.WriteString(" --" + name + " " + command.QuoteArg(v))
				}
			}
			next, err = command.Resume(sb.String(), b.catalog)
		} else {
			next, err = command.Answer(inv, text, b.catalog)
		}
		if err != nil {
			// Keep the pending command: the user can try again.
			req.rec.Outcome = OutcomeInvalid
			req.rec.Error = err.Error()
			return b.reply(ctx, req, userErrorMessage(err))
		}
		// Two answers at once (a form and a thread reply) continue it once.
		if won, err := b.claim(ctx, req, p); !won {
			return err
		}
		b.dropPending(ctx, p)
		req.rec.Text = "aws " + next.Text
		err = b.runInvocation(ctx, req, next)
		b.settle(ctx, req, p)
		return err
	}
}

// claim makes req the one answer of pending command p: of concurrent
// answers (clicks, replies, replicas), exactly one wins. A loser has been
// told and audited when claim returns false; err is what to return then.
func (b *Bot) claim(ctx context.Context, req *request, p *pendingCommand) (bool, error) {
	won, err := b.store.PutIfAbsent(ctx, nsPendingClaim, p.Token, []byte(req.in.User.ID), b.pendingTTL)
	if err != nil {
		return false, b.failInternal(ctx, req, err)
	}
	if !won {
		req.rec.Outcome = OutcomeInvalid
		req.rec.Reason = "pending command already answered"
		return false, b.reply(ctx, req, chat.Message{Text: "That request was already answered."})
	}
	return true, nil
}

func (b *Bot) handleAction(ctx context.Context, req *request) error {
	a := req.in.Action
	if a == nil {
		req.rec.Outcome = OutcomeInvalid
		req.rec.Reason = "button event without an action"
		b.finish(ctx, req)
		return nil
	}
	req.rec.Text = "[button " + a.ID + "]"
	switch a.ID {
	case ActionConfirm, ActionCancel, ActionPromptForm:
		p, err := b.loadPending(ctx, a.Value)
		if err != nil {
			req.rec.Outcome = OutcomeFailed
			req.rec.Error = err.Error()
			return b.reply(ctx, req, internalErrorMessage())
		}
		if p == nil {
			req.rec.Outcome = OutcomeInvalid
			req.rec.Reason = "pending command expired or already answered"
			b.settleExpired(ctx, a.Value)
			return b.reply(ctx, req, chat.Message{Text: "That request has expired or was already answered. Please run the command again."})
		}
		answer := map[string]string{ActionConfirm: "yes", ActionCancel: "cancel"}[a.ID]
		return b.resume(ctx, req, p, answer, a.Values)
	case ActionRun, notify.ButtonRunCommand:
		req.rec.Text = a.Value
		if b.catalog == nil {
			req.rec.Outcome = OutcomeInvalid
			return b.reply(ctx, req, b.unknownMessage(a.Value))
		}
		return b.command(ctx, req, a.Value)
	case ActionRole:
		return b.switchRole(ctx, req, a.Value)
	}
	if a.ID == delivery.DigestButtonID {
		return b.showDigest(ctx, req, a.Value)
	}
	if strings.HasPrefix(a.ID, notify.ButtonCustomActionPrefix) && b.catalog != nil {
		// A custom action's button: its value is the command, with the
		// notification's variables filled in. It runs like a typed
		// command: same checks, same confirmation.
		req.rec.Text = a.Value
		return b.command(ctx, req, a.Value)
	}
	req.rec.Outcome = OutcomeInvalid
	req.rec.Reason = "unknown button"
	return b.reply(ctx, req, chat.Message{Text: "I don't know that button any more."})
}
