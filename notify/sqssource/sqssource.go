package sqssource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/opschat/opschat/notify"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// MetricMessages counts SQS messages by outcome: "handled" (then deleted),
// "retry" (not delivered; visible again after a delay), "poison"
// (malformed; left to the redrive policy), "no_topic" (a raw message with
// no topic and no default topic configured; left to the redrive policy),
// "released" (shutdown).
const MetricMessages = "opschat.notify.sqs.messages"

// API is the part of *sqs.Client the source uses.
type API interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

var _ API = (*sqs.Client)(nil)

// Source long-polls one SQS queue and hands each message to a
// notify.Handler. A message is deleted only after the handler returned nil
// (delivered everywhere, or failed permanently and recorded); otherwise it
// is made visible again after a backoff that grows with its receive count,
// so the queue's redrive policy moves messages that keep failing (poison
// messages included) to its dead-letter queue. While the handler works, the
// message's visibility timeout is extended so no other consumer gets it.
//
// A Source is safe to Run once; run several Sources (or processes) on the
// same queue to scale out.
type Source struct {
	client      API
	queueURL    string
	handler     notify.Handler
	concurrency int
	visibility  time.Duration
	waitTime    time.Duration
	shutdown    time.Duration
	retryBase   time.Duration
	retryMax    time.Duration
	topic       string
	log         *slog.Logger
	mp          metric.MeterProvider
	messages    metric.Int64Counter
}

// Option configures a Source.
type Option func(*Source)

// WithConcurrency sets how many messages are handled at once (default 10).
func WithConcurrency(n int) Option { return func(s *Source) { s.concurrency = n } }

// WithVisibilityTimeout sets the visibility timeout requested on receive
// and renewed every half of it while a message is handled (default 30s).
func WithVisibilityTimeout(d time.Duration) Option { return func(s *Source) { s.visibility = d } }

// WithWaitTime sets the long-poll wait (default 20s, SQS's maximum).
func WithWaitTime(d time.Duration) Option { return func(s *Source) { s.waitTime = d } }

// WithShutdownTimeout sets how long Run lets in-flight messages finish after
// its context ends before releasing them back to the queue (default 20s).
func WithShutdownTimeout(d time.Duration) Option { return func(s *Source) { s.shutdown = d } }

// WithRetryDelay sets the visibility delay after a failed attempt: base
// doubled per receive, capped at max (defaults 5s and 15m).
func WithRetryDelay(base, max time.Duration) Option {
	return func(s *Source) { s.retryBase, s.retryMax = base, max }
}

// WithDefaultTopic routes raw messages that carry no TopicArn message
// attribute (EventBridge rules and other senders targeting the queue
// directly, without SNS) as if they came from topicARN: the configurations
// that list topicARN (an SNS topic the queue stands for, or any name the
// configurations use for this queue, such as its ARN) receive them.
// Without it such messages cannot be routed; they are not deleted but left
// to the queue's redrive policy, with an ERROR saying to set this option.
func WithDefaultTopic(topicARN string) Option { return func(s *Source) { s.topic = topicARN } }

// ErrNoTopic is the error logged for a raw message that names no topic when
// no default topic is configured.
var ErrNoTopic = errors.New("sqssource: raw message has no TopicArn attribute and no default topic is configured (WithDefaultTopic)")

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(s *Source) { s.log = l } }

// WithMeterProvider sets where the message counter goes (default: noop).
func WithMeterProvider(mp metric.MeterProvider) Option { return func(s *Source) { s.mp = mp } }

func (s *Source) count(ctx context.Context, outcome string) {
	s.messages.Add(ctx, 1, metric.WithAttributes(attribute.String("outcome", outcome), attribute.String("queue", s.queueURL)))
}

