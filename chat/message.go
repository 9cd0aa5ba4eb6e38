package chat

import "strings"

// Severity is how urgent a message is. Renderers map it to colours and emoji:
// Slack attachment colours, Adaptive Card container styles, a prefix on Chime.
type Severity int

// Severities, from least to most urgent. The zero value is SeverityNone so a
// message without a severity renders neutrally.
const (
	SeverityNone Severity = iota
	SeverityInfo
	SeveritySuccess
	SeverityWarning
	SeverityCritical
)

var severityNames = [...]string{"none", "info", "success", "warning", "critical"}

// String returns the lower-case name of s ("critical").
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return "unknown"
	}
	return severityNames[s]
}

// Emoji returns a short emoji shortcode for s, used by text renderers.
func (s Severity) Emoji() string {
	switch s {
	case SeverityInfo:
		return ":information_source:"
	case SeveritySuccess:
		return ":white_check_mark:"
	case SeverityWarning:
		return ":warning:"
	case SeverityCritical:
		return ":rotating_light:"
	default:
		return ""
	}
}

// Color returns the conventional hex colour ("#D93F0B") for s, or "" for SeverityNone.
func (s Severity) Color() string {
	switch s {
	case SeverityInfo:
		return "#439FE0"
	case SeveritySuccess:
		return "#2EB886"
	case SeverityWarning:
		return "#DAA038"
	case SeverityCritical:
		return "#D93F0B"
	default:
		return ""
	}
}

// Message is the platform-neutral rich message. Every notification and every
// command reply is a Message; each adapter renders it for its platform (Block
// Kit, Adaptive Cards, webhook markdown, terminal text).
//
// Text fields hold Markdown in a small neutral dialect that every renderer
// understands: **bold**, _italic_, `code`, [label](https://link), and lines
// starting with "- " as bullets. Text that comes from outside (AWS payloads,
// chat users) must be passed through EscapeMarkdown before it is placed in
// Title or Text, or put in Fields and CodeBlocks, which renderers always treat
// as literal text.
//
// The zero Message is empty; IsZero reports that. Renderers draw the parts in
// this order: title, text, fields, code blocks, images, context, buttons.
type Message struct {
	// Title is a one-line heading (Markdown). TitleLink, when set, makes the
	// title a link (for example to the AWS console page of an alarm).
	Title     string
	TitleLink string
	// Text is the body, in neutral Markdown.
	Text string
	// Summary is a plain-text one-liner used where rich content cannot show:
	// push notifications, screen readers, Slack's "text" fallback.
	Summary  string
	Severity Severity
	Fields   []Field
	// CodeBlocks hold monospace text shown verbatim: command output, JSON
	// payloads, tables.
	CodeBlocks []CodeBlock
	Images     []Image
	// Context holds small footer lines (account, region, time), as Markdown.
	Context []string
	Buttons []Button
	// Form asks the user for values (missing command parameters). Adapters
	// render it natively where they can (an Adaptive Card with inputs, a
	// Slack modal opened from a button) and deliver the answers as an
	// Inbound of KindFormSubmit whose Action.Values holds them by field ID;
	// elsewhere the text of the message says how to answer in the thread.
	Form *Form
	// Files are attached in full where the adapter can upload files
	// (FileUploader); elsewhere the renderer notes that they were omitted.
	Files []File
	// ThreadKey groups messages about the same thing (an alarm ARN, a
	// finding ID, a custom notification's threadId): delivery posts later
	// messages with the same key into the first one's thread.
	ThreadKey string
}

// IsZero reports whether m has no visible content.
func (m Message) IsZero() bool {
	return m.Title == "" && m.Text == "" && len(m.Fields) == 0 && len(m.CodeBlocks) == 0 &&
		len(m.Images) == 0 && len(m.Context) == 0 && len(m.Buttons) == 0 && len(m.Files) == 0 && m.Form == nil
}

// PlainSummary returns Summary, or failing that the title, or the first line
// of the text: something short to show where rich content cannot.
func (m Message) PlainSummary() string {
	switch {
	case m.Summary != "":
		return m.Summary
	case m.Title != "":
		return m.Title
	default:
		line, _, _ := strings.Cut(strings.TrimSpace(m.Text), "\n")
		return line
	}
}

// Field is a labelled value shown as a fact ("State: ALARM"). Both parts are
// literal text: renderers escape them.
type Field struct {
	Name  string
	Value string
	// Short fields may be laid out side by side.
	Short bool
}

// CodeBlock is monospace text shown verbatim.
type CodeBlock struct {
	// Caption is an optional literal line above the block.
	Caption string
	// Language is a hint such as "json" or "text"; renderers may ignore it.
	Language string
	Content  string
}

// Image is a picture given either as bytes (uploaded by the adapter) or as a
// public URL.
type Image struct {
	URL         string
	Data        []byte
	ContentType string // "image/png" when Data is set
	Name        string // file name for uploads, "graph.png"
	AltText     string
}

// ButtonStyle is the emphasis of a button.
type ButtonStyle int

// Button styles.
const (
	ButtonDefault ButtonStyle = iota
	ButtonPrimary
	ButtonDanger
)

// String returns "default", "primary" or "danger".
func (s ButtonStyle) String() string {
	switch s {
	case ButtonPrimary:
		return "primary"
	case ButtonDanger:
		return "danger"
	default:
		return "default"
	}
}

// Button is an interactive action. When clicked, the adapter delivers an
// Inbound of KindButtonClick whose Action carries ID and Value back.
type Button struct {
	// ID identifies what the button does ("confirm", "cancel", "show-logs").
	ID string
	// Label is the literal button text (Slack and Teams allow about 75 characters).
	Label string
	// Value is opaque data returned on click: a pending-command token, or the
	// command a custom action runs.
	Value string
	Style ButtonStyle
}

// Form is a small input form.
type Form struct {
	// ID identifies the form; it comes back as Action.ID on submission.
	ID string
	// Value is opaque data returned on submission (a pending-command token).
	Value       string
	Title       string
	SubmitLabel string
	Fields      []FormField
}

// FormField is one text input of a Form.
type FormField struct {
	ID          string // returned as the key in Action.Values
	Label       string
	Placeholder string
	Required    bool
	// Options, when set, restrict the value to one of them (a select).
	Options []string
}

// File is a document attached to a message: the full output of a long
// command, a graph image, a payload.
type File struct {
	Name        string // "output.json"
	Title       string
	ContentType string
	Data        []byte
}

// EscapeMarkdown escapes s so that it shows literally inside Title, Text or
// Context: Markdown emphasis, code and link markers lose their meaning.
// Platform renderers escape what their own platform treats specially (Slack's
// <!channel>, HTML entities) in every span, so escaped text can never ping a
// channel or forge a link.
func EscapeMarkdown(s string) string {
	if !strings.ContainsAny(s, markdownSpecials) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	// Bytes, not runes: every special is ASCII, and invalid UTF-8 must
	// pass through unchanged.
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(markdownSpecials, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

const markdownSpecials = "\\*_`[]"
