package awsexec_test

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/fake"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/internal/awssim"
	"github.com/opschat/opschat/notify"
)

// alarmWidget is the graph widget of the notify package's sample Lambda
// alarm: what the notification pipeline asks CloudWatch to render.
func alarmWidget(t testing.TB) (widget, region string) {
	t.Helper()
	data, err := os.ReadFile("../../notify/testdata/samples/cloudwatch-alarm-lambda.json")
	require.NoError(t, err)
	env, err := notify.ParseEnvelope(data)
	require.NoError(t, err)
	n := notify.Decode(env)
	w, ok := n.MetricWidget()
	require.True(t, ok, "the sample is a metric alarm")
	return w, n.Region
}

func graphRequest(t testing.TB) chatops.GraphRequest {
	w, region := alarmWidget(t)
	return chatops.GraphRequest{
		RoleARN:       testRole,
		Region:        region,
		Widget:        w,
		SessionName:   "opschat-alarm-graph",
		SessionTags:   map[string]string{"opschat:purpose": "alarm-graph"},
		PolicyARNs:    []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
		SessionPolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"iam:*","Resource":"*"}}`,
		Configuration: "ops",
	}
}

func TestMetricWidgetImageAssumesTheChannelRole(t *testing.T) {
	e, sim, _ := newExecutor(t)
	req := graphRequest(t)
	img, err := e.MetricWidgetImage(context.Background(), req)
	require.NoError(t, err)
	pic, err := png.Decode(bytes.NewReader(img))
	require.NoError(t, err, "a real PNG")
	assert.Equal(t, 600, pic.Bounds().Dx(), "the widget's width")
	assert.Equal(t, 300, pic.Bounds().Dy())
	t.Logf("graph PNG: %d bytes", len(img))

	calls := sim.AssumeRoleCalls()
	require.Len(t, calls, 1)
	assert.Equal(t, testRole, calls[0].RoleArn)
	assert.Equal(t, "opschat-alarm-graph", calls[0].RoleSessionName)
	assert.Equal(t, req.PolicyARNs, calls[0].PolicyArns)
	assert.Equal(t, req.SessionPolicy, calls[0].Policy)
	assert.Equal(t, req.SessionTags, calls[0].Tags)
	var keys []string
	for _, r := range sim.Requests() {
		keys = append(keys, r.Key())
		if r.Service == "monitoring" {
			assert.Equal(t, calls[0].AccessKeyID, r.AccessKeyID, "rendered as the assumed role")
		}
	}
	assert.Equal(t, []string{"sts:AssumeRole", "monitoring:GetMetricWidgetImage"}, keys)

	// The session is cached like a command's: a second graph reuses it.
	_, err = e.MetricWidgetImage(context.Background(), req)
	require.NoError(t, err)
	assert.Len(t, sim.AssumeRoleCalls(), 1)
}

func TestMetricWidgetImageErrors(t *testing.T) {
	deny := `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"cloudwatch:GetMetricWidgetImage","Resource":"*"}}`
	tests := []struct {
		name   string
		edit   func(r *chatops.GraphRequest)
		errMsg string
	}{
		{"empty widget", func(r *chatops.GraphRequest) { r.Widget = "" }, "empty widget"},
		{"widget CloudWatch refuses", func(r *chatops.GraphRequest) { r.Widget = "{not json" }, "InvalidParameterValue"},
		{"not a role ARN", func(r *chatops.GraphRequest) { r.RoleARN = "ops-role" }, "not a role ARN"},
		{"the guardrails deny it", func(r *chatops.GraphRequest) { r.SessionPolicy = deny }, "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _, _ := newExecutor(t)
			req := graphRequest(t)
			tt.edit(&req)
			img, err := e.MetricWidgetImage(context.Background(), req)
			require.Error(t, err)
			assert.Nil(t, img)
			assert.ErrorContains(t, err, tt.errMsg)
			assert.Contains(t, err.Error(), "awsexec: metric widget image")
		})
	}
}

func TestMetricWidgetImageTimesOut(t *testing.T) {
	e, sim, _ := newExecutor(t, awsexec.WithTimeout(50*time.Millisecond))
	sim.Inject(awssim.Slow("monitoring", "GetMetricWidgetImage", 5*time.Second))
	_, err := e.MetricWidgetImage(context.Background(), graphRequest(t))
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestMetricWidgetImageWithoutRoleUsesTheBaseIdentity(t *testing.T) {
	e, sim, _ := newExecutor(t)
	req := graphRequest(t)
	req.RoleARN = ""
	_, err := e.MetricWidgetImage(context.Background(), req)
	require.NoError(t, err)
	reqs := sim.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, awssim.BaseAccessKeyID, reqs[0].AccessKeyID)
}

// BenchmarkMetricWidgetImage measures one graph through the executor's
// cached role session against the loopback simulator (its PNG drawing
// included) and, as the baseline in the same run, the same call made
// directly with a CloudWatch client: the ratio is the executor's overhead.
// It reports the PNG size.
func BenchmarkMetricWidgetImage(b *testing.B) {
	e, sim, _ := newExecutor(b)
	req := graphRequest(b)
	ctx := context.Background()
	b.Run("executor", func(b *testing.B) {
		img, err := e.MetricWidgetImage(ctx, req) // warm the session and client
		require.NoError(b, err)
		b.ReportAllocs()
		for b.Loop() {
			if img, err = e.MetricWidgetImage(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(img)), "png-bytes")
	})
	b.Run("direct-sdk", func(b *testing.B) {
		cw := cloudwatch.NewFromConfig(sim.Config())
		in := &cloudwatch.GetMetricWidgetImageInput{MetricWidget: &req.Widget}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cw.GetMetricWidgetImage(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestNotificationPipelineShowsGraphFromSimulator runs the whole path: an
// SNS alarm through chatops' notification pipeline with the executor as
// the imager, against the simulated account, to the fake chat adapter.
func TestNotificationPipelineShowsGraphFromSimulator(t *testing.T) {
	e, sim, _ := newExecutor(t)
	cfg, err := chatops.LoadConfig([]byte(`