// New returns a Source for queueURL.
func New(client API, queueURL string, h notify.Handler, opts ...Option) (*Source, error) {
	s := &Source{client: client, queueURL: queueURL, handler: h, concurrency: 10, visibility: 30 * time.Second,
		waitTime: 20 * time.Second, shutdown: 20 * time.Second, retryBase: 5 * time.Second, retryMax: 15 * time.Minute}
	for _, o := range opts {
		o(s)
	}
	var errs []error
	if client == nil {
		errs = append(errs, errors.New("sqssource: nil client"))
	}
	if queueURL == "" {
		errs = append(errs, errors.New("sqssource: empty queue URL"))
	}
	if h == nil {
		errs = append(errs, errors.New("sqssource: nil handler"))
	}
	if s.concurrency < 1 {
		errs = append(errs, fmt.Errorf("sqssource: concurrency %d: want at least 1", s.concurrency))
	}
	if s.visibility < 2*time.Second || s.visibility > 12*time.Hour {
		errs = append(errs, fmt.Errorf("sqssource: visibility timeout %s: want 2s to 12h", s.visibility))
	}
	if s.waitTime < 0 || s.waitTime > 20*time.Second {
		errs = append(errs, fmt.Errorf("sqssource: wait time %s: want 0 to 20s", s.waitTime))
	}
	if s.retryBase <= 0 || s.retryMax < s.retryBase {
		errs = append(errs, fmt.Errorf("sqssource: retry delay %s..%s: want 0 < base <= max", s.retryBase, s.retryMax))
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.mp == nil {
		s.mp = noop.NewMeterProvider()
	}
	c, err := s.mp.Meter("github.com/opschat/opschat/notify/sqssource").Int64Counter(MetricMessages,
		metric.WithDescription("SQS messages by outcome: handled, retry, poison, no_topic, released."))
	errs = append(errs, err)
	s.messages = c
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// receiveGrace is how long a receive in flight when Run's context ends may
// still finish (at most the shutdown timeout). SQS hands out messages to
// a receive whose client already gave up, and hides them for the
// visibility timeout: letting the receive answer, and releasing what it
// got, makes them visible to the other consumers at once instead.
const receiveGrace = time.Second

// Run polls until ctx ends, then stops receiving (a receive in flight may
// finish for a second, and what it got is released at once), lets
// in-flight messages finish for up to the shutdown timeout, releases the
// rest to the queue (visibility 0) and returns nil. Nothing is lost on
// shutdown: a message is only ever deleted after its handler succeeded. It
// returns an error only for a failure that polling cannot survive (none
// today: receive errors are logged and retried with backoff).
func (s *Source) Run(ctx context.Context) error {
	// Handlers run under their own context so that ending ctx stops
	// polling first and cancels deliveries only after the grace period.
	hctx, hcancel := context.WithCancel(context.WithoutCancel(ctx))
	defer hcancel()
	rctx, rcancel := context.WithCancel(context.WithoutCancel(ctx))
	defer rcancel()
	stopGrace := context.AfterFunc(ctx, func() { time.AfterFunc(min(receiveGrace, s.shutdown), rcancel) })
	defer stopGrace()
	slots := make(chan struct{}, s.concurrency)
	var wg sync.WaitGroup
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		// Take at least one slot before receiving, so that no message sits
		// received but unhandled while its visibility runs out.
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		free := 1
		for free < min(s.concurrency, 10) {
			select {
			case slots <- struct{}{}:
				free++
				continue
			default:
			}
			break
		}
		out, err := s.client.ReceiveMessage(rctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(s.queueURL),
			MaxNumberOfMessages:         int32(free),
			WaitTimeSeconds:             int32(s.waitTime / time.Second),
			VisibilityTimeout:           int32(s.visibility / time.Second),
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
			MessageAttributeNames:       []string{"All"},
		})
		var msgs []types.Message
		if err != nil {
			if ctx.Err() == nil {
				backoff = min(max(2*backoff, 200*time.Millisecond), 30*time.Second)
				s.log.ErrorContext(ctx, "sqs receive failed; retrying", "queue", s.queueURL, "error", err, "backoff", backoff)
				select {
				case <-time.After(backoff):
				case <-ctx.Done():
				}
			}
		} else {
			backoff = 0
			msgs = out.Messages
		}
		handled := 0
		for _, m := range msgs {
			if ctx.Err() != nil {
				// The receive answered after the stop.
				s.count(hctx, "released")
				s.release(hctx, m)
				continue
			}
			if handled == free {
				// SQS returned more than asked: release the extra at once.
				s.release(hctx, m)
				continue
			}
			handled++
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				s.handle(hctx, m)
			}()
		}
		for range free - handled {
			<-slots
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(s.shutdown)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		s.log.Warn("sqs shutdown timeout: releasing in-flight messages", "queue", s.queueURL)
		hcancel()
		<-done
	}
	return nil
}

func receiveCount(m types.Message) int {
	n, _ := strconv.Atoi(m.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)])
	return max(n, 1)
}

