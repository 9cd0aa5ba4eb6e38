package delivery_test

import (
	"context"
	"errors"
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
		if p.Updated { // the alarm's first message shows its current state
			fmt.Printf("message %s now shows %q\n", p.Ref.MessageID, p.Message.Title)
			continue
		}
		fmt.Printf("%q in thread %q\n", p.Message.Title, p.Ref.Conversation.ThreadID)
	}
	// Output:
	// "ALARM | cpu-high" in thread ""
	// "OK | cpu-high" in thread "m1"
	// message m1 now shows "OK | cpu-high"
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

// A notification the platform refuses is not acknowledged: the source is
// told (errors.Is ErrNotDelivered), the dead letter keeps the whole
// notification, and Retry replays it once the cause is fixed.
func ExampleDeliverer_Retry() {
	slack := fake.New(fake.WithPlatform(chat.PlatformSlack))
	flaky := &switchable{Sender: slack, down: true}
	d, err := delivery.New(memstore.New(nil), delivery.WithSender(chat.PlatformSlack, flaky))
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	j := delivery.Job{Conversation: slack.Conversation("T1", "C-ops"), DedupKey: "ops/8a0c1f",
		Message: chat.Message{Title: "ALARM | cpu-high"}, Configuration: "ops"}
	err = d.Deliver(ctx, j)
	fmt.Println("acknowledge:", err == nil, "not delivered:", errors.Is(err, delivery.ErrNotDelivered))

	dls, _ := d.DeadLetters(ctx)
	fmt.Printf("dead letter: %q to %s, %d attempt(s)\n", dls[0].Message.Title, dls[0].Conversation.ChannelID, dls[0].Attempts)

	flaky.down = false // the bot was invited to the channel
	if err := d.Retry(ctx, dls[0].ID); err != nil {
		log.Fatal(err)
	}
	dls, _ = d.DeadLetters(ctx)
	fmt.Println("posted:", len(slack.Sent()), "dead letters left:", len(dls))
	// Output:
	// acknowledge: false not delivered: true
	// dead letter: "ALARM | cpu-high" to C-ops, 1 attempt(s)
	// posted: 1 dead letters left: 0
}

// switchable refuses every post while down, like a channel the bot is not
// in.
type switchable struct {
	chat.Sender
	down bool
}

func (s *switchable) Send(ctx context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	if s.down {
		return chat.Ref{}, chat.ClassifyHTTP(chat.PlatformSlack, 404, 0, errors.New("channel_not_found"))
	}
	return s.Sender.Send(ctx, conv, m)
}
