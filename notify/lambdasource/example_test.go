package lambdasource_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/lambdasource"
)

func ExampleSQSHandler() {
	deliver := notify.HandlerFunc(func(ctx context.Context, env *notify.Envelope) error {
		if env.Message == "chat is down" {
			return fmt.Errorf("not delivered")
		}
		return nil
	})
	// Raw bodies (EventBridge → SQS) are routed as if from this topic.
	handler := lambdasource.SQSHandler(deliver, lambdasource.WithDefaultTopic("arn:aws:sns:us-east-1:123456789012:ops")) // lambda.Start(handler) in main
	resp, _ := handler(context.Background(), events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "1", Body: "all good"},
		{MessageId: "2", Body: "chat is down"},
	}})
	for _, f := range resp.BatchItemFailures {
		fmt.Println("retry", f.ItemIdentifier)
	}
	// Output: retry 2
}

func ExampleEventBridgeHandler() {
	deliver := notify.HandlerFunc(func(ctx context.Context, env *notify.Envelope) error {
		fmt.Println("routed as", env.TopicARN, "event", env.MessageID)
		return nil
	})
	// The rule's target is the function; its events reach the
	// configurations that list this topic ARN.
	handler, err := lambdasource.EventBridgeHandler(deliver, "arn:aws:sns:us-east-1:123456789012:ops")
	if err != nil {
		fmt.Println(err)
		return
	}
	err = handler(context.Background(), []byte(`{"version":"0","id":"6a7e8feb","source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"state":"stopped"}}`))
	fmt.Println("error:", err)
	// Output:
	// routed as arn:aws:sns:us-east-1:123456789012:ops event 6a7e8feb
	// error: <nil>
}