// Envelope parses an SQS message body into an envelope. Raw messages (raw
// message delivery, EventBridge targets) get the SQS message ID as their
// MessageID so that delivery can deduplicate them, and a TopicArn message
// attribute, when present, as their TopicARN (a Source then falls back to
// its default topic).
func Envelope(m types.Message) (*notify.Envelope, error) {
	env, err := notify.ParseEnvelope([]byte(aws.ToString(m.Body)))
	if err != nil {
		return nil, err
	}
	if env.Raw {
		env.MessageID = aws.ToString(m.MessageId)
		if a, ok := m.MessageAttributes["TopicArn"]; ok {
			env.TopicARN = aws.ToString(a.StringValue)
		}
	}
	return env, nil
}

func (s *Source) handle(ctx context.Context, m types.Message) {
	id := aws.ToString(m.MessageId)
	env, err := Envelope(m)
	if err != nil {
		// Poison: it will never parse. Leave it to the redrive policy,
		// with a growing delay so it does not spin.
		s.log.ErrorContext(ctx, "sqs message is malformed; leaving it to the redrive policy", "queue", s.queueURL,
			"message_id", id, "receive_count", receiveCount(m), "error", err)
		s.count(ctx, "poison")
		s.retryLater(ctx, m)
		return
	}
	if env.Raw && env.TopicARN == "" {
		if s.topic == "" {
			// Routing it with no topic would match no configuration and
			// drop it; keep it for the redrive policy and say how to fix.
			s.log.ErrorContext(ctx, "sqs raw message has no topic; not deleted, left to the redrive policy: set sqssource.WithDefaultTopic to a topic ARN the queue's configurations list, or send a TopicArn message attribute",
				"queue", s.queueURL, "message_id", id, "receive_count", receiveCount(m), "error", ErrNoTopic)
			s.count(ctx, "no_topic")
			s.retryLater(ctx, m)
			return
		}
		env.TopicARN = s.topic
	}
	stop := s.keepInvisible(ctx, m)
	err = s.handler.HandleEnvelope(ctx, env)
	stop()
	if err != nil {
		if ctx.Err() != nil {
			s.log.InfoContext(ctx, "sqs shutdown: releasing message", "message_id", id)
			s.count(ctx, "released")
			s.release(ctx, m)
			return
		}
		// Not deleted: it becomes visible again after a delay and the
		// queue's redrive policy decides when it moves to its dead-letter
		// queue. Channels that got it are skipped on redelivery.
		// Held by another replica: the queue redelivers it, and its
		// redrive policy keeps it if that never ends.
		level := slog.LevelError
		if notify.OnlyInProgress(err) {
			level = slog.LevelInfo
		}
		s.log.Log(ctx, level, "sqs message not delivered; will retry", "queue", s.queueURL, "message_id", id,
			"receive_count", receiveCount(m), "error", err)
		s.count(ctx, "retry")
		s.retryLater(ctx, m)
		return
	}
	s.count(ctx, "handled")
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := s.client.DeleteMessage(dctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(s.queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
		// The message comes back after its visibility timeout; delivery's
		// dedup keys make that copy a no-op.
		s.log.ErrorContext(ctx, "sqs delete failed; message will be redelivered and deduplicated", "message_id", id, "error", err)
	}
}

// keepInvisible renews m's visibility every half timeout until stop is
// called.
func (s *Source) keepInvisible(ctx context.Context, m types.Message) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(s.visibility / 2)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_, err := s.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(s.queueURL),
					ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: int32(s.visibility / time.Second)})
				if err != nil && ctx.Err() == nil {
					s.log.WarnContext(ctx, "sqs visibility extension failed", "message_id", aws.ToString(m.MessageId), "error", err)
				}
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func (s *Source) setVisibility(ctx context.Context, m types.Message, d time.Duration) {
	vctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, err := s.client.ChangeMessageVisibility(vctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(s.queueURL),
		ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: int32(d / time.Second)})
	if err != nil {
		s.log.WarnContext(ctx, "sqs change visibility failed; message returns after its timeout", "message_id", aws.ToString(m.MessageId), "error", err)
	}
}

// release makes m visible to other consumers now.
func (s *Source) release(ctx context.Context, m types.Message) { s.setVisibility(ctx, m, 0) }

// retryLater hides m for a delay that doubles with each receive.
func (s *Source) retryLater(ctx context.Context, m types.Message) {
	d := s.retryBase
	for i := 1; i < receiveCount(m) && d < s.retryMax; i++ {
		d *= 2
	}
	s.setVisibility(ctx, m, min(d, s.retryMax, 12*time.Hour))
}
