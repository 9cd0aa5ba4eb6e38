package teams_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/teams"
	"github.com/opschat/opschat/chat"
)

// flakyTransport counts requests and fails them while down is set.
type flakyTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	down bool
	hits int
}

func (f *flakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.hits++
	down := f.down
	f.mu.Unlock()
	if down {
		return nil, errors.New("connection refused (test)")
	}
	return f.next.RoundTrip(r)
}

func (f *flakyTransport) set(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

func (f *flakyTransport) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits
}

// When the key set is stale and the metadata endpoint is down, the cached
// keys keep serving, and the validator does not retry the fetch on every
// request (one outbound fetch per inbound request during an outage).
func TestValidatorBacksOffWhenRefreshFails(t *testing.T) {
	ti := newTestIssuer(t)
	ft := &flakyTransport{next: ti.srv.Client().Transport}
	now := fixedNow
	v, err := teams.NewValidator(testAppID, teams.WithOpenIDMetadataURL(ti.MetadataURL()),
		teams.WithValidatorHTTPClient(&http.Client{Transport: ft}),
		teams.WithValidatorClock(func() time.Time { return now }))
	require.NoError(t, err)
	ctx := context.Background()
	_, err = v.Validate(ctx, "Bearer "+ti.token(t, now, tokenSpec{ServiceURL: testServiceURL}), testServiceURL, "msteams")
	require.NoError(t, err)

	now = now.Add(25 * time.Hour)
	ft.set(true)
	before := ft.count()
	for i := 0; i < 5; i++ {
		_, err = v.Validate(ctx, "Bearer "+ti.token(t, now, tokenSpec{ServiceURL: testServiceURL}), testServiceURL, "msteams")
		require.NoError(t, err, "stale keys keep serving during an outage")
	}
	assert.Equal(t, 1, ft.count()-before, "one refresh attempt, not one per request")

	// After the back-off the refresh is tried again and succeeds.
	ft.set(false)
	now = now.Add(2 * time.Minute)
	before = ft.count()
	_, err = v.Validate(ctx, "Bearer "+ti.token(t, now, tokenSpec{ServiceURL: testServiceURL}), testServiceURL, "msteams")
	require.NoError(t, err)
	assert.Equal(t, 2, ft.count()-before, "metadata and key set fetched again")
}

// With no key set loaded yet and the endpoint down, unauthenticated requests
// must not each trigger an outbound fetch; and the failure is an outage
// (ErrKeysUnavailable, HTTP 503 so the Bot Connector retries), not a
// rejected token.
func TestValidatorInitialOutage(t *testing.T) {
	ti := newTestIssuer(t)
	ft := &flakyTransport{next: ti.srv.Client().Transport, down: true}
	now := fixedNow
	v, err := teams.NewValidator(testAppID, teams.WithOpenIDMetadataURL(ti.MetadataURL()),
		teams.WithValidatorHTTPClient(&http.Client{Transport: ft}),
		teams.WithValidatorClock(func() time.Time { return now }))
	require.NoError(t, err)
	tok := ti.token(t, now, tokenSpec{ServiceURL: testServiceURL})
	for i := 0; i < 5; i++ {
		_, err = v.Validate(context.Background(), "Bearer "+tok, testServiceURL, "msteams")
		require.ErrorIs(t, err, teams.ErrKeysUnavailable)
		assert.NotErrorIs(t, err, teams.ErrUnauthorized)
	}
	assert.Equal(t, 1, ft.count(), "failed fetches are not retried on every request")

	ft.set(false)
	now = now.Add(time.Minute)
	_, err = v.Validate(context.Background(), "Bearer "+tok, testServiceURL, "msteams")
	require.NoError(t, err)
}

func TestServeHTTPKeyOutageIs503(t *testing.T) {
	rig := newInboundRig(t)
	rig.ti.srv.Close()
	rec := rig.postWithToken(channelMessage(rig.fc.URL(), "<at>aws</at> s3 ls", "aws"),
		rig.ti.token(t, fixedNow, tokenSpec{ServiceURL: rig.fc.URL()}))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
}

