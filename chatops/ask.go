package chatops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/opschat/opschat/assist"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/command"
)

// Questions in plain language ("what lambda functions do I have in
// us-west-1?") go to the bot's Assistant: by default the deterministic
// assist.Planner, which needs no model; assist.Bedrock with WithAssistant.
// The safety model holds for a model too: an assistant can only run
// read-only commands through the same role, guardrails and audit as typed
// ones, and proposes the rest as buttons that take the normal path
// (confirmation included).

const (
	nsAskThread = "ask-thread" // conversation#thread → askThread: a question's follow-ups
	askTTL      = 24 * time.Hour
	// maxRunAgain bounds the "run again" buttons of an answer.
	maxRunAgain = 3
	// askTimeout bounds one answer (AWS: 120 s for agents).
	askTimeout = 120 * time.Second
)

// WithAssistant sets who answers questions asked in plain language. The
// default, for a bot with a catalog, is assist.Planner (offline, no model).
func WithAssistant(a assist.Assistant) Option {
	return func(b *Bot) error {
		if isNil(a) {
			return errors.New("WithAssistant: nil assistant")
		}
		b.assistant = a
		return nil
	}
}

// askThread is what a question's thread remembers for follow-ups.
type askThread struct {
	Connector string        `json:"connector,omitempty"` // a Bedrock agent connector's name
	Session   string        `json:"session,omitempty"`   // the agent's session id
	History   []assist.Turn `json:"history,omitempty"`   // the planner's or model's conversation
}

// looksLikeQuestion reports whether text reads as a question rather than a
// command: a question word first, or a question mark at the end.
func looksLikeQuestion(text string) bool {
	t := strings.ToLower(strings.TrimSpace(text))
	if strings.HasSuffix(t, "?") {
		return true
	}
	first, _, _ := strings.Cut(t, " ")
	switch strings.Trim(first, ",.:!") {
	case "what", "what's", "whats", "which", "how", "how's", "why", "where", "when", "who", "is", "are", "do", "does", "did",
		"can", "could", "should", "show", "list", "tell", "give", "find", "any", "anything", "explain":
		return true
	}
	return false
}

// ask answers a question with the assistant, in the thread, and remembers
// the thread for follow-ups.
func (b *Bot) ask(ctx context.Context, req *request, question string, thread *askThread) error {
	req.rec.Service = "assistant"
	req.rec.Operation = "ask"
	if b.assistant == nil {
		req.rec.Outcome = OutcomeInvalid
		req.rec.Reason = "no assistant"
		return b.reply(ctx, req, chat.Message{Text: "I don't answer questions here: this bot has no command catalog. Try `help`."})
	}
	if thread == nil {
		thread = &askThread{}
	}
	actx, cancel := context.WithTimeout(ctx, askTimeout)
	defer cancel()
	region, _, _ := b.store.Get(ctx, nsRegion, req.cfg.Name)
	q := assist.Question{Text: question, Region: string(region), History: thread.History}
	if q.Region == "" {
		q.Region = req.cfg.DefaultRegion
	}
	tools := &botTools{b: b, req: req}
	ans, err := b.assistant.Answer(actx, q, tools)
	if err != nil {
		req.rec.Outcome = OutcomeFailed
		req.rec.Error = err.Error()
		if errors.Is(err, context.DeadlineExceeded) {
			return b.reply(ctx, req, chat.Message{Title: "No answer in time", Text: fmt.Sprintf("I could not answer within %s.", askTimeout), Severity: chat.SeverityWarning})
		}
		return b.reply(ctx, req, chat.Message{Title: "I couldn't answer that", Text: chat.EscapeMarkdown(err.Error()), Severity: chat.SeverityWarning})
	}
	m := answerMessage(ans)
	req.rec.Outcome = OutcomeAnswered
	req.rec.Reason = fmt.Sprintf("ran %d command(s), proposed %d", len(ans.Ran), len(ans.Proposed))
	if ans.Declined {
		req.rec.Reason = "declined"
	}
	ref, rerr := req.r.Reply(ctx, m)
	if rerr != nil {
		req.rec.Outcome = OutcomeFailed
		req.rec.Error = "reply: " + rerr.Error()
	}
	b.finish(ctx, req)
	if rerr != nil {
		return fmt.Errorf("chatops: reply: %w", rerr)
	}
	thread.History = append(thread.History, assist.Turn{Role: assist.RoleUser, Text: question}, assist.Turn{Role: assist.RoleAssistant, Text: ans.Text})
	if n := len(thread.History); n > 12 {
		thread.History = thread.History[n-12:]
	}
	b.rememberAskThread(ctx, ref.Thread(), thread)
	return nil
}

