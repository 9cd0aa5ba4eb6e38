package web

import (
	"bytes"
	"encoding/json"
	"html"
	"html/template"
	"strconv"
	"strings"

	"github.com/opschat/opschat/chat"
)

// renderEntry renders one message version: the web view, then each
// platform view, each in a container the page shows or hides by the view
// switch. a.mu is held (entries are read only under it).
func (a *Adapter) renderEntry(e *entry) template.HTML {
	if e.fromMe {
		// What the user typed is not a platform payload: the same in
		// every view.
		return RenderHTML(e.msg, e.id)
	}
	var b strings.Builder
	b.WriteString(`<div class="view" data-view="web">`)
	b.WriteString(string(RenderHTML(e.msg, e.id)))
	b.WriteString(`</div>`)
	for _, v := range a.cfg.views {
		b.WriteString(`<div class="view" data-view="` + esc(v.Name) + `" hidden>`)
		h, payload, err := safeRender(v, e.msg)
		if err != nil {
			b.WriteString(`<p class="view-error">` + esc(v.Label) + ` cannot render this message: ` + esc(err.Error()) + `</p>`)
		} else {
			b.WriteString(string(h))
		}
		if len(payload) > 0 {
			var pretty bytes.Buffer
			if json.Indent(&pretty, payload, "", "  ") == nil {
				payload = pretty.Bytes()
			}
			b.WriteString(`<details class="payload"><summary>` + esc(v.Label) + ` payload (JSON)</summary>` +
				`<button type="button" class="copy">Copy</button><pre class="payload-json">` + esc(string(payload)) + `</pre></details>`)
		}
		b.WriteString(`</div>`)
	}
	return template.HTML(b.String())
}

// safeRender calls a host's view, turning a panic into an error: one bad
// view must not take the channel down.
func safeRender(v View, m chat.Message) (h template.HTML, payload []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errorString("the renderer panicked")
		}
	}()
	if v.Render == nil {
		return "", nil, errorString("no renderer")
	}
	return v.Render(m)
}

type errorString string

func (e errorString) Error() string { return string(e) }

func esc(s string) string { return html.EscapeString(s) }

// RenderHTML renders m as the web view shows it: escaped HTML, with buttons
// and form inputs the page's script wires to the inbound endpoint by
// message ID and index. Links are only http, https and mailto (as
// chat.ParseMarkdown keeps them) and open in a new tab without a referrer.
// Images given as URLs are links, not fetched: the page works offline and
// loads nothing from the payloads it shows. It is pure and safe for
// concurrent use.
func RenderHTML(m chat.Message, id string) template.HTML {
	var b strings.Builder
	b.WriteString(`<div class="card sev-` + m.Severity.String() + `">`)
	if m.Title != "" {
		b.WriteString(`<div class="title">`)
		if sev := severityMark(m.Severity); sev != "" {
			b.WriteString(`<span class="sev">` + sev + `</span> `)
		}
		if chat.SafeURL(m.TitleLink) {
			b.WriteString(`<a href="` + esc(m.TitleLink) + `" target="_blank" rel="noopener noreferrer">` + inlineHTML(plainSpans(m.Title)) + `</a>`)
		} else {
			b.WriteString(inlineHTML(m.Title))
		}
		b.WriteString(`</div>`)
	}
	if t := strings.TrimSpace(m.Text); t != "" {
		b.WriteString(`<div class="text">` + blockHTML(t) + `</div>`)
	}
	if len(m.Fields) > 0 {
		b.WriteString(`<dl class="fields">`)
		for _, f := range m.Fields {
			cls := "field"
			if f.Short {
				cls += " short"
			}
			b.WriteString(`<div class="` + cls + `"><dt>` + esc(f.Name) + `</dt><dd>` + esc(f.Value) + `</dd></div>`)
		}
		b.WriteString(`</dl>`)
	}
	for _, cb := range m.CodeBlocks {
		b.WriteString(`<figure class="code">`)
		if cb.Caption != "" {
			b.WriteString(`<figcaption>` + esc(cb.Caption) + `</figcaption>`)
		}
		b.WriteString(`<pre><code>` + esc(cb.Content) + `</code></pre></figure>`)
	}
	file := 0
	for _, img := range m.Images {
		alt := nameOr(img.AltText, nameOr(img.Name, "image"))
		switch {
		case len(img.Data) > 0 && len(img.Data) <= maxFileBytes && imageType(img.ContentType) != "":
			b.WriteString(`<img class="image" src="/files/` + esc(id) + `/` + strconv.Itoa(file) + `" alt="` + esc(alt) + `">`)
			file++
		case len(img.Data) > 0 && len(img.Data) <= maxFileBytes:
			b.WriteString(`<p class="note">Image <a href="/files/` + esc(id) + `/` + strconv.Itoa(file) + `" download>` + esc(alt) + `</a> (not shown: ` + esc(nameOr(img.ContentType, "unknown type")) + `)</p>`)
			file++
		case img.URL != "" && chat.SafeURL(img.URL):
			b.WriteString(`<p class="note">Image: <a href="` + esc(img.URL) + `" target="_blank" rel="noopener noreferrer">` + esc(alt) + `</a></p>`)
		}
	}
	for _, f := range m.Files {
		name := nameOr(f.Name, "file")
		if len(f.Data) > maxFileBytes {
			b.WriteString(`<p class="note">File ` + esc(name) + ` (` + strconv.Itoa(len(f.Data)) + ` bytes) is too large to keep.</p>`)
			continue
		}
		b.WriteString(`<div class="file"><a href="/files/` + esc(id) + `/` + strconv.Itoa(file) + `" download="` + esc(name) + `">` + esc(name) + `</a> <span class="size">` + strconv.Itoa(len(f.Data)) + ` bytes</span>`)
		file++
		if f.Title != "" {
			b.WriteString(` <span class="file-title">` + esc(f.Title) + `</span>`)
		}
		b.WriteString(`</div>`)
	}
	if len(m.Context) > 0 {
		b.WriteString(`<div class="context">`)
		for _, c := range m.Context {
			b.WriteString(`<div>` + inlineHTML(c) + `</div>`)
		}
		b.WriteString(`</div>`)
	}
	if len(m.Buttons) > 0 {
		b.WriteString(`<div class="buttons">`)
		for i, btn := range m.Buttons {
			b.WriteString(`<button type="button" class="btn ` + btn.Style.String() + `" data-message="` + esc(id) + `" data-button="` + strconv.Itoa(i) + `">` + esc(btn.Label) + `</button>`)
		}
		b.WriteString(`</div>`)
	}
	if f := m.Form; f != nil {
		b.WriteString(FormHTML(f, id))
	}
	b.WriteString(`</div>`)
	return template.HTML(b.String())
}

