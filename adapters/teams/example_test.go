package teams_test

import (
	"fmt"
	"strings"

	"github.com/opschat/opschat/adapters/teams"
	"github.com/opschat/opschat/chat"
)

func ExampleNormalizeChannelID() {
	// AWS Chatbot's TeamsChannelId is URL-encoded; the Bot Framework sends
	// the decoded form.
	fmt.Println(teams.NormalizeChannelID("19%3a1a2b3c%40thread.tacv2"))
	// Output: 19:1a2b3c@thread.tacv2
}

func ExampleRender() {
	card := teams.Render(chat.Message{
		Title:    "ALARM: HighErrors",
		Text:     "Errors **above** threshold",
		Severity: chat.SeverityCritical,
		Fields:   []chat.Field{{Name: "Region", Value: "us-east-1"}},
		Buttons:  []chat.Button{{ID: "show-logs", Label: "Show logs", Value: "logs tail /aws/lambda/f"}},
	}, teams.RenderOptions{})
	fmt.Println(card.Type, card.Version)
	for _, el := range card.Body {
		fmt.Println(strings.TrimSpace(el.Type + " " + el.Style))
	}
	fmt.Println(card.Actions[0].Type, card.Actions[0].Data["id"])
	// Output:
	// AdaptiveCard 1.5
	// Container attention
	// RichTextBlock
	// FactSet
	// Action.Submit show-logs
}
