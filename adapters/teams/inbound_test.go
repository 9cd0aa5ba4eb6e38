package teams_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/teams"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
)

const (
	botID      = "28:" + testAppID
	tenantID   = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	teamThread = "19:teamgeneral0001@thread.tacv2"
	teamGroup  = "4f8e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
)

type inboundRig struct {
	t     *testing.T
	fc    *fakeConnector
	ti    *testIssuer
	a     *teams.Adapter
	store *memstore.Store
	logs  *logBuffer
	got   chan chat.Inbound
	reply func(ctx context.Context, in chat.Inbound, r chat.Replier) error
	pings int // activity IDs of listening()'s pings, each new (a repeated ID is a duplicate)
}

// newInboundRig builds an adapter on a fixed clock; opts come last, so
// they can override it (and its Store).
func newInboundRig(t *testing.T, opts ...teams.Option) *inboundRig {
	rig := &inboundRig{t: t, fc: newFakeConnector(t), ti: newTestIssuer(t), store: memstore.New(nil), logs: &logBuffer{},
		got: make(chan chat.Inbound, 8)}
	rig.a = newTestAdapter(t, rig.fc, rig.logs, append([]teams.Option{
		teams.WithStore(rig.store),
		teams.WithClock(func() time.Time { return fixedNow }),
		teams.WithValidatorOptions(
			teams.WithOpenIDMetadataURL(rig.ti.MetadataURL()),
			teams.WithValidatorHTTPClient(rig.ti.srv.Client())),
	}, opts...)...)
	return rig
}

// listen runs Listen until the test ends.
func (rig *inboundRig) listen() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- rig.a.Listen(ctx, chat.HandlerFunc(func(ctx context.Context, in chat.Inbound, r chat.Replier) error {
			if rig.reply != nil {
				if err := rig.reply(ctx, in, r); err != nil {
					return err
				}
			}
			rig.got <- in
			return nil
		}))
	}()
	rig.t.Cleanup(func() {
		cancel()
		assert.NoError(rig.t, <-done)
	})
	// Wait until Listen has registered, by posting nothing; ServeHTTP
	// answers 503 until then.
	require.Eventually(rig.t, func() bool {
		return rig.post(conversationUpdate(rig.fc.URL())).Code == http.StatusOK && rig.listening()
	}, 5*time.Second, 5*time.Millisecond)
}

func (rig *inboundRig) listening() bool {
	rig.pings++
	ping := personalMessage(rig.fc.URL(), "ping")
	ping["id"] = "ping-" + strconv.Itoa(rig.pings)
	rec := rig.post(ping)
	if rec.Code != http.StatusOK {
		return false
	}
	<-rig.got
	return true
}

func (rig *inboundRig) post(activity map[string]any) *httptest.ResponseRecorder {
	return rig.postWithToken(activity, rig.ti.token(rig.t, fixedNow, tokenSpec{ServiceURL: activity["serviceUrl"].(string)}))
}

