package fake_test

import (
	"context"
	"fmt"
	"log"

	"github.com/opschat/opschat/adapters/fake"
	"github.com/opschat/opschat/chatops"
)

// A host's unit test drives its bot through the fake adapter: say
// something, click a button, read what the bot posted. No network.
func Example() {
	cfg, err := chatops.LoadConfig([]byte(`
configurations:
  - ConfigurationName: ops
    Platform: fake
    WorkspaceId: T1
    ChannelId: C1
    IamRoleArn: arn:aws:iam::123456789012:role/ops
`))
	if err != nil {
		log.Fatal(err)
	}
	chat := fake.New()
	bot, err := chatops.New(chatops.WithAdapter(chat), chatops.WithConfig(cfg), chatops.WithAuditWriter(discard{}))
	if err != nil {
		log.Fatal(err)
	}
	chat.SetHandler(bot) // or run bot.Run(ctx) in a goroutine

	ctx := context.Background()
	if err := chat.Say(ctx, chat.Conversation("T1", "C1"), "U123", "@aws help"); err != nil {
		log.Fatal(err)
	}
	last, _ := chat.Last()
	fmt.Println(last.Message.Title)
	fmt.Println(last.Ref.Conversation.ThreadID != "") // replies go to the thread

	if err := chat.Say(ctx, chat.Conversation("T1", "C9"), "U123", "@aws help"); err != nil {
		log.Fatal(err)
	}
	last, _ = chat.Last()
	fmt.Println(last.Message.Title)
	// Output:
	// opschat help
	// true
	// This channel is not configured
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
