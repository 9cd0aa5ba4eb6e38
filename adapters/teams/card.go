package teams

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/opschat/opschat/chat"
)

// DefaultMaxCardBytes is the default size budget of a rendered card's JSON.
// Microsoft has documented several limits for bot messages over time (40 KB
// counted as UTF-16, later 100 KB with 80 KB recommended); the Teams
// connectors and Graph reject messages above about 28 KB. 28 KB of UTF-8 JSON
// stays under all of them for ASCII-heavy AWS output. Inline (base64) images
// do not count towards truncating text, but one is shown only when its data
// URI fits in what the rest of the card leaves of the budget; otherwise a
// note says it was too large.
const DefaultMaxCardBytes = 28 * 1024

// DefaultMaxInlineImageBytes bounds an image given as bytes that is inlined
// into the card as a data: URI.
const DefaultMaxInlineImageBytes = 256 * 1024

const (
	cardSchema  = "http://adaptivecards.io/schemas/adaptive-card.json"
	cardVersion = "1.5"
	// ContentTypeAdaptiveCard is the attachment content type of an
	// Adaptive Card.
	ContentTypeAdaptiveCard = "application/vnd.microsoft.card.adaptive"
	// submitMarker marks Action.Submit data that opschat rendered, so
	// submissions of other cards are not mistaken for ours.
	submitMarker = "opschat"
	// inputPrefix prefixes form input IDs: Teams merges input values into
	// the submit data at top level, and a command parameter may be called
	// "id" or "value" (ssm put-parameter --value).
	inputPrefix = "input."
)

// Card is an Adaptive Card. Fields are ordered for stable golden files.
type Card struct {
	Type         string       `json:"type"`
	Schema       string       `json:"$schema"`
	Version      string       `json:"version"`
	FallbackText string       `json:"fallbackText,omitempty"`
	Body         []Element    `json:"body"`
	Actions      []CardAction `json:"actions,omitempty"`
	MSTeams      *cardMSTeams `json:"msteams,omitempty"`
}

type cardMSTeams struct {
	Width string `json:"width,omitempty"`
}

// Element is any Adaptive Card body element; only the fields of its Type are
// set.
type Element struct {
	Type      string `json:"type"`
	ID        string `json:"id,omitempty"`
	Spacing   string `json:"spacing,omitempty"`
	Separator bool   `json:"separator,omitempty"`
	Style     string `json:"style,omitempty"`
	Bleed     bool   `json:"bleed,omitempty"`

	// TextBlock
	Text     string `json:"text,omitempty"`
	Size     string `json:"size,omitempty"`
	Weight   string `json:"weight,omitempty"`
	Color    string `json:"color,omitempty"`
	IsSubtle bool   `json:"isSubtle,omitempty"`
	Wrap     bool   `json:"wrap,omitempty"`

	// RichTextBlock
	Inlines []TextRun `json:"inlines,omitempty"`
	// FactSet
	Facts []Fact `json:"facts,omitempty"`
	// Image
	URL     string `json:"url,omitempty"`
	AltText string `json:"altText,omitempty"`
	// Container
	Items []Element `json:"items,omitempty"`
	// ActionSet
	Actions []CardAction `json:"actions,omitempty"`

	// Input.Text, Input.ChoiceSet
	Label        string   `json:"label,omitempty"`
	Placeholder  string   `json:"placeholder,omitempty"`
	IsRequired   bool     `json:"isRequired,omitempty"`
	ErrorMessage string   `json:"errorMessage,omitempty"`
	Choices      []Choice `json:"choices,omitempty"`

	// Table (1.5)
	Columns          []TableColumn `json:"columns,omitempty"`
	Rows             []TableRow    `json:"rows,omitempty"`
	FirstRowAsHeader bool          `json:"firstRowAsHeader,omitempty"`
	GridStyle        string        `json:"gridStyle,omitempty"`
}

// TextRun is one run of a RichTextBlock. Its text is never interpreted as
// Markdown, which is why the renderer uses runs rather than TextBlock
// Markdown: Teams clients disagree on Markdown escapes, runs need none.
type TextRun struct {
	Type         string      `json:"type"`
	Text         string      `json:"text"`
	Size         string      `json:"size,omitempty"`
	Weight       string      `json:"weight,omitempty"`
	Italic       bool        `json:"italic,omitempty"`
	FontType     string      `json:"fontType,omitempty"`
	Color        string      `json:"color,omitempty"`
	IsSubtle     bool        `json:"isSubtle,omitempty"`
	Underline    bool        `json:"underline,omitempty"`
	SelectAction *CardAction `json:"selectAction,omitempty"`
}

