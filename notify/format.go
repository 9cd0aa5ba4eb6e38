package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/opschat/opschat/chat"
)

// Formatter renders a Notification as a chat.Message. Implementations must
// be safe for concurrent use.
type Formatter interface {
	Format(n *Notification) (chat.Message, error)
}

// FormatterFunc adapts a function to Formatter.
type FormatterFunc func(n *Notification) (chat.Message, error)

// Format calls f.
func (f FormatterFunc) Format(n *Notification) (chat.Message, error) { return f(n) }

// maxPayloadBlock caps the JSON shown in a code block; the rest is cut with
// a note (chat platforms reject huge messages).
const maxPayloadBlock = 2800

// maxRelatedResources caps the "Related resources" field; the rest is
// counted ("and 12 more") so a batch of findings cannot flood the message.
const maxRelatedResources = 10

// DefaultFormatter returns the built-in rendering: title with console link,
// description, next steps, keywords, fields, related resources, a context
// line (account, region, time), the payload of generic notifications in a
// code block, and Show logs buttons for alarms on Lambda functions and
// REST API stages whose API ID is known. Severity is left to renderers
// (colour, emoji). Custom action buttons are added by the Router, not
// here. The formatter is stateless and safe for concurrent use.
func DefaultFormatter() Formatter { return NewDefaultFormatter() }

// FormatOption configures NewDefaultFormatter.
type FormatOption func(*formatOptions)

type formatOptions struct {
	restAPIIDs map[string]string
}

// WithRESTAPIIDs maps REST API names to their IDs ("checkout-api" →
// "a1b2c3d4e5"), keyed by name or by "region/name" when one name is used
// in several regions. CloudWatch metrics of a REST API carry its name, but
// the execution log group API-Gateway-Execution-Logs_{restApiId}/{stage}
// needs the ID; with the mapping, alarms on a REST API stage get Show logs
// buttons. The map is copied.
func WithRESTAPIIDs(ids map[string]string) FormatOption {
	cp := make(map[string]string, len(ids))
	for k, v := range ids {
		cp[k] = v
	}
	return func(o *formatOptions) { o.restAPIIDs = cp }
}

// NewDefaultFormatter returns DefaultFormatter's rendering with options.
// It is safe for concurrent use.
func NewDefaultFormatter(opts ...FormatOption) Formatter {
	var o formatOptions
	for _, opt := range opts {
		opt(&o)
	}
	return FormatterFunc(func(n *Notification) (chat.Message, error) { return defaultFormat(n, &o) })
}

func defaultFormat(n *Notification, o *formatOptions) (chat.Message, error) {
	m := chat.Message{
		Title:     n.Title,
		TitleLink: n.TitleLink,
		Severity:  n.Severity,
		Summary:   n.Summary,
		ThreadKey: n.ThreadKey,
		Fields:    append([]chat.Field(nil), n.Fields...),
	}
	var text []string
	if n.Description != "" {
		text = append(text, n.Description)
	}
	if len(n.NextSteps) > 0 {
		var b strings.Builder
		b.WriteString("**Next steps**")
		for _, s := range n.NextSteps {
			b.WriteString("\n- ")
			b.WriteString(strings.ReplaceAll(s, "\n", " "))
		}
		text = append(text, b.String())
	}
	if len(n.Keywords) > 0 {
		kw := make([]string, len(n.Keywords))
		for i, k := range n.Keywords {
			kw[i] = "`" + strings.ReplaceAll(k, "`", "'") + "`"
		}
		text = append(text, strings.Join(kw, " "))
	}
	if n.DecodeError != "" {
		text = append(text, "_Shown as received: "+chat.EscapeMarkdown(n.DecodeError)+"_")
	}
	m.Text = strings.Join(text, "\n\n")
	if len(n.Resources) > 0 {
		rs := n.Resources
		more := ""
		if len(rs) > maxRelatedResources {
			rs, more = rs[:maxRelatedResources], fmt.Sprintf("\nand %d more", len(rs)-maxRelatedResources)
		}
		m.Fields = append(m.Fields, chat.Field{Name: "Related resources", Value: strings.Join(rs, "\n") + more})
	}
	switch n.Kind {
	case KindJSON:
		block := prettyJSON(n.Payload())
		caption := "Payload"
		if len(block) > maxPayloadBlock {
			block = block[:maxPayloadBlock] + "\n…"
			caption = fmt.Sprintf("Payload (first %d characters)", maxPayloadBlock)
		}
		m.CodeBlocks = append(m.CodeBlocks, chat.CodeBlock{Caption: caption, Language: "json", Content: block})
	case KindEventBridge:
		if d, ok := asMap(n.Payload())["detail"]; ok && strings.HasSuffix(n.Description, "The full detail is below.") && richDecoderFor(n.Source, n.EventType) == nil {
			block := prettyJSON(d)
			if len(block) > maxPayloadBlock {
				block = block[:maxPayloadBlock] + "\n…"
			}
			m.CodeBlocks = append(m.CodeBlocks, chat.CodeBlock{Caption: "detail", Language: "json", Content: block})
		}
	}
	m.Context = contextLine(n)
	lt := n.Logs
	if lt == nil {
		lt = o.restAPILogs(n.restAPI)
	}
	m.Buttons = logButtons(lt)
	if m.Title == "" && m.Text == "" {
		m.Text = "(empty notification)"
	}
	return m, nil
}

