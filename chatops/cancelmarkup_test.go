package chatops_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
)

// The command echoed in "Cancelled" is the user's text: a backtick in it
// must not end the code span and let the rest render as markup (a link
// posted under the bot's name).
func TestCancelledEchoCannotForgeMarkup(t *testing.T) {
	h := newHarness(t)
	got := h.say(t, "ec2 stop-instances --instance-ids \"i-1`[reset your password](https://evil.example)`\"")
	require.Equal(t, "Run this command?", got.Message.Title)
	reply := h.sayIn(t, got.Ref.Thread(), "U1", "cancel")
	require.Contains(t, reply.Message.Text, "Cancelled")
	for _, sp := range chat.ParseMarkdown(reply.Message.Text) {
		assert.NotEqual(t, chat.SpanLink, sp.Kind, "link forged in %q", reply.Message.Text)
	}
}
