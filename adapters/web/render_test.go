package web_test

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/web"
	"github.com/opschat/opschat/chat"
)

const (
	scriptTag = `<script>alert(1)</script>`
	imgTag    = `<img src=x onerror=alert(1)>`
)

// hostile puts markup in every part of a message.
func hostile() chat.Message {
	h := scriptTag + imgTag + `"'&`
	return chat.Message{
		Title:      h,
		TitleLink:  `javascript:alert(1)`,
		Text:       h + "\n- " + h + "\n[x](javascript:alert(1)) [y](https://e.example/\"><script>)",
		Fields:     []chat.Field{{Name: h, Value: h}},
		CodeBlocks: []chat.CodeBlock{{Caption: h, Content: h}},
		Images:     []chat.Image{{URL: `https://e.example/a.png" onerror="alert(1)`, AltText: h}, {Data: []byte("x"), ContentType: "image/svg+xml", Name: h}},
		Context:    []string{h},
		Buttons:    []chat.Button{{ID: h, Label: h, Value: h}},
		Form:       &chat.Form{ID: h, Title: h, SubmitLabel: h, Fields: []chat.FormField{{ID: h, Label: h, Placeholder: h, Options: []string{h}}}},
		Files:      []chat.File{{Name: h, Title: h, Data: []byte(h)}},
	}
}

// Every escaped text lacks raw "<", ">" and '"', so the markup splits
// into tags exactly at "<...>" and attribute values at quotes.
var (
	tagRE    = regexp.MustCompile(`<(/?)([a-zA-Z0-9]+)([^<>]*)>`)
	attrRE   = regexp.MustCompile(`\s([a-zA-Z-]+)(?:="([^"]*)")?`)
	safeTags = map[string]bool{"div": true, "span": true, "a": true, "p": true, "strong": true, "em": true, "code": true, "pre": true,
		"ul": true, "li": true, "br": true, "dl": true, "dt": true, "dd": true, "figure": true, "figcaption": true, "img": true,
		"button": true, "form": true, "label": true, "input": true, "select": true, "option": true, "details": true, "summary": true,
		"hr": true, "table": true, "tr": true, "th": true, "td": true, "blockquote": true, "s": true, "header": true}
)

// assertNoMarkupInjected checks that html holds only the renderer's own
// elements and attributes: no script, no event handler, no javascript:
// link, no image from anywhere but the adapter — the hostile text only in
// escaped form.
func assertNoMarkupInjected(t *testing.T, html string) {
	t.Helper()
	assert.Contains(t, html, "&lt;script&gt;alert(1)&lt;/script&gt;", "the hostile text is shown, escaped")
	rest := tagRE.ReplaceAllString(html, "")
	assert.NotContains(t, rest, "<", "a raw < outside a tag")
	assert.NotContains(t, rest, ">", "a raw > outside a tag")
	for _, m := range tagRE.FindAllStringSubmatch(html, -1) {
		tag := strings.ToLower(m[2])
		assert.True(t, safeTags[tag], "unexpected element <%s>", tag)
		for _, a := range attrRE.FindAllStringSubmatch(m[3], -1) {
			name, val := strings.ToLower(a[1]), a[2]
			assert.False(t, strings.HasPrefix(name, "on"), "event handler attribute %s", name)
			assert.NotEqual(t, "style", name)
			switch name {
			case "href":
				assert.Regexp(t, `^(https?:|mailto:|/files/)`, val)
			case "src":
				assert.Regexp(t, `^/files/`, val, "images come from the adapter only")
			}
		}
	}
}

func TestRenderHTMLEscapesEverything(t *testing.T) {
	t.Parallel()
	assertNoMarkupInjected(t, string(web.RenderHTML(hostile(), `m1"><script>`)))
}

func TestRenderHTMLParts(t *testing.T) {
	t.Parallel()
	h := string(web.RenderHTML(adaptertest.FullMessage(), "m7"))
	for _, want := range []string{
		`<a href="https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/HighErrors" target="_blank" rel="noopener noreferrer">`,
		`<strong>crossed</strong>`, `<em>greater</em>`, `<code>1.0</code>`,
		`<li>see <a href="https://example.com/runbook"`, `&lt;!channel&gt; must stay literal`,
		`<dt>Reason</dt><dd>&lt;@U123&gt; &amp; friends</dd>`,
		`<figcaption>Payload</figcaption>`,
		`<img class="image" src="/files/m7/0" alt="graph">`,
		`<button type="button" class="btn danger" data-message="m7" data-button="1">Cancel</button>`,
		`<form class="form" data-message="m7">`, `name="function-name"`, ` required>`,
		`<a href="/files/m7/1" download="output.json">output.json</a>`,
		`class="card sev-critical"`,
	} {
		assert.Contains(t, h, want)
	}
	assert.NotContains(t, h, `src="https://example.com/graph.png"`, "remote images are links, never fetched")
}

func TestViewsAreEscapedAndIsolated(t *testing.T) {
	var gotPayload bool
	a, err := web.New(web.WithViews(
		web.View{Name: "echo", Label: "Echo", Render: func(m chat.Message) (template.HTML, []byte, error) {
			gotPayload = true
			return template.HTML(`<p class="echo">` + template.HTMLEscapeString(m.Title) + `</p>`), []byte(fmt.Sprintf(`{"t":%q}`, m.Title)), nil
		}},
		web.View{Name: "broken", Label: "Broken", Render: func(chat.Message) (template.HTML, []byte, error) {
			return "", nil, errors.New(scriptTag)
		}},
		web.View{Name: "panics", Label: "Panics", Render: func(chat.Message) (template.HTML, []byte, error) {
			panic("boom")
		}},
	))
	require.NoError(t, err)
	ref, err := a.Send(context.Background(), a.Conversation(), hostile())
	require.NoError(t, err)
	require.True(t, gotPayload)
	tr := a.Transcript()
	require.Len(t, tr, 1)
	assert.Equal(t, ref, tr[0].Ref)
	html := renderedHTML(t, a)
	assertNoMarkupInjected(t, html)
	assert.Contains(t, html, `<div class="view" data-view="echo" hidden>`)
	assert.Contains(t, html, `Echo payload (JSON)`)
	assert.Contains(t, html, `Broken cannot render this message: &lt;script&gt;`)
	assert.Contains(t, html, `Panics cannot render this message: the renderer panicked`)
}

func renderedHTML(t *testing.T, a *web.Adapter) string {
	t.Helper()
	return web.LastHTML(a)
}
