package slack

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	slackgo "github.com/slack-go/slack"

	"github.com/opschat/opschat/chat"
)

// Slack's documented limits (https://api.slack.com/reference/block-kit/blocks).
const (
	maxBlocks           = 50
	maxSectionText      = 3000
	maxFieldText        = 2000
	maxFieldsPerSection = 10
	maxHeaderText       = 150
	maxButtonText       = 75
	maxButtonValue      = 2000
	maxActionID         = 255
	// maxButtonID leaves room in maxActionID for the "#n" suffix that
	// keeps repeated button IDs unique.
	maxButtonID        = maxActionID - 8
	maxActionsPerBlock = 25
	maxContextElements = 10
	maxAltText         = 2000
	maxFallbackText    = 40000
	maxImageURL        = 3000
	// maxCaption bounds a code block's caption line.
	maxCaption = 300
	// minLinkLabel is the least room a linked title must leave for its label.
	minLinkLabel = 40

	// DefaultMaxBlockChars is the default budget for the text of all blocks
	// of one message. Slack documents 40,000 characters for a message's text
	// but rejects block payloads well below that with msg_blocks_too_long
	// (observed at about 13,200 characters), so the renderer stays under it.
	DefaultMaxBlockChars = 12000
)

// Action and callback IDs the adapter reserves for its own interactivity.
const (
	formButtonActionID = "opschat.form.open"
	formCallbackID     = "opschat.form"
	truncatedFileName  = "message.txt"
)

// ErrFormTooLarge is returned by Render when a Form does not fit in a button
// value (2,000 characters). The Adapter stores such forms in its Store instead.
var ErrFormTooLarge = errors.New("slack: form too large for a button value")

// Rendered is a chat.Message rendered for chat.postMessage / chat.update.
type Rendered struct {
	// Text is the notification and accessibility fallback (mrkdwn, escaped).
	Text string `json:"text"`
	// Blocks are top-level blocks, used when the message has no severity.
	Blocks []slackgo.Block `json:"blocks,omitempty"`
	// Attachments carry the blocks inside a coloured bar when the message has
	// a severity.
	Attachments []slackgo.Attachment `json:"attachments,omitempty"`
	// Uploads are files to upload with files.uploadV2 after posting: the
	// message's Files, images given as bytes, and the full text when the
	// message was truncated.
	Uploads []chat.File `json:"uploads,omitempty"`
	// Truncated reports that content was cut to fit Slack's limits.
	Truncated bool `json:"truncated,omitempty"`
}

// RenderOption tunes Render.
type RenderOption func(*renderer)

// WithMaxBlockChars sets the character budget for all blocks of a message
// (default DefaultMaxBlockChars). Values above 40,000 are capped.
func WithMaxBlockChars(n int) RenderOption {
	return func(r *renderer) {
		if n > 0 {
			r.maxChars = min(n, maxFallbackText)
		}
	}
}

// WithImageFiles gives, for each of the message's images given as bytes,
// the ID of a Slack file holding it (index i for m.Images[i]; "" for none):
// such an image is shown inline by an image block referring to the file
// (slack_file) rather than uploaded after the message. The Adapter uploads
// the files itself before posting; this option is for callers that did.
func WithImageFiles(ids ...string) RenderOption {
	return func(r *renderer) { r.imageFiles = ids }
}

// Render renders m as Block Kit. It is pure and safe for concurrent use. A
// Form is encoded into its button's value; when it does not fit Render
// returns ErrFormTooLarge (the Adapter falls back to its Store).
func Render(m chat.Message, opts ...RenderOption) (Rendered, error) {
	r := renderer{maxChars: DefaultMaxBlockChars, formValue: inlineFormValue}
	for _, o := range opts {
		o(&r)
	}
	return r.render(m)
}

type renderer struct {
	maxChars int
	// imageFiles[i], when set, is the ID of a file already uploaded to
	// Slack (not shared to any channel) holding m.Images[i]'s bytes: the
	// image is then shown in the message by an image block, instead of
	// being uploaded into the thread after it.
	imageFiles []string
	// formValue returns the button value that identifies f when clicked.
	formValue func(f *chat.Form) (string, error)
}

// sized is a block with the number of characters it counts against the budget.
type sized struct {
	block slackgo.Block
	chars int
}

