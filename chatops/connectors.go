package chatops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/opschat/opschat/assist/agents"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/command"
)

// Amazon Bedrock agent connectors, as AWS Chatbot has them: "connector add
// NAME AGENT_ARN ALIAS_ID", "connector list", "connector delete NAME", then
// "ask NAME question"; the conversation continues in the thread with the
// agent's session. Adding and deleting are checked as
// opschat:ManageConnectors, asking as bedrock:InvokeAgent, by the channel's
// guardrails.
const (
	nsConnector = "connector" // configuration/name → agents.Connector

	ActionManageConnectors = "opschat:ManageConnectors"
	actionInvokeAgent      = "bedrock:InvokeAgent"
)

// WithAgents enables Bedrock agent connectors, invoked through c (its
// credentials must be allowed bedrock:InvokeAgent on the agents channels
// register; the channel's guardrails are checked first).
func WithAgents(c *agents.Client) Option {
	return func(b *Bot) error {
		if c == nil {
			return errors.New("WithAgents: nil client")
		}
		b.agents = c
		return nil
	}
}

func (b *Bot) connectorCommand(ctx context.Context, req *request, arg string) error {
	req.rec.Service = "connector"
	sub, rest := splitWord(arg)
	req.rec.Operation = sub
	prefix := req.cfg.Name + "/"
	switch sub {
	case "list":
		items, err := b.store.List(ctx, nsConnector, prefix)
		if err != nil {
			return b.failInternal(ctx, req, err)
		}
		if len(items) == 0 {
			return b.answer(ctx, req, chat.Message{Text: "This channel has no connectors. `connector add NAME AGENT_ARN ALIAS_ID` adds a Bedrock agent."})
		}
		names := make([]string, 0, len(items))
		for k := range items {
			names = append(names, k)
		}
		sort.Strings(names)
		var sb strings.Builder
		for _, k := range names {
			var c agents.Connector
			if json.Unmarshal(items[k], &c) == nil {
				fmt.Fprintf(&sb, "%s → %s (alias %s)\n", c.Name, c.AgentARN, c.AliasID)
			}
		}
		return b.answer(ctx, req, chat.Message{Title: "Connectors", CodeBlocks: []chat.CodeBlock{{Content: strings.TrimSpace(sb.String())}}})
	case "add":
		f := strings.Fields(rest)
		if len(f) != 3 {
			req.rec.Outcome = OutcomeInvalid
			return b.reply(ctx, req, chat.Message{Text: "Usage: `connector add NAME AGENT_ARN ALIAS_ID`."})
		}
		c, err := agents.ParseConnector(f[0], f[1], f[2])
		if err != nil {
			req.rec.Outcome, req.rec.Error = OutcomeInvalid, err.Error()
			return b.reply(ctx, req, chat.Message{Title: "Connector not added", Text: chat.EscapeMarkdown(err.Error()), Severity: chat.SeverityWarning})
		}
		if !b.allowBuiltin(ctx, req, ActionManageConnectors, command.AccessWrite) {
			return nil
		}
		items, err := b.store.List(ctx, nsConnector, prefix)
		if err != nil {
			return b.failInternal(ctx, req, err)
		}
		if _, exists := items[prefix+strings.ToLower(c.Name)]; !exists {
			if err := agents.CheckConnectorLimit(len(items)); err != nil {
				req.rec.Outcome, req.rec.Error = OutcomeInvalid, err.Error()
				return b.reply(ctx, req, chat.Message{Text: chat.EscapeMarkdown(err.Error()), Severity: chat.SeverityWarning})
			}
		}
		data, err := json.Marshal(c)
		if err != nil {
			return b.failInternal(ctx, req, err)
		}
		if err := b.store.Put(ctx, nsConnector, prefix+strings.ToLower(c.Name), data, 0); err != nil {
			return b.failInternal(ctx, req, err)
		}
		req.rec.Outcome = OutcomeSucceeded
		return b.reply(ctx, req, chat.Message{Text: fmt.Sprintf("Connector `%s` added. Ask it with `ask %s QUESTION`.", c.Name, c.Name), Severity: chat.SeveritySuccess})
	case "delete", "remove":
		name := strings.ToLower(strings.TrimSpace(rest))
		if name == "" {
			req.rec.Outcome = OutcomeInvalid
			return b.reply(ctx, req, chat.Message{Text: "Usage: `connector delete NAME`."})
		}
		if _, ok, err := b.store.Get(ctx, nsConnector, prefix+name); err != nil {
			return b.failInternal(ctx, req, err)
		} else if !ok {
			req.rec.Outcome = OutcomeInvalid
			return b.reply(ctx, req, chat.Message{Text: fmt.Sprintf("There is no connector `%s`.", chat.EscapeMarkdown(name))})
		}
		if !b.allowBuiltin(ctx, req, ActionManageConnectors, command.AccessWrite) {
			return nil
		}
		if err := b.store.Delete(ctx, nsConnector, prefix+name); err != nil {
			return b.failInternal(ctx, req, err)
		}
		req.rec.Outcome = OutcomeSucceeded
		return b.reply(ctx, req, chat.Message{Text: fmt.Sprintf("Connector `%s` deleted.", chat.EscapeMarkdown(name))})
	}
	req.rec.Outcome = OutcomeInvalid
	return b.reply(ctx, req, chat.Message{Text: "Usage: `connector add NAME AGENT_ARN ALIAS_ID`, `connector list` or `connector delete NAME`."})
}

