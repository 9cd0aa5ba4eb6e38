package adaptertest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
)

func TestCheckBlockKit(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 2990)
	tests := []struct {
		name    string
		payload string
		want    string // "" means valid; else a substring of the error
	}{
		{"valid", `{"text":"x","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"a &amp; <https://e.x/?a=1&amp;b=2|b>"}},
			{"type":"actions","elements":[{"type":"button","action_id":"a","text":{"type":"plain_text","text":"A"},"value":"v"},
			{"type":"button","action_id":"a#2","text":{"type":"plain_text","text":"B"},"style":"danger"}]}]}`, ""},
		{"section too long after escaping", `{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"` + long + `&amp;&amp;&amp;"}}]}`, "3005 characters"},
		{"unescaped ampersand", `{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"a & b"}}]}`, "unescaped '&'"},
		{"ping", `{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"<!channel>"}}]}`, "control sequence"},
		{"duplicate action_id across blocks", `{"blocks":[{"type":"actions","elements":[{"type":"button","action_id":"a","text":{"type":"plain_text","text":"A"}}]},
			{"type":"actions","elements":[{"type":"button","action_id":"a","text":{"type":"plain_text","text":"B"}}]}]}`, "unique in the message"},
		{"http image", `{"blocks":[{"type":"image","image_url":"http://e.x/g.png","alt_text":"g"}]}`, "not https"},
		{"uploaded image", `{"blocks":[{"type":"image","slack_file":{"id":"F0123"},"alt_text":"g"}]}`, ""},
		{"uploaded image without id", `{"blocks":[{"type":"image","slack_file":{},"alt_text":"g"}]}`, "exactly one of id and url"},
		{"two image sources", `{"blocks":[{"type":"image","image_url":"https://e.x/g.png","slack_file":{"id":"F1"},"alt_text":"g"}]}`, "one source"},
		{"header not plain", `{"blocks":[{"type":"header","text":{"type":"mrkdwn","text":"h"}}]}`, "requires plain_text"},
		{"header too long", `{"blocks":[{"type":"header","text":{"type":"plain_text","text":"` + strings.Repeat("h", 151) + `"}}]}`, "151 characters"},
		{"button text too long", `{"blocks":[{"type":"actions","elements":[{"type":"button","action_id":"a","text":{"type":"plain_text","text":"` + strings.Repeat("b", 76) + `"}}]}]}`, "76 characters"},
		{"button value too long", `{"blocks":[{"type":"actions","elements":[{"type":"button","action_id":"a","value":"` + strings.Repeat("v", 2001) + `","text":{"type":"plain_text","text":"B"}}]}]}`, "2001 characters"},
		{"empty text", `{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":""}}]}`, "at least one character"},
		{"unknown block", `{"blocks":[{"type":"carousel"}]}`, "carousel"},
		{"unknown top-level key", `{"text":"x","icon_emoji":":x:"}`, "unknown top-level key"},
		{"too many blocks in all", `{"blocks":[` + strings.Repeat(`{"type":"divider"},`, 30) + `{"type":"divider"}],"attachments":[{"color":"#fff","blocks":[` + strings.Repeat(`{"type":"divider"},`, 29) + `{"type":"divider"}]}]}`, "61 blocks"},
		{"eleven fields", `{"blocks":[{"type":"section","fields":[` + strings.Repeat(`{"type":"mrkdwn","text":"f"},`, 10) + `{"type":"mrkdwn","text":"f"}]}]}`, "11 fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := adaptertest.CheckBlockKit([]byte(tt.payload))
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, adaptertest.ErrInvalidPayload))
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	require.Error(t, adaptertest.CheckBlockKit([]byte("{")))
}

func TestCheckAdaptiveCard(t *testing.T) {
	t.Parallel()
	head := `{"type":"AdaptiveCard","$schema":"http://adaptivecards.io/schemas/adaptive-card.json","version":"1.5",`
	button := `{"type":"Action.Submit","title":"B","data":{"x":1}}`
	tests := []struct {
		name string
		card string
		want string
	}{
		{"valid", head + `"body":[{"type":"TextBlock","text":"t"},{"type":"RichTextBlock","inlines":[{"type":"TextRun","text":"r","selectAction":{"type":"Action.OpenUrl","url":"https://e.x"}}]},
			{"type":"Table","columns":[{"width":1},{"width":2}],"rows":[{"type":"TableRow","cells":[{"type":"TableCell","items":[{"type":"TextBlock","text":"a"}]},{"type":"TableCell","items":[{"type":"TextBlock","text":"b"}]}]}]},
			{"type":"Input.Text","id":"a","label":"A"}],
			"actions":[` + strings.Repeat(button+",", 5) + `{"type":"Action.ShowCard","title":"More","card":{"type":"AdaptiveCard","body":[{"type":"ActionSet","actions":[` + button + `]}]}}]}`, ""},
		{"seven actions", head + `"body":[],"actions":[` + strings.Repeat(button+",", 6) + button + `]}`, "7 actions"},
		{"secondary actions count too", head + `"body":[],"actions":[` + strings.Repeat(button+",", 6) + `{"type":"Action.Submit","title":"M","mode":"secondary"}]}`, "7 actions"},
		{"seven in an action set", head + `"body":[{"type":"ActionSet","actions":[` + strings.Repeat(button+",", 6) + button + `]}]}`, "7 actions"},
		{"table needs 1.5", strings.Replace(head, "1.5", "1.4", 1) + `"body":[{"type":"Table","columns":[{"width":1}],"rows":[]}]}`, "Table needs card version 1.5"},
		{"ragged table", head + `"body":[{"type":"Table","columns":[{"width":1},{"width":1}],"rows":[{"type":"TableRow","cells":[{"type":"TableCell","items":[{"type":"TextBlock","text":"a"}]}]}]}]}`, "1 cells for 2 columns"},
		{"unknown element", head + `"body":[{"type":"CodeBlock","codeSnippet":"x"}]}`, "not in schema 1.5"},
		{"unknown key", head + `"body":[],"summary":"x"}`, "unknown top-level key"},
		{"version too new", strings.Replace(head, "1.5", "1.6", 1) + `"body":[]}`, "not a version"},
		{"missing text", head + `"body":[{"type":"TextBlock"}]}`, "needs text"},
		{"open url without url", head + `"body":[],"actions":[{"type":"Action.OpenUrl","title":"x"}]}`, "needs url"},
		{"duplicate input id", head + `"body":[{"type":"Input.Text","id":"a"},{"type":"Input.Text","id":"a"}]}`, "repeats"},
		{"bad show card", head + `"body":[],"actions":[{"type":"Action.ShowCard","title":"More","card":{"type":"AdaptiveCard","body":[{"type":"Nope"}]}}]}`, "Nope"},
		{"button without title", head + `"body":[],"actions":[{"type":"Action.Submit"}]}`, "needs a title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := adaptertest.CheckAdaptiveCard([]byte(tt.card))
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, adaptertest.ErrInvalidPayload))
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
