package chime_test

import (
	"fmt"

	"github.com/opschat/opschat/adapters/chime"
	"github.com/opschat/opschat/chat"
)

func ExampleRender() {
	md := chime.Render(chat.Message{
		Title:    "ALARM: HighErrors",
		Severity: chat.SeverityCritical,
		Text:     "Errors **above** threshold, cc @All",
		Fields:   []chat.Field{{Name: "Region", Value: "us-east-1"}},
	})
	for _, post := range chime.Split(md, chime.DefaultMaxContentBytes, chime.DefaultMaxParts) {
		fmt.Printf("%q\n", post)
	}
	// Output:
	// "/md 🚨 **ALARM: HighErrors**\nErrors **above** threshold, cc @\u200bAll\n\n**Region:** us-east-1"
}

func ExampleNew() {
	_, err := chime.New(map[string]string{"ops-room": "https://example.com/hook?token=abc"})
	fmt.Println(err)
	// Output:
	// chime: webhooks["ops-room"]: URL is not a Chime incoming webhook (https://hooks.chime.aws/incomingwebhooks/<id>?token=<token>, at most 255 characters)
}
