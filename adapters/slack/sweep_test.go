package slack_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
)

// nsInline is the Store namespace of inline upload records (images.go).
const nsInline = "slack.inline-upload"

// orphanFile adds to the fake an inline upload of the bot's, shared nowhere,
// created age ago, whose record is still in store (its post never
// happened), and returns its ID.
func orphanFile(t *testing.T, e *env, key string, age time.Duration) string {
	t.Helper()
	require.Len(t, key, 16)
	require.NoError(t, e.store.Put(context.Background(), nsInline, key, []byte{1}, time.Hour*24*30))
	return e.fake.addFile(upload{Name: slack.InlineUploadPrefix + key + "-graph.png", Title: "graph", Created: time.Now().Add(-age)})
}

func TestSweepDeletesUploadLeftByCrash(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	e := newEnv(t, slack.WithStore(store))
	// The process uploads the graph and dies before its post: Prepare's
	// context never ends and the post function never runs.
	_, err := e.adapter.Prepare(ctx, channel, adaptertest.AlarmGraphMessage())
	require.NoError(t, err)
	require.Len(t, e.fake.uploaded(), 1)
	orphan := e.fake.uploaded()[0].ID

	// The restarted process shares the durable store.
	restarted, err := slack.New(slack.WithBotToken(testBotToken), slack.WithAPIURL(e.fake.apiURL()), slack.WithStore(store))
	require.NoError(t, err)

	n, err := restarted.SweepUploads(ctx, time.Hour)
	require.NoError(t, err)
	assert.Zero(t, n, "younger than the age: its post may still come")
	assert.Equal(t, []string{orphan}, e.fake.fileIDs())

	e.fake.backdate(2 * time.Hour)
	n, err = restarted.SweepUploads(ctx, time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Empty(t, e.fake.fileIDs())
	require.Len(t, e.fake.callsTo("files.delete"), 1)
	assert.Equal(t, orphan, e.fake.callsTo("files.delete")[0].Form.Get("file"))
	list := e.fake.callsTo("files.list")
	require.NotEmpty(t, list)
	assert.Equal(t, testBotUser, list[0].Form.Get("user"), "only the bot's own files are listed")
	assert.NotEmpty(t, list[0].Form.Get("ts_to"))

	recs, err := store.List(ctx, nsInline, "")
	require.NoError(t, err)
	assert.Empty(t, recs, "the record goes with the file")
	n, err = restarted.SweepUploads(ctx, time.Hour)
	require.NoError(t, err)
	assert.Zero(t, n)
}

func TestSweepDeletesUploadWhoseDeleteFailed(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.fake.failWith("chat.postMessage", "channel_not_found")
	e.fake.failWith("files.delete", "internal_error")
	_, err := e.adapter.Send(ctx, channel, adaptertest.AlarmGraphMessage())
	require.Error(t, err)
	require.Len(t, e.fake.uploaded(), 1, "the delete after the failed post failed too")

	e.fake.backdate(2 * time.Hour)
	n, err := e.adapter.SweepUploads(ctx, time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Empty(t, e.fake.uploaded())
}

// Slack lists a file an image block shows as shared nowhere: only the
// record tells it from an orphan. Every file here but the orphan must stay.
func TestSweepKeepsWhatIsNotAnOrphan(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	_, err := e.adapter.Send(ctx, channel, adaptertest.AlarmGraphMessage())
	require.NoError(t, err)
	require.Len(t, e.fake.uploaded(), 1)
	shown := e.fake.uploaded()[0]
	require.Regexp(t, `^opschat-inline-`, shown.Name)
	require.Empty(t, shown.Channel, "shown inline, not shared")
	e.fake.backdate(48 * time.Hour)

	old := 3 * time.Hour
	orphan := orphanFile(t, e, "00000000000000a1", old)
	kept := map[string]string{"shown by a posted message": shown.ID}
	withRecord := func(name, key string, u upload) {
		t.Helper()
		require.NoError(t, e.store.Put(ctx, nsInline, key, []byte{1}, time.Hour))
		u.Name = slack.InlineUploadPrefix + key + "-graph.png"
		u.Created = cmpTime(u.Created, time.Now().Add(-old))
		kept[name] = e.fake.addFile(u)
	}
	withRecord("shared to a channel", "00000000000000b1", upload{Channel: "C0001", Thread: "1700000000.000001"})
	withRecord("shared by a public link", "00000000000000b2", upload{Public: true})
	withRecord("another user's", "00000000000000b3", upload{User: "UOTHER"})
	withRecord("younger than the age", "00000000000000b4", upload{Created: time.Now().Add(-30 * time.Minute)})
	kept["without the marker"] = e.fake.addFile(upload{Name: "graph.png", Created: time.Now().Add(-old)})
	kept["marker but no record"] = e.fake.addFile(upload{Name: slack.InlineUploadPrefix + "00000000000000c1-graph.png", Created: time.Now().Add(-old)})
	kept["marker with a bad key"] = e.fake.addFile(upload{Name: slack.InlineUploadPrefix + "zz000000000000c1-graph.png", Created: time.Now().Add(-old)})

	n, err := e.adapter.SweepUploads(ctx, time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	left := e.fake.fileIDs()
	assert.NotContains(t, left, orphan)
	for name, id := range kept {
		assert.Contains(t, left, id, name)
	}
	deletes := e.fake.callsTo("files.delete")
	require.Len(t, deletes, 1)
	assert.Equal(t, orphan, deletes[0].Form.Get("file"))
}

func cmpTime(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

func TestSweepPages(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name            string
		orphans, others int
		deleted         []int // per call
		pages           bool  // files.list is read past its first page
	}{
		{name: "orphans spread over three pages", orphans: 40, others: 210, deleted: []int{40, 0}, pages: true},
		{name: "over the cap: the next call takes the rest", orphans: 130, others: 20, deleted: []int{100, 30, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var want []string
			// Interleaved, newest first in files.list: orphans land on
			// every page.
			for i := range tt.orphans + tt.others {
				age := 2*time.Hour + time.Duration(i)*time.Second
				if i%((tt.orphans+tt.others)/tt.orphans) == 0 && len(want) < tt.orphans {
					want = append(want, orphanFile(t, e, fmt.Sprintf("%016x", i), age))
					continue
				}
				e.fake.addFile(upload{Name: fmt.Sprintf("report-%d.png", i), Created: time.Now().Add(-age)})
			}
			require.Len(t, want, tt.orphans)
			for i, wantN := range tt.deleted {
				n, err := e.adapter.SweepUploads(ctx, time.Hour)
				require.NoError(t, err)
				assert.Equal(t, wantN, n, "call %d", i+1)
			}
			left := e.fake.fileIDs()
			assert.Len(t, left, tt.others)
			for _, id := range want {
				assert.NotContains(t, left, id)
			}
			pages := map[string]bool{}
			for _, c := range e.fake.callsTo("files.list") {
				pages[c.Form.Get("page")] = true
			}
			if tt.pages {
				assert.True(t, pages["2"] && pages["3"], "paged through every page: %v", pages)
			}
		})
	}
}

func TestSweepMissingScope(t *testing.T) {
	e := newEnv(t)
	orphan := orphanFile(t, e, "00000000000000a1", 2*time.Hour)
	e.fake.failWith("files.list", "missing_scope")
	n, err := e.adapter.SweepUploads(context.Background(), time.Hour)
	require.Error(t, err)
	assert.ErrorIs(t, err, slack.ErrMissingScope)
	assert.Contains(t, err.Error(), "files:read")
	assert.NotContains(t, err.Error(), testBotToken)
	assert.Zero(t, n)
	assert.Equal(t, []string{orphan}, e.fake.fileIDs())
}

func TestSweepWaitsOutRateLimits(t *testing.T) {
	e := newEnv(t)
	orphanFile(t, e, "00000000000000a1", 2*time.Hour)
	orphanFile(t, e, "00000000000000a2", 2*time.Hour)
	e.fake.rateLimit("files.list", 1, time.Second)
	start := time.Now()
	n, err := e.adapter.SweepUploads(context.Background(), time.Hour)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), time.Second, "waited for Retry-After")
	assert.Equal(t, 2, n)
	assert.Len(t, e.fake.callsTo("files.list"), 2, "asked again after the wait")

	orphanFile(t, e, "00000000000000a3", 2*time.Hour)
	e.fake.rateLimit("files.delete", 1, time.Second)
	n, err = e.adapter.SweepUploads(context.Background(), time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Empty(t, e.fake.fileIDs())
}

func TestSweepStopsWhenContextEnds(t *testing.T) {
	e := newEnv(t)
	orphan := orphanFile(t, e, "00000000000000a1", 2*time.Hour)
	e.fake.rateLimit("files.list", 1, 60*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	n, err := e.adapter.SweepUploads(ctx, time.Hour)
	assert.Less(t, time.Since(start), 5*time.Second, "did not wait out the minute")
	assert.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, n)
	assert.Equal(t, []string{orphan}, e.fake.fileIDs())

	_, err = e.adapter.SweepUploads(ctx, time.Hour)
	assert.ErrorIs(t, err, context.Canceled, "an ended context does nothing")
}

func TestSweepRefusesShortAge(t *testing.T) {
	e := newEnv(t)
	orphan := orphanFile(t, e, "00000000000000a1", 2*time.Hour)
	_, err := e.adapter.SweepUploads(context.Background(), time.Minute)
	require.Error(t, err)
	assert.Equal(t, []string{orphan}, e.fake.fileIDs())
	assert.Empty(t, e.fake.callsTo("files.list"))
}

func TestWithUploadSweepOptions(t *testing.T) {
	tests := []struct {
		name  string
		every time.Duration
		age   time.Duration
		ok    bool
	}{
		{name: "off", ok: true},
		{name: "default age", every: time.Hour, ok: true},
		{name: "explicit age", every: time.Hour, age: 2 * time.Hour, ok: true},
		{name: "negative interval", every: -time.Second},
		{name: "age too short", every: time.Hour, age: time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := slack.New(slack.WithBotToken(testBotToken), slack.WithUploadSweep(tt.every, tt.age))
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}

// startListen runs e's Listen until the returned stop is called; stop
// returns once Listen has returned, failing the test if it does not.
func startListen(t *testing.T, e *env) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- e.adapter.Listen(ctx, chat.HandlerFunc(func(context.Context, chat.Inbound, chat.Replier) error { return nil }))
	}()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Error("Listen did not return")
		}
	}
	t.Cleanup(stop)
	return stop
}

