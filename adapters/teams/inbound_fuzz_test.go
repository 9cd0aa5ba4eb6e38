package teams

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/infracloudio/msbotbuilder-go/schema"
)

// FuzzInbound feeds arbitrary activity JSON (as it arrives after token
// validation) through the mapping to chat.Inbound and the conversation
// store: it must never panic, and a mention of the bot never survives in
// the text.
func FuzzInbound(f *testing.F) {
	f.Add(`{"type":"message","id":"1","serviceUrl":"https://s/","text":"<at>aws</at> ec2 describe-instances","recipient":{"id":"28:b"},"conversation":{"conversationType":"channel","id":"19:c@thread.tacv2;messageid=1"},"entities":[{"type":"mention","text":"<at>aws</at>","mentioned":{"id":"28:b"}}],"channelData":{"team":{"id":"19:t"},"tenant":{"id":"x"}}}`)
	f.Add(`{"type":"message","value":{"opschat":"form","id":"f","input.a":1,"input.b":null,"input.c":["x"]},"conversation":{"conversationType":"personal","id":"a:1"}}`)
	f.Add(`{"type":"conversationUpdate","serviceUrl":"https://s/","conversation":{"id":"19%3Ax"},"channelData":{"eventType":"channelCreated","channel":{"id":"19%zz"},"team":{"id":"t","aadGroupId":"g"}}}`)
	f.Fuzz(func(t *testing.T, body string) {
		var act schema.Activity
		var raw rawActivity
		if json.Unmarshal([]byte(body), &act) != nil || json.Unmarshal([]byte(body), &raw) != nil {
			return
		}
		a, err := New("app", "pw")
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		a.remember(ctx, act, raw)
		in, ok := a.inbound(ctx, act, raw)
		if !ok || in.Kind != "mention" {
			return
		}
		for _, e := range raw.Entities {
			if e.Type == "mention" && e.Mentioned.ID == act.Recipient.ID && len(strings.Fields(e.Text)) == 1 &&
				strings.TrimSpace(e.Text) == e.Text && strings.Contains(in.Text, e.Text) {
				t.Fatalf("bot mention %q survived in %q", e.Text, in.Text)
			}
		}
	})
}
