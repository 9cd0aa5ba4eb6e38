package snshttp_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/snshttp"
)

func ExampleNew() {
	next := notify.HandlerFunc(func(ctx context.Context, env *notify.Envelope) error {
		fmt.Println("notification from", env.TopicARN)
		return nil
	})
	// Production defaults: https SNS hosts of the topic's region only,
	// system roots, 1 MiB bodies, messages at most an hour old.
	h, err := snshttp.New(next, snshttp.WithTopics("arn:aws:sns:us-east-1:123456789012:alerts"))
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("/sns", h)
	host, _ := snshttp.SNSHost("arn:aws-cn:sns:cn-north-1:123456789012:alerts")
	fmt.Println(host)
	// Output: sns.cn-north-1.amazonaws.com.cn
}
