package replica_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Admiral-Piett/goaws/app"
	"github.com/Admiral-Piett/goaws/app/gosqs"
	"github.com/Admiral-Piett/goaws/app/servertest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/schemas"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"
	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/fake"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/command/commandtest"
	"github.com/opschat/opschat/internal/dynalite"
	"github.com/opschat/opschat/notify/delivery"
	"github.com/opschat/opschat/notify/sqssource"
	"github.com/opschat/opschat/store/dynamostore"
)

const topic = "arn:aws:sns:us-east-1:123456789012:alarms"

const config = `
configurations:
  - ConfigurationName: ops
    Platform: fake
    WorkspaceId: T1
    ChannelId: C1
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    SnsTopicArns: ["` + topic + `"]
  - ConfigurationName: oncall
    Platform: fake
    WorkspaceId: T1
    ChannelId: C2
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    SnsTopicArns: ["` + topic + `"]
`

// startGoaws starts goaws (SQS) in-process on loopback; its state is
// package-global, so the tests here do not run in parallel.
func startGoaws(t *testing.T) *sqs.Client {
	t.Helper()
	logrus.SetLevel(logrus.WarnLevel)
	logrus.SetOutput(io.Discard)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := strings.TrimPrefix(l.Addr().String(), "127.0.0.1:")
	require.NoError(t, l.Close())
	app.CurrentEnvironment = app.Environment{Host: "127.0.0.1", Port: port, Region: "us-east-1", AccountID: "123456789012",
		// goaws hides a received message for the queue's timeout, not the
		// one the receive asks for (SQS honours the request): the queue's
		// is set to what the replicas ask, 2 s, so that a receive cut
		// short by the stop hides its messages as long as on SQS.
		QueueAttributeDefaults: app.EnvQueueAttributes{VisibilityTimeout: 2, MaximumMessageSize: 262144}}
	srv, err := servertest.New("127.0.0.1:" + port)
	require.NoError(t, err)
	quit := make(chan struct{})
	go gosqs.PeriodicTasks(50*time.Millisecond, quit)
	t.Cleanup(func() {
		close(quit)
		_ = srv.Quit()
	})
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
	return sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.Protocol = awsquery.New(schemas.AmazonSQS) })
}

// startDynamo starts dynalite behind a jitterProxy (each request held up
// to maxJitter on its way to the server, so requests arrive out of order
// and after their client gave up, as over a network) and returns a client
// for it.
func startDynamo(t *testing.T) *dynamodb.Client {
	t.Helper()
	endpoint := dynalite.Start(t)
	endpoint = "http://" + startJitterProxy(t, strings.TrimPrefix(endpoint, "http://"), maxJitter)
	c := dynamodb.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")})
	// dynalite has no TimeToLive API; expiry is also checked on read.
	if err := dynamostore.CreateTable(context.Background(), c, "opschat"); !errors.Is(err, dynamostore.ErrTTLUnsupported) {
		require.NoError(t, err)
	}
	return c
}

// maxJitter is the longest a request to dynalite is held on its way.
const maxJitter = 10 * time.Millisecond

// The replicas' claims are renewed and released conditionally: a late
// renewal cannot bring a released claim back.
var _ delivery.ConditionalStore = (*dynamostore.Store)(nil)

// platform is the chat platform all replicas post to: it counts every
// post by channel and alarm, whichever replica made it. Each post takes a
// little time, so a replica killed mid-storm has posts in flight.
type platform struct {
	mu    sync.Mutex
	posts map[string]int // channel|title → count
	total atomic.Int64
}

func (p *platform) record(conv chat.Conversation, m chat.Message) {
	p.mu.Lock()
	p.posts[conv.ChannelID+"|"+m.Title]++
	p.mu.Unlock()
	p.total.Add(1)
}

// slowAdapter is a fake adapter whose sends take a few milliseconds and
// are counted on the shared platform.
type slowAdapter struct {
	*fake.Adapter
	p     *platform
	delay time.Duration
}

func (s *slowAdapter) Send(ctx context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return chat.Ref{}, ctx.Err()
	}
	ref, err := s.Adapter.Send(ctx, conv, m)
	if err == nil {
		s.p.record(conv, m)
	}
	return ref, err
}

type replica struct {
	bot    *chatops.Bot
	chat   *fake.Adapter
	exec   *countingExecutor
	cancel context.CancelFunc
	done   chan struct{}
}

// countingExecutor counts executions across replicas.
type countingExecutor struct{ runs *atomic.Int64 }

func (e countingExecutor) Execute(ctx context.Context, req chatops.ExecRequest) (*chatops.ExecResult, error) {
	e.runs.Add(1)
	return &chatops.ExecResult{Message: chat.Message{Text: "ran " + req.Invocation.Action()}}, nil
}

func allow(context.Context, chatops.AuthRequest) (chatops.AuthResult, error) {
	return chatops.AuthResult{Allowed: true}, nil
}

