package teams_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/teams"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
)

const testChannel = "19:a1b2c3d4e5f6@thread.tacv2"

func channelConv() chat.Conversation {
	return chat.Conversation{Platform: chat.PlatformTeams, WorkspaceID: "tenant-1", TeamID: "team-guid",
		ChannelID: testChannel, Type: chat.ConversationChannel}
}

func TestConformance(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T) *adaptertest.Harness {
		fc := newFakeConnector(t)
		logs := &logBuffer{}
		a := newTestAdapter(t, fc, logs)
		return &adaptertest.Harness{
			Sender:       a,
			Conversation: channelConv(),
			FailNext:     fc.FailNext,
			Posted:       fc.Posted,
			Secrets:      []string{testPassword, testToken},
			Logs:         logs.String,
		}
	})
}

func TestSendNewPostThenThreadReply(t *testing.T) {
	fc := newFakeConnector(t)
	a := newTestAdapter(t, fc, nil)
	ctx := context.Background()

	root, err := a.Send(ctx, channelConv(), chat.Message{Title: "root", Summary: "root summary"})
	require.NoError(t, err)
	assert.Empty(t, root.Conversation.ThreadID)

	reply, err := a.Send(ctx, root.Thread(), chat.Message{Text: "in thread"})
	require.NoError(t, err)
	assert.Equal(t, root.MessageID, reply.Conversation.ThreadID)

	posts := fc.Posts()
	require.Len(t, posts, 2)
	assert.True(t, posts[0].Create, "a channel post without thread creates a new conversation")
	assert.Equal(t, testChannel, posts[0].ConversationID)
	act := posts[0].Body["activity"].(map[string]any)
	assert.Equal(t, "message", act["type"])
	assert.Equal(t, "root summary", act["summary"])
	atts := act["attachments"].([]any)
	require.Len(t, atts, 1)
	assert.Equal(t, teams.ContentTypeAdaptiveCard, atts[0].(map[string]any)["contentType"])
	assert.Equal(t, "tenant-1", posts[0].Body["tenantId"])

	// The reply goes to the reply chain: "<channel>;messageid=<root>".
	assert.False(t, posts[1].Create)
	assert.Equal(t, testChannel+";messageid="+root.MessageID, posts[1].ConversationID)
	assert.Equal(t, root.MessageID, posts[1].Body["replyToId"])
}

func TestSendEncodedChannelID(t *testing.T) {
	fc := newFakeConnector(t)
	a := newTestAdapter(t, fc, nil)
	conv := channelConv()
	conv.ChannelID = "19%3aa1b2c3d4e5f6%40thread.tacv2" // as AWS Chatbot stores it
	ref, err := a.Send(context.Background(), conv, chat.Message{Text: "hi"})
	require.NoError(t, err)
	assert.Equal(t, testChannel, ref.Conversation.ChannelID)
	assert.Equal(t, testChannel, fc.Posts()[0].ConversationID)
}

func TestSendDirect(t *testing.T) {
	fc := newFakeConnector(t)
	a := newTestAdapter(t, fc, nil)
	conv := chat.Conversation{Platform: chat.PlatformTeams, ChannelID: "a:1xYz-personal", Type: chat.ConversationDirect}
	ref, err := a.Send(context.Background(), conv, chat.Message{Text: "hello"})
	require.NoError(t, err)
	assert.NotEmpty(t, ref.MessageID)
	posts := fc.Posts()
	require.Len(t, posts, 1)
	assert.Equal(t, "a:1xYz-personal", posts[0].ConversationID)
	assert.False(t, posts[0].Create)

	// Without a type, a personal conversation ID is still recognised.
	conv.Type = ""
	_, err = a.Send(context.Background(), conv, chat.Message{Text: "again"})
	require.NoError(t, err)
	posts = fc.Posts()
	require.Len(t, posts, 2)
	assert.False(t, posts[1].Create)
	assert.Equal(t, "a:1xYz-personal", posts[1].ConversationID)
}

func TestUpdateUsesReplyChain(t *testing.T) {
	fc := newFakeConnector(t)
	a := newTestAdapter(t, fc, nil)
	ctx := context.Background()
	root, err := a.Send(ctx, channelConv(), chat.Message{Text: "v1"})
	require.NoError(t, err)
	require.NoError(t, a.Update(ctx, root, chat.Message{Text: "v2"}))
	posts := fc.Posts()
	require.Len(t, posts, 2)
	assert.Equal(t, http.MethodPut, posts[1].Method)
	assert.Equal(t, testChannel+";messageid="+root.MessageID, posts[1].ConversationID)
	assert.Equal(t, root.MessageID, posts[1].ActivityID)
}

func TestTokenCachedAcrossSends(t *testing.T) {
	fc := newFakeConnector(t)
	a := newTestAdapter(t, fc, nil)
	for i := 0; i < 3; i++ {
		_, err := a.Send(context.Background(), channelConv(), chat.Message{Text: "x"})
		require.NoError(t, err)
	}
	fc.mu.Lock()
	assert.Equal(t, 1, fc.tokenCalls)
	fc.mu.Unlock()
}

func TestTokenEndpointUnreachableIsAnErrorNotAPanic(t *testing.T) {
	fc := newFakeConnector(t)
	// A closed port: the library's ConnectorClient dereferences a nil
	// response here; our token source returns a retryable error.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := "http://" + ln.Addr().String() + "/token"
	require.NoError(t, ln.Close())
	a := newTestAdapter(t, fc, nil, teams.WithTokenURL(dead))
	_, err = a.Send(context.Background(), channelConv(), chat.Message{Text: "x"})
	require.Error(t, err)
	ok, _ := chat.Retryable(err)
	assert.True(t, ok, "an unreachable token endpoint is a transient failure: %v", err)
	assert.NotContains(t, err.Error(), testPassword)
}

