package teams_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
)

// Confirmations and prompts say "reply in this thread". Teams delivers a
// channel message to a bot only when it mentions the bot, unless the app has
// the resource-specific consent ChannelMessage.Read.Group: the example
// manifest declares it (with webApplicationInfo, which RSC requires, naming
// the bot's app ID), and a reply without a mention in a reply chain reaches
// the handler as KindThreadReply.
func TestManifestDeclaresChannelMessageRSC(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "teamsbot", "manifest.json"))
	require.NoError(t, err)
	var m struct {
		Bots []struct {
			BotID string `json:"botId"`
		} `json:"bots"`
		WebApplicationInfo struct {
			ID string `json:"id"`
		} `json:"webApplicationInfo"`
		Authorization struct {
			Permissions struct {
				ResourceSpecific []struct{ Name, Type string } `json:"resourceSpecific"`
			} `json:"permissions"`
		} `json:"authorization"`
	}
	require.NoError(t, json.Unmarshal(b, &m))
	require.NotEmpty(t, m.Bots)
	assert.Equal(t, m.Bots[0].BotID, m.WebApplicationInfo.ID, "RSC is granted to the bot's Entra app")
	assert.Contains(t, m.Authorization.Permissions.ResourceSpecific,
		struct{ Name, Type string }{"ChannelMessage.Read.Group", "Application"})
}

func TestInboundUnmentionedReplyInChannelThread(t *testing.T) {
	rig := newInboundRig(t)
	rig.listen()
	// A new post (the root of its own chain) without a mention is people
	// talking: RSC delivers it, the adapter does not pass it on.
	root := channelMessage(rig.fc.URL(), "lunch?", "aws")
	root["id"] = "1700000000077"
	root["conversation"].(map[string]any)["id"] = testChannel + ";messageid=1700000000077"
	delete(root, "entities")
	require.Equal(t, http.StatusOK, rig.post(root).Code)

	msg := channelMessage(rig.fc.URL(), "yes", "aws")
	msg["id"] = "1700000000055" // a reply in the chain rooted at 1700000000001
	delete(msg, "entities")
	rec := rig.post(msg)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	in := rig.next()
	assert.Equal(t, chat.KindThreadReply, in.Kind)
	assert.Equal(t, "yes", in.Text)
	assert.Equal(t, "1700000000001", in.Conversation.ThreadID)
	select {
	case in := <-rig.got:
		t.Fatalf("the unmentioned root post was passed on: %+v", in)
	case <-time.After(200 * time.Millisecond):
	}
}