func newReplica(t *testing.T, name string, logs *logBook, p *platform, ddb *dynamodb.Client, sqsc *sqs.Client, queueURL string, runs *atomic.Int64) *replica {
	t.Helper()
	cfg, err := chatops.LoadConfig([]byte(config))
	require.NoError(t, err)
	store, err := dynamostore.New(ddb, "opschat")
	require.NoError(t, err)
	adapter := &slowAdapter{Adapter: fake.New(), p: p, delay: 3 * time.Millisecond}
	r := &replica{chat: adapter.Adapter, exec: &countingExecutor{runs: runs}, done: make(chan struct{})}
	r.bot, err = chatops.New(chatops.WithAdapter(adapter), chatops.WithConfig(cfg), chatops.WithStore(store),
		chatops.WithExecutor(r.exec), chatops.WithAuthorizer(chatops.AuthorizerFunc(allow)), chatops.WithAuditWriter(io.Discard),
		chatops.WithCatalog(commandtest.Catalog()), chatops.WithLogger(logs.logger(name)))
	require.NoError(t, err)
	adapter.Adapter.SetHandler(r.bot)
	pipe, err := r.bot.NotificationPipeline(delivery.WithBackoff(delivery.Backoff{MaxAttempts: 3, Initial: 10 * time.Millisecond, Max: 50 * time.Millisecond}))
	require.NoError(t, err)
	src, err := sqssource.New(sqsc, queueURL, pipe, sqssource.WithWaitTime(time.Second), sqssource.WithConcurrency(8),
		sqssource.WithVisibilityTimeout(2*time.Second), sqssource.WithShutdownTimeout(time.Millisecond), sqssource.WithRetryDelay(100*time.Millisecond, time.Second),
		sqssource.WithLogger(logs.logger(name)))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() {
		defer close(r.done)
		defer pipe.Close()
		_ = src.Run(ctx)
	}()
	t.Cleanup(func() { r.stop() })
	return r
}

func (r *replica) stop() {
	r.cancel()
	<-r.done
}

func envelope(i int) string {
	alarm, _ := json.Marshal(map[string]any{
		"AlarmName": fmt.Sprintf("alarm-%03d", i), "AlarmArn": fmt.Sprintf("arn:aws:cloudwatch:us-east-1:123456789012:alarm:alarm-%03d", i),
		"AWSAccountId": "123456789012", "NewStateValue": "ALARM", "OldStateValue": "OK",
		"NewStateReason": "Threshold Crossed", "StateChangeTime": "2026-01-02T03:04:05.000+0000", "Region": "US East (N. Virginia)",
		"Trigger": map[string]any{"MetricName": "Errors", "Namespace": "AWS/Lambda", "Statistic": "SUM", "Period": 60,
			"EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold", "Threshold": 5.0},
	})
	env, _ := json.Marshal(map[string]any{"Type": "Notification", "MessageId": fmt.Sprintf("00000000-0000-0000-0000-%012d", i),
		"TopicArn": topic, "Subject": fmt.Sprintf("ALARM: alarm-%03d", i), "Message": string(alarm),
		"Timestamp": "2026-01-02T03:04:05.000Z", "SignatureVersion": "1", "Signature": "x",
		"SigningCertURL": "https://sns.us-east-1.amazonaws.com/x.pem", "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"})
	return string(env)
}

// recoveryDeadline is how long the storm may take after the stop: well
// under the default claim lease (2 min), so a claim the stopped replica
// left behind fails the test every time rather than only when its lease
// outlasts the wait.
const recoveryDeadline = 60 * time.Second

