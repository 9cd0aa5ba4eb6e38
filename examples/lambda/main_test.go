package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/fake"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/internal/dynalite"
	"github.com/opschat/opschat/store/dynamostore"
)

const topic = "arn:aws:sns:us-east-1:123456789012:ops-alerts"

func setup(t *testing.T) (*handler, *fake.Adapter, chatops.Store) {
	t.Helper()
	endpoint := dynalite.Start(t)
	client := dynamodb.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")})
	if err := dynamostore.CreateTable(context.Background(), client, "opschat"); !errors.Is(err, dynamostore.ErrTTLUnsupported) {
		require.NoError(t, err)
	}
	store, err := dynamostore.New(client, "opschat")
	require.NoError(t, err)
	a := fake.New()
	env := envOf(func(k string) string {
		return map[string]string{"OPSCHAT_CONFIG": "testdata/opschat.yaml", "OPSCHAT_TABLE": "opschat", "OPSCHAT_DEFAULT_TOPIC": topic}[k]
	})
	h, err := newHandler(env, store, slog.New(slog.DiscardHandler), chatops.WithAdapter(a))
	require.NoError(t, err)
	return h, a, store
}

func sample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../notify/testdata/samples/" + name)
	require.NoError(t, err)
	return string(b)
}

// snsEvent wraps an SNS envelope sample as Lambda's SNS event.
func snsEvent(t *testing.T, envelope string) json.RawMessage {
	t.Helper()
	var env map[string]any
	require.NoError(t, json.Unmarshal([]byte(envelope), &env))
	env["TopicArn"] = topic
	raw, err := json.Marshal(map[string]any{"Records": []any{map[string]any{"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": env}}})
	require.NoError(t, err)
	return raw
}

func sqsEvent(t *testing.T, bodies ...string) json.RawMessage {
	t.Helper()
	var recs []events.SQSMessage
	for i, b := range bodies {
		recs = append(recs, events.SQSMessage{MessageId: fmt.Sprintf("m-%d", i), Body: b, EventSource: "aws:sqs",
			EventSourceARN: "arn:aws:sqs:us-east-1:123456789012:opschat"})
	}
	raw, err := json.Marshal(events.SQSEvent{Records: recs})
	require.NoError(t, err)
	return raw
}

func TestLambdaEventSources(t *testing.T) {
	h, a, _ := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	alarm := sample(t, "cloudwatch-alarm-lambda.json")

	_, err := h.handle(ctx, snsEvent(t, alarm))
	require.NoError(t, err)
	require.Len(t, a.Sent(), 1, "SNS → posted")
	_, err = h.handle(ctx, snsEvent(t, alarm))
	require.NoError(t, err)
	require.Len(t, a.Sent(), 1, "a redelivered SNS message is deduplicated through the table")

	_, err = h.handle(ctx, json.RawMessage(sample(t, "eventbridge-guardduty.json")))
	require.NoError(t, err)
	require.Len(t, a.Sent(), 2, "EventBridge invoking the function directly → posted, routed as the default topic")

	resp, err := h.handle(ctx, sqsEvent(t, sample(t, "eventbridge-health.json")))
	require.NoError(t, err)
	require.IsType(t, events.SQSEventResponse{}, resp)
	assert.Empty(t, resp.(events.SQSEventResponse).BatchItemFailures)
	require.Len(t, a.Sent(), 3, "a raw EventBridge event in SQS → routed as the default topic")

	_, err = h.handle(ctx, json.RawMessage(`{"hello": "world"}`))
	assert.ErrorIs(t, err, ErrUnknownEvent, "never acknowledged as handled")
}

// A notification the chat platform refuses is never acknowledged: the SQS
// record is reported as a batch item failure, the SNS invocation fails,
// and a dead letter is kept in the table.
func TestLambdaFailedDeliveryIsNotAcknowledged(t *testing.T) {
	h, a, store := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a.FailNext(1000, &chat.SendError{Platform: "fake", StatusCode: 400, Err: errors.New("invalid_blocks")})

	resp, err := h.handle(ctx, sqsEvent(t, sample(t, "cloudwatch-alarm-lambda.json"), sample(t, "eventbridge-health.json")))
	require.NoError(t, err)
	fails := resp.(events.SQSEventResponse).BatchItemFailures
	require.Len(t, fails, 2)
	assert.ElementsMatch(t, []string{"m-0", "m-1"}, []string{fails[0].ItemIdentifier, fails[1].ItemIdentifier})

	_, err = h.handle(ctx, snsEvent(t, sample(t, "cloudwatch-alarm-composite.json")))
	assert.Error(t, err, "SNS invocation fails, so Lambda retries it")

	dls, err := store.List(ctx, "deadletter", "")
	require.NoError(t, err)
	assert.Len(t, dls, 3, "each failure is kept durably in the table")
}
