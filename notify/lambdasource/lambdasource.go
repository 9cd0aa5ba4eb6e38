package lambdasource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/opschat/opschat/notify"
)

// Option configures the handlers.
type Option func(*options)

type options struct {
	concurrency int
	log         *slog.Logger
	topic       string
	margin      time.Duration
}

// WithConcurrency sets how many records of one event are handled at once
// (default 10). Use 1 for FIFO queues, where order within a message group
// matters.
func WithConcurrency(n int) Option { return func(o *options) { o.concurrency = max(n, 1) } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithDefaultTopic routes raw SQS records that carry no TopicArn message
// attribute (EventBridge → SQS, no SNS envelope) as if they came from
// topicARN, so that the configurations listing it receive them. Without
// it such records cannot be routed: they are reported as batch item
// failures (back to the queue, then its dead-letter queue) with an ERROR.
func WithDefaultTopic(topicARN string) Option { return func(o *options) { o.topic = topicARN } }

// DefaultDeadlineMargin is how long before the invocation's deadline the
// handlers stop waiting for deliveries, so that they still return their
// answer (the batch item failures) instead of being timed out, which would
// return the whole batch to the queue.
const DefaultDeadlineMargin = 2 * time.Second

// WithDeadlineMargin sets the margin (default DefaultDeadlineMargin).
func WithDeadlineMargin(d time.Duration) Option { return func(o *options) { o.margin = max(d, 0) } }

// ErrNoTopic reports a raw record with no TopicArn attribute when no
// default topic is configured.
var ErrNoTopic = errors.New("lambdasource: raw record has no TopicArn attribute and no default topic is configured (WithDefaultTopic)")

// waitContext ends margin before ctx's deadline, if it has one.
func (o options) waitContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok && o.margin > 0 {
		return context.WithDeadline(ctx, dl.Add(-o.margin))
	}
	return context.WithCancel(ctx)
}

func build(opts []Option) options {
	o := options{concurrency: 10, margin: DefaultDeadlineMargin}
	for _, f := range opts {
		f(&o)
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	return o
}

// SNSEnvelope converts an SNS record of a Lambda event into an Envelope.
// Lambda has already authenticated SNS, so the signature is carried but
// not needed.
func SNSEnvelope(e events.SNSEntity) *notify.Envelope {
	env := &notify.Envelope{
		Type: e.Type, MessageID: e.MessageID, TopicARN: e.TopicArn, Subject: e.Subject, HasSubject: e.Subject != "",
		Message: e.Message, SignatureVersion: e.SignatureVersion, Signature: e.Signature,
		SigningCertURL: e.SigningCertURL, UnsubscribeURL: e.UnsubscribeURL,
	}
	if env.Type == "" {
		env.Type = notify.TypeNotification
	}
	if !e.Timestamp.IsZero() {
		env.Timestamp = e.Timestamp.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	for name, v := range e.MessageAttributes {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		typ, _ := m["Type"].(string)
		val, _ := m["Value"].(string)
		if env.MessageAttributes == nil {
			env.MessageAttributes = make(map[string]notify.MessageAttribute)
		}
		env.MessageAttributes[name] = notify.MessageAttribute{Type: typ, Value: val}
	}
	return env
}

// SQSEnvelope converts an SQS record into an Envelope (SNS-wrapped or raw;
// raw bodies get the SQS message ID so that delivery can deduplicate them).
func SQSEnvelope(m events.SQSMessage) (*notify.Envelope, error) {
	env, err := notify.ParseEnvelope([]byte(m.Body))
	if err != nil {
		return nil, err
	}
	if env.Raw {
		env.MessageID = m.MessageId
		if a, ok := m.MessageAttributes["TopicArn"]; ok && a.StringValue != nil {
			env.TopicARN = *a.StringValue
		}
	}
	return env, nil
}

// each runs fn for n items with bounded concurrency.
func each(ctx context.Context, n, concurrency int, fn func(ctx context.Context, i int)) {
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			fn(ctx, i)
		})
	}
	wg.Wait()
}

// SNSHandler returns a Lambda handler for SNS events (pass it to
// lambda.Start). It returns an error when any record was not delivered to
// every channel, so Lambda retries the event (SNS invokes asynchronously:
// two retries, then the function's on-failure destination or dead-letter
// queue); channels already delivered are skipped on the retry by
// delivery's dedup keys.
func SNSHandler(h notify.Handler, opts ...Option) func(ctx context.Context, ev events.SNSEvent) error {
	o := build(opts)
	return func(ctx context.Context, ev events.SNSEvent) error {
		ctx, cancel := o.waitContext(ctx)
		defer cancel()
		errs := make([]error, len(ev.Records))
		each(ctx, len(ev.Records), o.concurrency, func(ctx context.Context, i int) {
			env := SNSEnvelope(ev.Records[i].SNS)
			if err := h.HandleEnvelope(ctx, env); err != nil {
				o.log.Log(ctx, notify.FailureLevel(err), "sns record not handled", "message_id", env.MessageID, "error", err)
				errs[i] = fmt.Errorf("lambdasource: sns record %s: %w", env.MessageID, err)
			}
		})
		return errors.Join(errs...)
	}
}

