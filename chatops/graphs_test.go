package chatops_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/fake"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/notify"
)

// graphConfig has two configurations on one topic: ops and audit share a
// role and guardrails, so one graph fetch serves both; oncall has its own
// role.
const graphConfig = `
configurations:
  - ConfigurationName: ops
    Platform: fake
    WorkspaceId: T1
    ChannelId: C1
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    SnsTopicArns: ["arn:aws:sns:us-east-1:123456789012:ops-alerts"]
  - ConfigurationName: audit
    Platform: fake
    WorkspaceId: T1
    ChannelId: C2
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    SnsTopicArns: ["arn:aws:sns:us-east-1:123456789012:ops-alerts"]
  - ConfigurationName: oncall
    Platform: fake
    WorkspaceId: T1
    ChannelId: C3
    IamRoleArn: arn:aws:iam::123456789012:role/oncall
    SnsTopicArns: ["arn:aws:sns:us-east-1:123456789012:ops-alerts"]
    GuardrailPolicies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
`

var fakePNG = []byte("\x89PNG\r\n\x1a\nfake graph")

// fakeImager answers GetMetricWidgetImage from a function of the request
// and records every request.
type fakeImager struct {
	mu     sync.Mutex
	reqs   []chatops.GraphRequest
	answer func(ctx context.Context, req chatops.GraphRequest) ([]byte, error)
}

func (f *fakeImager) MetricWidgetImage(ctx context.Context, req chatops.GraphRequest) ([]byte, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	return f.answer(ctx, req)
}

func (f *fakeImager) requests() []chatops.GraphRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]chatops.GraphRequest(nil), f.reqs...)
}

