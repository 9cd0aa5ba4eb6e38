package main

import (
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/opschat/opschat/adapters/teams"
	"github.com/opschat/opschat/adapters/web"
	"github.com/opschat/opschat/chat"
)

// teamsView renders a message with the Teams adapter's renderer and draws
// the Adaptive Card it produces, read back from its JSON.
func teamsView() web.View {
	return web.View{Name: "teams", Label: "Teams", Render: func(m chat.Message) (template.HTML, []byte, error) {
		payload, err := json.Marshal(teams.Render(m, teams.RenderOptions{}))
		if err != nil {
			return "", nil, fmt.Errorf("teams payload: %w", err)
		}
		h, err := adaptiveCardHTML(payload, m)
		return h, payload, err
	}}
}

// The Teams renderer's input IDs carry this prefix (see adapters/teams).
const teamsInputPrefix = "input."

// The Adaptive Card JSON, read on its own terms (not through the Teams
// adapter's Go types) so that the view shows what is on the wire.
type (
	acCard struct {
		Type    string      `json:"type"`
		Body    []acElement `json:"body"`
		Actions []acAction  `json:"actions"`
	}
	acElement struct {
		Type             string      `json:"type"`
		ID               string      `json:"id"`
		Style            string      `json:"style"`
		Text             string      `json:"text"`
		Size             string      `json:"size"`
		Weight           string      `json:"weight"`
		IsSubtle         bool        `json:"isSubtle"`
		Inlines          []acRun     `json:"inlines"`
		Facts            []acFact    `json:"facts"`
		URL              string      `json:"url"`
		AltText          string      `json:"altText"`
		Items            []acElement `json:"items"`
		Actions          []acAction  `json:"actions"`
		Label            string      `json:"label"`
		Placeholder      string      `json:"placeholder"`
		IsRequired       bool        `json:"isRequired"`
		Choices          []acChoice  `json:"choices"`
		Rows             []acRow     `json:"rows"`
		FirstRowAsHeader bool        `json:"firstRowAsHeader"`
	}
	acRun struct {
		Text         string    `json:"text"`
		Size         string    `json:"size"`
		Weight       string    `json:"weight"`
		Italic       bool      `json:"italic"`
		FontType     string    `json:"fontType"`
		IsSubtle     bool      `json:"isSubtle"`
		SelectAction *acAction `json:"selectAction"`
	}
	acFact   struct{ Title, Value string }
	acChoice struct{ Title, Value string }
	acRow    struct {
		Cells []struct {
			Items []acElement `json:"items"`
		} `json:"cells"`
	}
	acAction struct {
		Type  string         `json:"type"`
		Title string         `json:"title"`
		URL   string         `json:"url"`
		Style string         `json:"style"`
		Mode  string         `json:"mode"`
		Data  map[string]any `json:"data"`
	}
)

func adaptiveCardHTML(payload []byte, m chat.Message) (template.HTML, error) {
	var card acCard
	if err := json.Unmarshal(payload, &card); err != nil {
		return "", fmt.Errorf("teams payload: %w", err)
	}
	c := cardWriter{m: m, used: make([]bool, len(m.Buttons))}
	hasInputs := containsInputs(card.Body)
	if hasInputs {
		// The card's inputs and its submit action form one HTML form, so
		// submitting it in this view works as in Teams.
		c.b.WriteString(`<form class="teams form-card">`)
	} else {
		c.b.WriteString(`<div class="teams">`)
	}
	c.elements(card.Body)
	c.actions(card.Actions)
	if hasInputs {
		c.b.WriteString(`</form>`)
	} else {
		c.b.WriteString(`</div>`)
	}
	return template.HTML(c.b.String()), nil
}

func containsInputs(els []acElement) bool {
	for _, e := range els {
		if strings.HasPrefix(e.Type, "Input.") || containsInputs(e.Items) {
			return true
		}
	}
	return false
}

type cardWriter struct {
	b    strings.Builder
	m    chat.Message
	used []bool
}

func (c *cardWriter) elements(els []acElement) {
	for _, e := range els {
		c.element(e)
	}
}

