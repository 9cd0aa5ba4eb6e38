package agents_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentruntime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/assist/agents"
	"github.com/opschat/opschat/internal/bedrocksim"
)

const (
	agentID = "AGENT12345"
	aliasID = "TSTALIASID"
	arn     = "arn:aws:bedrock:us-west-2:123456789012:agent/AGENT12345"
)

func TestParseConnector(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, arn, alias string
		errs             []string
	}{
		{name: "runbooks", arn: arn, alias: aliasID},
		{name: "Ops_Helper-2", arn: "arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:agent/abcDEF1234", alias: "A1B2C3D4E5"},
		{name: "", arn: arn, alias: aliasID, errs: []string{"the name is empty"}},
		{name: "-dash", arn: arn, alias: aliasID, errs: []string{"may only hold letters"}},
		{name: "has space", arn: arn, alias: aliasID, errs: []string{"may only hold letters"}},
		{name: strings.Repeat("a", 65), arn: arn, alias: aliasID, errs: []string{"longer than 64"}},
		{name: "x", arn: "arn:aws:bedrock:us-west-2:123456789012:agent-alias/AGENT12345/TSTALIASID", alias: aliasID, errs: []string{"is not a Bedrock agent ARN"}},
		{name: "x", arn: "arn:aws:lambda:us-west-2:123456789012:function/f", alias: aliasID, errs: []string{"is not a Bedrock agent ARN"}},
		{name: "x", arn: "arn:aws:bedrock:us-west-2:12345:agent/AGENT12345", alias: aliasID, errs: []string{"is not a Bedrock agent ARN"}},
		{name: "x", arn: "arn:aws:bedrock:us-west-2:123456789012:agent/SHORT", alias: aliasID, errs: []string{"is not a Bedrock agent ARN"}},
		{name: "x", arn: arn, alias: "alias-1", errs: []string{"alias ID"}},
		{name: "bad name", arn: "nope", alias: "", errs: []string{"may only hold letters", "not a Bedrock agent ARN", "alias ID"}},
	} {
		t.Run(c.name+"|"+c.arn+"|"+c.alias, func(t *testing.T) {
			t.Parallel()
			conn, err := agents.ParseConnector(c.name, c.arn, c.alias)
			if len(c.errs) == 0 {
				require.NoError(t, err)
				assert.Equal(t, c.name, conn.Name)
				assert.Regexp(t, `^[0-9A-Za-z]{10}$`, conn.AgentID)
				assert.Equal(t, "123456789012", conn.AccountID)
				assert.Contains(t, c.arn, ":"+conn.Region+":")
				return
			}
			require.ErrorIs(t, err, agents.ErrInvalidConnector)
			for _, want := range c.errs {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
	conn, err := agents.ParseConnector("runbooks", arn, aliasID)
	require.NoError(t, err)
	assert.Equal(t, agents.Connector{Name: "runbooks", AgentARN: arn, AliasID: aliasID, Partition: "aws",
		Region: "us-west-2", AccountID: "123456789012", AgentID: agentID}, conn)
}

func TestCheckConnectorLimit(t *testing.T) {
	t.Parallel()
	assert.NoError(t, agents.CheckConnectorLimit(0))
	assert.NoError(t, agents.CheckConnectorLimit(9))
	assert.ErrorIs(t, agents.CheckConnectorLimit(10), agents.ErrTooManyConnectors)
	assert.ErrorIs(t, agents.CheckConnectorLimit(11), agents.ErrTooManyConnectors)
}

func TestSessionID(t *testing.T) {
	t.Parallel()
	a := agents.SessionID("slack/T1/C1/1700000000.000100")
	assert.Equal(t, a, agents.SessionID("slack/T1/C1/1700000000.000100"), "stable")
	assert.NotEqual(t, a, agents.SessionID("slack/T1/C1/1700000000.000200"))
	assert.Regexp(t, `^[0-9A-Za-z._:-]{2,100}$`, a)
	assert.NotContains(t, a, "C1", "the thread key is not sent")
}

func newClient(t *testing.T, sim *bedrocksim.Server, opts ...agents.Option) *agents.Client {
	t.Helper()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	api := bedrockagentruntime.NewFromConfig(aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
	}, func(o *bedrockagentruntime.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	c, err := agents.New(api, opts...)
	require.NoError(t, err)
	return c
}

func TestInvokeAgent(t *testing.T) {
	t.Parallel()
	sim := bedrocksim.New()
	sim.AddAgent(bedrocksim.Agent{ID: agentID, AliasID: aliasID, Reply: func(session, text string, turn int) bedrocksim.AgentReply {
		switch {
		case strings.Contains(text, "long"):
			return bedrocksim.AgentReply{Chunks: []string{strings.Repeat("a", 2000), strings.Repeat("b", 2000)}}
		case strings.Contains(text, "slow"):
			return bedrocksim.AgentReply{Chunks: []string{"late"}, Delay: 10 * time.Second}
		case strings.Contains(text, "fail"):
			return bedrocksim.AgentReply{Chunks: []string{"partial "}, Exception: "dependencyFailedException"}
		}
		return bedrocksim.AgentReply{Chunks: []string{"Runbook: ", fmt.Sprintf("restart the service (turn %d, %s)", turn, text)}}
	}})
	c := newClient(t, sim, agents.WithTimeout(300*time.Millisecond))
	session := agents.SessionID("thread-1")

	r, err := c.InvokeAgent(context.Background(), agentID, aliasID, session, "how do I restart payments?")
	require.NoError(t, err)
	assert.Equal(t, "Runbook: restart the service (turn 0, how do I restart payments?)", r.Text)
	assert.Equal(t, session, r.SessionID)
	assert.False(t, r.Truncated)

	// A follow-up in the same thread continues the session.
	conn, err := agents.ParseConnector("runbooks", arn, aliasID)
	require.NoError(t, err)
	r, err = c.Ask(context.Background(), conn, session, "and then?")
	require.NoError(t, err)
	assert.Contains(t, r.Text, "turn 1")

	r, err = c.InvokeAgent(context.Background(), agentID, aliasID, session, "a long answer")
	require.NoError(t, err)
	assert.True(t, r.Truncated)
	assert.LessOrEqual(t, len([]rune(r.Text)), agents.MaxAnswerChars)

	start := time.Now()
	_, err = c.InvokeAgent(context.Background(), agentID, aliasID, session, "slow one")
	require.ErrorIs(t, err, agents.ErrTimeout)
	assert.Less(t, time.Since(start), 5*time.Second)

	_, err = c.InvokeAgent(context.Background(), agentID, aliasID, session, "fail please")
	require.ErrorIs(t, err, agents.ErrAgent)
	assert.Contains(t, err.Error(), "dependencyFailed")

	_, err = c.InvokeAgent(context.Background(), "OTHER12345", aliasID, session, "hello")
	require.ErrorIs(t, err, agents.ErrAgent)
	assert.Contains(t, err.Error(), "ResourceNotFound")
}

func TestInvokeAgentValidates(t *testing.T) {
	t.Parallel()
	c := newClient(t, bedrocksim.New())
	for _, in := range [][4]string{
		{"short", aliasID, "session-1", "hi"},
		{agentID, "../../x", "session-1", "hi"},
		{agentID, aliasID, "no spaces allowed", "hi"},
		{agentID, aliasID, "session-1", "   "},
		{agentID, aliasID, "session-1", strings.Repeat("x", agents.MaxInputChars+1)},
	} {
		_, err := c.InvokeAgent(context.Background(), in[0], in[1], in[2], in[3])
		require.ErrorIs(t, err, agents.ErrInvalidInput, "%q", in[:3])
		assert.False(t, errors.Is(err, agents.ErrAgent))
	}
	_, err := agents.New(nil)
	require.ErrorIs(t, err, agents.ErrInvalidInput)
}
