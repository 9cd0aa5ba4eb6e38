package teams_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/teams"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
)

func (f *fakeConnector) tokenRequests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenCalls
}

// The bot's bearer token goes only to https service URLs; plain HTTP is
// accepted only for loopback hosts, and only with the explicitly insecure
// option.
func TestWithServiceURLMustBeHTTPS(t *testing.T) {
	tests := []struct {
		url      string
		loopback bool
		ok       bool
	}{
		{url: "https://smba.trafficmanager.net/teams/", ok: true},
		{url: "https://smba.trafficmanager.net/teams/", loopback: true, ok: true},
		{url: "http://smba.trafficmanager.net/teams/"},
		{url: "http://smba.trafficmanager.net/teams/", loopback: true},
		{url: "http://127.0.0.1:8080/"},
		{url: "http://127.0.0.1:8080/", loopback: true, ok: true},
		{url: "http://[::1]:8080/", loopback: true, ok: true},
		{url: "http://localhost:3978/", loopback: true, ok: true},
		{url: "http://LOCALHOST/", loopback: true, ok: true},
		{url: "http://127.0.0.2/", loopback: true},
		{url: "http://localhost.evil.example/", loopback: true},
		{url: "http://127.0.0.1.nip.io/", loopback: true},
		{url: "ws://127.0.0.1/", loopback: true},
		{url: "ftp://smba.trafficmanager.net/"},
		{url: "smba.trafficmanager.net/teams/"},
	}
	for _, tc := range tests {
		opts := []teams.Option{teams.WithServiceURL(tc.url)}
		if tc.loopback {
			opts = append(opts, teams.WithInsecureLoopbackServiceURL())
		}
		_, err := teams.New(testAppID, testPassword, opts...)
		if tc.ok {
			assert.NoError(t, err, "%s loopback=%v", tc.url, tc.loopback)
			continue
		}
		require.Error(t, err, "%s loopback=%v", tc.url, tc.loopback)
		assert.Contains(t, err.Error(), "WithServiceURL")
	}
	_, err := teams.New(testAppID, testPassword, teams.WithServiceURL("http://smba.trafficmanager.net/teams/"))
	assert.ErrorIs(t, err, teams.ErrInsecureServiceURL)
}

// A stored conversation reference with a plain-HTTP service URL (stored
// before this check existed, or by another replica) gets no token: the
// send fails permanently before any request is made.
func TestSendRefusesPlainHTTPStoredReference(t *testing.T) {
	fc := newFakeConnector(t)
	store := memstore.New(nil)
	ref := teams.ConversationRef{ServiceURL: fc.URL(), TenantID: "tenant-9", ChannelID: testChannel, Type: chat.ConversationChannel}
	b, err := json.Marshal(ref)
	require.NoError(t, err)
	require.NoError(t, store.Put(context.Background(), teams.NamespaceConversations, testChannel, b, 0))
	a, err := teams.New(testAppID, testPassword, teams.WithTokenURL(fc.TokenURL()), teams.WithHTTPClient(fc.srv.Client()),
		teams.WithStore(store))
	require.NoError(t, err)
	conv := channelConv()
	conv.WorkspaceID = ""
	_, err = a.Send(context.Background(), conv, chat.Message{Text: "x"})
	require.ErrorIs(t, err, teams.ErrInsecureServiceURL)
	var se *chat.SendError
	require.ErrorAs(t, err, &se)
	assert.False(t, se.Retryable)
	assert.Empty(t, fc.Posts())
	assert.Zero(t, fc.tokenRequests(), "no token is even fetched")
}

// An authenticated activity whose serviceUrl is plain HTTP is refused: its
// reference is not stored (later notifications would use it) and it is
// answered 400 before it could be handed to a listener (the reply would use
// it).
func TestServeHTTPRefusesPlainHTTPServiceURL(t *testing.T) {
	for name, loopback := range map[string]bool{"no option": false, "loopback option, remote host": true} {
		t.Run(name, func(t *testing.T) {
			rig := &inboundRig{t: t, fc: newFakeConnector(t), ti: newTestIssuer(t), store: memstore.New(nil),
				logs: &logBuffer{}, got: make(chan chat.Inbound, 8)}
			opts := []teams.Option{teams.WithTokenURL(rig.fc.TokenURL()), teams.WithHTTPClient(rig.fc.srv.Client()),
				teams.WithStore(rig.store), teams.WithLogger(rig.logs.Logger()),
				teams.WithClock(func() time.Time { return fixedNow }),
				teams.WithValidatorOptions(teams.WithOpenIDMetadataURL(rig.ti.MetadataURL()),
					teams.WithValidatorHTTPClient(rig.ti.srv.Client()))}
			svc := rig.fc.URL() // http://127.0.0.1:port/
			if loopback {
				opts = append(opts, teams.WithInsecureLoopbackServiceURL())
				svc = "http://smba.trafficmanager.net/teams/"
			}
			var err error
			rig.a, err = teams.New(testAppID, testPassword, opts...)
			require.NoError(t, err)
			for _, act := range []map[string]any{conversationUpdate(svc), channelMessage(svc, "<at>aws</at> s3 ls", "aws")} {
				rec := rig.post(act)
				assert.Equal(t, http.StatusBadRequest, rec.Code)
				assert.Contains(t, rec.Body.String(), "https")
			}
			refs, err := rig.a.Conversations(context.Background())
			require.NoError(t, err)
			assert.Empty(t, refs, "no reference stored")
			assert.Zero(t, rig.fc.tokenRequests())
			assert.Contains(t, rig.logs.String(), "insecure service URL")
		})
	}
}

func TestNewRefusesPlainHTTPTokenURL(t *testing.T) {
	_, err := teams.New("app-id", "app-password", teams.WithTokenURL("http://login.example.com/oauth2/v2.0/token"))
	require.Error(t, err)
	assert.ErrorIs(t, err, teams.ErrInsecureServiceURL)
	assert.NotContains(t, err.Error(), "app-password")
	_, err = teams.New("app-id", "app-password", teams.WithTokenURL("http://127.0.0.1:9/token"))
	assert.NoError(t, err, "loopback emulators stay usable")
}
