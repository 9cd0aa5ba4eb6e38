package sqssource_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/sqssource"
)

func ExampleNew() {
	client := sqs.NewFromConfig(aws.Config{Region: "us-east-1"})
	handler := notify.HandlerFunc(func(ctx context.Context, env *notify.Envelope) error { return nil })
	src, err := sqssource.New(client, "https://sqs.us-east-1.amazonaws.com/123456789012/opschat", handler,
		sqssource.WithConcurrency(20))
	fmt.Println(src != nil, err)
	// go src.Run(ctx): deletes each message only after handler returned nil.

	_, err = sqssource.New(client, "", handler, sqssource.WithConcurrency(0))
	fmt.Println(err)
	// Output:
	// true <nil>
	// sqssource: empty queue URL
	// sqssource: concurrency 0: want at least 1
}
