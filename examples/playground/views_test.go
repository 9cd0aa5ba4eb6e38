package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/chat"
)

// hostileMessage puts markup in every part of a message.
func hostileMessage() chat.Message {
	h := `<script>alert(1)</script><img src=x onerror=alert(1)>"'&` + "`<b>`"
	return chat.Message{
		Title:      h,
		TitleLink:  "https://e.example/?q=\"><script>",
		Text:       h + "\n- " + h + " **" + h + "** [x](javascript:alert(1)) [y](https://e.example/\"><svg onload=alert(1)>)",
		Summary:    h,
		Severity:   chat.SeverityCritical,
		Fields:     []chat.Field{{Name: h, Value: h, Short: true}, {Name: "<!channel>", Value: "<@U1> <https://evil.example|click>"}},
		CodeBlocks: []chat.CodeBlock{{Caption: h, Content: h + "\n```\n" + h}},
		Images:     []chat.Image{{URL: "https://e.example/a.png\" onerror=\"alert(1)", AltText: h}, {Data: []byte("<svg onload=alert(1)>"), ContentType: "image/svg+xml", Name: h}},
		Context:    []string{h},
		Buttons:    []chat.Button{{ID: h, Label: h, Value: h}},
		Form:       &chat.Form{ID: h, Value: h, Title: h, SubmitLabel: h, Fields: []chat.FormField{{ID: h, Label: h, Placeholder: h, Required: true}, {ID: "opt", Label: h, Options: []string{h}}}},
		Files:      []chat.File{{Name: h, Title: h, Data: []byte(h)}},
	}
}

var (
	tagRE    = regexp.MustCompile(`<(/?)([a-zA-Z0-9]+)([^<>]*)>`)
	attrRE   = regexp.MustCompile(`\s([a-zA-Z-]+)(?:="([^"]*)")?`)
	safeTags = map[string]bool{"div": true, "span": true, "a": true, "p": true, "strong": true, "em": true, "code": true, "pre": true,
		"br": true, "s": true, "hr": true, "table": true, "tr": true, "th": true, "td": true, "button": true, "form": true,
		"label": true, "input": true, "select": true, "option": true, "details": true, "summary": true, "img": true}
)

// assertSafeHTML checks that h holds only the renderers' own elements and
// attributes: no script, no handler, no javascript: link, no image from
// the network.
func assertSafeHTML(t *testing.T, h string) {
	t.Helper()
	rest := tagRE.ReplaceAllString(h, "")
	assert.NotContains(t, rest, "<", "a raw < outside a tag")
	assert.NotContains(t, rest, ">", "a raw > outside a tag")
	for _, m := range tagRE.FindAllStringSubmatch(h, -1) {
		tag := strings.ToLower(m[2])
		assert.True(t, safeTags[tag], "unexpected element <%s>", tag)
		for _, a := range attrRE.FindAllStringSubmatch(m[3], -1) {
			name, val := strings.ToLower(a[1]), a[2]
			assert.False(t, strings.HasPrefix(name, "on"), "event handler attribute %s", name)
			assert.NotEqual(t, "style", name)
			switch name {
			case "href":
				assert.Regexp(t, `^(https?:|mailto:)`, val)
			case "src":
				assert.Regexp(t, `^data:image/(png|jpeg|gif);base64,`, val, "images only inline")
			}
		}
	}
}

func TestViewsEscapeHostileMessages(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"slack", "teams", "chime"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			view := map[string]func() (string, []byte, error){
				"slack": func() (string, []byte, error) {
					h, p, err := slackView().Render(hostileMessage())
					return string(h), p, err
				},
				"teams": func() (string, []byte, error) {
					h, p, err := teamsView().Render(hostileMessage())
					return string(h), p, err
				},
				"chime": func() (string, []byte, error) {
					h, p, err := chimeView().Render(hostileMessage())
					return string(h), p, err
				},
			}[v]
			h, payload, err := view()
			require.NoError(t, err)
			require.True(t, json.Valid(payload), "the payload is JSON")
			assertSafeHTML(t, h)
			assert.Contains(t, h, "&lt;script&gt;alert(1)&lt;/script&gt;", "the text is shown, escaped")
		})
	}
}