func (rig *inboundRig) postWithToken(activity map[string]any, token string) *httptest.ResponseRecorder {
	body, err := json.Marshal(activity)
	require.NoError(rig.t, err)
	req := httptest.NewRequest(http.MethodPost, "/api/messages", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	rig.a.ServeHTTP(rec, req)
	return rec
}

func (rig *inboundRig) next() chat.Inbound {
	select {
	case in := <-rig.got:
		return in
	case <-time.After(5 * time.Second):
		rig.t.Fatal("no event reached the handler")
		return chat.Inbound{}
	}
}

func channelMessage(serviceURL, text, botName string) map[string]any {
	return map[string]any{
		"type":       "message",
		"id":         "1700000000001",
		"timestamp":  "2026-11-24T11:59:00.000Z",
		"serviceUrl": serviceURL,
		"channelId":  "msteams",
		"from":       map[string]any{"id": "29:user-jane", "name": "Jane Doe", "aadObjectId": "aad-jane"},
		"conversation": map[string]any{"isGroup": true, "conversationType": "channel", "tenantId": tenantID,
			"id": testChannel + ";messageid=1700000000001"},
		"recipient": map[string]any{"id": botID, "name": botName},
		"text":      text,
		"entities": []any{
			map[string]any{"type": "mention", "text": "<at>" + botName + "</at>", "mentioned": map[string]any{"id": botID, "name": botName}},
			map[string]any{"type": "clientInfo", "locale": "en-US"},
		},
		"channelData": map[string]any{
			"teamsChannelId": testChannel,
			"teamsTeamId":    teamThread,
			"channel":        map[string]any{"id": testChannel},
			"team":           map[string]any{"id": teamThread},
			"tenant":         map[string]any{"id": tenantID},
		},
	}
}

func personalMessage(serviceURL, text string) map[string]any {
	return map[string]any{
		"type":         "message",
		"id":           "1700000000009",
		"serviceUrl":   serviceURL,
		"channelId":    "msteams",
		"from":         map[string]any{"id": "29:user-jane", "name": "Jane Doe", "aadObjectId": "aad-jane"},
		"conversation": map[string]any{"conversationType": "personal", "tenantId": tenantID, "id": "a:1personal-jane"},
		"recipient":    map[string]any{"id": botID, "name": "aws"},
		"text":         text,
		"channelData":  map[string]any{"tenant": map[string]any{"id": tenantID}},
	}
}

func conversationUpdate(serviceURL string) map[string]any {
	return map[string]any{
		"type":         "conversationUpdate",
		"id":           "f:install-1",
		"serviceUrl":   serviceURL,
		"channelId":    "msteams",
		"from":         map[string]any{"id": "29:user-admin", "aadObjectId": "aad-admin"},
		"conversation": map[string]any{"isGroup": true, "conversationType": "channel", "tenantId": tenantID, "id": teamThread},
		"recipient":    map[string]any{"id": botID, "name": "aws"},
		"membersAdded": []any{map[string]any{"id": botID}},
		"channelData": map[string]any{
			"eventType": "teamMemberAdded",
			"team":      map[string]any{"id": teamThread, "name": "Ops", "aadGroupId": teamGroup},
			"tenant":    map[string]any{"id": tenantID},
		},
	}
}

func TestInboundMentionInChannel(t *testing.T) {
	rig := newInboundRig(t)
	rig.listen()
	for i, botName := range []string{"aws", "Ops Bot (prod)"} {
		msg := channelMessage(rig.fc.URL(), "<at>"+botName+"</at> cloudwatch describe-alarms --state-value ALARM&nbsp;\n", botName)
		msg["id"] = "170000000000" + strconv.Itoa(i+1) // a new activity each time (the same ID is a duplicate)
		rec := rig.post(msg)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		in := rig.next()
		assert.Equal(t, chat.KindMention, in.Kind)
		assert.Equal(t, "cloudwatch describe-alarms --state-value ALARM", in.Text, "bot mention %q stripped", botName)
		assert.Equal(t, chat.Conversation{Platform: chat.PlatformTeams, WorkspaceID: tenantID, TeamID: teamGroup,
			ChannelID: testChannel, ThreadID: "1700000000001", Type: chat.ConversationChannel}, in.Conversation,
			"the team's group ID was learnt from the install event")
		assert.Equal(t, chat.User{ID: "aad-jane", Name: "Jane Doe"}, in.User)
		assert.Equal(t, msg["id"], in.MessageID)
		assert.Equal(t, time.Date(2026, 11, 24, 11, 59, 0, 0, time.UTC), in.Time.UTC())
	}
}

func TestInboundOtherMentionsKept(t *testing.T) {
	rig := newInboundRig(t)
	rig.listen()
	msg := channelMessage(rig.fc.URL(), "<at>aws</at> ping <at>Bob</at> &amp; co", "aws")
	msg["entities"] = append(msg["entities"].([]any), map[string]any{"type": "mention", "text": "<at>Bob</at>",
		"mentioned": map[string]any{"id": "29:bob", "name": "Bob"}})
	require.Equal(t, http.StatusOK, rig.post(msg).Code)
	assert.Equal(t, "ping @Bob & co", rig.next().Text)
}

func TestInboundReplyGoesToReplyChain(t *testing.T) {
	rig := newInboundRig(t)
	rig.reply = func(ctx context.Context, in chat.Inbound, r chat.Replier) error {
		_, err := r.Reply(ctx, chat.Message{Text: "result"})
		return err
	}
	rig.listen()
	before := len(rig.fc.Posts())
	require.Equal(t, http.StatusOK, rig.post(channelMessage(rig.fc.URL(), "<at>aws</at> sts get-caller-identity", "aws")).Code)
	rig.next()
	posts := rig.fc.Posts()[before:]
	require.Len(t, posts, 1)
	assert.Equal(t, testChannel+";messageid=1700000000001", posts[0].ConversationID)
	assert.Equal(t, "1700000000001", posts[0].Body["replyToId"])
}

func TestInboundPersonalChat(t *testing.T) {
	rig := newInboundRig(t)
	rig.listen()
	require.Equal(t, http.StatusOK, rig.post(personalMessage(rig.fc.URL(), "lambda list-functions")).Code)
	in := rig.next()
	assert.Equal(t, chat.KindDirectMessage, in.Kind)
	assert.Equal(t, chat.ConversationDirect, in.Conversation.Type)
	assert.Equal(t, "a:1personal-jane", in.Conversation.ChannelID)
	assert.Equal(t, "lambda list-functions", in.Text)
}

func TestInboundButtonClickAndFormSubmit(t *testing.T) {
	rig := newInboundRig(t)
	rig.listen()
	click := channelMessage(rig.fc.URL(), "", "aws")
	click["entities"] = nil
	click["replyToId"] = "1700000000005"
	click["conversation"].(map[string]any)["id"] = testChannel + ";messageid=1700000000001"
	click["value"] = map[string]any{"opschat": "button", "id": "confirm", "value": "tok-123"}
	require.Equal(t, http.StatusOK, rig.post(click).Code)
	in := rig.next()
	assert.Equal(t, chat.KindButtonClick, in.Kind)
	require.NotNil(t, in.Action)
	assert.Equal(t, "confirm", in.Action.ID)
	assert.Equal(t, "tok-123", in.Action.Value)
	assert.Nil(t, in.Action.Values)
	assert.Equal(t, "1700000000005", in.Action.Message.MessageID)
	assert.Equal(t, "1700000000001", in.Action.Message.Conversation.ThreadID)

	form := channelMessage(rig.fc.URL(), "", "aws")
	form["id"] = "1700000000006"
	form["entities"] = nil
	form["replyToId"] = "1700000000001"
	form["value"] = map[string]any{"opschat": "form", "id": "prompt", "value": "tok-9",
		"input.function-name": "my-fn", "input.value": "x=1", "unrelated": "ignored"}
	require.Equal(t, http.StatusOK, rig.post(form).Code)
	in = rig.next()
	assert.Equal(t, chat.KindFormSubmit, in.Kind)
	assert.Equal(t, "prompt", in.Action.ID)
	assert.Equal(t, "tok-9", in.Action.Value)
	assert.Equal(t, map[string]string{"function-name": "my-fn", "value": "x=1"}, in.Action.Values)
	// The card is the root of its reply chain: its ref has no thread.
	assert.Equal(t, "", in.Action.Message.Conversation.ThreadID)
	assert.Equal(t, "1700000000001", in.Action.Message.MessageID)
}

func TestInboundIgnoresForeignSubmitAndUnmentionedRoot(t *testing.T) {
	rig := newInboundRig(t)
	rig.listen()
	foreign := channelMessage(rig.fc.URL(), "", "aws")
	foreign["entities"] = nil
	foreign["value"] = map[string]any{"id": "confirm", "value": "x"}
	assert.Equal(t, http.StatusOK, rig.post(foreign).Code)
	select {
	case in := <-rig.got:
		t.Fatalf("unexpected event %+v", in)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestInstallStoresConversationReference(t *testing.T) {
	rig := newInboundRig(t)
	rec := rig.post(conversationUpdate(rig.fc.URL()))
	require.Equal(t, http.StatusOK, rec.Code)
	refs, err := rig.a.Conversations(context.Background())
	require.NoError(t, err)
	require.Len(t, refs, 1)
	assert.Equal(t, teams.ConversationRef{ServiceURL: rig.fc.URL(), TenantID: tenantID, TeamID: teamGroup,
		TeamThreadID: teamThread, ChannelID: teamThread, Type: chat.ConversationChannel, BotID: botID,
		Updated: fixedNow}, refs[0])

	// A proactive notification to that channel uses the stored service URL
	// even though the adapter has no default.
	a2, err := teams.New(testAppID, testPassword, teams.WithTokenURL(rig.fc.TokenURL()), teams.WithInsecureLoopbackServiceURL(),
		teams.WithHTTPClient(rig.fc.srv.Client()), teams.WithStore(rig.store))
	require.NoError(t, err)
	ref, err := a2.Send(context.Background(), chat.Conversation{Platform: chat.PlatformTeams, ChannelID: teamThread,
		Type: chat.ConversationChannel}, chat.Message{Title: "ALARM"})
	require.NoError(t, err)
	assert.NotEmpty(t, ref.MessageID)
	posts := rig.fc.Posts()
	assert.Equal(t, tenantID, posts[len(posts)-1].Body["tenantId"])
}

func TestServeHTTPRejects(t *testing.T) {
	rig := newInboundRig(t)
	rig.listen()
	msg := channelMessage(rig.fc.URL(), "<at>aws</at> ec2 describe-instances", "aws")

	rec := rig.postWithToken(msg, "")
	assert.Equal(t, http.StatusUnauthorized, rec.Code)

	rec = rig.postWithToken(msg, rig.ti.token(t, fixedNow, tokenSpec{ServiceURL: rig.fc.URL(), Audience: "other-bot"}))
	assert.Equal(t, http.StatusUnauthorized, rec.Code)

	// A token for another service URL cannot redirect our replies (and our
	// access token) to an attacker's host.
	evil := channelMessage("https://attacker.example/", "<at>aws</at> x", "aws")
	rec = rig.postWithToken(evil, rig.ti.token(t, fixedNow, tokenSpec{ServiceURL: rig.fc.URL()}))
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	refs, err := rig.a.Conversations(context.Background())
	require.NoError(t, err)
	for _, r := range refs {
		assert.NotEqual(t, "https://attacker.example/", r.ServiceURL)
	}

	req := httptest.NewRequest(http.MethodGet, "/api/messages", nil)
	rec = httptest.NewRecorder()
	rig.a.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)

	rec = rig.postWithToken(map[string]any{"serviceUrl": rig.fc.URL()}, "not.a.jwt")
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.NotContains(t, rig.logs.String(), testToken)
	assert.NotContains(t, rig.logs.String(), testPassword)
}

func TestServeHTTPWithoutListener(t *testing.T) {
	rig := newInboundRig(t)
	rec := rig.post(channelMessage(rig.fc.URL(), "<at>aws</at> s3 ls", "aws"))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	// Install events need no listener.
	assert.Equal(t, http.StatusOK, rig.post(conversationUpdate(rig.fc.URL())).Code)
}

func TestListenTwice(t *testing.T) {
	rig := newInboundRig(t)
	rig.listen()
	err := rig.a.Listen(context.Background(), chat.HandlerFunc(func(context.Context, chat.Inbound, chat.Replier) error { return nil }))
	assert.ErrorIs(t, err, teams.ErrAlreadyListening)
}

func TestHandlerPanicIsContained(t *testing.T) {
	rig := newInboundRig(t)
	rig.listen()
	rig.reply = func(ctx context.Context, in chat.Inbound, r chat.Replier) error {
		if in.Text == "boom" {
			panic("handler bug")
		}
		return nil
	}
	require.Equal(t, http.StatusOK, rig.post(personalMessage(rig.fc.URL(), "boom")).Code)
	alive := personalMessage(rig.fc.URL(), "still alive")
	alive["id"] = "1700000000010"
	require.Equal(t, http.StatusOK, rig.post(alive).Code)
	assert.Equal(t, "still alive", rig.next().Text)
	require.Eventually(t, func() bool { return strings.Contains(rig.logs.String(), "handler panicked") }, 5*time.Second, 10*time.Millisecond)
}
