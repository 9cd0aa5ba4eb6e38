package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/chat"
)

// Text from AWS or from users is escaped: it cannot ping the channel or
// forge a link, while the message's own Markdown link stays a link.
func ExampleRender() {
	r, err := slack.Render(chat.Message{
		Text:    "Stack **failed** (reason: <!channel> rollback) — [events](https://console.aws.amazon.com/cloudformation)",
		Buttons: []chat.Button{{ID: "show-events", Label: "Show events", Value: "cloudformation describe-stack-events"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	b, _ := json.Marshal(r.Blocks[0])
	fmt.Println(string(b))
	fmt.Println(len(r.Blocks), "blocks")
	// Output:
	// {"type":"section","text":{"type":"mrkdwn","text":"Stack *failed* (reason: \u0026lt;!channel\u0026gt; rollback) — \u003chttps://console.aws.amazon.com/cloudformation|events\u003e","verbatim":true}}
	// 2 blocks
}

// A bot for one workspace over Socket Mode, with the HTTP handler mounted for
// deployments that also receive HTTP requests.
func ExampleNew() {
	a, err := slack.New(
		slack.WithBotToken(os.Getenv("SLACK_BOT_TOKEN")),
		slack.WithAppToken(os.Getenv("SLACK_APP_TOKEN")),
		slack.WithSigningSecret(os.Getenv("SLACK_SIGNING_SECRET")),
	)
	if err != nil {
		log.Fatal(err)
	}
	go func() { log.Fatal(http.ListenAndServe(":3000", a.HTTPHandler())) }()
	handler := chat.HandlerFunc(func(ctx context.Context, in chat.Inbound, r chat.Replier) error {
		_, err := r.Reply(ctx, chat.Message{Text: "you said: " + chat.EscapeMarkdown(in.Text)})
		return err
	})
	if err := a.Listen(context.Background(), handler); err != nil {
		log.Fatal(err)
	}
}
