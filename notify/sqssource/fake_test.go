package sqssource_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// fakeSQS is an in-memory queue with SQS's visibility semantics and a
// redrive policy (maxReceive, then the message moves to dlq).
type fakeSQS struct {
	mu         sync.Mutex
	msgs       []*fmsg
	dlq        []*fmsg
	gone       []*fmsg // deleted
	maxReceive int
	seq        int
	extends    int
}

type fmsg struct {
	id, body string
	until    time.Time
	receipt  string
	receives int
	deleted  bool
	attrs    map[string]types.MessageAttributeValue
	inflight bool
}

func (f *fakeSQS) send(body string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	id := fmt.Sprintf("sqs-%d", f.seq)
	f.msgs = append(f.msgs, &fmsg{id: id, body: body})
	return id
}

// sendAttrs enqueues body with a TopicArn message attribute (none when
// topic is empty).
func (f *fakeSQS) sendAttrs(body, topic string) string {
	id := f.send(body)
	if topic == "" {
		return id
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs[len(f.msgs)-1].attrs = map[string]types.MessageAttributeValue{
		"TopicArn": {DataType: aws.String("String"), StringValue: aws.String(topic)}}
	return id
}

// deleted returns how many messages a consumer deleted.
func (f *fakeSQS) deleted() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.gone)
	for _, m := range f.msgs {
		if m.deleted {
			n++
		}
	}
	return n
}

func (f *fakeSQS) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	deadline := time.Now().Add(time.Duration(in.WaitTimeSeconds) * time.Second)
	for {
		out := f.receiveNow(in)
		if len(out.Messages) > 0 || !time.Now().Before(deadline) {
			return out, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func (f *fakeSQS) receiveNow(in *sqs.ReceiveMessageInput) *sqs.ReceiveMessageOutput {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	out := &sqs.ReceiveMessageOutput{}
	var keep []*fmsg
	for _, m := range f.msgs {
		if m.deleted {
			f.gone = append(f.gone, m)
			continue
		}
		if len(out.Messages) < int(in.MaxNumberOfMessages) && !now.Before(m.until) {
			if f.maxReceive > 0 && m.receives >= f.maxReceive {
				f.dlq = append(f.dlq, m)
				continue
			}
			m.receives++
			f.seq++
			m.receipt = fmt.Sprintf("rh-%d", f.seq)
			m.until = now.Add(time.Duration(in.VisibilityTimeout) * time.Second)
			out.Messages = append(out.Messages, types.Message{MessageId: aws.String(m.id), Body: aws.String(m.body),
				ReceiptHandle: aws.String(m.receipt), MessageAttributes: m.attrs,
				Attributes: map[string]string{"ApproximateReceiveCount": fmt.Sprint(m.receives)}})
		}
		keep = append(keep, m)
	}
	f.msgs = keep
	return out
}

func (f *fakeSQS) find(receipt *string) (*fmsg, error) {
	for _, m := range f.msgs {
		if m.receipt == aws.ToString(receipt) && !m.deleted {
			return m, nil
		}
	}
	return nil, errors.New("ReceiptHandleIsInvalid")
}

func (f *fakeSQS) DeleteMessage(_ context.Context, in *sqs.DeleteMessageInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.find(in.ReceiptHandle)
	if err != nil {
		return nil, err
	}
	m.deleted = true
	return &sqs.DeleteMessageOutput{}, nil
}

func (f *fakeSQS) ChangeMessageVisibility(_ context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.find(in.ReceiptHandle)
	if err != nil {
		return nil, err
	}
	if in.VisibilityTimeout > 0 {
		f.extends++
	}
	m.until = time.Now().Add(time.Duration(in.VisibilityTimeout) * time.Second)
	return &sqs.ChangeMessageVisibilityOutput{}, nil
}

// state returns how many messages are live, deleted-by-consumer and in the DLQ.
func (f *fakeSQS) state() (live int, dlq int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.msgs {
		if !m.deleted {
			live++
		}
	}
	return live, len(f.dlq)
}

func (f *fakeSQS) receivesOf(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range append(append(f.msgs, f.dlq...), f.gone...) {
		if m.id == id {
			return m.receives
		}
	}
	return -1
}

func (f *fakeSQS) extensions() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.extends
}