// Listen runs the sweep while it runs and stops it before returning.
func TestListenRunsUploadSweep(t *testing.T) {
	e := newEnv(t, slack.WithAppToken(""), slack.WithUploadSweep(20*time.Millisecond, 0))
	orphan := orphanFile(t, e, "00000000000000a1", 2*time.Hour)
	stop := startListen(t, e)
	require.Eventually(t, func() bool { return len(e.fake.fileIDs()) == 0 }, 5*time.Second, 10*time.Millisecond)
	assert.NotContains(t, e.fake.fileIDs(), orphan)
	require.Eventually(t, func() bool {
		return len(e.fake.callsTo("files.list")) >= 2
	}, 5*time.Second, 10*time.Millisecond, "sweeps again")
	stop()
	calls := len(e.fake.callsTo("files.list"))
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, calls, len(e.fake.callsTo("files.list")), "no sweep after Listen returned")
	assert.Contains(t, e.logs.String(), "upload sweep deleted orphaned inline images")
}

// A sweep that fails is logged, and Listen keeps sweeping.
func TestListenLogsFailedSweep(t *testing.T) {
	e := newEnv(t, slack.WithAppToken(""), slack.WithUploadSweep(20*time.Millisecond, 0))
	e.fake.failWith("files.list", "missing_scope")
	stop := startListen(t, e)
	require.Eventually(t, func() bool { return len(e.fake.callsTo("files.list")) >= 2 }, 5*time.Second, 10*time.Millisecond)
	stop()
	assert.Contains(t, e.logs.String(), "upload sweep failed")
	assert.NotContains(t, e.logs.String(), testBotToken)
}

