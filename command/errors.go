package command

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Sentinel errors, for errors.Is. Every error this package returns wraps
// exactly one of them, through *Error or *SyntaxError.
var (
	// ErrEmpty: the message held no command.
	ErrEmpty = errors.New("command: empty command")
	// ErrSyntax: the text could not be read (an unclosed quote or bracket,
	// malformed shorthand or JSON). The error is, or wraps, a *SyntaxError.
	ErrSyntax = errors.New("command: syntax error")
	// ErrUnknownService: the first word is not a service of the catalog.
	ErrUnknownService = errors.New("command: unknown service")
	// ErrUnknownOperation: the second word is not an operation of the service.
	ErrUnknownOperation = errors.New("command: unknown operation")
	// ErrUnknownParameter: an option is not a parameter of the operation.
	ErrUnknownParameter = errors.New("command: unknown parameter")
	// ErrInvalidValue: a value does not fit its parameter (type, enum,
	// region, JMESPath, placeholder, ...).
	ErrInvalidValue = errors.New("command: invalid value")
	// ErrMissingValue: an option that needs a value was given none, or an
	// alias was run without a value for one of its placeholders.
	ErrMissingValue = errors.New("command: missing value")
	// ErrRefused: the command uses an option or value that is never allowed
	// from chat (it would read files or redirect credentials on the bot's
	// host).
	ErrRefused = errors.New("command: refused")
	// ErrHelpRequested: Parse was given "help" or "--help"; the *Error
	// carries the help in its Help field. Interpret returns help as a
	// result instead.
	ErrHelpRequested = errors.New("command: help requested")
	// ErrInvalidAlias: an alias name or command breaks the alias rules.
	ErrInvalidAlias = errors.New("command: invalid alias")
	// ErrUnknownAlias: "run NAME" names no alias.
	ErrUnknownAlias = errors.New("command: unknown alias")
	// ErrNothingPending: an answer arrived for an invocation that lacks
	// nothing.
	ErrNothingPending = errors.New("command: nothing pending")
	// ErrTooLong: the message is longer than MaxCommandLen; it is refused
	// before it is read.
	ErrTooLong = errors.New("command: command too long")
	// ErrUnknownAccessLevel: ParseAccessLevel was given a name that is not
	// an access level of the Service Authorization Reference.
	ErrUnknownAccessLevel = errors.New("command: unknown access level")
)

// Error is a command the user must correct. Its UserMessage is written for
// the chat user: what was wrong, the nearest valid choices and where to get
// help. Errors are immutable once returned and safe to share.
type Error struct {
	// Kind is the sentinel this error wraps (ErrUnknownOperation, ...).
	Kind error
	// Msg says what was wrong, for a chat user ("cloudwatch has no
	// operation describe-alarm.").
	Msg string
	// Subject is the word that was wrong, as typed.
	Subject string
	// Suggestions are the nearest valid choices, best first (at most 3).
	Suggestions []string
	// HelpCommand is the command that shows help about the context
	// ("cloudwatch help"); empty when there is none.
	HelpCommand string
	// Help is set when Kind is ErrHelpRequested.
	Help *Help
	// Err is the underlying cause, if any (a *SyntaxError inside a value).
	Err error
}

func (e *Error) Error() string {
	msg := strings.TrimSuffix(e.Msg, ".")
	if e.Err != nil {
		return "command: " + msg + ": " + e.Err.Error()
	}
	return "command: " + msg
}

// Unwrap returns the sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// UserMessage returns the message to show the chat user, in neutral
// Markdown: the problem, "Did you mean ...?" and where to find help.
func (e *Error) UserMessage() string {
	if e.Help != nil {
		return e.Help.Text
	}
	var b strings.Builder
	b.WriteString(e.Msg)
	var se *SyntaxError
	if errors.As(e.Err, &se) {
		b.WriteString("\n")
		b.WriteString(se.Msg)
		b.WriteString("\n```\n")
		b.WriteString(se.Caret())
		b.WriteString("\n```")
	}
	if len(e.Suggestions) > 0 {
		b.WriteString("\nDid you mean ")
		b.WriteString(orList(e.Suggestions))
		b.WriteString("?")
	}
	if e.HelpCommand != "" {
		b.WriteString("\nSend `" + e.HelpCommand + "` for help.")
	}
	return b.String()
}

// orList formats choices as "`a`, `b` or `c`".
func orList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = "`" + s + "`"
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// SyntaxError reports text that could not be read, with the byte offset
// where reading stopped.
type SyntaxError struct {
	// Input is the text that was being read: the cleaned command line
	// (mention, chat formatting removed), or the value of one parameter.
	Input string
	// Pos is the byte offset in Input where the problem is.
	Pos int
	// Msg says what was wrong, in words for a chat user.
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("command: %s (at offset %d)", e.Msg, e.Pos)
}

// Unwrap returns ErrSyntax.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// Caret returns the line of Input holding the error and a second line with
// a caret under the offending character, for a monospace block.
func (e *SyntaxError) Caret() string {
	pos := min(max(e.Pos, 0), len(e.Input))
	start := strings.LastIndexByte(e.Input[:pos], '\n') + 1
	end := strings.IndexByte(e.Input[pos:], '\n')
	if end < 0 {
		end = len(e.Input)
	} else {
		end += pos
	}
	col := utf8.RuneCountInString(e.Input[start:pos])
	return e.Input[start:end] + "\n" + strings.Repeat(" ", col) + "^"
}

// UserMessage returns the message and the caret lines for the chat user.
func (e *SyntaxError) UserMessage() string {
	return e.Msg + "\n```\n" + e.Caret() + "\n```"
}

// MaxCommandLen is the longest text, in bytes, that Interpret, Parse,
// Resume, Answer and ParseAliasCommand read; longer text is refused with
// ErrTooLong before it is tokenized. 8 KiB is well above any command typed
// or pasted in chat (an alias command is at most MaxAliasCommandLen, 5,000
// characters, as AWS Chatbot documents, which leaves room for its values)
// and bounds what one message can make the parser allocate: reading a
// 1 MB --query allocated about 269 MiB, so the worst case at the limit is
// a few MiB (see BenchmarkParseMaxLen).
const MaxCommandLen = 8192

// checkLen refuses text longer than MaxCommandLen.
func checkLen(text string) error {
	if len(text) <= MaxCommandLen {
		return nil
	}
	return &Error{Kind: ErrTooLong, Subject: "",
		Msg: fmt.Sprintf("That message is %d bytes long; a command can be at most %d bytes. Shorten it: a long `--query` or JSON value is the usual cause.", len(text), MaxCommandLen)}
}