// askCommand answers "ask NAME question" through a connector, or "ask
// question" through the assistant.
func (b *Bot) askCommand(ctx context.Context, req *request, arg string) error {
	name, rest := splitWord(arg)
	if rest != "" {
		if _, ok, err := b.store.Get(ctx, nsConnector, req.cfg.Name+"/"+name); err == nil && ok {
			return b.askConnector(ctx, req, name, rest, nil)
		}
	}
	if strings.TrimSpace(arg) == "" {
		req.rec.Outcome = OutcomeInvalid
		return b.reply(ctx, req, chat.Message{Text: "Usage: `ask QUESTION`, or `ask CONNECTOR QUESTION` for a Bedrock agent (`connector list`)."})
	}
	return b.ask(ctx, req, arg, nil)
}

func (b *Bot) askConnector(ctx context.Context, req *request, name, text string, thread *askThread) error {
	req.rec.Service = "connector"
	req.rec.Operation = "ask"
	data, ok, err := b.store.Get(ctx, nsConnector, req.cfg.Name+"/"+strings.ToLower(name))
	if err != nil {
		return b.failInternal(ctx, req, err)
	}
	if !ok {
		req.rec.Outcome = OutcomeInvalid
		return b.reply(ctx, req, chat.Message{Text: fmt.Sprintf("There is no connector `%s` in this channel any more.", chat.EscapeMarkdown(name))})
	}
	var c agents.Connector
	if err := json.Unmarshal(data, &c); err != nil {
		return b.failInternal(ctx, req, err)
	}
	if b.agents == nil {
		req.rec.Outcome, req.rec.Reason = OutcomeFailed, "no agents client"
		return b.reply(ctx, req, chat.Message{Text: "This bot is not set up to call Bedrock agents (the host passes WithAgents).", Severity: chat.SeverityWarning})
	}
	if !b.allowBuiltin(ctx, req, actionInvokeAgent, command.AccessWrite) {
		return nil
	}
	if thread == nil {
		thread = &askThread{Connector: c.Name}
	}
	session := thread.Session
	if session == "" {
		// One session per question thread: the thread of the answer.
		session = agents.SessionID(threadKey(req.in.Conversation) + "/" + req.in.Conversation.ThreadID + "/" + newToken())
	}
	rep, err := b.agents.Ask(ctx, c, session, text)
	if err != nil {
		req.rec.Outcome, req.rec.Error = OutcomeFailed, err.Error()
		return b.reply(ctx, req, chat.Message{Title: "The agent did not answer", Text: chat.EscapeMarkdown(err.Error()), Severity: chat.SeverityWarning})
	}
	req.rec.Outcome = OutcomeAnswered
	ref, rerr := req.r.Reply(ctx, chat.Message{Text: chat.EscapeMarkdown(rep.Text), Context: []string{"Bedrock agent " + c.Name}})
	if rerr != nil {
		req.rec.Outcome, req.rec.Error = OutcomeFailed, "reply: "+rerr.Error()
	}
	b.finish(ctx, req)
	if rerr != nil {
		return fmt.Errorf("chatops: reply: %w", rerr)
	}
	thread.Connector, thread.Session = c.Name, rep.SessionID
	if thread.Session == "" {
		thread.Session = session
	}
	b.rememberAskThread(ctx, ref.Thread(), thread)
	return nil
}