// Fact is one line of a FactSet.
type Fact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// Choice is an option of an Input.ChoiceSet.
type Choice struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// CardAction is an Action.Submit or Action.OpenUrl.
type CardAction struct {
	Type  string         `json:"type"`
	Title string         `json:"title,omitempty"`
	URL   string         `json:"url,omitempty"`
	Style string         `json:"style,omitempty"`
	Data  map[string]any `json:"data,omitempty"`
	// Card is what an Action.ShowCard reveals.
	Card *SubCard `json:"card,omitempty"`
}

// RenderOptions tune Render.
type RenderOptions struct {
	// MaxBytes is the size budget of the card JSON; 0 means
	// DefaultMaxCardBytes.
	MaxBytes int
	// MaxInlineImageBytes bounds images given as bytes; 0 means
	// DefaultMaxInlineImageBytes.
	MaxInlineImageBytes int

	// tooLarge marks images given as bytes left out because their data
	// URI does not fit in what the card leaves of MaxBytes.
	tooLarge map[int]bool
}

// Render turns a neutral message into an Adaptive Card. Markdown in Title,
// Text and Context becomes rich-text runs (bold, italic, monospace, links);
// Fields become a FactSet; code blocks monospace containers; buttons
// Action.Submit whose data comes back as a button click; a Form inputs and a
// submit button. A card larger than the budget is truncated (code blocks
// first, then text, fields and context) and says so in a note. Render is a
// pure function and safe for concurrent use.
func Render(m chat.Message, o RenderOptions) Card {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxCardBytes
	}
	if o.MaxInlineImageBytes <= 0 {
		o.MaxInlineImageBytes = DefaultMaxInlineImageBytes
	}
	card := render(m, o, false)
	size := cardSize(card)
	if o.tooLarge = imagesOverBudget(m, o, size); len(o.tooLarge) > 0 {
		card = render(m, o, false)
		size = cardSize(card)
	}
	if size <= o.MaxBytes {
		return card
	}
	// Shrink a copy of the message until the card fits. Each round cuts the
	// excess (plus room for the note) from the biggest remaining part, so
	// the loop ends after a few rounds; the last resort keeps the title.
	m = cloneForTruncation(m)
	resorts := 0
	for round := 0; round < 24 && size > o.MaxBytes; round++ {
		excess := size - o.MaxBytes + 512
		if !shrink(&m, excess) {
			resorts++
			m = lastResort(m, resorts > 1)
		}
		card = render(m, o, true)
		size = cardSize(card)
	}
	return card
}

