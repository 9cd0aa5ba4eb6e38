package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

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

// Inline image uploads left behind by a process that died between the
// upload and the post are deleted by a sweep: periodically while Listen
// runs, or on demand (from a maintenance job, say). The app needs the
// files:read scope, and a Store that outlives the process.
func ExampleAdapter_SweepUploads() {
	var store slack.Store // the host's durable Store, e.g. a chatops Store
	a, err := slack.New(
		slack.WithBotToken(os.Getenv("SLACK_BOT_TOKEN")),
		slack.WithStore(store),
		// Every 6 hours, files older than DefaultSweepAge (an hour).
		slack.WithUploadSweep(6*time.Hour, 0),
	)
	if err != nil {
		log.Fatal(err)
	}
	deleted, err := a.SweepUploads(context.Background(), slack.DefaultSweepAge)
	if errors.Is(err, slack.ErrMissingScope) {
		log.Fatal("add files:read to the Slack app's bot scopes and reinstall it")
	}
	fmt.Println(deleted, "orphaned inline images deleted", err)
}
