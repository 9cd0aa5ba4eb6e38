package teams_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/teams"
	"github.com/opschat/opschat/chat"
)

func checkGolden(t *testing.T, name string, card teams.Card) {
	t.Helper()
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(card))
	got := buf.String()
	assert.NoError(t, adaptertest.CheckAdaptiveCard([]byte(got)), "schema 1.5 rules")
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	assert.Equal(t, string(want), got)
}

func TestRenderGolden(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			checkGolden(t, tc.name, teams.Render(tc.msg, teams.RenderOptions{}))
		})
	}
}

func cardJSON(t *testing.T, c teams.Card) string {
	t.Helper()
	// As sent: without encoding/json's HTML escaping.
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(c))
	return strings.TrimSuffix(buf.String(), "\n")
}

func TestRenderFitsBudget(t *testing.T) {
	for _, tc := range goldenCases() {
		c := teams.Render(tc.msg, teams.RenderOptions{})
		s := cardJSON(t, c)
		// Inline images are outside the budget.
		for _, el := range c.Body {
			if strings.HasPrefix(el.URL, "data:") {
				s = strings.Replace(s, el.URL, "", 1)
			}
		}
		assert.LessOrEqual(t, len(s), teams.DefaultMaxCardBytes, tc.name)
	}
	c := teams.Render(caseNamed(t, "truncated_large"), teams.RenderOptions{})
	s := cardJSON(t, c)
	assert.Contains(t, s, "truncated to fit the Teams message size limit")
	assert.Contains(t, s, "… (truncated)")
	assert.Contains(t, s, `"id":"more"`, "buttons survive truncation")
	assert.Contains(t, s, "logs filter-log-events", "the title survives truncation")
}

func TestRenderSmallBudget(t *testing.T) {
	m := goldenCases()[0].msg
	m.Text = strings.Repeat("ünïcödé text ", 2000)
	c := teams.Render(m, teams.RenderOptions{MaxBytes: 4096})
	s := cardJSON(t, c)
	assert.LessOrEqual(t, len(s), 4096)
	assert.True(t, utf8.ValidString(s))
	assert.Contains(t, s, "truncated")
}

func TestRenderRejectsUnsafeLinks(t *testing.T) {
	c := teams.Render(chat.Message{
		Title: "x", TitleLink: "javascript:alert(1)",
		Text:   "[bad](javascript:alert(1)) [ok](https://example.com)",
		Images: []chat.Image{{URL: "javascript:alert(1)"}, {URL: "file:///etc/passwd"}},
	}, teams.RenderOptions{})
	s := cardJSON(t, c)
	assert.NotContains(t, s, `"url":"javascript:`)
	assert.NotContains(t, s, `"url":"file:`)
	assert.Contains(t, s, `"url":"https://example.com"`)
}

func TestRenderImages(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\nfake")
	c := teams.Render(chat.Message{Images: []chat.Image{
		{Data: png, ContentType: "image/png", AltText: "graph"},
		{Data: png, ContentType: "application/pdf", Name: "doc.pdf"},
		{Data: make([]byte, teams.DefaultMaxInlineImageBytes+1), ContentType: "image/png", Name: "huge.png"},
	}}, teams.RenderOptions{})
	s := cardJSON(t, c)
	assert.Contains(t, s, `"url":"data:image/png;base64,`)
	assert.Contains(t, s, "Image doc.pdf could not be shown")
	assert.Contains(t, s, "Image huge.png could not be shown")
}

func TestRenderEmptyMessage(t *testing.T) {
	c := teams.Render(chat.Message{}, teams.RenderOptions{})
	require.NotEmpty(t, c.Body, "Teams rejects cards with an empty body")
	assert.Equal(t, "AdaptiveCard", c.Type)
}

func TestRenderFormInputIDsCannotCollide(t *testing.T) {
	c := teams.Render(chat.Message{Form: &chat.Form{ID: "f", Value: "tok", Fields: []chat.FormField{
		{ID: "value", Required: true}, {ID: "id"},
	}}}, teams.RenderOptions{})
	s := cardJSON(t, c)
	assert.Contains(t, s, `"id":"input.value"`)
	assert.Contains(t, s, `"id":"input.id"`)
	assert.Contains(t, s, `"data":{"id":"f","opschat":"form","value":"tok"}`)
}

func FuzzRender(f *testing.F) {
	f.Add("**b** _i_ `c` [l](https://x.y)\n- item", "field_*[x]*", "code\n```", 2048)
	f.Add("", "", "", 0)
	f.Add(strings.Repeat("\\*", 100), "-", strings.Repeat("é", 5000), 1024)
	f.Fuzz(func(t *testing.T, text, field, code string, budget int) {
		if budget < 0 || budget > 1<<20 {
			budget = 0
		}
		m := chat.Message{Title: text, Text: text, Fields: []chat.Field{{Name: field, Value: field}},
			CodeBlocks: []chat.CodeBlock{{Content: code}}, Context: []string{text},
			Buttons: []chat.Button{{ID: field, Label: text, Value: code}}}
		c := teams.Render(m, teams.RenderOptions{MaxBytes: budget})
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("card does not marshal: %v", err)
		}
		if len(c.Body) == 0 {
			t.Fatal("empty body")
		}
		if budget >= 4096 && len(b) > budget {
			t.Fatalf("card of %d bytes for budget %d", len(b), budget)
		}
	})
}

func caseNamed(t *testing.T, name string) chat.Message {
	for _, tc := range goldenCases() {
		if tc.name == name {
			return tc.msg
		}
	}
	t.Fatalf("no golden case %q", name)
	return chat.Message{}
}

// Every notification type the formatter produces, as a card.
func TestRenderNotificationGoldens(t *testing.T) {
	for name, m := range notifyMessages(t) {
		t.Run(name, func(t *testing.T) {
			checkGolden(t, filepath.Join("notify", name), teams.Render(m, teams.RenderOptions{}))
		})
	}
}

func TestRenderHugeTitleAndField(t *testing.T) {
	c := teams.Render(chat.Message{Title: strings.Repeat("t", 100000),
		Fields: []chat.Field{{Name: "big", Value: strings.Repeat("v", 100000)}}}, teams.RenderOptions{})
	assert.LessOrEqual(t, len(cardJSON(t, c)), teams.DefaultMaxCardBytes)
	assert.Contains(t, cardJSON(t, c), "truncated to fit")
}