func render(m chat.Message, o RenderOptions, truncated bool) Card {
	card := Card{
		Type:         "AdaptiveCard",
		Schema:       cardSchema,
		Version:      cardVersion,
		FallbackText: truncateRunes(chat.ReplaceEmojiShortcodes(m.PlainSummary()), 500),
		MSTeams:      &cardMSTeams{Width: "Full"},
	}
	if m.Title != "" {
		title := Element{Type: "RichTextBlock", Inlines: runs(m.Title, func(r *TextRun) {
			r.Size = "Large"
			r.Weight = "Bolder"
			if r.SelectAction == nil && chat.SafeURL(m.TitleLink) {
				r.SelectAction = &CardAction{Type: "Action.OpenUrl", URL: m.TitleLink}
				r.Color = "Accent"
			}
		})}
		header := Element{Type: "Container", Items: []Element{title}}
		if style := severityStyle(m.Severity); style != "" {
			header.Style = style
			header.Bleed = true
			header.Items = append(header.Items, Element{Type: "TextBlock", Text: strings.ToUpper(m.Severity.String()),
				Size: "Small", Weight: "Bolder", Color: severityColor(m.Severity), Spacing: "None"})
		}
		card.Body = append(card.Body, header)
	} else if style := severityStyle(m.Severity); style != "" {
		card.Body = append(card.Body, Element{Type: "Container", Style: style, Bleed: true, Items: []Element{{
			Type: "TextBlock", Text: strings.ToUpper(m.Severity.String()), Size: "Small", Weight: "Bolder",
			Color: severityColor(m.Severity)}}})
	}
	if strings.TrimSpace(m.Text) != "" {
		card.Body = append(card.Body, paragraphs(m.Text, nil)...)
	}
	if len(m.Fields) > 0 {
		fs := Element{Type: "FactSet"}
		for _, f := range m.Fields {
			fs.Facts = append(fs.Facts, Fact{Title: escapeMarkdown(chat.ReplaceEmojiShortcodes(f.Name)), Value: escapeMarkdown(chat.ReplaceEmojiShortcodes(f.Value))})
		}
		card.Body = append(card.Body, fs)
	}
	for _, cb := range m.CodeBlocks {
		card.Body = append(card.Body, codeElements(cb)...)
	}
	var notes []string
	for i, img := range m.Images {
		switch {
		case img.URL != "" && chat.SafeURL(img.URL):
			card.Body = append(card.Body, Element{Type: "Image", URL: img.URL, AltText: img.AltText})
		case o.tooLarge[i]:
			notes = append(notes, fmt.Sprintf("Image %s omitted: too large for a Teams message (%d KB).",
				nameOr(img.Name, img.AltText, "image"), (dataURILen(img)+1023)/1024))
		case len(img.Data) > 0 && inlineImageType(img.ContentType) && len(img.Data) <= o.MaxInlineImageBytes:
			uri := "data:" + img.ContentType + ";base64," + base64.StdEncoding.EncodeToString(img.Data)
			card.Body = append(card.Body, Element{Type: "Image", URL: uri, AltText: img.AltText})
		default:
			notes = append(notes, fmt.Sprintf("Image %s could not be shown in Teams.", nameOr(img.Name, img.AltText, "image")))
		}
	}
	for _, f := range m.Files {
		notes = append(notes, fmt.Sprintf("File %s (%d bytes) was not attached: bots cannot upload files to Teams channels.",
			nameOr(f.Name, f.Title, "file"), len(f.Data)))
	}
	if truncated {
		notes = append(notes, "This message was truncated to fit the Teams message size limit.")
	}
	for i, c := range m.Context {
		blocks := paragraphs(c, func(r *TextRun) { r.IsSubtle = true; r.Size = "Small" })
		if i == 0 && len(blocks) > 0 {
			blocks[0].Separator = true
		}
		card.Body = append(card.Body, blocks...)
	}
	for _, n := range notes {
		card.Body = append(card.Body, Element{Type: "RichTextBlock", Inlines: []TextRun{
			{Type: "TextRun", Text: n, Italic: true, Size: "Small", Color: "Warning"}}})
	}
	if m.Form != nil {
		card.Body = append(card.Body, formElements(m.Form)...)
	}
	for _, b := range m.Buttons {
		card.Actions = append(card.Actions, CardAction{
			Type:  "Action.Submit",
			Title: truncateRunes(nameOr(strings.TrimSpace(b.Label), b.ID, "Button"), 75),
			Style: buttonStyle(b.Style),
			Data:  map[string]any{submitMarker: "button", "id": b.ID, "value": b.Value},
		})
	}
	card.Actions = capActions(card.Actions)
	if len(card.Body) == 0 {
		// Teams rejects a card with an empty body.
		card.Body = []Element{{Type: "TextBlock", Text: " ", Wrap: true}}
	}
	return card
}

func formElements(f *chat.Form) []Element {
	box := Element{Type: "Container", Separator: true}
	if f.Title != "" {
		box.Items = append(box.Items, Element{Type: "RichTextBlock", Inlines: []TextRun{
			{Type: "TextRun", Text: f.Title, Weight: "Bolder"}}})
	}
	for _, ff := range f.Fields {
		label := ff.Label
		if label == "" {
			label = ff.ID
		}
		in := Element{ID: inputPrefix + ff.ID, Label: label, Placeholder: ff.Placeholder, IsRequired: ff.Required}
		if ff.Required {
			in.ErrorMessage = label + " is required"
		}
		if len(ff.Options) > 0 {
			in.Type = "Input.ChoiceSet"
			in.Style = "compact"
			for _, opt := range ff.Options {
				in.Choices = append(in.Choices, Choice{Title: opt, Value: opt})
			}
		} else {
			in.Type = "Input.Text"
		}
		box.Items = append(box.Items, in)
	}
	submit := f.SubmitLabel
	if submit == "" {
		submit = "Submit"
	}
	box.Items = append(box.Items, Element{Type: "ActionSet", Actions: []CardAction{{
		Type:  "Action.Submit",
		Title: truncateRunes(submit, 75),
		Style: "positive",
		Data:  map[string]any{submitMarker: "form", "id": f.ID, "value": f.Value},
	}}})
	return []Element{box}
}

// paragraphs renders neutral Markdown as one RichTextBlock per line, so
// bullets ("- " becomes "• ") and blank-line paragraph breaks get block
// spacing instead of depending on how a client treats newlines in a run.
// Code blocks, where splitting would cost an element per line, keep their
// newlines inside one monospace run.
func paragraphs(md string, style func(*TextRun)) []Element {
	var (
		out   []Element
		line  []TextRun
		blank bool
	)
	flush := func() {
		if len(line) == 0 {
			blank = true
			return
		}
		el := Element{Type: "RichTextBlock", Inlines: line}
		if len(out) > 0 && !blank {
			el.Spacing = "None"
		}
		out = append(out, el)
		line, blank = nil, false
	}
	for _, sp := range chat.ParseMarkdown(strings.TrimRight(md, "\n ")) {
		parts := strings.Split(sp.Text, "\n")
		for i, p := range parts {
			if i > 0 {
				flush()
			}
			if p == "" {
				continue
			}
			if len(line) == 0 && sp.Kind == chat.SpanText {
				if rest, ok := strings.CutPrefix(p, "- "); ok {
					p = "• " + rest
				}
			}
			r := spanRun(chat.Span{Kind: sp.Kind, Text: p, URL: sp.URL})
			if style != nil {
				style(&r)
			}
			line = append(line, r)
		}
	}
	flush()
	return out
}

