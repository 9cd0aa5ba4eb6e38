package chatops

import (
	"context"
	"fmt"
	"strings"

	"github.com/opschat/opschat/chat"
)

// builtin is a chat command the bot answers itself.
type builtin struct {
	name  string
	usage string
	doc   string
}

// builtins lists the bot's own commands, for help and suggestions.
func (b *Bot) builtins() []builtin {
	list := []builtin{
		{"help", "help [SERVICE [OPERATION]]", "what I can do; help for a service or an operation"},
		{"notifications", "notifications failed|retry ID|retry all", "notifications that could not be delivered, and replaying them"},
	}
	if b.catalog != nil {
		list = append(list,
			builtin{"alias", "alias create|list|delete|help", "command aliases shared by this channel"},
			builtin{"run", "run ALIAS [values...]", "run an alias"},
			builtin{"switch-role", "switch-role [ROLE-ARN|channel]", "choose the IAM role your commands run with"},
			builtin{"set default-account", "set default-account [ACCOUNT-ID]", "choose the AWS account your commands go to, in a channel configured in several"},
			builtin{"ask", "ask QUESTION | ask CONNECTOR QUESTION", "a question in plain language (or just type it), answered from the account; or a Bedrock agent"},
			builtin{"connector", "connector add NAME AGENT_ARN ALIAS_ID | list | delete NAME", "Amazon Bedrock agents this channel can ask"},
			builtin{"cancel", "cancel", "cancel the command waiting for your confirmation or input"},
		)
	}
	return list
}

func (b *Bot) dispatch(ctx context.Context, req *request, text string) error {
	word, rest, _ := strings.Cut(strings.TrimSpace(text), " ")
	word = strings.ToLower(strings.TrimSpace(word))
	rest = strings.TrimSpace(rest)
	if word == "help" && rest == "" || b.catalog == nil && (word == "help" || word == "--help") {
		return b.answer(ctx, req, b.helpMessage())
	}
	switch word {
	case "switch-role", "role":
		return b.switchRole(ctx, req, rest)
	case "cancel":
		return b.cancelPending(ctx, req)
	case "ask":
		if b.catalog != nil {
			return b.askCommand(ctx, req, rest)
		}
	case "connector", "connectors":
		if b.catalog != nil {
			return b.connectorCommand(ctx, req, rest)
		}
	case "notifications":
		return b.notificationsCommand(ctx, req, rest)
	case "forget":
		return b.forgetCommand(ctx, req, rest)
	case "set":
		if sub, _ := splitWord(rest); sub == "default-account" {
			return b.setDefaultAccountSingle(ctx, req)
		}
	}
	if b.catalog == nil {
		req.rec.Outcome = OutcomeInvalid
		req.rec.Reason = "unknown command"
		return b.reply(ctx, req, b.unknownMessage(word))
	}
	return b.command(ctx, req, text)
}

func (b *Bot) helpMessage() chat.Message {
	var sb strings.Builder
	for _, c := range b.builtins() {
		fmt.Fprintf(&sb, "- `%s`: %s\n", c.usage, c.doc)
	}
	if b.catalog != nil {
		services := b.catalog.Services()
		fmt.Fprintf(&sb, "- `SERVICE OPERATION [--parameters]`: run an AWS CLI command, e.g. `cloudwatch describe-alarms --state-value ALARM`\n")
		if len(services) > 0 {
			shown := services
			if len(shown) > 40 {
				shown = shown[:40]
			}
			fmt.Fprintf(&sb, "\nServices: %s", "`"+strings.Join(shown, "`, `")+"`")
			if len(services) > len(shown) {
				fmt.Fprintf(&sb, " and %d more", len(services)-len(shown))
			}
			sb.WriteString("\n")
		}
	} else {
		sb.WriteString("\nThis bot has no AWS command catalog configured, so it only posts notifications.\n")
	}
	return chat.Message{Title: "opschat help", Text: strings.TrimSpace(sb.String())}
}

func (b *Bot) unknownMessage(word string) chat.Message {
	names := make([]string, 0, 4)
	for _, c := range b.builtins() {
		names = append(names, "`"+c.name+"`")
	}
	return chat.Message{
		Title:    "Unknown command",
		Text:     fmt.Sprintf("I don't know `%s`. Available: %s.", chat.EscapeMarkdown(word), strings.Join(names, ", ")),
		Severity: chat.SeverityWarning,
	}
}
