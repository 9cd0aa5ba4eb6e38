package lambdasource_test

import (
	"encoding/json"
	"testing"

	"github.com/opschat/opschat/notify/lambdasource"
)

// FuzzEventBridgeEnvelope: any input either is refused or becomes a raw
// envelope that carries it unchanged, routed as the given topic.
func FuzzEventBridgeEnvelope(f *testing.F) {
	for _, s := range []string{`{"id":"e1","source":"aws.ec2","detail":{}}`, `{"id":7}`, `[]`, `null`, `{`, `"x"`, `{"id":"\u0000"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, event []byte) {
		env, err := lambdasource.EventBridgeEnvelope(event, "arn:aws:sns:us-east-1:1:t")
		if err != nil {
			return
		}
		if !json.Valid(event) {
			t.Fatalf("accepted invalid JSON %q", event)
		}
		if !env.Raw || env.Message != string(event) || env.TopicARN != "arn:aws:sns:us-east-1:1:t" {
			t.Fatalf("envelope %+v does not carry %q", env, event)
		}
	})
}