func (r renderer) render(m chat.Message) (Rendered, error) {
	out := Rendered{Text: escapeText(truncatePlain(m.PlainSummary(), maxFallbackText))}
	if out.Text == "" && !m.IsZero() {
		out.Text = "(message)"
	}

	// The tail (context and buttons) is small and must survive truncation:
	// a confirmation without its buttons is useless.
	tail, err := r.tail(m)
	if err != nil {
		return Rendered{}, err
	}
	budgetChars := r.maxChars
	budgetBlocks := maxBlocks - 1 // one block is kept for the truncation note
	for _, s := range tail {
		budgetChars -= s.chars
		budgetBlocks--
	}

	var blocks []slackgo.Block
	truncated := false
	add := func(s sized) bool {
		if truncated {
			return false
		}
		if budgetBlocks <= 0 || s.chars > budgetChars {
			truncated = true
			return false
		}
		blocks = append(blocks, s.block)
		budgetBlocks--
		budgetChars -= s.chars
		return true
	}
	// addText adds mrkdwn sections for text, cutting the last one to the budget.
	addText := func(chunks []string) {
		for _, c := range chunks {
			if truncated {
				return
			}
			if runeLen(c) > budgetChars && budgetBlocks > 0 {
				if cut := cutRunes(c, budgetChars-1); strings.TrimSpace(cut) != "" {
					add(sized{section(cut + "…"), runeLen(cut) + 1})
				}
				truncated = true
				return
			}
			add(sized{section(c), runeLen(c)})
		}
	}

	if s, ok := title(m); ok {
		add(s)
	}
	if m.Text != "" {
		addText(splitLines(mrkdwn(m.Text), maxSectionText))
	}
	for _, s := range fieldBlocks(m.Fields) {
		add(s)
	}
	for _, cb := range m.CodeBlocks {
		addText(codeSections(cb))
	}
	for i, img := range m.Images {
		switch {
		case r.imageFile(i) != "" && inlineImage(img):
			alt := truncatePlain(firstNonEmpty(img.AltText, img.Name, "image"), maxAltText)
			block := slackgo.NewImageBlockSlackFile(&slackgo.SlackFileObject{ID: r.imageFile(i)}, alt, "", nil)
			if !add(sized{block, runeLen(alt)}) {
				// Cut by truncation: still attach the picture.
				out.Uploads = append(out.Uploads, imageUpload(img))
			}
		case img.URL != "" && httpsURL(img.URL) && runeLen(img.URL) <= maxImageURL:
			alt := truncatePlain(firstNonEmpty(img.AltText, img.Name, "image"), maxAltText)
			add(sized{slackgo.NewImageBlock(img.URL, alt, "", nil), runeLen(alt)})
		case img.URL != "" && chat.SafeURL(img.URL):
			// Slack fetches image blocks itself and refuses plain http
			// (invalid_blocks); a link still lets the reader open it.
			if s, ok := imageLink(img); ok {
				add(s)
			}
		case len(img.Data) > 0:
			out.Uploads = append(out.Uploads, imageUpload(img))
		}
	}
	if truncated {
		note := fmt.Sprintf("_Message truncated to fit Slack's limits: the full content is attached as `%s`._", truncatedFileName)
		blocks = append(blocks, slackgo.NewContextBlock("", mrkdwnText(note)))
		out.Uploads = append([]chat.File{{
			Name:        truncatedFileName,
			Title:       "Full message",
			ContentType: "text/plain",
			Data:        []byte(PlainText(m)),
		}}, out.Uploads...)
		out.Truncated = true
	}
	for _, s := range tail {
		blocks = append(blocks, s.block)
	}
	for _, f := range m.Files {
		if len(f.Data) > 0 {
			out.Uploads = append(out.Uploads, f)
		}
	}

	if color := m.Severity.Color(); color != "" && len(blocks) > 0 {
		// Slack shows the top-level text above the attachments of a message
		// without top-level blocks, which repeats the summary above the
		// coloured bar. With the first block (the title) at top level, text
		// is only the notification fallback and the bar holds the details;
		// a one-block message gets its severity's name in the bar.
		rest := blocks[1:]
		if len(rest) == 0 {
			label := strings.TrimSpace(m.Severity.Emoji() + " " + severityLabel(m.Severity))
			rest = []slackgo.Block{slackgo.NewContextBlock("", mrkdwnText(label))}
		}
		out.Blocks = blocks[:1]
		out.Attachments = []slackgo.Attachment{{
			Color:    color,
			Fallback: out.Text,
			Blocks:   slackgo.Blocks{BlockSet: rest},
		}}
	} else {
		out.Blocks = blocks
	}
	return out, nil
}

