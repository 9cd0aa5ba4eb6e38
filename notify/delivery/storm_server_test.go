package delivery_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/delivery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slackArrivals is a loopback Slack Web API that speaks enough of
// chat.postMessage and chat.update for adapters/slack, and stamps each
// request with the test's clock when it arrives: the platform's view of the
// rate, not the limiter's.
type slackArrivals struct {
	clock interface{ Now() time.Time }
	srv   *httptest.Server

	mu      sync.Mutex
	seq     int
	posts   map[string][]time.Time // channel → arrival times
	all     []time.Time            // every post, for the workspace limit
	updates int
	ts      map[string]int // ts handed out → posts that got it
}

func newSlackArrivals(t testing.TB, clock interface{ Now() time.Time }) *slackArrivals {
	s := &slackArrivals{clock: clock, posts: map[string][]time.Time{}, ts: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *slackArrivals) serve(w http.ResponseWriter, r *http.Request) {
	at := s.clock.Now() // first: the moment Slack would count the call
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	channel := r.PostForm.Get("channel")
	w.Header().Set("Content-Type", "application/json")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.URL.Path {
	case "/api/chat.postMessage":
		s.seq++
		ts := fmt.Sprintf("1700000000.%06d", s.seq)
		s.posts[channel] = append(s.posts[channel], at)
		s.all = append(s.all, at)
		s.ts[ts]++
		fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, channel, ts)
	case "/api/chat.update":
		s.updates++
		fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, channel, r.PostForm.Get("ts"))
	default:
		fmt.Fprint(w, `{"ok":false,"error":"unknown_method"}`)
	}
}

// violations replays the arrivals through Slack's limits: per channel and
// for the workspace.
func (s *slackArrivals) violations(limits delivery.PlatformLimits) (channel, workspace int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ts := range s.posts {
		channel += bucketViolations(ts, limits.Channel)
	}
	return channel, bucketViolations(s.all, limits.Workspace)
}

// recorder keeps what each post carried, by the ts Slack answered, so the
// test can tell which alarms each arrival stood for.
type recorder struct {
	*slack.Adapter
	mu   sync.Mutex
	sent map[string]chat.Message
}

func (r *recorder) Send(ctx context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	ref, err := r.Adapter.Send(ctx, conv, m)
	r.record(ref, m, err)
	return ref, err
}

// Prepare records like Send: the embedded Adapter's Prepare would
// otherwise be promoted, and the LimitedSender would post through it
// without recording.
func (r *recorder) Prepare(ctx context.Context, conv chat.Conversation, m chat.Message) (func(context.Context) (chat.Ref, error), error) {
	post, err := r.Adapter.Prepare(ctx, conv, m)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (chat.Ref, error) {
		ref, err := post(ctx)
		r.record(ref, m, err)
		return ref, err
	}, nil
}

func (r *recorder) record(ref chat.Ref, m chat.Message, err error) {
	if err == nil {
		r.mu.Lock()
		r.sent[ref.MessageID] = m
		r.mu.Unlock()
	}
}

var _ delivery.Preparer = (*recorder)(nil)

// serverStorm is what the platform saw of a storm.
type serverStorm struct {
	posts, digests                  int
	channelViolations, wsViolations int
	updates                         int
	missing, duplicated             []string
	reposted                        int // arrivals sharing a ts: a post the adapter or a retry sent twice
}

