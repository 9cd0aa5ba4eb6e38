package lambdasource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/opschat/opschat/notify"
)

// Option configures the handlers.
type Option func(*options)

type options struct {
	concurrency int
	log         *slog.Logger
}

// WithConcurrency sets how many records of one event are handled at once
// (default 10). Use 1 for FIFO queues, where order within a message group
// matters.
func WithConcurrency(n int) Option { return func(o *options) { o.concurrency = max(n, 1) } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

func build(opts []Option) options {
	o := options{concurrency: 10}
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
// lambda.Start). It returns an error when any record could not be handled,
// so Lambda retries the event; records already delivered are skipped on the
// retry by delivery's dedup keys.
func SNSHandler(h notify.Handler, opts ...Option) func(ctx context.Context, ev events.SNSEvent) error {
	o := build(opts)
	return func(ctx context.Context, ev events.SNSEvent) error {
		errs := make([]error, len(ev.Records))
		each(ctx, len(ev.Records), o.concurrency, func(ctx context.Context, i int) {
			env := SNSEnvelope(ev.Records[i].SNS)
			if err := h.HandleEnvelope(ctx, env); err != nil {
				o.log.ErrorContext(ctx, "sns record not handled", "message_id", env.MessageID, "error", err)
				errs[i] = fmt.Errorf("lambdasource: sns record %s: %w", env.MessageID, err)
			}
		})
		return errors.Join(errs...)
	}
}

// SQSHandler returns a Lambda handler for SQS events that reports partial
// batch failures: only the records listed in BatchItemFailures return to
// the queue (and, if they keep failing, go to its dead-letter queue). The
// event source mapping must have ReportBatchItemFailures enabled, or Lambda
// ignores the response and deletes the whole batch on success.
func SQSHandler(h notify.Handler, opts ...Option) func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	o := build(opts)
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		failed := make([]bool, len(ev.Records))
		each(ctx, len(ev.Records), o.concurrency, func(ctx context.Context, i int) {
			rec := ev.Records[i]
			env, err := SQSEnvelope(rec)
			if err == nil {
				err = h.HandleEnvelope(ctx, env)
			}
			if err != nil {
				o.log.ErrorContext(ctx, "sqs record not handled; returned to the queue", "message_id", rec.MessageId, "error", err)
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
