package chatops

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/guardrail"
)

// execute runs an allowed invocation with the timeout and a "still running" note.
func (b *Bot) execute(ctx context.Context, req *request, inv *command.Invocation, role, region string) error {
	if b.executor == nil {
		req.rec.Outcome = OutcomeFailed
		req.rec.Reason = "no executor"
		return b.reply(ctx, req, chat.Message{Text: "This bot cannot run AWS commands (no executor configured).", Severity: chat.SeverityWarning})
	}
	ereq, err := b.execRequest(req, inv, role, region)
	if err != nil {
		// Validated at load; a user ID that makes it too large (or a
		// statement that cannot be decided) must still fail closed.
		req.rec.Outcome = OutcomeDenied
		req.rec.Decision = DecisionDeny
		req.rec.Reason = err.Error()
		return b.reply(ctx, req, chat.Message{Title: "Not allowed", Text: "AWS could not be given this channel's guardrails as session policies, so I did not run the command. The reason is in the audit log.", Severity: chat.SeverityWarning})
	}
	execCtx, cancel := context.WithTimeout(ctx, b.commandTimeout)
	defer cancel()
	type outcome struct {
		res *ExecResult
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := b.executor.Execute(execCtx, ereq)
		done <- outcome{res, err}
	}()
	var o outcome
	var timer <-chan time.Time
	if b.stillRunning > 0 {
		t := time.NewTimer(b.stillRunning)
		defer t.Stop()
		timer = t.C
	}
	// wait returns the executor's outcome, or the deadline's when the
	// executor ignores its context: a stuck call must not hold the
	// conversation (an outcome that arrived together with the deadline wins).
	wait := func() outcome {
		select {
		case o := <-done:
			return o
		case <-execCtx.Done():
			select {
			case o := <-done:
				return o
			default:
				return outcome{err: execCtx.Err()}
			}
		}
	}
	select {
	case o = <-done:
	case <-timer:
		_, _ = req.r.Reply(ctx, chat.Message{Text: fmt.Sprintf("Still running `%s`…", chat.EscapeMarkdown(inv.Action()))})
		o = wait()
	case <-execCtx.Done():
		o = wait()
	}
	if o.err == nil && o.res == nil {
		o.err = errors.New("chatops: executor returned no result and no error")
	}
	if o.err != nil {
		req.rec.Outcome = OutcomeFailed
		req.rec.Error = o.err.Error()
		if errors.Is(o.err, context.DeadlineExceeded) || errors.Is(execCtx.Err(), context.DeadlineExceeded) {
			return b.reply(ctx, req, chat.Message{Title: "Timed out", Text: fmt.Sprintf("`%s` did not finish within %s. Long jobs should be started asynchronously (e.g. `lambda invoke --invocation-type Event`).", chat.EscapeMarkdown(inv.Action()), b.commandTimeout), Severity: chat.SeverityWarning})
		}
		return b.reply(ctx, req, execErrorMessage(o.err))
	}
	req.rec.Outcome = OutcomeSucceeded
	if o.res.Region != "" {
		req.rec.Region = o.res.Region
	}
	req.rec.Account = o.res.Account
	shape := func(m chat.Message) chat.Message {
		if inv.Typed != "" && inv.Typed != inv.Text {
			// A high-level command (s3 ls, logs tail, invoke FN) ran as an
			// API operation: show which, as the guardrails and the audit saw it.
			m.Context = append([]string{"ran as `aws " + RedactSecrets(inv.Text) + "`"}, m.Context...)
		}
		return m
	}
	first := shape(o.res.Message)
	ref, err := b.replyRef(ctx, req, first)
	if err != nil || o.res.FollowUp == nil {
		return err
	}
	b.followUp(execCtx, req, ref, first, func(ctx context.Context) (chat.Message, error) {
		m, err := o.res.FollowUp(ctx)
		return shape(m), err
	})
	return nil
}

// followUp completes a posted answer with what ExecResult.FollowUp adds
// (alarm graphs): the posted message is edited in place where the
// platform can, else what was added is posted as a second reply. The answer
// itself is out already, so failures here are logged, never replied.
func (b *Bot) followUp(ctx context.Context, req *request, ref chat.Ref, first chat.Message, f func(context.Context) (chat.Message, error)) {
	m, err := f(ctx)
	if err != nil {
		b.log.WarnContext(ctx, "command follow-up", "command", req.rec.Text, "err", err)
	}
	added := chat.Message{
		Images:  tail(m.Images, len(first.Images)),
		Files:   tail(m.Files, len(first.Files)),
		Context: tail(m.Context, len(first.Context)),
	}
	if added.IsZero() {
		return
	}
	if up, ok := b.updaterFor(ref.Conversation.Platform); ok && ref.MessageID != "" {
		if err := up.Update(ctx, ref, m); err == nil {
			return
		}
		b.log.WarnContext(ctx, "command follow-up: update the answer", "err", err)
	}
	if _, err := req.r.Reply(ctx, added); err != nil {
		b.log.WarnContext(ctx, "command follow-up: reply", "err", err)
	}
}

