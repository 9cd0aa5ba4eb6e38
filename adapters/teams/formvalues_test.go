package teams_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
)

// Form values are data, not chat text: they reach Action.Values exactly as
// the card submitted them. No HTML entity is decoded, no typographic quote
// is straightened, no mention is stripped, no space is trimmed, and numbers
// keep their digits.
func TestInboundFormValuesAreLiteral(t *testing.T) {
	rig := newInboundRig(t)
	rig.listen()
	values := map[string]any{
		"curly":    "“quoted” ‘single’",
		"entity":   "a &amp; b &lt;c&gt; &nbsp;",
		"mention":  "<at>aws</at> ec2 describe-instances",
		"spaces":   "  padded\tvalue \n second line  ",
		"backtick": "`code` --flag",
		"empty":    "",
		"null":     nil,
		"int":      1000000,
		"float":    0.1,
		"bool":     true,
		"object":   map[string]any{"k": "v"},
	}
	want := map[string]string{
		"curly":    "“quoted” ‘single’",
		"entity":   "a &amp; b &lt;c&gt; &nbsp;",
		"mention":  "<at>aws</at> ec2 describe-instances",
		"spaces":   "  padded\tvalue \n second line  ",
		"backtick": "`code` --flag",
		"empty":    "",
		"null":     "",
		"int":      "1000000",
		"float":    "0.1",
		"bool":     "true",
		"object":   `{"k":"v"}`,
	}
	data := map[string]any{"opschat": "form", "id": "prompt", "value": "tok-literal"}
	for k, v := range values {
		data["input."+k] = v
	}
	form := channelMessage(rig.fc.URL(), "", "aws")
	form["id"] = "act-literal"
	form["entities"] = nil
	form["value"] = data
	require.Equal(t, http.StatusOK, rig.post(form).Code)
	in := rig.next()
	require.Equal(t, chat.KindFormSubmit, in.Kind)
	require.NotNil(t, in.Action)
	assert.Equal(t, want, in.Action.Values)
	assert.Equal(t, "tok-literal", in.Action.Value)
}