// An inline upload whose image block was cut to fit Slack's limits is
// attached instead; the unshown upload is deleted when the message is
// posted, not left for a sweep.
func TestPostDeletesInlineUploadCutByTruncation(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, slack.WithRenderOptions(slack.WithMaxBlockChars(500)))
	m := adaptertest.AlarmGraphMessage()
	m.Text = strings.Repeat("long reason ", 200)
	_, err := e.adapter.Send(ctx, channel, m)
	require.NoError(t, err)
	posts := e.fake.callsTo("chat.postMessage")
	require.Len(t, posts, 1)
	require.Empty(t, slackFileIDs(t, posts[0]), "the image block did not fit")

	deletes := e.fake.callsTo("files.delete")
	require.Len(t, deletes, 1)
	for _, u := range e.fake.uploaded() {
		assert.NotRegexp(t, `^opschat-inline-`, u.Name, "no unshown inline upload is left")
	}
	recs, err := e.store.List(ctx, nsInline, "")
	require.NoError(t, err)
	assert.Empty(t, recs)
}

// With OAuth, every installed workspace is swept with its own token.
func TestSweepEveryInstalledWorkspace(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, slack.WithOAuth(slack.OAuthConfig{ClientID: testClientID, ClientSecret: slack.NewSecret(testClientSK), RedirectURL: "https://bot.example.com/slack/oauth/callback"}))
	require.NoError(t, e.store.Put(ctx, "slack.install", "T0002", []byte(`{"team_id":"T0002","bot_token":"xoxb-installed-secret"}`), 0))
	require.NoError(t, e.store.Put(ctx, "slack.install", "T0003", []byte(`not json`), 0))
	orphanFile(t, e, "00000000000000a1", 2*time.Hour)
	n, err := e.adapter.SweepUploads(ctx, time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	var tokens []string
	for _, c := range e.fake.callsTo("auth.test") {
		tokens = append(tokens, c.Form.Get("token")+c.Auth)
	}
	require.Len(t, tokens, 2, "the bot token's workspace and T0002; the unreadable installation is skipped")
	assert.Contains(t, tokens[1], "xoxb-installed-secret")
	assert.Contains(t, e.logs.String(), "unreadable installation skipped")
}

