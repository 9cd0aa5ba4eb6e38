package main

import (
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"regexp"
	"strconv"
	"strings"

	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/adapters/web"
	"github.com/opschat/opschat/chat"
)

// slackView renders a message with the Slack adapter's own renderer and
// shows the Block Kit it produces, read back from its JSON: what Slack
// would receive, not what the message was.
func slackView() web.View {
	return web.View{Name: "slack", Label: "Slack", Render: func(m chat.Message) (template.HTML, []byte, error) {
		r, err := slack.Render(m)
		if err != nil {
			return "", nil, fmt.Errorf("slack render: %w", err)
		}
		payload, err := json.Marshal(r)
		if err != nil {
			return "", nil, fmt.Errorf("slack payload: %w", err)
		}
		h, err := blockKitHTML(payload, m)
		return h, payload, err
	}}
}

// The subset of the Block Kit JSON the Slack renderer produces.
type (
	slackPayload struct {
		Text        string            `json:"text"`
		Blocks      []slackBlock      `json:"blocks"`
		Attachments []slackAttachment `json:"attachments"`
		Uploads     []struct {
			Name string `json:"Name"`
		} `json:"uploads"`
	}
	slackAttachment struct {
		Color  string       `json:"color"`
		Blocks []slackBlock `json:"blocks"`
	}
	slackBlock struct {
		Type     string      `json:"type"`
		Text     *slackText  `json:"text"`
		Fields   []slackText `json:"fields"`
		Elements []slackElem `json:"elements"`
		ImageURL string      `json:"image_url"`
		AltText  string      `json:"alt_text"`
	}
	slackText struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	// slackElem is a context element (a text object) or an actions
	// element (a button): both have "type" and "text", as a string or an
	// object.
	slackElem struct {
		Type     string          `json:"type"`
		Text     json.RawMessage `json:"text"`
		ActionID string          `json:"action_id"`
		Value    string          `json:"value"`
		Style    string          `json:"style"`
		URL      string          `json:"url"`
	}
)

func blockKitHTML(payload []byte, m chat.Message) (template.HTML, error) {
	var p slackPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return "", fmt.Errorf("slack payload: %w", err)
	}
	var b strings.Builder
	b.WriteString(`<div class="slack">`)
	used := make([]bool, len(m.Buttons))
	writeBlocks(&b, p.Blocks, m, used)
	for _, a := range p.Attachments {
		// The bar's colour is the severity's (the CSP forbids inline
		// styles, so it is a class).
		b.WriteString(`<div class="attachment sev-` + m.Severity.String() + `">`)
		writeBlocks(&b, a.Blocks, m, used)
		b.WriteString(`</div>`)
	}
	for _, u := range p.Uploads {
		b.WriteString(`<p class="note">📎 uploaded with files.uploadV2: ` + esc(u.Name) + `</p>`)
	}
	b.WriteString(`</div>`)
	return template.HTML(b.String()), nil
}

func esc(s string) string { return html.EscapeString(s) }

func writeBlocks(b *strings.Builder, blocks []slackBlock, m chat.Message, used []bool) {
	for _, bl := range blocks {
		switch bl.Type {
		case "header":
			if bl.Text != nil {
				b.WriteString(`<div class="header">` + emoji(esc(bl.Text.Text)) + `</div>`)
			}
		case "section":
			b.WriteString(`<div class="section">`)
			if bl.Text != nil {
				b.WriteString(`<div>` + textObject(*bl.Text) + `</div>`)
			}
			if len(bl.Fields) > 0 {
				b.WriteString(`<div class="section-fields">`)
				for _, f := range bl.Fields {
					b.WriteString(`<div>` + textObject(f) + `</div>`)
				}
				b.WriteString(`</div>`)
			}
			b.WriteString(`</div>`)
		case "context":
			b.WriteString(`<div class="context-block">`)
			for i, e := range bl.Elements {
				if i > 0 {
					b.WriteString(" · ")
				}
				var t slackText
				if json.Unmarshal(mustObject(e), &t) == nil {
					b.WriteString(textObject(t))
				}
			}
			b.WriteString(`</div>`)
		case "actions":
			b.WriteString(`<div class="buttons">`)
			for _, e := range bl.Elements {
				writeSlackButton(b, e, m, used)
			}
			b.WriteString(`</div>`)
		case "image":
			// Offline: an image block is shown as its alt text and link.
			if chat.SafeURL(bl.ImageURL) {
				b.WriteString(`<p class="note">🖼 <a href="` + esc(bl.ImageURL) + `" target="_blank" rel="noopener noreferrer">` + esc(bl.AltText) + `</a></p>`)
			}
		case "divider":
			b.WriteString(`<hr class="divider">`)
		default:
			b.WriteString(`<p class="note">(` + esc(bl.Type) + ` block)</p>`)
		}
	}
}

// mustObject rebuilds a context element as a text object.
func mustObject(e slackElem) []byte {
	var s string
	if json.Unmarshal(e.Text, &s) != nil {
		return nil
	}
	out, _ := json.Marshal(slackText{Type: e.Type, Text: s})
	return out
}

