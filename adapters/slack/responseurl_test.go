package slack_test

import (
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/slack"
)

// A response_url is a bearer credential (anyone holding it can post into
// the channel for 30 minutes): a failed post must not put it in the error
// the handler sees (and writes to its audit log) or in the adapter's logs.
func TestResponseURLNotInErrorsOrLogs(t *testing.T) {
	e := newEnv(t, slack.WithAppToken(""))
	rec := &recorder{}
	listen(t, e.adapter, rec)
	e.fake.failWith("chat.postMessage", "not_in_channel")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := "http://" + ln.Addr().String() + "/commands/T0001/123/s3cr3tHookPath"
	require.NoError(t, ln.Close())
	form := url.Values{
		"command": {"/aws"}, "text": {"help"}, "team_id": {testTeam}, "channel_id": {"C0009"},
		"channel_name": {"ops"}, "user_id": {"U1"}, "response_url": {dead}, "trigger_id": {"tr"},
	}.Encode()
	w := serve(e.adapter.HTTPHandler(), signed(t, slack.PathCommands, "application/x-www-form-urlencoded", form, time.Now(), testSigning))
	require.Equal(t, http.StatusOK, w.Code)
	waitFor(t, "the command", func() bool { return rec.count() == 1 })
	_, _, err = rec.last()
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cr3tHookPath")
	assert.NotContains(t, e.logs.String(), "s3cr3tHookPath")
}
