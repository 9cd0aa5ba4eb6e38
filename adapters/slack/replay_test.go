package slack_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/slack"
)

// A captured request whose signature is re-encoded (the hex re-cased) is
// the same signed request: it must be refused as a replay, not run again.
func TestHTTPReplayWithReencodedSignatureRefused(t *testing.T) {
	e := newEnv(t, slack.WithAppToken(""))
	rec := &recorder{}
	listen(t, e.adapter, rec)
	h := e.adapter.HTTPHandler()
	form := url.Values{"command": {"/aws"}, "text": {"ec2 reboot-instances --instance-ids i-1"}, "team_id": {testTeam},
		"channel_id": {"C0001"}, "channel_name": {"ops"}, "user_id": {"U1"}, "trigger_id": {"tr-replay"}}.Encode()
	now := time.Now()
	good := signed(t, slack.PathCommands, "application/x-www-form-urlencoded", form, now, testSigning)
	sig := good.Header.Get("X-Slack-Signature")
	require.Equal(t, http.StatusOK, serve(h, good).Code)

	hexPart := strings.TrimPrefix(sig, "v0=")
	mixed := []byte(hexPart)
	for i := range mixed {
		if i%2 == 0 {
			mixed[i] = strings.ToUpper(string(mixed[i]))[0]
		}
	}
	variants := map[string]string{
		"verbatim":   sig,
		"upper hex":  "v0=" + strings.ToUpper(hexPart),
		"mixed hex":  "v0=" + string(mixed),
		"upper all":  strings.ToUpper(sig),
		"padded":     " " + sig + " ",
		"no version": hexPart,
	}
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			r := signed(t, slack.PathCommands, "application/x-www-form-urlencoded", form, now, testSigning)
			r.Header.Set("X-Slack-Signature", v)
			assert.Equal(t, http.StatusUnauthorized, serve(h, r).Code, "signature %q replays the request", v)
		})
	}
	// A different command is still accepted: only the replays were refused.
	other := strings.Replace(form, "tr-replay", "tr-other", 1)
	require.Equal(t, http.StatusOK, serve(h, signed(t, slack.PathCommands, "application/x-www-form-urlencoded", other, now, testSigning)).Code)
	waitFor(t, "both commands", func() bool { return rec.count() == 2 })
	time.Sleep(50 * time.Millisecond) // a replay accepted by mistake would be dispatched by now
	assert.Equal(t, 2, rec.count(), "the replayed command ran again")
}