// writeSlackButton draws a button. A button of the message (same action
// ID and value) is wired to it, so clicking it in this view works as in
// the web view; the form button opens the form below it, as Slack opens
// a modal.
func writeSlackButton(b *strings.Builder, e slackElem, m chat.Message, used []bool) {
	var label slackText
	_ = json.Unmarshal(e.Text, &label)
	cls := "slack-button"
	if e.Style == "primary" || e.Style == "danger" {
		cls += " " + e.Style
	}
	if e.ActionID == "opschat.form.open" && m.Form != nil {
		b.WriteString(`<details class="slack-modal"><summary class="` + cls + `">` + emoji(esc(label.Text)) + `</summary>` +
			web.FormHTML(m.Form, "") + `</details>`)
		return
	}
	if e.URL != "" && chat.SafeURL(e.URL) {
		b.WriteString(`<a class="` + cls + `" href="` + esc(e.URL) + `" target="_blank" rel="noopener noreferrer">` + esc(label.Text) + `</a>`)
		return
	}
	attr := ""
	for i, btn := range m.Buttons {
		if !used[i] && btn.ID == slack.ButtonID(e.ActionID) && btn.Value == e.Value {
			used[i] = true
			attr = ` data-button="` + strconv.Itoa(i) + `"`
			break
		}
	}
	b.WriteString(`<button type="button" class="` + cls + `"` + attr + `>` + emoji(esc(label.Text)) + `</button>`)
}

func textObject(t slackText) string {
	if t.Type == "mrkdwn" {
		return mrkdwnHTML(t.Text)
	}
	return emoji(esc(t.Text))
}

var (
	slackLink = regexp.MustCompile(`<([^<>]*)>`)
	boldRE    = regexp.MustCompile(`(^|[^\w*])\*([^*\n]+?)\*`)
	italicRE  = regexp.MustCompile(`(^|[^\w_])_([^_\n]+?)_`)
	strikeRE  = regexp.MustCompile(`(^|[^\w~])~([^~\n]+?)~`)
	codeRE    = regexp.MustCompile("`([^`\n]+)`")
	shortcode = regexp.MustCompile(`:([a-z0-9_+-]+):`)
)

var emojis = map[string]string{
	"rotating_light": "🚨", "warning": "⚠️", "white_check_mark": "✅", "information_source": "ℹ️",
	"x": "❌", "lock": "🔒", "paperclip": "📎", "hourglass_flowing_sand": "⏳", "bell": "🔔",
	"large_green_circle": "🟢", "red_circle": "🔴", "large_yellow_circle": "🟡",
}

func emoji(escaped string) string {
	return shortcode.ReplaceAllStringFunc(escaped, func(s string) string {
		if e, ok := emojis[strings.Trim(s, ":")]; ok {
			return e
		}
		return s
	})
}

// mrkdwnHTML renders Slack mrkdwn as Slack shows it. It is safe for any
// input: text is HTML-escaped before the formatting marks are turned into
// fixed tags, and only <http…|label> and <mailto:…> become links.
func mrkdwnHTML(s string) string {
	var b strings.Builder
	parts := strings.Split(s, "```")
	for i, part := range parts {
		if i%2 == 1 && i < len(parts)-1 {
			b.WriteString(`<pre>` + esc(unentity(strings.Trim(part, "\n"))) + `</pre>`)
			continue
		}
		if i%2 == 1 {
			part = "```" + part // an unclosed fence is literal
		}
		b.WriteString(mrkdwnInline(part))
	}
	return b.String()
}

func mrkdwnInline(s string) string {
	// Links become placeholders first, so that emphasis around a link
	// (*<url|title>*, as the renderer writes linked titles) pairs up.
	s = strings.NewReplacer("\x00", "", "\x01", "").Replace(s)
	var links []string
	s = slackLink.ReplaceAllStringFunc(s, func(m string) string {
		links = append(links, slackLinkHTML(m[1:len(m)-1]))
		return "\x01" + strconv.Itoa(len(links)-1) + "\x01"
	})
	t := formatText(s)
	for i, l := range links {
		t = strings.Replace(t, "\x01"+strconv.Itoa(i)+"\x01", l, 1)
	}
	return t
}

// slackLinkHTML renders the inside of <...>: a mention, a safe link, or
// literal text.
func slackLinkHTML(inner string) string {
	target, label, hasLabel := strings.Cut(inner, "|")
	switch {
	case strings.HasPrefix(target, "!") || strings.HasPrefix(target, "@") || strings.HasPrefix(target, "#"):
		return `<span class="mention">` + esc(inner) + `</span>`
	case chat.SafeURL(unentity(target)):
		if !hasLabel {
			label = target
		}
		return `<a href="` + esc(unentity(target)) + `" target="_blank" rel="noopener noreferrer">` + formatText(label) + `</a>`
	default:
		return esc("<" + inner + ">")
	}
}

// formatText renders the emphasis of plain mrkdwn text (no links).
func formatText(s string) string {
	t := esc(strings.ReplaceAll(unentity(s), "\x00", ""))
	// Code first: its inside is not formatted.
	var codes []string
	t = codeRE.ReplaceAllStringFunc(t, func(c string) string {
		codes = append(codes, "<code>"+c[1:len(c)-1]+"</code>")
		return "\x00" + strconv.Itoa(len(codes)-1) + "\x00"
	})
	t = boldRE.ReplaceAllString(t, "$1<strong>$2</strong>")
	t = italicRE.ReplaceAllString(t, "$1<em>$2</em>")
	t = strikeRE.ReplaceAllString(t, "$1<s>$2</s>")
	for i, c := range codes {
		t = strings.Replace(t, "\x00"+strconv.Itoa(i)+"\x00", c, 1)
	}
	t = strings.ReplaceAll(t, "\u200b", "")
	return emoji(strings.ReplaceAll(t, "\n", "<br>"))
}

// unentity undoes Slack's three escapes; the result is escaped for HTML
// again before it is shown.
func unentity(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}