// FormHTML renders a form whose submission the page posts as a form event
// of message id. Views that show forms natively (an Adaptive Card's
// inputs) use it so that their forms work too.
func FormHTML(f *chat.Form, id string) string {
	var b strings.Builder
	b.WriteString(`<form class="form" data-message="` + esc(id) + `">`)
	if f.Title != "" {
		b.WriteString(`<div class="form-title">` + esc(f.Title) + `</div>`)
	}
	for _, ff := range f.Fields {
		label := nameOr(ff.Label, ff.ID)
		req := ""
		if ff.Required {
			req = " required"
			label += " *"
		}
		b.WriteString(`<label>` + esc(label) + ` `)
		if len(ff.Options) > 0 {
			b.WriteString(`<select name="` + esc(ff.ID) + `"` + req + `><option value=""></option>`)
			for _, o := range ff.Options {
				b.WriteString(`<option>` + esc(o) + `</option>`)
			}
			b.WriteString(`</select>`)
		} else {
			b.WriteString(`<input type="text" name="` + esc(ff.ID) + `" placeholder="` + esc(ff.Placeholder) + `"` + req + `>`)
		}
		b.WriteString(`</label>`)
	}
	b.WriteString(`<button type="submit" class="btn primary">` + esc(nameOr(f.SubmitLabel, "Submit")) + `</button></form>`)
	return b.String()
}

func severityMark(s chat.Severity) string {
	switch s {
	case chat.SeverityInfo:
		return "ℹ️"
	case chat.SeveritySuccess:
		return "✅"
	case chat.SeverityWarning:
		return "⚠️"
	case chat.SeverityCritical:
		return "🚨"
	}
	return ""
}

// plainSpans drops a title's own links so it can sit inside the title link
// (a link in a link is invalid HTML).
func plainSpans(md string) string {
	var b strings.Builder
	for _, sp := range chat.ParseMarkdown(md) {
		if sp.Kind == chat.SpanLink {
			b.WriteString(chat.EscapeMarkdown(sp.Text))
			continue
		}
		switch sp.Kind {
		case chat.SpanBold:
			b.WriteString("**" + chat.EscapeMarkdown(sp.Text) + "**")
		case chat.SpanItalic:
			b.WriteString("_" + chat.EscapeMarkdown(sp.Text) + "_")
		case chat.SpanCode:
			b.WriteString("`" + chat.EscapeMarkdown(sp.Text) + "`")
		default:
			b.WriteString(chat.EscapeMarkdown(sp.Text))
		}
	}
	return b.String()
}

// blockHTML renders neutral Markdown text: lines starting with "- " become
// a list, other lines paragraphs' lines.
func blockHTML(md string) string {
	var b strings.Builder
	inList := false
	for i, line := range strings.Split(md, "\n") {
		if item, ok := strings.CutPrefix(line, "- "); ok {
			if !inList {
				b.WriteString("<ul>")
				inList = true
			}
			b.WriteString("<li>" + inlineHTML(item) + "</li>")
			continue
		}
		if inList {
			b.WriteString("</ul>")
			inList = false
		} else if i > 0 {
			b.WriteString("<br>")
		}
		b.WriteString(inlineHTML(line))
	}
	if inList {
		b.WriteString("</ul>")
	}
	return b.String()
}

// inlineHTML renders the spans of one line of neutral Markdown.
func inlineHTML(md string) string {
	var b strings.Builder
	for _, sp := range chat.ParseMarkdown(md) {
		t := esc(sp.Text)
		switch sp.Kind {
		case chat.SpanBold:
			b.WriteString("<strong>" + t + "</strong>")
		case chat.SpanItalic:
			b.WriteString("<em>" + t + "</em>")
		case chat.SpanCode:
			b.WriteString("<code>" + t + "</code>")
		case chat.SpanLink:
			if chat.SafeURL(sp.URL) {
				b.WriteString(`<a href="` + esc(sp.URL) + `" target="_blank" rel="noopener noreferrer">` + t + `</a>`)
			} else {
				b.WriteString(t)
			}
		default:
			b.WriteString(strings.ReplaceAll(t, "\n", "<br>"))
		}
	}
	return b.String()
}