// TestReplicaStorm: three replicas share one SQS queue and one DynamoDB
// table; one is stopped mid-storm (cancelled, as a graceful shutdown). Every alarm reaches both channels; a
// duplicate is allowed only inside the documented window (a post in flight
// on the killed replica when it died), and the count of those is bounded
// by what it had in flight.
func TestReplicaStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("starts goaws and dynalite")
	}
	sqsc := startGoaws(t)
	ddb := startDynamo(t)
	ctx := context.Background()
	q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("opschat-storm")})
	require.NoError(t, err)
	queueURL := aws.ToString(q.QueueUrl)

	const n = 150
	for i := 0; i < n; i += 10 {
		var entries []sqsEntry
		for j := i; j < i+10 && j < n; j++ {
			entries = append(entries, sqsEntry{id: fmt.Sprint(j), body: envelope(j)})
		}
		sendBatch(t, sqsc, queueURL, entries)
	}

	p := &platform{posts: map[string]int{}}
	var runs atomic.Int64
	logs := newLogBook(t, ddb)
	reps := []*replica{
		newReplica(t, "r0", logs, p, ddb, sqsc, queueURL, &runs),
		newReplica(t, "r1", logs, p, ddb, sqsc, queueURL, &runs),
		newReplica(t, "r2", logs, p, ddb, sqsc, queueURL, &runs),
	}
	require.Eventually(t, func() bool { return p.total.Load() >= n/3 }, 60*time.Second, 5*time.Millisecond, "the storm starts")
	reps[0].stop() // killed mid-storm: its unfinished messages go back to the queue
	killedAt := p.total.Load()

	require.Eventually(t, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.posts) == 2*n
	}, recoveryDeadline, 20*time.Millisecond, "every alarm reaches both channels")
	// Let redeliveries settle before counting duplicates.
	time.Sleep(3 * time.Second)
	assert.Empty(t, logs.pendingClaims(t), "every claim was released or marked delivered")

	p.mu.Lock()
	defer p.mu.Unlock()
	dups := 0
	for i := 0; i < n; i++ {
		for _, ch := range []string{"C1", "C2"} {
			c := p.posts[fmt.Sprintf("%s|ALARM: alarm-%03d", ch, i)]
			if c == 0 {
				c = countByAlarm(p.posts, ch, fmt.Sprintf("alarm-%03d", i))
			}
			require.GreaterOrEqual(t, c, 1, "lost: %s alarm-%03d", ch, i)
			dups += c - 1
		}
	}
	t.Logf("%d alarms × 2 channels, 3 replicas, one killed after %d posts: %d posts, %d duplicates", n, killedAt, p.total.Load(), dups)
	// The window: only posts the killed replica had in flight (at most its
	// concurrency × channels) can be repeated.
	assert.LessOrEqual(t, dups, 8*2, "duplicates beyond the killed replica's in-flight posts")
	for _, r := range reps[1:] {
		r.stop()
	}
}

// countByAlarm finds a post whose title names the alarm, whatever the
// formatter's exact title.
func countByAlarm(posts map[string]int, ch, alarm string) int {
	c := 0
	for k, v := range posts {
		if strings.HasPrefix(k, ch+"|") && strings.Contains(k, alarm) {
			c += v
		}
	}
	return c
}

type sqsEntry struct{ id, body string }

func sendBatch(t *testing.T, c *sqs.Client, queueURL string, entries []sqsEntry) {
	t.Helper()
	in := &sqs.SendMessageBatchInput{QueueUrl: aws.String(queueURL)}
	for _, e := range entries {
		in.Entries = append(in.Entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(e.id), MessageBody: aws.String(e.body)})
	}
	out, err := c.SendMessageBatch(context.Background(), in)
	require.NoError(t, err)
	require.Empty(t, out.Failed)
}

// TestReplicaSharedState: a confirmation clicked on two replicas at once
// runs once; an alias made on one replica is seen by the others.
func TestReplicaSharedState(t *testing.T) {
	if testing.Short() {
		t.Skip("starts goaws and dynalite")
	}
	sqsc := startGoaws(t)
	ddb := startDynamo(t)
	ctx := context.Background()
	q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("opschat-state")})
	require.NoError(t, err)
	p := &platform{posts: map[string]int{}}
	var runs atomic.Int64
	logs := newLogBook(t, ddb)
	a := newReplica(t, "a", logs, p, ddb, sqsc, aws.ToString(q.QueueUrl), &runs)
	b := newReplica(t, "b", logs, p, ddb, sqsc, aws.ToString(q.QueueUrl), &runs)
	c := newReplica(t, "c", logs, p, ddb, sqsc, aws.ToString(q.QueueUrl), &runs)
	conv := a.chat.Conversation("T1", "C1")

	require.NoError(t, a.chat.Say(ctx, conv, "U1", "ec2 stop-instances --instance-ids i-1"))
	asked, ok := a.chat.Last()
	require.True(t, ok)
	require.Equal(t, "Run this command?", asked.Message.Title)
	var token string
	for _, btn := range asked.Message.Buttons {
		if btn.ID == chatops.ActionConfirm {
			token = btn.Value
		}
	}
	require.NotEmpty(t, token)
	// The platform delivers the click to two replicas (a retry, or two
	// clicks): both at once.
	var wg sync.WaitGroup
	for _, r := range []*replica{b, c} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = r.chat.Inject(ctx, chat.Inbound{Kind: chat.KindButtonClick, Conversation: asked.Ref.Conversation, User: chat.User{ID: "U1"},
				Action: &chat.Action{ID: chatops.ActionConfirm, Value: token, Message: asked.Ref}})
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(1), runs.Load(), "the confirmed command ran exactly once across replicas")

	require.NoError(t, a.chat.Say(ctx, conv, "U1", "alias create shared ec2 describe-instances"))
	for _, r := range []*replica{b, c} {
		require.NoError(t, r.chat.Say(ctx, conv, "U2", "alias list"))
		last, ok := r.chat.Last()
		require.True(t, ok)
		require.NotEmpty(t, last.Message.CodeBlocks)
		assert.Contains(t, last.Message.CodeBlocks[0].Content, "shared", "an alias made on one replica is seen by all")
	}
}
