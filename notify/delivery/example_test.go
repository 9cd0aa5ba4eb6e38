package delivery_test

import (
	"context"
	"fmt"
	"log"

	"github.com/opschat/opschat/adapters/fake"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
	"github.com/opschat/opschat/notify/delivery"
)

func ExampleDeliverer() {
	slack := fake.New(fake.WithPlatform(chat.PlatformSlack))
	d, err := delivery.New(memstore.New(nil), delivery.WithSender(chat.PlatformSlack, slack))
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	conv := slack.Conversation("T1", "C-ops")
	alarm := delivery.Job{Conversation: conv, DedupKey: "ops/8a0c1f",
		Message: chat.Message{Title: "ALARM | cpu-high", ThreadKey: "arn:aws:cloudwatch:us-east-1:1:alarm:cpu-high"}}
	recovered := delivery.Job{Conversation: conv, DedupKey: "ops/77b2d9",
		Message: chat.Message{Title: "OK | cpu-high", ThreadKey: alarm.Message.ThreadKey}}
	ctx := context.Background()
	for _, j := range []delivery.Job{alarm, alarm, recovered} { // the second is an SQS redelivery
		if err := d.Deliver(ctx, j); err != nil {
			log.Fatal(err)
		}
	}
	for _, p := range slack.Sent() {
		fmt.Printf("%q in thread %q\n", p.Message.Title, p.Ref.Conversation.ThreadID)
	}
	// Output:
	// "ALARM | cpu-high" in thread ""
	// "OK | cpu-high" in thread "m1"
}

func ExampleBuildDigest() {
	m := delivery.BuildDigest("d-1", []delivery.DigestItem{
		{Title: "disk 80%", Severity: chat.SeverityWarning, Kind: "CloudWatch Alarm", State: "ALARM"},
		{Title: "api down", Severity: chat.SeverityCritical, Kind: "CloudWatch Alarm", State: "ALARM"},
		{Title: "deploy done", Severity: chat.SeverityInfo, Kind: "CodePipeline"},
	})
	fmt.Println(m.Title)
	fmt.Println(m.Text)
	for _, f := range m.Fields {
		fmt.Printf("%s: %s\n", f.Name, f.Value)
	}
	fmt.Println(m.Buttons[0].Label, m.Buttons[0].Value)
	// Output:
	// 3 notifications arrived faster than this channel can take them
	// Most severe first:
	// - CRITICAL api down
	// - WARNING disk 80%
	// - INFO deploy done
	// CloudWatch Alarm ALARM: 2
	// CodePipeline: 1
	// Show all 3 d-1
}