func section(text string) *slackgo.SectionBlock {
	return slackgo.NewSectionBlock(mrkdwnText(text), nil, nil)
}

// mrkdwnText is a verbatim mrkdwn object: Slack still renders our markup and
// links but does not auto-parse anything in the (escaped) content, so no
// mention or channel link can appear that the renderer did not write.
func mrkdwnText(text string) *slackgo.TextBlockObject {
	return slackgo.NewTextBlockObject(slackgo.MarkdownType, text, false, true)
}

// title renders the title as a header, or as a bold linked section when it
// has a link (header blocks cannot link).
func title(m chat.Message) (sized, bool) {
	if strings.TrimSpace(m.Title) == "" {
		return sized{}, false
	}
	prefix := ""
	if e := m.Severity.Emoji(); e != "" {
		prefix = e + " "
	}
	// The budget counts the URL as sent, after escaping: a console URL
	// with many '&' grows by four characters for each. A link that leaves
	// no room for a readable label is dropped (the title stays).
	if u := escapeURL(m.TitleLink); m.TitleLink != "" && chat.SafeURL(m.TitleLink) && runeLen(u) <= maxSectionText-minLinkLabel {
		label := escapeText(strings.ReplaceAll(plainMarkdown(m.Title), "\n", " "))
		// prefix, "*<", "|", ">*" and the ellipsis cutRunes' caller may add.
		room := maxSectionText - runeLen(u) - runeLen(prefix) - 6
		if runeLen(label) > room {
			label = cutRunes(label, room-1) + "…"
		}
		text := prefix + "*<" + u + "|" + label + ">*"
		return sized{section(text), runeLen(text)}, true
	}
	text := truncatePlain(prefix+strings.ReplaceAll(plainMarkdown(m.Title), "\n", " "), maxHeaderText)
	return sized{slackgo.NewHeaderBlock(slackgo.NewTextBlockObject(slackgo.PlainTextType, text, true, false)), runeLen(text)}, true
}

// fieldBlocks lays short fields side by side (section fields, ten per
// section) and gives each long field a section of its own.
func fieldBlocks(fields []chat.Field) []sized {
	var (
		out     []sized
		pending []*slackgo.TextBlockObject
		chars   int
	)
	flush := func() {
		if len(pending) > 0 {
			out = append(out, sized{slackgo.NewSectionBlock(nil, pending, nil), chars})
			pending, chars = nil, 0
		}
	}
	for _, f := range fields {
		text := fieldText(f, maxFieldText)
		if !f.Short {
			flush()
			text = fieldText(f, maxSectionText)
			out = append(out, sized{section(text), runeLen(text)})
			continue
		}
		pending = append(pending, mrkdwnText(text))
		chars += runeLen(text)
		if len(pending) == maxFieldsPerSection {
			flush()
		}
	}
	flush()
	return out
}

func fieldText(f chat.Field, limit int) string {
	name := escapeText(strings.ReplaceAll(strings.TrimSpace(f.Name), "\n", " "))
	if longerThan(name, limit/2) {
		// A name is a label: half the room is plenty, the value needs the rest.
		name = cutRunes(name, limit/2-1) + "…"
	}
	head := ""
	if name != "" {
		head = "*" + name + "*\n"
	}
	value := escapeText(f.Value)
	if value == "" {
		value = "-"
	}
	if runeLen(head)+runeLen(value) > limit {
		value = cutRunes(value, limit-runeLen(head)-1) + "…"
	}
	return head + value
}