// A key that carries endorsements may only sign activities of the channels
// it names; an activity without a channelId is not one of them.
func TestValidatorEndorsementRequiresChannel(t *testing.T) {
	ti := newTestIssuer(t)
	now := fixedNow
	v := newTestValidator(t, ti, &now)
	tok := ti.token(t, now, tokenSpec{ServiceURL: testServiceURL})
	_, err := v.Validate(context.Background(), "Bearer "+tok, testServiceURL, "")
	require.ErrorIs(t, err, teams.ErrUnauthorized)
	assert.Contains(t, err.Error(), "endorsed")
	_, err = v.Validate(context.Background(), "Bearer "+tok, testServiceURL, "msteams")
	require.NoError(t, err)
}

// The HTTP client's own timeout (a slow token endpoint or connector) is a
// transient failure: a retryable *chat.SendError, not a plain error that
// looks like the caller's deadline.
func TestClientTimeoutIsRetryableSendError(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	a, err := teams.New(testAppID, testPassword, teams.WithTokenURL(srv.URL+"/token"), teams.WithServiceURL(srv.URL+"/"),
		teams.WithInsecureLoopbackServiceURL(),
		teams.WithHTTPClient(&http.Client{Timeout: 100 * time.Millisecond}))
	require.NoError(t, err)
	_, err = a.Send(context.Background(), chat.Conversation{Platform: chat.PlatformTeams, ChannelID: "19:c@thread.tacv2",
		Type: chat.ConversationChannel}, chat.Message{Text: "x"})
	require.Error(t, err)
	var se *chat.SendError
	require.ErrorAs(t, err, &se, "%v", err)
	assert.True(t, se.Retryable)
	assert.NotContains(t, err.Error(), testPassword)
}

// Every card fits the budget, whatever part of the message is big: a long
// button value (a confirmation carrying a long command) or a long title link
// used to survive every truncation round, and Teams rejects such a card.
func TestRenderAlwaysFitsBudget(t *testing.T) {
	big := strings.Repeat("v", 60000)
	for name, m := range map[string]chat.Message{
		"button value": {Title: "confirm", Text: "run it?", Buttons: []chat.Button{{ID: "ok", Label: "Run", Value: big}}},
		"button id":    {Title: "confirm", Buttons: []chat.Button{{ID: big, Label: "Run"}}},
		"title link":   {Title: "alarm", TitleLink: "https://console.aws.amazon.com/" + big},
	} {
		b, err := json.Marshal(teams.Render(m, teams.RenderOptions{}))
		require.NoError(t, err)
		assert.LessOrEqual(t, len(b), teams.DefaultMaxCardBytes, name)
		assert.Contains(t, string(b), "truncated to fit", name)
	}
	// Kept buttons are small in bytes but JSON escaping multiplies control
	// characters by six: the card still ends within a small budget.
	m := chat.Message{Title: "confirm", Buttons: []chat.Button{{ID: "ok", Label: "Run", Value: strings.Repeat("\x01", 2000)}}}
	b, err := json.Marshal(teams.Render(m, teams.RenderOptions{MaxBytes: 4096}))
	require.NoError(t, err)
	assert.LessOrEqual(t, len(b), 4096)
}

// A client that hangs up must not spoil a key refresh for everyone: an
// unknown kid from a cancelled request still loads the current key set, so
// a legitimately rotated key is accepted right after (the unknown-kid
// refresh is rate-limited to once a minute, so a spoiled one would reject
// the rotated key until the daily refresh).
func TestValidatorRefreshSurvivesCallerHangUp(t *testing.T) {
	ti := newTestIssuer(t)
	now := fixedNow
	v := newTestValidator(t, ti, &now)
	_, err := v.Validate(context.Background(), "Bearer "+ti.token(t, now, tokenSpec{ServiceURL: testServiceURL}), testServiceURL, "msteams")
	require.NoError(t, err)

	ti.addKey("key-2", testKeys(t)[1], "msteams")
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	bogus := ti.token(t, now, tokenSpec{ServiceURL: testServiceURL, Kid: "forged", Key: testKeys(t)[2]})
	_, err = v.Validate(gone, "Bearer "+bogus, testServiceURL, "msteams")
	require.Error(t, err)

	rotated := ti.token(t, now, tokenSpec{ServiceURL: testServiceURL, Kid: "key-2", Key: testKeys(t)[1]})
	_, err = v.Validate(context.Background(), "Bearer "+rotated, testServiceURL, "msteams")
	require.NoError(t, err)
}