// SQSHandler returns a Lambda handler for SQS events that reports partial
// batch failures: only the records listed in BatchItemFailures return to
// the queue (and, if they keep failing, go to its dead-letter queue). A
// record is listed unless the handler returned nil for it: not delivered to
// every channel (a dead letter included), malformed, or, for a raw record,
// without a topic (see WithDefaultTopic). The
// event source mapping must have ReportBatchItemFailures enabled, or Lambda
// ignores the response and deletes the whole batch on success.
func SQSHandler(h notify.Handler, opts ...Option) func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	o := build(opts)
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		ctx, cancel := o.waitContext(ctx)
		defer cancel()
		failed := make([]bool, len(ev.Records))
		each(ctx, len(ev.Records), o.concurrency, func(ctx context.Context, i int) {
			rec := ev.Records[i]
			env, err := SQSEnvelope(rec)
			if err == nil && env.Raw && env.TopicARN == "" {
				if o.topic == "" {
					o.log.ErrorContext(ctx, "sqs raw record has no topic; returned to the queue: set lambdasource.WithDefaultTopic to a topic ARN the queue's configurations list, or send a TopicArn message attribute",
						"message_id", rec.MessageId)
					err = ErrNoTopic
				} else {
					env.TopicARN = o.topic
				}
			}
			if err == nil {
				err = h.HandleEnvelope(ctx, env)
			}
			if err != nil {
				o.log.Log(ctx, notify.FailureLevel(err), "sqs record not handled; returned to the queue", "message_id", rec.MessageId, "error", err)
				failed[i] = true
			}
		})
		var resp events.SQSEventResponse
		for i, f := range failed {
			if f {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: ev.Records[i].MessageId})
			}
		}
		return resp, nil
	}
}

// EventBridgeEnvelope converts an EventBridge event (the JSON a rule passes
// to a function it invokes directly) into a raw Envelope routed as if it
// came from topicARN. MessageID is the event's id, so that a retried
// invocation is deduplicated.
func EventBridgeEnvelope(event []byte, topicARN string) (*notify.Envelope, error) {
	var head map[string]json.RawMessage
	if err := json.Unmarshal(event, &head); err != nil || head == nil {
		return nil, fmt.Errorf("lambdasource: eventbridge event is not a JSON object")
	}
	// An id that is not a string is left out: the router then
	// deduplicates by content.
	var id string
	if raw, ok := head["id"]; ok {
		_ = json.Unmarshal(raw, &id)
	}
	return &notify.Envelope{Raw: true, Message: string(event), MessageID: id, TopicARN: topicARN}, nil
}

// EventBridgeHandler returns a Lambda handler for EventBridge rules that
// invoke the function directly (the event JSON is the invocation's input):
// each event is routed as if it came from topicARN, so the configurations
// listing that topic receive it. It returns an error when the event was not
// delivered to every channel, so that Lambda's asynchronous retries and the
// function's on-failure destination (or dead-letter queue) apply. topicARN
// is required.
func EventBridgeHandler(h notify.Handler, topicARN string, opts ...Option) (func(ctx context.Context, event json.RawMessage) error, error) {
	if h == nil {
		return nil, errors.New("lambdasource: nil handler")
	}
	if topicARN == "" {
		return nil, errors.New("lambdasource: EventBridgeHandler needs the topic ARN its events are routed as")
	}
	o := build(opts)
	return func(ctx context.Context, event json.RawMessage) error {
		ctx, cancel := o.waitContext(ctx)
		defer cancel()
		env, err := EventBridgeEnvelope(event, topicARN)
		if err != nil {
			o.log.ErrorContext(ctx, "eventbridge event malformed", "error", err)
			return err
		}
		if err := h.HandleEnvelope(ctx, env); err != nil {
			o.log.Log(ctx, notify.FailureLevel(err), "eventbridge event not delivered; Lambda will retry", "event_id", env.MessageID, "error", err)
			return fmt.Errorf("lambdasource: eventbridge event %s: %w", env.MessageID, err)
		}
		return nil
	}, nil
}