// codeSections renders a code block as ``` sections of at most 3,000
// characters each, split at line boundaries.
func codeSections(cb chat.CodeBlock) []string {
	caption := ""
	if c := strings.TrimSpace(cb.Caption); c != "" {
		// A caption is a line: bounded so the block always has room.
		c = escapeText(strings.ReplaceAll(c, "\n", " "))
		if longerThan(c, maxCaption) {
			c = cutRunes(c, maxCaption-1) + "…"
		}
		caption = "*" + c + "*\n"
	}
	// A ``` inside the content would close the block early; a zero-width
	// space keeps it visible without ending the block.
	content := strings.ReplaceAll(escapeText(strings.TrimRight(cb.Content, "\n")), "```", "`\u200b`\u200b`")
	if strings.TrimSpace(content) == "" {
		content = " "
	}
	const fence = "```"
	room := maxSectionText - 2*len(fence) - 2 - runeLen(caption)
	var out []string
	for i, chunk := range splitLines(content, room) {
		head := ""
		if i == 0 {
			head = caption
		}
		out = append(out, head+fence+"\n"+chunk+"\n"+fence)
	}
	return out
}

// splitLines splits s into chunks of at most n characters, at newlines where
// possible.
func splitLines(s string, n int) []string {
	n = max(n, 1) // every round must consume something
	var out []string
	for longerThan(s, n) {
		chunk := cutRunes(s, n)
		if chunk == "" { // cannot cut safely (a giant link): cut hard
			chunk = prefixRunes(s, n)
		}
		out = append(out, chunk)
		s = strings.TrimPrefix(s[len(chunk):], "\n")
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// tail renders the context line and the buttons (and the form's button).
func (r renderer) tail(m chat.Message) ([]sized, error) {
	var out []sized
	if len(m.Context) > 0 {
		var elems []slackgo.MixedElement
		chars := 0
		for i, c := range m.Context {
			if i == maxContextElements {
				break
			}
			text := cutRunes(mrkdwn(c), maxFieldText)
			if text == "" {
				continue
			}
			elems = append(elems, mrkdwnText(text))
			chars += runeLen(text)
		}
		if len(elems) > 0 {
			out = append(out, sized{slackgo.NewContextBlock("", elems...), chars})
		}
	}

	var (
		buttons []*slackgo.ButtonBlockElement
		dropped []string
		ids     = actionIDs{}
	)
	for _, b := range m.Buttons {
		label := truncatePlain(firstNonEmpty(strings.TrimSpace(b.Label), b.ID, "Button"), maxButtonText)
		if b.ID == "" || len(b.ID) > maxButtonID {
			return nil, fmt.Errorf("slack: button %q: ID must be 1 to %d characters", label, maxButtonID)
		}
		if runeLen(b.Value) > maxButtonValue {
			// A value cannot be cut (it is a command or a token): leave
			// the button out and say so, rather than lose the message to
			// invalid_blocks or fail the send.
			dropped = append(dropped, label)
			continue
		}
		btn := slackgo.NewButtonBlockElement(ids.next(b.ID), b.Value, slackgo.NewTextBlockObject(slackgo.PlainTextType, label, true, false))
		switch b.Style {
		case chat.ButtonPrimary:
			btn = btn.WithStyle(slackgo.StylePrimary)
		case chat.ButtonDanger:
			btn = btn.WithStyle(slackgo.StyleDanger)
		}
		buttons = append(buttons, btn)
	}
	if m.Form != nil {
		value, err := r.formValue(m.Form)
		if err != nil {
			return nil, err
		}
		label := truncatePlain(firstNonEmpty(strings.TrimSpace(m.Form.Title), "Fill in"), maxButtonText)
		buttons = append(buttons, slackgo.NewButtonBlockElement(ids.next(formButtonActionID), value,
			slackgo.NewTextBlockObject(slackgo.PlainTextType, label, true, false)).WithStyle(slackgo.StylePrimary))
	}
	if len(dropped) > 0 {
		note := fmt.Sprintf("_%d button(s) left out: their action is longer than Slack allows (%s)._",
			len(dropped), escapeText(strings.Join(dropped, ", ")))
		note = cutRunes(note, maxFieldText)
		out = append(out, sized{slackgo.NewContextBlock("", mrkdwnText(note)), runeLen(note)})
	}
	// Every action_id is unique in the message (ids.next), so related
	// buttons share one row; a block holds at most 25 elements.
	for start := 0; start < len(buttons); start += maxActionsPerBlock {
		row := buttons[start:min(start+maxActionsPerBlock, len(buttons))]
		elems := make([]slackgo.BlockElement, 0, len(row))
		chars := 0
		for _, b := range row {
			elems = append(elems, b)
			chars += runeLen(b.Text.Text)
		}
		out = append(out, sized{slackgo.NewActionBlock("", elems...), chars})
	}
	return out, nil
}

// actionIDs hands out action_ids unique within one message. Slack refuses
// (or mis-routes clicks between) elements sharing an action_id, and notify
// gives two "Show logs" buttons the same chat.Button ID: the second and later
// get a "#n" suffix, which ButtonID removes when the click comes back.
type actionIDs map[string]bool

func (ids actionIDs) next(id string) string {
	cand := id
	for n := 2; ids[cand]; n++ {
		cand = id + actionIDSuffix + strconv.Itoa(n)
	}
	ids[cand] = true
	return cand
}

// actionIDSuffix separates a button's ID from its occurrence number.
const actionIDSuffix = "#"

// ButtonID returns the chat.Button ID an action_id was rendered from: the
// action_id without the "#n" occurrence suffix Render adds to repeated IDs.
func ButtonID(actionID string) string {
	i := strings.LastIndex(actionID, actionIDSuffix)
	if i <= 0 || i == len(actionID)-1 {
		return actionID
	}
	for _, c := range actionID[i+1:] {
		if c < '0' || c > '9' {
			return actionID
		}
	}
	return actionID[:i]
}

// severityLabel is the severity's name for a reader ("Critical").
func severityLabel(s chat.Severity) string {
	name := s.String()
	return strings.ToUpper(name[:1]) + name[1:]
}

// httpsURL reports whether u is an absolute https URL: the only kind Slack
// accepts for image blocks.
func httpsURL(u string) bool {
	return chat.SafeURL(u) && len(u) > len("https://") && strings.EqualFold(u[:len("https://")], "https://")
}

// imageLink renders an image Slack will not fetch as a link to it.
func imageLink(img chat.Image) (sized, bool) {
	u := escapeURL(img.URL)
	label := escapeText(strings.ReplaceAll(firstNonEmpty(img.AltText, img.Name, "image"), "\n", " "))
	room := maxSectionText - runeLen(u) - 8
	if room < minLinkLabel {
		return sized{}, false
	}
	if runeLen(label) > room {
		label = cutRunes(label, room-1) + "…"
	}
	text := ":frame_with_picture: <" + u + "|" + label + ">"
	return sized{section(text), runeLen(text)}, true
}

// formPayload is what the form button carries (inline) or what the Store
// holds (by reference): enough to build the modal when the button is clicked.
type formPayload struct {
	V    int        `json:"v"`
	Form *chat.Form `json:"f"`
}

const (
	inlineFormPrefix = "f1:"
	storedFormPrefix = "r1:"
)

func inlineFormValue(f *chat.Form) (string, error) {
	b, err := json.Marshal(formPayload{V: 1, Form: f})
	if err != nil {
		return "", fmt.Errorf("slack: encode form: %w", err)
	}
	v := inlineFormPrefix + string(b)
	if runeLen(v) > maxButtonValue {
		return "", fmt.Errorf("%w (%d characters, max %d)", ErrFormTooLarge, runeLen(v), maxButtonValue)
	}
	return v, nil
}

// PlainText renders m as plain text: the content of the file attached when a
// message is truncated.
func PlainText(m chat.Message) string {
	var b strings.Builder
	line := func(s string) {
		b.WriteString(s)
		b.WriteByte('\n')
	}
	if m.Title != "" {
		line(plainMarkdown(m.Title))
		if m.TitleLink != "" {
			line(m.TitleLink)
		}
		line("")
	}
	if m.Text != "" {
		line(plainMarkdown(m.Text))
		line("")
	}
	for _, f := range m.Fields {
		line(f.Name + ": " + f.Value)
	}
	if len(m.Fields) > 0 {
		line("")
	}
	for _, cb := range m.CodeBlocks {
		if cb.Caption != "" {
			line(cb.Caption + ":")
		}
		line(strings.TrimRight(cb.Content, "\n"))
		line("")
	}
	for _, c := range m.Context {
		line(plainMarkdown(c))
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