func graphBot(t *testing.T, im chatops.MetricImager, budget time.Duration, logs io.Writer, a *fake.Adapter) *chatops.Bot {
	t.Helper()
	cfg, err := chatops.LoadConfig([]byte(graphConfig))
	require.NoError(t, err)
	opts := []chatops.Option{chatops.WithConfig(cfg), chatops.WithAuditWriter(io.Discard),
		chatops.WithLogger(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}
	if a != nil {
		opts = append(opts, chatops.WithAdapter(a))
	}
	if im != nil {
		opts = append(opts, chatops.WithAlarmGraphs(im, budget))
	}
	bot, err := chatops.New(opts...)
	require.NoError(t, err)
	return bot
}

func TestNotificationPipelineAttachesAlarmGraphs(t *testing.T) {
	im := &fakeImager{answer: func(context.Context, chatops.GraphRequest) ([]byte, error) { return fakePNG, nil }}
	a := fake.New()
	bot := graphBot(t, im, 0, io.Discard, a)
	p, err := bot.NotificationPipeline()
	require.NoError(t, err)
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	alarm := sample(t, "cloudwatch-alarm-lambda.json")
	require.NoError(t, p.HandleEnvelope(ctx, alarm))

	sent := a.Sent()
	require.Len(t, sent, 3, "one message per configuration")
	for _, s := range sent {
		require.Len(t, s.Message.Images, 1, s.Ref.Conversation.ChannelID)
		img := s.Message.Images[0]
		assert.Equal(t, fakePNG, img.Data)
		assert.Equal(t, "image/png", img.ContentType)
		assert.Equal(t, "checkout-api-errors.png", img.Name)
		assert.Equal(t, "CloudWatch graph of alarm checkout-api-errors", img.AltText)
	}

	// ops and audit share role and guardrails: one fetch; oncall its own.
	reqs := im.requests()
	require.Len(t, reqs, 2)
	byRole := map[string]chatops.GraphRequest{}
	for _, r := range reqs {
		byRole[r.RoleARN] = r
	}
	ops, oncall := byRole["arn:aws:iam::123456789012:role/ops"], byRole["arn:aws:iam::123456789012:role/oncall"]
	n := notify.Decode(alarm)
	widget, ok := n.MetricWidget()
	require.True(t, ok)
	assert.Equal(t, widget, ops.Widget)
	assert.Equal(t, n.Region, ops.Region)
	assert.NotEmpty(t, ops.Region)
	assert.Equal(t, "opschat-alarm-graph", ops.SessionName)
	assert.Equal(t, map[string]string{"opschat:purpose": "alarm-graph"}, ops.SessionTags)
	assert.NotEmpty(t, ops.SessionPolicy, "the blocklist rides along as the inline session policy")
	assert.Equal(t, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, oncall.PolicyARNs, "the guardrails bound the graph session")
	assert.Equal(t, "oncall", oncall.Configuration)
}

func TestAttachAlarmGraphsLeavesOutWhatItCannotGet(t *testing.T) {
	big := bytes.Repeat([]byte{1}, chatops.MaxGraphBytes+1)
	tests := []struct {
		name    string
		sample  string
		answer  func(ctx context.Context, req chatops.GraphRequest) ([]byte, error)
		images  int    // per delivery
		fetches int    // distinct requests
		log     string // expected in the log
	}{
		{name: "graph attached", sample: "cloudwatch-alarm-lambda.json", images: 1, fetches: 2,
			answer: func(context.Context, chatops.GraphRequest) ([]byte, error) { return fakePNG, nil }, log: "alarm graph attached"},
		{name: "AWS refuses", sample: "cloudwatch-alarm-lambda.json", images: 0, fetches: 2,
			answer: func(context.Context, chatops.GraphRequest) ([]byte, error) {
				return nil, errors.New("AccessDenied: not authorized to perform cloudwatch:GetMetricWidgetImage")
			}, log: "AccessDenied"},
		{name: "not ready within the budget", sample: "cloudwatch-alarm-lambda.json", images: 0, fetches: 2,
			answer: func(ctx context.Context, _ chatops.GraphRequest) ([]byte, error) {
				<-ctx.Done() // a graph that never comes: only the budget ends the wait
				return nil, ctx.Err()
			}, log: "not ready within the budget"},
		{name: "one role slow, the other on time", sample: "cloudwatch-alarm-lambda.json", images: -1, fetches: 2,
			answer: func(ctx context.Context, req chatops.GraphRequest) ([]byte, error) {
				if strings.HasSuffix(req.RoleARN, "/oncall") {
					<-ctx.Done()
					return nil, ctx.Err()
				}
				return fakePNG, nil
			}, log: "not ready within the budget"},
		{name: "too large", sample: "cloudwatch-alarm-lambda.json", images: 0, fetches: 2,
			answer: func(context.Context, chatops.GraphRequest) ([]byte, error) { return big, nil }, log: "too large"},
		{name: "empty image", sample: "cloudwatch-alarm-lambda.json", images: 0, fetches: 2,
			answer: func(context.Context, chatops.GraphRequest) ([]byte, error) { return nil, nil }, log: "empty image"},
		{name: "metric math alarm", sample: "cloudwatch-alarm-metric-math.json", images: 1, fetches: 2,
			answer: func(context.Context, chatops.GraphRequest) ([]byte, error) { return fakePNG, nil }},
		{name: "not an alarm: nothing fetched", sample: "eventbridge-guardduty.json", images: 0, fetches: 0,
			answer: func(context.Context, chatops.GraphRequest) ([]byte, error) { return fakePNG, nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			im := &fakeImager{answer: tt.answer}
			// Every log line is written by AttachAlarmGraphs' own goroutine.
			var logs bytes.Buffer
			bot := graphBot(t, im, 100*time.Millisecond, &logs, nil)
			router, err := bot.NotificationRouter()
			require.NoError(t, err)
			env := sample(t, tt.sample)
			env.TopicARN = "arn:aws:sns:us-east-1:123456789012:ops-alerts"
			ds, err := router.Route(context.Background(), env)
			require.NoError(t, err)
			require.Len(t, ds, 3)
			before := make([]chat.Message, len(ds))
			for i := range ds {
				before[i] = ds[i].Message
			}

			ds = bot.AttachAlarmGraphs(context.Background(), ds)
			require.Len(t, ds, 3, "no delivery is ever dropped because of a graph")
			for i, d := range ds {
				want := tt.images
				if want < 0 { // only the ops role's deliveries
					want = 0
					if d.Subscription.Name != "oncall" {
						want = 1
					}
				}
				assert.Len(t, d.Message.Images, want, d.Subscription.Name)
				d.Message.Images = before[i].Images
				assert.Equal(t, before[i], d.Message, "nothing else changes")
			}
			assert.Len(t, im.requests(), tt.fetches)
			if tt.log != "" {
				assert.Contains(t, logs.String(), tt.log)
			}
		})
	}
}

func TestAttachAlarmGraphsStopsWithTheCaller(t *testing.T) {
	started := make(chan struct{})
	var once sync.Once
	im := &fakeImager{answer: func(ctx context.Context, _ chatops.GraphRequest) ([]byte, error) {
		once.Do(func() { close(started) })
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	// A budget far beyond the test: only the caller's cancellation ends it.
	bot := graphBot(t, im, time.Hour, io.Discard, nil)
	router, err := bot.NotificationRouter()
	require.NoError(t, err)
	ds, err := router.Route(context.Background(), sample(t, "cloudwatch-alarm-lambda.json"))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	ds = bot.AttachAlarmGraphs(ctx, ds)
	require.Len(t, ds, 3)
	for _, d := range ds {
		assert.Empty(t, d.Message.Images)
	}
}

func TestAttachAlarmGraphsWithoutOption(t *testing.T) {
	bot := graphBot(t, nil, 0, io.Discard, nil)
	router, err := bot.NotificationRouter()
	require.NoError(t, err)
	ds, err := router.Route(context.Background(), sample(t, "cloudwatch-alarm-lambda.json"))
	require.NoError(t, err)
	for _, d := range bot.AttachAlarmGraphs(context.Background(), ds) {
		assert.Empty(t, d.Message.Images, "graphs are off without WithAlarmGraphs")
	}

	_, err = chatops.New(chatops.WithAlarmGraphs(nil, 0))
	assert.ErrorContains(t, err, "nil imager")
}