func (c *cardWriter) element(e acElement) {
	b := &c.b
	switch e.Type {
	case "TextBlock":
		// TextBlock and FactSet text is Markdown in Teams (the renderer
		// escapes literal text with backslashes, which Teams removes).
		b.WriteString(`<div class="` + textClasses(e.Size, e.Weight, e.IsSubtle) + `">` + mdInline(e.Text) + `</div>`)
	case "RichTextBlock":
		b.WriteString(`<div class="ac-richtext">`)
		for _, r := range e.Inlines {
			c.run(r)
		}
		b.WriteString(`</div>`)
	case "FactSet":
		b.WriteString(`<table class="ac-factset">`)
		for _, f := range e.Facts {
			b.WriteString(`<tr><th>` + mdInline(f.Title) + `</th><td>` + mdInline(f.Value) + `</td></tr>`)
		}
		b.WriteString(`</table>`)
	case "Container":
		cls := "ac-container"
		switch e.Style {
		case "attention", "warning", "good", "accent", "emphasis":
			cls += " ac-" + e.Style
		}
		b.WriteString(`<div class="` + cls + `">`)
		c.elements(e.Items)
		b.WriteString(`</div>`)
	case "Image":
		// Inline images come as data: URIs of raster types; anything else
		// is a link, never fetched (the page works offline).
		if isRasterDataURI(e.URL) {
			b.WriteString(`<img class="image" src="` + esc(e.URL) + `" alt="` + esc(e.AltText) + `">`)
		} else if chat.SafeURL(e.URL) {
			b.WriteString(`<p class="note">🖼 <a href="` + esc(e.URL) + `" target="_blank" rel="noopener noreferrer">` + esc(nameOr(e.AltText, "image")) + `</a></p>`)
		}
	case "Table":
		b.WriteString(`<table class="ac-table">`)
		for ri, r := range e.Rows {
			b.WriteString(`<tr>`)
			for _, cell := range r.Cells {
				tag := "td"
				if ri == 0 && e.FirstRowAsHeader {
					tag = "th"
				}
				b.WriteString(`<` + tag + `>`)
				c.elements(cell.Items)
				b.WriteString(`</` + tag + `>`)
			}
			b.WriteString(`</tr>`)
		}
		b.WriteString(`</table>`)
	case "ActionSet":
		c.actions(e.Actions)
	case "Input.Text":
		b.WriteString(`<label>` + esc(inputLabel(e)) + ` <input type="text" name="` + esc(strings.TrimPrefix(e.ID, teamsInputPrefix)) + `" placeholder="` + esc(e.Placeholder) + `"` + required(e) + `></label>`)
	case "Input.ChoiceSet":
		b.WriteString(`<label>` + esc(inputLabel(e)) + ` <select name="` + esc(strings.TrimPrefix(e.ID, teamsInputPrefix)) + `"` + required(e) + `><option value=""></option>`)
		for _, ch := range e.Choices {
			b.WriteString(`<option value="` + esc(ch.Value) + `">` + esc(ch.Title) + `</option>`)
		}
		b.WriteString(`</select></label>`)
	default:
		b.WriteString(`<p class="note">(` + esc(e.Type) + `)</p>`)
	}
}

func inputLabel(e acElement) string {
	if e.IsRequired {
		return e.Label + " *"
	}
	return e.Label
}

func required(e acElement) string {
	if e.IsRequired {
		return " required"
	}
	return ""
}

func (c *cardWriter) run(r acRun) {
	t := esc(r.Text)
	if r.FontType == "Monospace" {
		t = `<code>` + t + `</code>`
	}
	if r.Weight == "Bolder" {
		t = `<strong>` + t + `</strong>`
	}
	if r.Italic {
		t = `<em>` + t + `</em>`
	}
	cls := textClasses(r.Size, "", r.IsSubtle)
	if r.SelectAction != nil && r.SelectAction.Type == "Action.OpenUrl" && chat.SafeURL(r.SelectAction.URL) {
		t = `<a href="` + esc(r.SelectAction.URL) + `" target="_blank" rel="noopener noreferrer">` + t + `</a>`
	}
	c.b.WriteString(`<span class="` + cls + `">` + strings.ReplaceAll(t, "\n", "<br>") + `</span>`)
}

func textClasses(size, weight string, subtle bool) string {
	cls := "ac-text"
	switch size {
	case "Large", "ExtraLarge", "Medium":
		cls += " ac-large"
	case "Small":
		cls += " ac-small"
	}
	if weight == "Bolder" {
		cls += " ac-bolder"
	}
	if subtle {
		cls += " ac-subtle"
	}
	return cls
}

// actions draws a card's actions. Action.Submit of a message button is
// wired to that button; of the form, it submits the form.
func (c *cardWriter) actions(acts []acAction) {
	if len(acts) == 0 {
		return
	}
	b := &c.b
	b.WriteString(`<div class="ac-actions">`)
	var overflow []acAction
	for _, a := range acts {
		if a.Mode == "secondary" {
			overflow = append(overflow, a)
			continue
		}
		c.action(a)
	}
	if len(overflow) > 0 {
		// Teams puts secondary actions in a "…" menu.
		b.WriteString(`<details class="ac-overflow"><summary class="ac-action">…</summary>`)
		for _, a := range overflow {
			c.action(a)
		}
		b.WriteString(`</details>`)
	}
	b.WriteString(`</div>`)
}

func (c *cardWriter) action(a acAction) {
	b := &c.b
	cls := "ac-action"
	if a.Style == "positive" || a.Style == "destructive" {
		cls += " " + a.Style
	}
	switch a.Type {
	case "Action.OpenUrl":
		if chat.SafeURL(a.URL) {
			b.WriteString(`<a class="` + cls + `" href="` + esc(a.URL) + `" target="_blank" rel="noopener noreferrer">` + esc(a.Title) + `</a>`)
		}
	case "Action.Submit":
		kind, _ := a.Data["opschat"].(string)
		if kind == "form" {
			b.WriteString(`<button type="submit" class="` + cls + `">` + esc(a.Title) + `</button>`)
			return
		}
		id, _ := a.Data["id"].(string)
		value, _ := a.Data["value"].(string)
		attr := ""
		for i, btn := range c.m.Buttons {
			if !c.used[i] && btn.ID == id && btn.Value == value {
				c.used[i] = true
				attr = ` data-button="` + strconv.Itoa(i) + `"`
				break
			}
		}
		b.WriteString(`<button type="button" class="` + cls + `"` + attr + `>` + esc(a.Title) + `</button>`)
	default:
		b.WriteString(`<span class="note">(` + esc(a.Type) + `)</span>`)
	}
}

func isRasterDataURI(u string) bool {
	for _, p := range []string{"data:image/png;base64,", "data:image/jpeg;base64,", "data:image/gif;base64,"} {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	return false
}

func nameOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