// restAPILogs resolves a REST API stage to its execution log group when
// the host mapped the API's name to its ID.
func (o *formatOptions) restAPILogs(r *restAPIRef) *LogTarget {
	if r == nil || o == nil {
		return nil
	}
	id := o.restAPIIDs[r.region+"/"+r.name]
	if id == "" {
		id = o.restAPIIDs[r.name]
	}
	if id == "" {
		return nil
	}
	return &LogTarget{LogGroup: restExecutionLogGroup(id, r.stage), Region: r.region, Start: r.start, End: r.end}
}

func contextLine(n *Notification) []string {
	var parts []string
	if n.Account != "" {
		parts = append(parts, "Account: "+chat.EscapeMarkdown(n.Account))
	}
	if n.Region != "" {
		parts = append(parts, "Region: "+chat.EscapeMarkdown(n.Region))
	}
	if !n.Time.IsZero() {
		parts = append(parts, n.Time.UTC().Format(time.RFC3339))
	}
	if len(parts) == 0 {
		return nil
	}
	return []string{strings.Join(parts, " | ")}
}

// Built-in button IDs. The button Value is the command text to run.
const (
	ButtonRunCommand = "run-command"
)

// maxLogEntries is how many log entries Show logs returns, as AWS Chatbot.
const maxLogEntries = 30

// LogButtons returns "Show logs" and "Show error logs" for a notification
// with a LogTarget (a CloudWatch alarm on a Lambda function, a CloudTrail
// call on a REST API stage). Each button's Value is the exact command it runs: the
// first 30 entries of the log group from the start of the alarm's
// evaluation window; error logs keep entries containing Error, Exception or
// Fail.
func LogButtons(n *Notification) []chat.Button { return logButtons(n.Logs) }

func logButtons(lt *LogTarget) []chat.Button {
	if lt == nil {
		return nil
	}
	base := fmt.Sprintf("logs filter-log-events --log-group-name %s --start-time %d --end-time %d --limit %d",
		quoteArg(lt.LogGroup), lt.Start.UnixMilli(), lt.End.UnixMilli(), maxLogEntries)
	if lt.Region != "" {
		base += " --region " + quoteArg(lt.Region)
	}
	return []chat.Button{
		{ID: ButtonRunCommand, Label: "Show logs", Value: base},
		{ID: ButtonRunCommand, Label: "Show error logs", Value: base + ` --filter-pattern "?Error ?Exception ?Fail"`},
	}
}

// quoteArg quotes a command argument unless it is made only of characters
// the command tokenizer reads literally, so values taken from payloads can
// never add options or split into several arguments.
func quoteArg(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._:/@=+,-", r))
	}) < 0 && !strings.HasPrefix(s, "-") {
		return s
	}
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "`", "\\`").Replace(s) + `"`
}

// Preview renders a body as the default formatter would show it: an SNS
// envelope, a raw SNS message or an EventBridge event. It never fails: a
// body that claims to be an SNS envelope but is malformed is shown as text
// with the reason in DecodeError. It is the offline counterpart of AWS
// Chatbot's "Send test message" for tools such as the quickstart; routing
// and filters are the Router's job.
func Preview(body []byte) (*Notification, chat.Message) {
	env, err := ParseEnvelope(body)
	var n *Notification
	if err != nil {
		n = DecodeMessage(string(body), "")
		if n.DecodeError == "" {
			n.DecodeError = err.Error()
		}
	} else {
		n = Decode(env)
	}
	m, err := DefaultFormatter().Format(n)
	if err != nil {
		// DefaultFormatter does not fail; keep the promise anyway.
		m = chat.Message{Title: n.Title, Text: n.Description}
	}
	return n, m
}
