package delivery_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opschat/opschat/adapters/fake"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/delivery"
	"github.com/opschat/opschat/store/boltstore"
	"github.com/stretchr/testify/require"
)

// BenchmarkPipeline measures envelopes per second through decode → route →
// format → dedup → per-channel queue → fake adapter, with no rate limit,
// each alarm going to one of 10 channels, over each Store (the in-memory
// one here; hosts' stores plug into benchPipeline). Every HandleEnvelope
// must return nil: the source would otherwise keep the message.
func BenchmarkPipeline(b *testing.B) {
	b.Run("memstore", func(b *testing.B) { benchPipeline(b, memstore.New(nil)) })
	// The durable default: every claim and delivered record is an fsync'd
	// transaction, coalesced across concurrent deliveries. Sources deliver
	// concurrently (SQS receives 10 at a time per poller, SNS sends
	// requests in parallel), modelled by 32 handlers per core.
	//
	// Each source waits for two commits (its claims, then its delivered
	// marks and new thread anchors), shared with every other source's
	// writes, so throughput is about sources / (2 × commit latency); no
	// channel waits for a commit. The commits/notif and writes/commit
	// metrics show the sharing.
	for _, par := range []int{32, 128} {
		b.Run(fmt.Sprintf("bolt-parallel%d", par), func(b *testing.B) {
			var commits commitLog
			st, err := boltstore.Open(filepath.Join(b.TempDir(), "state.db"), boltstore.WithSweepInterval(-1),
				boltstore.WithCommitObserver(commits.observe))
			require.NoError(b, err)
			defer st.Close()
			b.SetParallelism(par)
			benchPipeline(b, st)
			commits.report(b)
		})
	}
	b.Run("memstore-parallel32", func(b *testing.B) {
		b.SetParallelism(32)
		benchPipeline(b, memstore.New(nil))
	})
}

// commitLog collects the group commits of a bbolt store during a benchmark:
// how many writes and commits each notification cost, and how long a
// commit took, which together say whether the store is the limiter.
type commitLog struct {
	mu    sync.Mutex
	stats []boltstore.CommitStats
}

func (c *commitLog) observe(s boltstore.CommitStats) {
	c.mu.Lock()
	c.stats = append(c.stats, s)
	c.mu.Unlock()
}

// report adds per-notification and per-commit metrics for the run that
// just ended (b.N notifications into a store opened for it).
func (c *commitLog) report(b *testing.B) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.stats) == 0 {
		return
	}
	writes := 0
	durs := make([]time.Duration, 0, len(c.stats))
	for _, s := range c.stats {
		writes += s.Writes
		durs = append(durs, s.Duration)
	}
	slices.Sort(durs)
	b.ReportMetric(float64(writes)/float64(len(c.stats)), "writes/commit")
	b.ReportMetric(float64(writes)/float64(b.N), "writes/notif")
	b.ReportMetric(float64(len(c.stats))/float64(b.N), "commits/notif")
	b.ReportMetric(float64(durs[len(durs)/2].Microseconds()), "commit-p50-µs")
	b.ReportMetric(float64(durs[len(durs)*99/100].Microseconds()), "commit-p99-µs")
	c.stats = c.stats[:0]
}

// BenchmarkPipelineDeadLetter measures the failure path: every post is
// refused (HTTP 400), so each envelope writes a dead letter, releases its
// claim and reports ErrNotDelivered to the source.
func BenchmarkPipelineDeadLetter(b *testing.B) {
	router, err := notify.NewRouter([]notify.Subscription{{Name: "cfg", TopicARNs: []string{alertsTopic},
		Conversation: slackConv("C1"), LoggingLevel: notify.LogError}})
	require.NoError(b, err)
	s := &scriptedSender{}
	refuse := chat.ClassifyHTTP(chat.PlatformSlack, 400, 0, nil)
	d, err := delivery.New(memstore.New(nil), delivery.WithSender(chat.PlatformSlack, refusing{s, refuse}),
		delivery.WithLimits(map[chat.Platform]delivery.PlatformLimits{}), delivery.WithDigestThreshold(0, 0))
	require.NoError(b, err)
	defer d.Close()
	disp, err := delivery.NewDispatcher(delivery.FromNotify(router), d, nil)
	require.NoError(b, err)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := disp.HandleEnvelope(ctx, alarmEnvelope(fmt.Sprintf("m%d", i), "cpu", "ALARM")); !errors.Is(err, delivery.ErrNotDelivered) {
			b.Fatalf("got %v, want ErrNotDelivered", err)
		}
	}
}

// refusing refuses every post with err.
type refusing struct {
	*scriptedSender
	err error
}

func (r refusing) Send(context.Context, chat.Conversation, chat.Message) (chat.Ref, error) {
	return chat.Ref{}, r.err
}