// tail returns s after its first n elements (nil when there are none).
func tail[T any](s []T, n int) []T {
	if n >= len(s) {
		return nil
	}
	return s[n:]
}

// userMessager is implemented by errors whose text is safe to show a chat user.
type userMessager interface{ UserMessage() string }

func execErrorMessage(err error) chat.Message {
	var um userMessager
	if errors.As(err, &um) {
		return chat.Message{Title: "The command failed", Text: chat.EscapeMarkdown(um.UserMessage()), Severity: chat.SeverityCritical}
	}
	return chat.Message{Title: "The command failed", Text: "The command failed; the details are in the bot's log.", Severity: chat.SeverityCritical}
}

func internalErrorMessage() chat.Message {
	return chat.Message{Text: "Something went wrong on my side; the details are in the bot's log.", Severity: chat.SeverityCritical}
}

// denialText says why an action was refused, naming the action once.
func denialText(action, reason string) string {
	if reason == "" {
		return fmt.Sprintf("`%s` is not allowed here.", chat.EscapeMarkdown(action))
	}
	if strings.Contains(reason, action) {
		return reason
	}
	return fmt.Sprintf("`%s` is not allowed here: %s", chat.EscapeMarkdown(action), reason)
}

// codeSpan shows user text as inline code. A code span cannot escape a
// backtick, so text with one is shown escaped instead: a backtick must not
// end the span and let the rest render as markup (a link under the bot's
// name).
func codeSpan(s string) string {
	if strings.ContainsRune(s, '`') {
		return chat.EscapeMarkdown(s)
	}
	return "`" + s + "`"
}

// actionsText names the IAM actions of inv and its access level for the
// chat user: "`lambda:InvokeFunction` (Write)".
func actionsText(inv *command.Invocation) string {
	acts := inv.Actions()
	parts := make([]string, len(acts))
	for i, a := range acts {
		parts[i] = "`" + chat.EscapeMarkdown(a) + "`"
	}
	s := strings.Join(parts, " and ")
	if inv.Op != nil && inv.Op.Access != command.AccessUnknown {
		s += " (" + inv.Op.Access.String() + ")"
	}
	return s
}

// cliBlockedPrefixes maps CLI service names of credential services whose
// IAM prefix is neither their name nor in command.IAMPrefix's table.
var cliBlockedPrefixes = map[string]string{"sso-oidc": "sso-oauth"}

// blockedServiceOf reports whether err is an unknown service that the
// built-in blocklist denies entirely, by its IAM prefix.
func blockedServiceOf(err error) (service, reason string, blocked bool) {
	var ce *command.Error
	if !errors.As(err, &ce) || !errors.Is(err, command.ErrUnknownService) || ce.Subject == "" {
		return "", "", false
	}
	name := strings.ToLower(ce.Subject)
	prefix, ok := cliBlockedPrefixes[name]
	if !ok {
		prefix = command.IAMPrefix(name)
	}
	reason, blocked = guardrail.BlockedService(prefix)
	return name, strings.TrimSuffix(reason, "."), blocked
}

// execRequest builds what the executor runs: the role session with the
// channel's guardrails as session policies, tags naming the chat origin.
func (b *Bot) execRequest(req *request, inv *command.Invocation, role, region string) (ExecRequest, error) {
	var caps chat.Capabilities
	if s, ok := b.Sender(req.in.Conversation.Platform); ok {
		caps = chat.CapabilitiesOf(s)
	}
	sp, err := req.cfg.SessionPolicy(req.in.Conversation, req.in.User.ID)
	if err != nil {
		return ExecRequest{}, fmt.Errorf("session policy: %w", err)
	}
	return ExecRequest{
		Invocation:  inv,
		RoleARN:     role,
		Region:      region,
		SessionName: "opschat-" + req.in.User.ID,
		SessionTags: map[string]string{
			"opschat:platform":      string(req.in.Conversation.Platform),
			"opschat:workspace":     req.in.Conversation.WorkspaceID,
			"opschat:channel":       req.in.Conversation.ChannelID,
			"opschat:configuration": req.cfg.Name,
		},
		PolicyARNs:    sp.ManagedARNs,
		SessionPolicy: sp.Document,
		Configuration: req.cfg.Name,
		Conversation:  req.in.Conversation,
		User:          req.in.User,
		Capabilities:  caps,
	}, nil
}
