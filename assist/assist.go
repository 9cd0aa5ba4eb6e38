package assist

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/opschat/opschat/command"
)

// MaxAnswerChars is the longest answer AWS Chatbot shows for a question (and
// for a Bedrock agent connector): longer text is cut and marked.
const MaxAnswerChars = 2500

// Sentinel errors, for errors.Is.
var (
	// ErrModel is returned when the model could not be called at all (an
	// AWS error other than a timeout, such as AccessDenied or throttling).
	// A timeout or an exhausted budget is not an error: the Answer says so.
	ErrModel = errors.New("assist: model call failed")
	// ErrInvalidOption is returned by constructors given a bad option value.
	ErrInvalidOption = errors.New("assist: invalid option")
)

// Assistant answers a question asked in chat. Implementations: *Planner (no
// model) and *Bedrock (Amazon Bedrock Converse with tool use).
//
// An Assistant never changes anything in an account: it runs read-only
// commands through Tools.Run, which applies the asking user's role and the
// channel's guardrails, and returns mutating commands in Answer.Proposed for
// the bot to show with a Run button (the usual confirmation follows).
type Assistant interface {
	Answer(ctx context.Context, q Question, tools Tools) (*Answer, error)
}

// Question is what the user asked.
type Question struct {
	Text    string // as typed, mention stripped
	Region  string // the channel's current region ("" when none is set)
	History []Turn // earlier turns in the same thread (for follow-ups), may be empty
}

// Role says who spoke a Turn.
type Role string

// Roles of a Turn.
const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// String returns the role name.
func (r Role) String() string { return string(r) }

// Turn is one earlier message in the thread.
type Turn struct {
	Role Role   `json:"role"`
	Text string `json:"text"`
}

// MaxHistoryTurns is how many of the latest History turns Bedrock sends to
// the model; older ones are left out so a long thread keeps requests small.
const MaxHistoryTurns = 20

// Tools is what the bot gives an assistant: the catalog to choose commands
// from and a way to run a READ-ONLY command under the asking user's role and
// the channel's guardrails. The bot enforces; the assistant only asks.
// Implementations must be safe for concurrent use.
type Tools interface {
	Catalog() command.Catalog
	// Run runs one command line (CLI syntax without "aws", e.g.
	// `lambda list-functions --region us-west-1`). A command that is not
	// read-only, or that the guardrails deny, is NOT run: the result says so
	// (Denied / NeedsConfirmation).
	Run(ctx context.Context, commandLine string) ToolResult
}

// ToolResult is the outcome of Tools.Run.
type ToolResult struct {
	Command           string          // the normalised command that ran (or would have)
	Data              json.RawMessage // the AWS response as JSON (after --query), when it ran
	Denied            string          // why the guardrails refused, when they did
	NeedsConfirmation bool            // mutating: not run; the bot shows it with a Run button
	Err               error           // it ran and failed (AWS error), or could not be parsed
}

// Ran reports whether the command ran and succeeded.
func (r ToolResult) Ran() bool {
	return r.Err == nil && r.Denied == "" && !r.NeedsConfirmation
}

// Answer is what the bot posts in the thread.
type Answer struct {
	Text     string   // neutral Markdown (see chat.ParseMarkdown), <= MaxAnswerChars
	Ran      []string // commands run to answer (shown to the user, each with a "run again" button)
	Proposed []string // mutating commands proposed (shown with a Run button; the usual confirmation follows)
	Declined bool     // could not answer; Text says so plainly (and, for the planner, how to configure a model)
	// Truncated is set when Text was cut at MaxAnswerChars.
	Truncated bool
}

// truncationMark ends an answer cut at MaxAnswerChars.
const truncationMark = "\n… _(answer cut at 2,500 characters)_"

// Truncate cuts s to at most max characters (runes, as chat platforms
// count), ending with a visible mark when it cuts. It never splits a UTF-8
// sequence and prefers to cut at a line or word boundary.
func Truncate(s string, max int) (string, bool) {
	if utf8.RuneCountInString(s) <= max {
		return s, false
	}
	mark := truncationMark
	if max <= utf8.RuneCountInString(mark) {
		mark = ""
	}
	keep := max - utf8.RuneCountInString(mark)
	// Byte offset of the keep-th rune.
	cut, n := 0, 0
	for i := range s {
		if n == keep {
			cut = i
			break
		}
		n++
	}
	head := s[:cut]
	// Prefer a boundary in the last fifth so the cut does not break a word
	// or, worse, a Markdown code span in the middle.
	if i := strings.LastIndexAny(head, "\n "); i > len(head)*4/5 {
		head = head[:i]
	}
	// An odd number of backticks would leave a code span open and the
	// mark would render as code: drop the unterminated span.
	if strings.Count(head, "`")%2 == 1 {
		head = head[:strings.LastIndexByte(head, '`')]
	}
	return head + mark, true
}

// finish cuts the answer's text at MaxAnswerChars.
func (a *Answer) finish() *Answer {
	a.Text, a.Truncated = Truncate(a.Text, MaxAnswerChars)
	return a
}
