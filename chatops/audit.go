package chatops

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/opschat/opschat/command"
)

// Decision is what the permission checks decided about a command.
type Decision string

// Decisions.
const (
	DecisionNone  Decision = ""      // never reached the checks (help, invalid syntax)
	DecisionAllow Decision = "allow" // every layer allowed
	DecisionDeny  Decision = "deny"  // a layer refused
)

// Outcome is how a command attempt ended.
type Outcome string

// Outcomes. Every command attempt ends in exactly one audit record with one of these.
const (
	OutcomeSucceeded Outcome = "succeeded" // ran and AWS answered
	OutcomeFailed    Outcome = "failed"    // ran and failed (AWS error, timeout)
	OutcomeDenied    Outcome = "denied"    // refused before running
	OutcomeCancelled Outcome = "cancelled" // the user cancelled a confirmation or prompt
	OutcomeInvalid   Outcome = "invalid"   // could not be parsed or validated
	OutcomePending   Outcome = "pending"   // waiting for a confirmation or missing parameters
	OutcomeAnswered  Outcome = "answered"  // a built-in command (help, alias) answered
)

// AuditRecord is one line of the audit log. Field names are stable: they are
// the log's schema.
type AuditRecord struct {
	Time          time.Time `json:"time"`
	Platform      string    `json:"platform"`
	Workspace     string    `json:"workspace,omitempty"`
	Channel       string    `json:"channel,omitempty"`
	Thread        string    `json:"thread,omitempty"`
	User          string    `json:"user"`
	UserName      string    `json:"user_name,omitempty"`
	Configuration string    `json:"configuration,omitempty"`
	// Text is the raw chat text as typed.
	Text      string `json:"text"`
	Service   string `json:"service,omitempty"`
	Operation string `json:"operation,omitempty"`
	Action    string `json:"action,omitempty"` // the operation's main IAM action
	// Actions are all the IAM actions the command needed (s3api
	// copy-object: s3:GetObject and s3:PutObject), when more than one.
	Actions []string `json:"actions,omitempty"`
	// Access is the operation's IAM access level ("List", "Read",
	// "Write", "Permissions management", "Tagging").
	Access   string   `json:"access,omitempty"`
	Region   string   `json:"region,omitempty"`
	Account  string   `json:"account,omitempty"`
	Role     string   `json:"role,omitempty"`
	Decision Decision `json:"decision,omitempty"`
	Reason   string   `json:"reason,omitempty"`
	Outcome  Outcome  `json:"outcome"`
	Error    string   `json:"error,omitempty"`
	// TextTruncatedBytes says how much of Text was cut (over 16 KiB).
	TextTruncatedBytes int `json:"text_truncated_bytes,omitempty"`
	// DurationMS is the time from receiving the event to the outcome.
	DurationMS int64 `json:"duration_ms"`
}

// maxAuditText bounds AuditRecord.Text: twice command.MaxCommandLen.
const maxAuditText = 2 * command.MaxCommandLen

// Auditor writes audit records to every sink. It is safe for concurrent use.
// A write failure is reported to the logger and never stops a command; an
// auditor with no sink writes to stderr.
type Auditor struct {
	mu      sync.Mutex
	writers []io.Writer
	loggers []*slog.Logger
	errLog  *slog.Logger
}

func newAuditor(writers []io.Writer, loggers []*slog.Logger, errLog *slog.Logger) *Auditor {
	if len(writers) == 0 && len(loggers) == 0 {
		writers = []io.Writer{os.Stderr}
	}
	return &Auditor{writers: writers, loggers: loggers, errLog: errLog}
}

// Record writes r to every sink: one JSON line per io.Writer (one Write call
// per record, so line-oriented sinks such as CloudWatch Logs see whole
// records), one Info entry per logger.
func (a *Auditor) Record(ctx context.Context, r AuditRecord) {
	// Secret parameter values never reach the log, whichever path wrote
	// the record.
	r.Text, r.Error, r.Reason = RedactSecrets(r.Text), RedactSecrets(r.Error), RedactSecrets(r.Reason)
	// A chat message can be megabytes; the command itself is refused above
	// command.MaxCommandLen, and the record keeps twice that as evidence.
	if len(r.Text) > maxAuditText {
		r.TextTruncatedBytes = len(r.Text) - maxAuditText
		r.Text = strings.ToValidUTF8(r.Text[:maxAuditText], "")
	}
	line, err := json.Marshal(r)
	if err != nil {
		a.errLog.Error("audit: encode record", "err", err)
		return
	}
	line = append(line, '\n')
	a.mu.Lock()
	for _, w := range a.writers {
		if _, err := w.Write(line); err != nil {
			a.errLog.Error("audit: write record", "err", err)
		}
	}
	a.mu.Unlock()
	for _, l := range a.loggers {
		l.LogAttrs(ctx, slog.LevelInfo, "opschat audit",
			slog.Time("time", r.Time),
			slog.String("platform", r.Platform),
			slog.String("workspace", r.Workspace),
			slog.String("channel", r.Channel),
			slog.String("user", r.User),
			slog.String("configuration", r.Configuration),
			slog.String("text", r.Text),
			slog.String("service", r.Service),
			slog.String("operation", r.Operation),
			slog.String("action", r.Action),
			slog.Any("actions", r.Actions),
			slog.String("region", r.Region),
			slog.String("role", r.Role),
			slog.String("decision", string(r.Decision)),
			slog.String("reason", r.Reason),
			slog.String("outcome", string(r.Outcome)),
			slog.String("error", r.Error),
			slog.Int64("duration_ms", r.DurationMS),
		)
	}
}

func (r AuditRecord) String() string {
	return fmt.Sprintf("%s %s %s: %q → %s", r.Time.Format(time.RFC3339), r.Platform, r.User, r.Text, r.Outcome)
}