// With the sweep on, installs are asked for files:read too; the package's
// default scopes are left as they are.
func TestUploadSweepAsksInstallsForFilesRead(t *testing.T) {
	before := slices.Clone(slack.DefaultBotScopes)
	oauth := slack.OAuthConfig{ClientID: testClientID, ClientSecret: slack.NewSecret(testClientSK), RedirectURL: "https://bot.example.com/slack/oauth/callback"}
	tests := []struct {
		name  string
		sweep bool
		want  bool
	}{
		{name: "sweep on", sweep: true, want: true},
		{name: "sweep off", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []slack.Option{slack.WithOAuth(oauth)}
			if tt.sweep {
				opts = append(opts, slack.WithUploadSweep(time.Hour, 0))
			}
			e := newEnv(t, opts...)
			srv := httptest.NewServer(e.adapter.HTTPHandler())
			t.Cleanup(srv.Close)
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := client.Get(srv.URL + slack.PathInstall)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			loc, err := url.Parse(resp.Header.Get("Location"))
			require.NoError(t, err)
			scopes := strings.Split(loc.Query().Get("scope"), ",")
			require.Contains(t, scopes, "chat:write")
			assert.Equal(t, tt.want, slices.Contains(scopes, "files:read"), "%v", scopes)
		})
	}
	assert.Equal(t, before, slack.DefaultBotScopes)
}

// orderedStore notes, for each inline record removed, how many messages the
// fake Slack had taken by then.
type orderedStore struct {
	*memstore.Store
	fake    func() int
	removed []int
}

func (s *orderedStore) Delete(ctx context.Context, namespace, key string) error {
	if namespace == nsInline {
		s.removed = append(s.removed, s.fake())
	}
	return s.Store.Delete(ctx, namespace, key)
}

// A process that dies right after Slack took the message must not leave a
// record by which a sweep would delete the image the message shows: the
// record goes before the post.
func TestInlineRecordGoesBeforeThePost(t *testing.T) {
	ctx := context.Background()
	st := &orderedStore{Store: memstore.New(nil)}
	e := newEnv(t, slack.WithStore(st))
	st.fake = e.fake.Posted
	_, err := e.adapter.Send(ctx, channel, adaptertest.AlarmGraphMessage())
	require.NoError(t, err)
	require.Equal(t, 1, e.fake.Posted())
	assert.Equal(t, []int{0}, st.removed, "removed once, before chat.postMessage")
	recs, err := st.List(ctx, nsInline, "")
	require.NoError(t, err)
	assert.Empty(t, recs)
	assert.Len(t, e.fake.uploaded(), 1, "the shown image stays")
}