func runs(md string, style func(*TextRun)) []TextRun {
	var out []TextRun
	for _, sp := range chat.ParseMarkdown(strings.ReplaceAll(md, "\n", " ")) {
		r := spanRun(sp)
		if style != nil {
			style(&r)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		out = []TextRun{{Type: "TextRun", Text: " "}}
	}
	return out
}

func spanRun(sp chat.Span) TextRun {
	r := TextRun{Type: "TextRun", Text: sp.Text}
	if sp.Kind != chat.SpanCode {
		// Slack-style shortcodes (":warning:") show literally in Teams.
		r.Text = chat.ReplaceEmojiShortcodes(r.Text)
	}
	switch sp.Kind {
	case chat.SpanBold:
		r.Weight = "Bolder"
	case chat.SpanItalic:
		r.Italic = true
	case chat.SpanCode:
		r.FontType = "Monospace"
	case chat.SpanLink:
		r.Color = "Accent"
		r.Underline = true
		r.SelectAction = &CardAction{Type: "Action.OpenUrl", URL: sp.URL}
	}
	return r
}

// escapeMarkdown escapes what Adaptive Card Markdown interprets in FactSet
// text, which (unlike rich-text runs) is Markdown-processed.
func escapeMarkdown(s string) string {
	const specials = "\\*_[]`~"
	const leading = "-+#>"
	if !strings.ContainsAny(s, specials) && (s == "" || strings.IndexByte(leading, s[0]) < 0) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if strings.ContainsRune(specials, r) || (i == 0 && strings.ContainsRune(leading, r)) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func severityStyle(s chat.Severity) string {
	switch s {
	case chat.SeverityInfo:
		return "accent"
	case chat.SeveritySuccess:
		return "good"
	case chat.SeverityWarning:
		return "warning"
	case chat.SeverityCritical:
		return "attention"
	default:
		return ""
	}
}

func severityColor(s chat.Severity) string {
	switch s {
	case chat.SeveritySuccess:
		return "Good"
	case chat.SeverityWarning:
		return "Warning"
	case chat.SeverityCritical:
		return "Attention"
	default:
		return "Accent"
	}
}

func buttonStyle(s chat.ButtonStyle) string {
	switch s {
	case chat.ButtonPrimary:
		return "positive"
	case chat.ButtonDanger:
		return "destructive"
	default:
		return ""
	}
}

func inlineImageType(ct string) bool {
	switch ct {
	case "image/png", "image/jpeg", "image/gif":
		return true
	}
	return false
}

func nameOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// imagesOverBudget returns the images given as bytes whose data URIs do
// not fit, in order, in what a card of size bytes (inline images not
// counted) leaves of the budget. Text is never cut to make room for a
// picture; a picture that does not fit is left out with a note.
func imagesOverBudget(m chat.Message, o RenderOptions, size int) map[int]bool {
	var out map[int]bool
	used := size
	for i, img := range m.Images {
		if (img.URL != "" && chat.SafeURL(img.URL)) || len(img.Data) == 0 || !inlineImageType(img.ContentType) ||
			len(img.Data) > o.MaxInlineImageBytes {
			continue
		}
		n := dataURILen(img)
		if used+n <= o.MaxBytes {
			used += n
			continue
		}
		if out == nil {
			out = map[int]bool{}
		}
		out[i] = true
	}
	return out
}

// dataURILen is the length of img's data: URI.
func dataURILen(img chat.Image) int {
	return len("data:;base64,") + len(img.ContentType) + base64.StdEncoding.EncodedLen(len(img.Data))
}

// cardSize is the size the truncation budget counts: the card JSON without
// inline images (imagesOverBudget fits those in what is left).
func cardSize(c Card) int {
	b, err := marshalJSON(c)
	if err != nil {
		return 0
	}
	n := len(b)
	for _, el := range c.Body {
		if el.Type == "Image" && strings.HasPrefix(el.URL, "data:") {
			n -= len(el.URL)
		}
	}
	return n
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// marshalJSON encodes v without HTML escaping: cards carry "<" and "&" in
// text, and \u003c would only inflate the size budget.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func attachment(c Card) []schema.Attachment {
	return []schema.Attachment{{ContentType: ContentTypeAdaptiveCard, Content: c}}
}