func benchPipeline(b *testing.B, store delivery.Store) {
	const channels = 10
	router := topicRouter(b, channels)
	adapter := fake.New(fake.WithPlatform(chat.PlatformSlack))
	d, err := delivery.New(store, delivery.WithSender(chat.PlatformSlack, adapter),
		delivery.WithLimits(map[chat.Platform]delivery.PlatformLimits{}), delivery.WithDigestThreshold(0, 0))
	require.NoError(b, err)
	defer d.Close()
	disp, err := delivery.NewDispatcher(delivery.FromNotify(router), d, nil)
	require.NoError(b, err)
	var seq atomic.Int64
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			env := alarmEnvelope(fmt.Sprintf("m%d", n), fmt.Sprintf("alarm-%d", n), "ALARM")
			env.TopicARN = fmt.Sprintf("%s-%d", alertsTopic, n%channels)
			if err := disp.HandleEnvelope(ctx, env); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	if got := len(adapter.Sent()); got != b.N {
		b.Fatalf("posted %d of %d", got, b.N)
	}
}

// stormResult is what a storm run observed.
type stormResult struct {
	drain   time.Duration // virtual time until every Deliver returned
	sent    int           // messages posted
	digests int
	// violations counts grants a token bucket with the channel's (or the
	// workspace's) limit would have refused, replaying the limiter's grant
	// instants.
	violations int
	// arrivalOvershoot is the largest shortfall (in tokens) when replaying
	// the arrival times at the fake platform instead: Go scheduling delay
	// between grant and arrival, magnified by the clock factor.
	arrivalOvershoot float64
	missing          []string
	duplicated       []string
}

// runStorm fires alarms alarms at channels channels at once through the
// real router and a Deliverer with Slack's default limits (1 msg/s per
// channel, bursts of 3; 50/s per workspace), on a clock running factor
// times faster than real time.
//
// With preroute, every alarm is decoded and routed before the clock starts,
// so the drain time measures delivery alone (all alarms arrive at once);
// otherwise routing runs concurrently with delivery and, on a clock running
// factor times faster, its CPU time counts factor times over.
func runStorm(tb testing.TB, alarms, channels int, factor float64, preroute bool) stormResult {
	clock := scaledClock{start: time.Now(), factor: factor}
	router := topicRouter(tb, channels)
	s := &scriptedSender{clock: clock}
	limits := delivery.DefaultLimits()
	limiter := delivery.NewLimiter(limits, clock)
	var gmu sync.Mutex
	grants := map[string][]time.Time{}
	limiter.OnGrant = func(conv chat.Conversation, at time.Time) {
		gmu.Lock()
		grants[conv.ChannelID] = append(grants[conv.ChannelID], at)
		gmu.Unlock()
	}
	d, err := delivery.New(memstore.New(nil), delivery.WithSender(chat.PlatformSlack, s), delivery.WithClock(clock),
		delivery.WithLimiter(limiter))
	require.NoError(tb, err)
	defer d.Close()
	disp, err := delivery.NewDispatcher(delivery.FromNotify(router), d, nil)
	require.NoError(tb, err)

	ctx := context.Background()
	var envs []*notify.Envelope
	for i := range alarms {
		env := alarmEnvelope(fmt.Sprintf("m%05d", i), fmt.Sprintf("alarm-%05d", i), []string{"ALARM", "INSUFFICIENT_DATA"}[i%7/6])
		env.TopicARN = fmt.Sprintf("%s-%d", alertsTopic, i%channels)
		envs = append(envs, env)
	}
	var jobs [][]delivery.Job
	if preroute {
		r := delivery.FromNotify(router)
		for _, env := range envs {
			js, err := r.Route(ctx, env)
			require.NoError(tb, err)
			jobs = append(jobs, js)
		}
	}
	t0 := clock.Now()
	var wg sync.WaitGroup
	var failures atomic.Int32
	for i, env := range envs {
		wg.Go(func() {
			var err error
			if preroute {
				err = d.Deliver(ctx, jobs[i]...)
			} else {
				err = disp.HandleEnvelope(ctx, env)
			}
			if err != nil {
				failures.Add(1)
			}
		})
	}
	wg.Wait()
	res := stormResult{drain: clock.Now().Sub(t0)}
	require.Zero(tb, failures.Load())

	// Every alarm must be represented once: by its own message or as an
	// item of a digest.
	seen := map[string]int{}
	byChannel := map[string][]time.Time{}
	for _, m := range s.Sent() {
		res.sent++
		byChannel[m.Conv.ChannelID] = append(byChannel[m.Conv.ChannelID], m.At)
		if len(m.Msg.Buttons) == 1 && m.Msg.Buttons[0].ID == delivery.DigestButtonID {
			res.digests++
			rec, err := d.Digest(ctx, m.Msg.Buttons[0].Value)
			require.NoError(tb, err)
			for _, it := range rec.Items {
				seen[alarmName(it.Title)]++
			}
			continue
		}
		seen[alarmName(m.Msg.Title)]++
	}
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
	var allGrants []time.Time
	for ch, ts := range grants {
		res.violations += bucketViolations(ts, limits[chat.PlatformSlack].Channel)
		allGrants = append(allGrants, ts...)
		if len(ts) != len(byChannel[ch]) {
			tb.Fatalf("%s: %d grants but %d arrivals", ch, len(ts), len(byChannel[ch]))
		}
	}
	res.violations += bucketViolations(allGrants, limits[chat.PlatformSlack].Workspace)
	for _, ts := range byChannel {
		res.arrivalOvershoot = math.Max(res.arrivalOvershoot, overshoot(ts, limits[chat.PlatformSlack].Channel))
	}
	return res
}

