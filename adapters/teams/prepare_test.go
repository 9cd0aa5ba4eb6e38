package teams_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/teams"
	"github.com/opschat/opschat/chat"
)

// The method set of notify/delivery's Preparer.
var _ adaptertest.Preparer = (*teams.Adapter)(nil)

// TestPrepareThenPostSendsWhatSendSends is the golden equality of the two
// paths: for every golden message, as a new post, a reply and in a
// personal chat, Prepare followed by the post makes exactly the request
// Send makes and returns the same Ref.
func TestPrepareThenPostSendsWhatSendSends(t *testing.T) {
	reply := channelConv()
	reply.ThreadID = "1700000000001"
	personal := chat.Conversation{Platform: chat.PlatformTeams, ChannelID: "a:1xYz-personal", Type: chat.ConversationDirect}
	convs := map[string]chat.Conversation{"post": channelConv(), "reply": reply, "personal": personal}
	for _, c := range adaptertest.GoldenCases() {
		for where, conv := range convs {
			t.Run(c.Name+"/"+where, func(t *testing.T) {
				ctx := context.Background()
				viaSend := newFakeConnector(t)
				sent, sendErr := newTestAdapter(t, viaSend, nil).Send(ctx, conv, c.Msg)

				viaPrepare := newFakeConnector(t)
				post, err := newTestAdapter(t, viaPrepare, nil).Prepare(ctx, conv, c.Msg)
				require.NoError(t, err)
				posted, postErr := post(ctx)

				require.NoError(t, sendErr)
				assert.NoError(t, postErr)
				assert.Equal(t, sent, posted)
				require.Len(t, viaSend.Posts(), 1)
				assert.Equal(t, viaSend.Posts(), viaPrepare.Posts())
				assert.Equal(t, viaSend.tokenRequests(), viaPrepare.tokenRequests())
			})
		}
	}
}

// TestPrepareDoesAllButThePost: Prepare gets the access token, so that the
// function makes the one connector request and nothing else.
func TestPrepareDoesAllButThePost(t *testing.T) {
	fc := newFakeConnector(t)
	a := newTestAdapter(t, fc, nil)
	ctx := context.Background()
	post, err := a.Prepare(ctx, channelConv(), adaptertest.AlarmGraphMessage())
	require.NoError(t, err)
	assert.Equal(t, 1, fc.tokenRequests(), "the token is fetched before the slot")
	assert.Zero(t, fc.Posted())

	ref, err := post(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, fc.Posted())
	assert.Equal(t, 1, fc.tokenRequests(), "the post reuses it")
	assert.NotEmpty(t, ref.MessageID)
	_, err = post(ctx)
	require.ErrorIs(t, err, teams.ErrPostedTwice, "a second call would post a duplicate")
	assert.Equal(t, 1, fc.Posted())
}

// TestPrepareErrors: whatever keeps a message from being sent is reported
// by Prepare, before any slot, and nothing reaches the connector.
func TestPrepareErrors(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name      string
		ctx       context.Context
		conv      chat.Conversation
		opts      []teams.Option
		tokenFail bool
		wantIs    error
		wantMsg   string
	}{
		{name: "context ended", ctx: canceled, conv: channelConv(), wantIs: context.Canceled},
		{name: "no channel", conv: chat.Conversation{Platform: chat.PlatformTeams}, wantMsg: "no channel ID"},
		{name: "no service URL", conv: channelConv(), opts: []teams.Option{teams.WithServiceURL("")}, wantMsg: "no conversation reference"},
		{name: "token refused", conv: channelConv(), tokenFail: true, wantMsg: "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeConnector(t)
			if tt.tokenFail {
				fc.tokenStatus = http.StatusUnauthorized
			}
			a := newTestAdapter(t, fc, nil, tt.opts...)
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			post, err := a.Prepare(ctx, tt.conv, chat.Message{Text: "x"})
			require.Error(t, err)
			assert.Nil(t, post)
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
			}
			assert.Contains(t, err.Error(), tt.wantMsg)
			assert.NotContains(t, err.Error(), testPassword)
			assert.Zero(t, fc.Posted())
		})
	}
}