func answerMessage(ans *assist.Answer) chat.Message {
	m := chat.Message{Text: ans.Text}
	if ans.Declined {
		m.Severity = chat.SeverityInfo
	}
	for i, c := range ans.Ran {
		if i < maxRunAgain {
			m.Buttons = append(m.Buttons, chat.Button{ID: ActionRun, Label: "Run again: " + truncate(c, 40), Value: c})
		}
	}
	for _, c := range ans.Proposed {
		m.Buttons = append(m.Buttons, chat.Button{ID: ActionRun, Label: "Run: " + truncate(c, 40), Value: c, Style: chat.ButtonPrimary})
	}
	if len(ans.Ran) > 0 {
		var sb strings.Builder
		for _, c := range ans.Ran {
			sb.WriteString("aws " + RedactSecrets(c) + "\n")
		}
		m.CodeBlocks = append(m.CodeBlocks, chat.CodeBlock{Content: strings.TrimSpace(sb.String())})
	}
	return m
}

func (b *Bot) rememberAskThread(ctx context.Context, conv chat.Conversation, t *askThread) {
	if conv.ThreadID == "" {
		return
	}
	data, err := json.Marshal(t)
	if err != nil {
		return
	}
	if err := b.store.Put(ctx, nsAskThread, threadKey(conv), data, askTTL); err != nil {
		b.log.WarnContext(ctx, "remember question thread", "err", err)
	}
}

// continueAsk continues a question's thread with a reply, if the thread is
// one; handled is false otherwise.
func (b *Bot) continueAsk(ctx context.Context, req *request, text string) (bool, error) {
	data, ok, err := b.store.Get(ctx, nsAskThread, threadKey(req.in.Conversation))
	if err != nil || !ok {
		return false, err
	}
	var t askThread
	if json.Unmarshal(data, &t) != nil {
		return false, nil
	}
	if t.Connector != "" {
		return true, b.askConnector(ctx, req, t.Connector, text, &t)
	}
	return true, b.ask(ctx, req, text, &t)
}

// botTools runs an assistant's commands as the asking user, in the asking
// channel: parse, read-only or not, the same authorizer, the same executor,
// one audit record per command.
type botTools struct {
	b   *Bot
	req *request
}

func (t *botTools) Catalog() command.Catalog { return t.b.catalog }

func (t *botTools) Run(ctx context.Context, line string) assist.ToolResult {
	b, parent := t.b, t.req
	req := &request{in: parent.in, r: parent.r, cfg: parent.cfg, start: b.now()}
	req.rec = parent.rec
	req.rec.Time, req.rec.Decision, req.rec.Reason, req.rec.Error, req.rec.Outcome = time.Time{}, DecisionNone, "", "", ""
	req.rec.Text = "[assistant] " + line
	defer b.finish(ctx, req)
	res := assist.ToolResult{Command: line}
	inv, err := command.Parse(line, b.catalog)
	if err != nil {
		req.rec.Outcome, req.rec.Error = OutcomeInvalid, err.Error()
		res.Err = err
		return res
	}
	b.recordInvocation(req, inv)
	res.Command = inv.Service + " " + inv.Operation + strings.TrimPrefix(inv.Text, inv.Service+" "+inv.Operation)
	if !inv.Complete() {
		req.rec.Outcome = OutcomeInvalid
		res.Err = fmt.Errorf("missing parameters: %d", len(inv.Missing))
		return res
	}
	if inv.Op == nil || !inv.Op.ReadOnly {
		req.rec.Outcome, req.rec.Reason = OutcomeDenied, "assistant may only run read-only commands"
		res.NeedsConfirmation = true
		return res
	}
	adm := b.admit(ctx, req, inv, inv.Region)
	switch adm.refusal {
	case roleFailed, roleMissing:
		req.rec.Outcome, req.rec.Reason = OutcomeDenied, "user role required"
		res.Denied = "this channel runs commands with each member's own role; choose one with `switch-role`"
		return res
	case authFailed:
		res.Denied = "the guardrails could not be checked"
		return res
	case denied:
		res.Denied = adm.reason
		return res
	}
	role, region := adm.role, adm.region
	if b.executor == nil {
		req.rec.Outcome = OutcomeFailed
		res.Err = errors.New("this bot has no executor")
		return res
	}
	ereq, err := b.execRequest(req, inv, role, region)
	if err != nil {
		req.rec.Outcome, req.rec.Reason = OutcomeDenied, err.Error()
		res.Denied = "AWS could not be given this channel's guardrails as session policies"
		return res
	}
	ereq.NoFollowUp = true // the assistant reads Data; no graphs to fetch
	ectx, cancel := context.WithTimeout(ctx, b.commandTimeout)
	defer cancel()
	out, err := b.executor.Execute(ectx, ereq)
	if err == nil && out == nil {
		err = errors.New("executor returned no result")
	}
	if err != nil {
		req.rec.Outcome, req.rec.Error = OutcomeFailed, err.Error()
		res.Err = err
		return res
	}
	req.rec.Outcome, req.rec.Account = OutcomeSucceeded, out.Account
	res.Data = out.Data
	return res
}
