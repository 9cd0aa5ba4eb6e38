package sqssource_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Admiral-Piett/goaws/app"
	"github.com/Admiral-Piett/goaws/app/gosqs"
	"github.com/Admiral-Piett/goaws/app/servertest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/schemas"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/delivery"
	"github.com/opschat/opschat/notify/sqssource"
	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startGoaws starts the goaws SNS/SQS emulator in-process on a loopback
// port. Its state is package-global: tests using it must not run in
// parallel.
func startGoaws(t *testing.T) aws.Config {
	t.Helper()
	logrus.SetLevel(logrus.WarnLevel)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := strings.TrimPrefix(l.Addr().String(), "127.0.0.1:")
	require.NoError(t, l.Close())
	app.CurrentEnvironment = app.Environment{Host: "127.0.0.1", Port: port, Region: "us-east-1", AccountID: "123456789012",
		QueueAttributeDefaults: app.EnvQueueAttributes{VisibilityTimeout: 30, MaximumMessageSize: 262144}}
	srv, err := servertest.New("127.0.0.1:" + port)
	require.NoError(t, err)
	quit := make(chan struct{})
	go gosqs.PeriodicTasks(50*time.Millisecond, quit)
	t.Cleanup(func() {
		close(quit)
		_ = srv.Quit()
	})
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
}

// TestGoawsSNSToSQSToChat: a CloudWatch alarm published through the SNS API
// of a real emulator reaches an SQS queue, is received by the source,
// routed by notify.Router to two channel configurations and posted once to
// each channel of a loopback chat server; then the queue is empty.
func TestGoawsSNSToSQSToChat(t *testing.T) {
	cfg := startGoaws(t)
	ctx := context.Background()
	snsc := sns.NewFromConfig(cfg)
	sqsc := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.Protocol = awsquery.New(schemas.AmazonSQS) })

	topic, err := snsc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("alerts")})
	require.NoError(t, err)
	q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("opschat")})
	require.NoError(t, err)
	_, err = snsc.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
		Endpoint: aws.String("arn:aws:sqs:us-east-1:123456789012:opschat")})
	require.NoError(t, err)

	cs := newChatServer(t, nil)
	router, err := notify.NewRouter([]notify.Subscription{
		{Name: "ops", TopicARNs: []string{aws.ToString(topic.TopicArn)}, LoggingLevel: notify.LogError,
			Conversation: chat.Conversation{Platform: chat.PlatformSlack, WorkspaceID: "T1", ChannelID: "C-ops"}},
		{Name: "oncall", TopicARNs: []string{"arn:aws:sns:*:123456789012:alerts"}, LoggingLevel: notify.LogInfo,
			Conversation: chat.Conversation{Platform: chat.PlatformSlack, WorkspaceID: "T1", ChannelID: "C-oncall"}},
	})
	require.NoError(t, err)
	d, err := delivery.New(memstore.New(nil),
		delivery.WithSender(chat.PlatformSlack, &httpSender{url: cs.URL, client: &http.Client{Timeout: 10 * time.Second}}))
	require.NoError(t, err)
	t.Cleanup(d.Close)
	disp, err := delivery.NewDispatcher(delivery.FromNotify(router), d, nil)
	require.NoError(t, err)
	src, err := sqssource.New(sqsc, aws.ToString(q.QueueUrl), disp, sqssource.WithWaitTime(time.Second))
	require.NoError(t, err)
	stop := run(t, src)

	alarm, _ := json.Marshal(map[string]any{
		"AlarmName": "api-5xx", "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx",
		"AWSAccountId": "123456789012", "NewStateValue": "ALARM", "OldStateValue": "OK",
		"NewStateReason": "Threshold Crossed", "StateChangeTime": "2026-01-02T03:04:05.000+0000", "Region": "US East (N. Virginia)",
		"Trigger": map[string]any{"MetricName": "5XXError", "Namespace": "AWS/ApiGateway", "Statistic": "SUM", "Period": 60,
			"EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold", "Threshold": 5.0},
	})
	_, err = snsc.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Subject: aws.String("ALARM: api-5xx"), Message: aws.String(string(alarm))})
	require.NoError(t, err)

	require.Eventually(t, func() bool { return len(cs.Posted()) == 2 }, 20*time.Second, 20*time.Millisecond)
	posted := cs.Posted()
	for k, n := range posted {
		assert.Equal(t, 1, n, k)
		assert.Contains(t, k, "api-5xx")
	}
	var channels []string
	for k := range posted {
		channels = append(channels, strings.SplitN(k, "|", 2)[0])
	}
	assert.ElementsMatch(t, []string{"C-ops", "C-oncall"}, channels)
	// The message was deleted after delivery: nothing comes back.
	stop()
	out, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 0})
	require.NoError(t, err)
	assert.Empty(t, out.Messages)
}
