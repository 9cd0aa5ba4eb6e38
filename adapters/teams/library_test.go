package teams_test

import (
	"context"
	"testing"

	"github.com/infracloudio/msbotbuilder-go/connector/auth"
	"github.com/infracloudio/msbotbuilder-go/connector/client"
	"github.com/infracloudio/msbotbuilder-go/core"
	"github.com/infracloudio/msbotbuilder-go/core/activity"
	"github.com/infracloudio/msbotbuilder-go/schema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLibraryStillWorks exercises msbotbuilder-go v0.2.5 itself against the
// loopback connector with the bumped dependencies (golang-jwt/jwt v4.5.2,
// lestrrat-go/jwx v1.2.31, x/crypto v0.59.0): its own ConnectorClient gets a
// token and posts a proactive message. The library's own tests cannot run
// here: they call Microsoft's real token endpoint.
func TestLibraryStillWorks(t *testing.T) {
	fc := newFakeConnector(t)
	creds := auth.SimpleCredentialProvider{AppID: testAppID, Password: testPassword}
	cfg, err := client.NewClientConfig(creds, fc.TokenURL())
	require.NoError(t, err)
	cc, err := client.NewClient(cfg)
	require.NoError(t, err)
	bf := core.BotFrameworkAdapter{AdapterSetting: core.AdapterSetting{AppID: testAppID, AppPassword: testPassword,
		CredentialProvider: creds}, TokenValidator: auth.NewJwtTokenValidator(), Client: cc}
	ref := schema.ConversationReference{ServiceURL: fc.URL(), ChannelID: "msteams",
		Conversation: schema.ConversationAccount{ID: "a:personal"}}
	err = bf.ProactiveMessage(context.Background(), ref, activity.HandlerFuncs{
		OnMessageFunc: func(turn *activity.TurnContext) (schema.Activity, error) {
			return turn.SendActivity(activity.MsgOptionText("hello from the library"))
		},
	})
	require.NoError(t, err)
	posts := fc.Posts()
	require.Len(t, posts, 1)
	assert.Equal(t, "a:personal", posts[0].ConversationID)
	assert.Equal(t, "hello from the library", posts[0].Body["text"])
}