configurations:
  - ConfigurationName: ops
    Platform: fake
    WorkspaceId: T1
    ChannelId: C1
    IamRoleArn: ` + testRole + `
    SnsTopicArns: ["arn:aws:sns:us-east-1:123456789012:ops-alerts"]
`))
	require.NoError(t, err)
	a := fake.New()
	bot, err := chatops.New(chatops.WithConfig(cfg), chatops.WithAdapter(a), chatops.WithAuditWriter(io.Discard),
		chatops.WithAlarmGraphs(e, 0))
	require.NoError(t, err)
	p, err := bot.NotificationPipeline()
	require.NoError(t, err)
	defer p.Close()

	data, err := os.ReadFile("../../notify/testdata/samples/cloudwatch-alarm-lambda.json")
	require.NoError(t, err)
	env, err := notify.ParseEnvelope(data)
	require.NoError(t, err)
	env.TopicARN = "arn:aws:sns:us-east-1:123456789012:ops-alerts"
	start := time.Now()
	require.NoError(t, p.HandleEnvelope(context.Background(), env))
	t.Logf("alarm delivered with its graph in %v", time.Since(start))

	sent := a.Sent()
	require.Len(t, sent, 1)
	require.Len(t, sent[0].Message.Images, 1)
	img := sent[0].Message.Images[0]
	_, err = png.Decode(bytes.NewReader(img.Data))
	require.NoError(t, err)
	assert.Equal(t, "checkout-api-errors.png", img.Name)
	calls := sim.AssumeRoleCalls()
	require.Len(t, calls, 1)
	assert.Equal(t, "opschat-alarm-graph", calls[0].RoleSessionName)
	assert.NotEmpty(t, calls[0].Policy, "the channel's guardrails (the blocklist at least) bound the graph session")
}