func TestSlackViewRendersBlockKit(t *testing.T) {
	t.Parallel()
	for _, c := range adaptertest.GoldenCases() {
		h, payload, err := slackView().Render(c.Msg)
		require.NoError(t, err, c.Name)
		assertSafeHTML(t, string(h))
		assert.Contains(t, string(payload), `"text"`, c.Name)
	}
	m := adaptertest.FullMessage()
	h, _, err := slackView().Render(m)
	require.NoError(t, err)
	s := string(h)
	for _, want := range []string{
		`<div class="attachment sev-critical">`,
		`🚨 <strong><a href="https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/HighErrors"`,
		`<strong>crossed</strong>`, `<em>greater</em>`, `<code>1.0</code>`,
		`<div class="section-fields">`,
		`&lt;!channel&gt; must stay literal`,
		`data-button="0"`, `data-button="1"`,
		`<details class="slack-modal">`, `name="function-name"`,
	} {
		assert.Contains(t, s, want)
	}
	assert.NotContains(t, s, `class="mention"`, "escaped text never becomes a mention")
}

func TestMrkdwnHTML(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"*bold* _it_ ~gone~ `co*de*`", "<strong>bold</strong> <em>it</em> <s>gone</s> <code>co*de*</code>"},
		{"<https://a.example/x?a=1&amp;b=2|the *label*>", `<a href="https://a.example/x?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">the <strong>label</strong></a>`},
		{"<javascript:alert(1)|x>", "&lt;javascript:alert(1)|x&gt;"},
		{"<!channel> hi <@U1>", `<span class="mention">!channel</span> hi <span class="mention">@U1</span>`},
		{"a &lt;b&gt; &amp; c", "a &lt;b&gt; &amp; c"},
		{"```\n<x>\n```", "<pre>&lt;x&gt;</pre>"},
		{"```open", "```open"},
		{"snake_case_word", "snake_case_word"},
		{":warning: x", "⚠️ x"},
		{"a\nb", "a<br>b"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, mrkdwnHTML(tt.in), tt.in)
	}
}

func TestTeamsViewRendersAdaptiveCard(t *testing.T) {
	t.Parallel()
	for _, c := range adaptertest.GoldenCases() {
		h, payload, err := teamsView().Render(c.Msg)
		require.NoError(t, err, c.Name)
		assertSafeHTML(t, string(h))
		assert.Contains(t, string(payload), `"AdaptiveCard"`, c.Name)
	}
	h, _, err := teamsView().Render(adaptertest.FullMessage())
	require.NoError(t, err)
	s := string(h)
	for _, want := range []string{
		`<form class="teams form-card">`, `<table class="ac-factset">`, `<th>Reason</th><td>&lt;@U123&gt; &amp; friends</td>`,
		`<strong>crossed</strong>`, `name="function-name"`, `<button type="submit"`, `data-button="0"`,
		`<img class="image" src="data:image/png;base64,`,
	} {
		assert.Contains(t, s, want)
	}
}

func TestChimeViewRendersMarkdownPosts(t *testing.T) {
	t.Parallel()
	h, payload, err := chimeView().Render(adaptertest.FullMessage())
	require.NoError(t, err)
	var posts []map[string]string
	require.NoError(t, json.Unmarshal(payload, &posts))
	require.NotEmpty(t, posts)
	assert.True(t, strings.HasPrefix(posts[0]["Content"], "/md "), "webhook bodies as Chime receives them")
	s := string(h)
	assert.Contains(t, s, `<strong><a href="https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/HighErrors"`)
	assert.Contains(t, s, `<pre>{`)
	assert.Contains(t, s, "Chime webhooks cannot receive clicks")

	long := chat.Message{CodeBlocks: []chat.CodeBlock{{Content: strings.Repeat("line of output\n", 1000)}}}
	h, payload, err = chimeView().Render(long)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(payload, &posts))
	assert.Greater(t, len(posts), 1, "split into several webhook posts")
	assert.Contains(t, string(h), "webhook post 1 of")
}

// FuzzMrkdwnHTML: whatever the text, the Slack view's mrkdwn rendering
// yields only its own tags.
func FuzzMrkdwnHTML(f *testing.F) {
	for _, s := range []string{"*a* _b_ `c` ~d~", "<https://x|y>", "<javascript:x|y>", "```a```", "\x000\x00`x`", "&lt;script&gt;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		assertSafeHTML(t, mrkdwnHTML(s))
		assertSafeHTML(t, chimeMarkdownHTML(s))
	})
}