func alarmName(title string) string {
	i := strings.Index(title, "alarm-")
	if i < 0 {
		return title
	}
	return title[i : i+len("alarm-00000")]
}

func sortTimes(ts []time.Time) []time.Time {
	out := append([]time.Time(nil), ts...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Before(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// violationTolerance absorbs float rounding in the replay (1 µs of
// virtual time at 1 msg/s).
const violationTolerance = 1e-6

var debugViolations = false

// bucketViolations replays send times through a token bucket and counts
// sends made without a whole token (allowing for clock rounding).
func bucketViolations(ts []time.Time, l delivery.Limit) int {
	if len(ts) == 0 || l.Rate <= 0 {
		return 0
	}
	ts = sortTimes(ts)
	tokens := float64(l.Burst)
	last := ts[0]
	v := 0
	for _, t := range ts {
		tokens = math.Min(float64(l.Burst), tokens+t.Sub(last).Seconds()*l.Rate)
		last = t
		if tokens < 1-violationTolerance {
			v++
			if debugViolations {
				fmt.Printf("violation: tokens %.4f at %s (limit %+v)\n", tokens, t.Format("15:04:05.000"), l)
			}
		}
		tokens--
	}
	return v
}

// overshoot returns the largest token shortfall when replaying ts.
func overshoot(ts []time.Time, l delivery.Limit) float64 {
	ts = sortTimes(ts)
	tokens := float64(l.Burst)
	last := ts[0]
	worst := 0.0
	for _, t := range ts {
		tokens = math.Min(float64(l.Burst), tokens+t.Sub(last).Seconds()*l.Rate)
		last = t
		worst = math.Max(worst, 1-tokens)
		tokens--
	}
	return worst
}

func TestStormInvariants(t *testing.T) {
	if testing.Short() {
		t.Skip("storm takes a few seconds")
	}
	res := runStorm(t, 2000, 20, 100, false)
	require.Empty(t, res.missing, "every alarm represented")
	require.Empty(t, res.duplicated, "no alarm twice")
	require.Zero(t, res.violations, "no channel or workspace over its limit")
	require.Positive(t, res.digests)
	t.Logf("2000 alarms / 20 channels: %d messages (%d digests), drained in %.1fs virtual; arrival overshoot %.3f token",
		res.sent, res.digests, res.drain.Seconds(), res.arrivalOvershoot)
}

// BenchmarkStorm: 10,000 alarms for 100 channels at Slack's 1 msg/s per
// channel, on a clock 100× faster than real time. It fails if any alarm is
// missing or doubled or any channel went over its limit, and reports the
// virtual drain time and how many messages were posted.
func BenchmarkStorm(b *testing.B) {
	for _, preroute := range []bool{false, true} {
		for _, factor := range []float64{10, 100} {
			name := fmt.Sprintf("pipeline/clock-x%g", factor)
			if preroute {
				name = fmt.Sprintf("prerouted/clock-x%g", factor)
			}
			b.Run(name, func(b *testing.B) { benchStorm(b, factor, preroute) })
		}
	}
}

func benchStorm(b *testing.B, factor float64, preroute bool) {
	for range b.N {
		res := runStorm(b, 10000, 100, factor, preroute)
		if len(res.missing) > 0 || len(res.duplicated) > 0 || res.violations > 0 {
			b.Fatalf("missing %d, duplicated %d, limit violations %d", len(res.missing), len(res.duplicated), res.violations)
		}
		b.ReportMetric(res.drain.Seconds(), "drain-virtual-s")
		b.ReportMetric(float64(res.sent), "messages")
		b.ReportMetric(float64(res.digests), "digests")
		b.ReportMetric(0, "limit-violations")
		b.ReportMetric(res.arrivalOvershoot, "arrival-overshoot-tokens")
	}
}