// runServerStorm fires alarms alarms at channels channels at once through
// the router, the Dispatcher, a Deliverer with its defaults (Slack's limits
// less the default margin, digests) and adapters/slack posting to a
// loopback server, on a clock factor times faster than real time.
func runServerStorm(t *testing.T, alarms, channels int, factor float64) serverStorm {
	clock := scaledClock{start: time.Now(), factor: factor}
	srv := newSlackArrivals(t, clock)
	a, err := slack.New(slack.WithBotToken("xoxb-storm-test"), slack.WithAPIURL(srv.srv.URL+"/api/"))
	require.NoError(t, err)
	rec := &recorder{Adapter: a, sent: map[string]chat.Message{}}
	limiter := delivery.NewLimiter(delivery.LimitsWithMargin(nil, delivery.DefaultLimitMargin), clock)
	var gmu sync.Mutex
	grants := map[string][]time.Time{}
	limiter.OnGrant = func(conv chat.Conversation, at time.Time) {
		gmu.Lock()
		grants[conv.ChannelID] = append(grants[conv.ChannelID], at)
		gmu.Unlock()
	}
	d, err := delivery.New(memstore.New(nil), delivery.WithSender(chat.PlatformSlack, rec), delivery.WithClock(clock), delivery.WithLimiter(limiter))
	require.NoError(t, err)
	defer d.Close()
	disp, err := delivery.NewDispatcher(delivery.FromNotify(topicRouter(t, channels)), d, nil)
	require.NoError(t, err)

	ctx := context.Background()
	var wg sync.WaitGroup
	var failures atomic.Int32
	for i := range alarms {
		env := alarmEnvelope(fmt.Sprintf("m%05d", i), fmt.Sprintf("alarm-%05d", i), []string{"ALARM", "INSUFFICIENT_DATA"}[i%7/6])
		env.TopicARN = fmt.Sprintf("%s-%d", alertsTopic, i%channels)
		wg.Go(func() {
			if err := disp.HandleEnvelope(ctx, env); err != nil {
				failures.Add(1)
			}
		})
	}
	wg.Wait()
	require.Zero(t, failures.Load(), "every source answered with success")

	var res serverStorm
	var lags []time.Duration
	srv.mu.Lock()
	for ch, ts := range srv.posts {
		for i, at := range ts {
			if i < len(grants[ch]) {
				lags = append(lags, at.Sub(grants[ch][i]))
			}
		}
	}
	srv.mu.Unlock()
	slices.Sort(lags)
	t.Logf("grant→arrival lag (virtual): p50 %v p99 %v max %v", lags[len(lags)/2], lags[len(lags)*99/100], lags[len(lags)-1])
	res.channelViolations, res.wsViolations = srv.violations(delivery.DefaultLimits()[chat.PlatformSlack])
	srv.mu.Lock()
	res.posts, res.updates = len(srv.all), srv.updates
	for _, n := range srv.ts {
		res.reposted += n - 1
	}
	srv.mu.Unlock()
	// Every alarm once: by its own post or as an item of a posted digest.
	seen := map[string]int{}
	for _, m := range rec.sent {
		if len(m.Buttons) == 1 && m.Buttons[0].ID == delivery.DigestButtonID {
			res.digests++
			dg, err := d.Digest(ctx, m.Buttons[0].Value)
			require.NoError(t, err)
			for _, it := range dg.Items {
				seen[alarmName(it.Title)]++
			}
			continue
		}
		seen[alarmName(m.Title)]++
	}
	require.Len(t, rec.sent, res.posts, "each arrival is one recorded post")
	for i := range alarms {
		name := fmt.Sprintf("alarm-%05d", i)
		switch seen[name] {
		case 1:
		case 0:
			res.missing = append(res.missing, name)
		default:
			res.duplicated = append(res.duplicated, name)
		}
	}
	return res
}

// topicRouter routes topic "<alertsTopic>-<i>" to channel C<i>.
func topicRouter(tb testing.TB, channels int) *notify.Router {
	var subs []notify.Subscription
	for i := range channels {
		subs = append(subs, notify.Subscription{Name: fmt.Sprintf("cfg%d", i), TopicARNs: []string{fmt.Sprintf("%s-%d", alertsTopic, i)},
			Conversation: slackConv(fmt.Sprintf("C%03d", i)), LoggingLevel: notify.LogError})
	}
	router, err := notify.NewRouter(subs)
	require.NoError(tb, err)
	return router
}

// TestStormAtTheServer: a storm through the whole pipeline and the Slack
// adapter stays within Slack's limits as the server counts them (arrival
// times at a loopback Slack, not the limiter's grants), at real speed and
// on clocks 10 and 100 times faster (where a millisecond of scheduling
// delay weighs 10 or 100 ms), and every alarm reaches Slack exactly once,
// alone or in a digest. At real speed the storm is smaller (2,000 alarms
// for 60 channels, still over the 50/s workspace budget) to keep the test
// to a few seconds; under the race detector the storms are smaller.
func TestStormAtTheServer(t *testing.T) {
	if testing.Short() {
		t.Skip("storms take a few seconds")
	}
	tests := []struct {
		alarms, channels int
		factor           float64
	}{
		{2000, 60, 1},
		{10000, 100, 10},
		{10000, 100, 100},
	}
	if raceEnabled {
		// Routing under the race detector is slow enough that alarms
		// trickle in and channels post them one by one: smaller storms
		// that still fill the workspace budget and make digests.
		tests = []struct {
			alarms, channels int
			factor           float64
		}{{1000, 30, 1}, {2000, 50, 10}, {2000, 100, 100}}
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d-alarms-%d-channels-x%g", tt.alarms, tt.channels, tt.factor), func(t *testing.T) {
			res := runServerStorm(t, tt.alarms, tt.channels, tt.factor)
			assert.Empty(t, res.missing, "every alarm represented")
			assert.Empty(t, res.duplicated, "no alarm twice")
			assert.Zero(t, res.reposted, "no post arrived twice")
			assert.Zero(t, res.channelViolations, "posts over a channel's limit, as Slack counts them")
			assert.Zero(t, res.wsViolations, "posts over the workspace limit, as Slack counts them")
			assert.Zero(t, res.updates, "distinct alarms edit nothing")
			assert.Positive(t, res.digests)
			t.Logf("%d posts (%d digests); over the limit at the server: %d channel, %d workspace",
				res.posts, res.digests, res.channelViolations, res.wsViolations)
		})
	}
}