func TestTokenRejectedIsPermanent(t *testing.T) {
	fc := newFakeConnector(t)
	fc.tokenStatus = http.StatusUnauthorized
	a := newTestAdapter(t, fc, nil)
	_, err := a.Send(context.Background(), channelConv(), chat.Message{Text: "x"})
	require.Error(t, err)
	ok, _ := chat.Retryable(err)
	assert.False(t, ok)
	assert.Contains(t, err.Error(), "invalid_client")
	assert.NotContains(t, err.Error(), testPassword)
}

func TestTeamsRetryableStatuses(t *testing.T) {
	for _, status := range []int{412, 429, 502, 504} {
		fc := newFakeConnector(t)
		a := newTestAdapter(t, fc, nil)
		fc.FailNext(1, status, 2*time.Second)
		_, err := a.Send(context.Background(), channelConv(), chat.Message{Text: "x"})
		require.Error(t, err)
		ok, after := chat.Retryable(err)
		assert.True(t, ok, "HTTP %d", status)
		assert.Equal(t, 2*time.Second, after)
		var se *chat.SendError
		require.True(t, errors.As(err, &se))
		assert.Equal(t, status, se.StatusCode)
		assert.Contains(t, err.Error(), "Throttled", "the connector's error code is kept")
	}
}

func TestSendWithoutReferenceOrServiceURL(t *testing.T) {
	fc := newFakeConnector(t)
	a, err := teams.New(testAppID, testPassword, teams.WithTokenURL(fc.TokenURL()), teams.WithHTTPClient(fc.srv.Client()),
		teams.WithInsecureLoopbackServiceURL())
	require.NoError(t, err)
	_, err = a.Send(context.Background(), channelConv(), chat.Message{Text: "x"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "add the bot to the channel")
	ok, _ := chat.Retryable(err)
	assert.False(t, ok)
}

func TestSendUsesStoredReference(t *testing.T) {
	fc := newFakeConnector(t)
	store := memstore.New(nil)
	ref := teams.ConversationRef{ServiceURL: fc.URL(), TenantID: "tenant-9", ChannelID: testChannel, Type: chat.ConversationChannel}
	b, _ := json.Marshal(ref)
	require.NoError(t, store.Put(context.Background(), teams.NamespaceConversations, testChannel, b, 0))
	a, err := teams.New(testAppID, testPassword, teams.WithTokenURL(fc.TokenURL()), teams.WithHTTPClient(fc.srv.Client()),
		teams.WithStore(store), teams.WithInsecureLoopbackServiceURL())
	require.NoError(t, err)
	conv := channelConv()
	conv.WorkspaceID = ""
	_, err = a.Send(context.Background(), conv, chat.Message{Text: "x"})
	require.NoError(t, err)
	assert.Equal(t, "tenant-9", fc.Posts()[0].Body["tenantId"])
}

func TestNew(t *testing.T) {
	_, err := teams.New("", "pw")
	assert.Error(t, err)
	_, err = teams.New("id", "")
	assert.Error(t, err)
	a, err := teams.New("id", "pw")
	require.NoError(t, err)
	caps := a.Capabilities()
	assert.True(t, caps.Threads && caps.Updates && caps.Buttons && caps.Commands)
	assert.False(t, caps.Files)
	assert.Equal(t, chat.PlatformTeams, a.Platform())
}

func TestNormalizeChannelID(t *testing.T) {
	for in, want := range map[string]string{
		"19%3aabc%40thread.tacv2":  "19:abc@thread.tacv2",
		"19%3Aabc%40thread.skype":  "19:abc@thread.skype",
		"19:abc@thread.tacv2":      "19:abc@thread.tacv2",
		" 19:abc@thread.tacv2 ":    "19:abc@thread.tacv2",
		"19%zzbad":                 "19%zzbad",
		"":                         "",
		"19%3Aabc%40thread.tacv2x": "19:abc@thread.tacv2x",
	} {
		assert.Equal(t, want, teams.NormalizeChannelID(in), in)
	}
	assert.False(t, strings.Contains(teams.NormalizeChannelID("a%2Fb"), "%"))
}

func TestRevokedTokenIsRefreshedOnce(t *testing.T) {
	fc := newFakeConnector(t)
	a := newTestAdapter(t, fc, nil)
	_, err := a.Send(context.Background(), channelConv(), chat.Message{Text: "warm up"})
	require.NoError(t, err)

	fc.mu.Lock()
	fc.revoked = 1
	fc.mu.Unlock()
	_, err = a.Send(context.Background(), channelConv(), chat.Message{Text: "after revocation"})
	require.NoError(t, err)
	fc.mu.Lock()
	assert.Equal(t, 2, fc.tokenCalls, "a 401 fetches a new token")
	fc.revoked = 2
	fc.mu.Unlock()

	_, err = a.Send(context.Background(), channelConv(), chat.Message{Text: "still rejected"})
	require.Error(t, err)
	var se *chat.SendError
	require.True(t, errors.As(err, &se))
	assert.Equal(t, http.StatusUnauthorized, se.StatusCode)
	ok, _ := chat.Retryable(err)
	assert.False(t, ok, "a second 401 is a configuration problem")
}
