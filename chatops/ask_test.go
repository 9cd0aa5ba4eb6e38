package chatops_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentruntime"
	"github.com/jmespath/go-jmespath"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/assist/agents"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/internal/bedrocksim"
)

// dataExecutor answers lambda list-functions with data, as awsexec would.
type dataExecutor struct {
	mu   sync.Mutex
	runs []string
}

func (e *dataExecutor) Execute(ctx context.Context, req chatops.ExecRequest) (*chatops.ExecResult, error) {
	e.mu.Lock()
	e.runs = append(e.runs, req.Invocation.Text)
	e.mu.Unlock()
	data := map[string]any{}
	switch req.Invocation.Service + " " + req.Invocation.Operation {
	case "lambda list-functions":
		data["Functions"] = []map[string]any{{"FunctionName": "checkout-api", "Runtime": "go1.x"}, {"FunctionName": "orders-worker", "Runtime": "python3.12"}}
	}
	var result any = data
	if q := req.Invocation.Query; q != "" {
		// Round-trip through JSON so the query sees the CLI's shapes.
		raw, _ := json.Marshal(data)
		var generic any
		_ = json.Unmarshal(raw, &generic)
		r, err := jmespath.Search(q, generic)
		if err != nil {
			return nil, err
		}
		result = r
	}
	b, _ := json.Marshal(result)
	return &chatops.ExecResult{Message: chat.Message{Text: "ok"}, Region: req.Region, Account: "123456789012", Data: b}, nil
}

const askConfig = `
configurations:
  - ConfigurationName: ops
    Platform: fake
    WorkspaceId: T1
    ChannelId: C1
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    DefaultRegion: us-east-1
  - ConfigurationName: nolambda
    Platform: fake
    WorkspaceId: T1
    ChannelId: C2
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    DefaultRegion: us-east-1
    GuardrailPolicyDocuments:
      NoLambda: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"lambda:*","Resource":"*"}]}'
`

func newAskHarness(t *testing.T, opts ...chatops.Option) (*harness, *dataExecutor) {
	t.Helper()
	cfg, err := chatops.LoadConfig([]byte(askConfig))
	require.NoError(t, err)
	authz, err := chatops.NewGuardrailAuthorizer(cfg)
	require.NoError(t, err)
	exec := &dataExecutor{}
	h := newHarness(t, append([]chatops.Option{chatops.WithConfig(cfg), chatops.WithAuthorizer(authz), chatops.WithExecutor(exec)}, opts...)...)
	return h, exec
}

// A question is answered from the account with the planner (no model):
// the commands it ran are shown, each was checked and audited like a
// typed command, and a general question says how to enable a model.
func TestAskAnsweredFromTheAccount(t *testing.T) {
	h, exec := newAskHarness(t)
	got := h.say(t, "@aws what lambda functions do I have?")
	assert.Contains(t, got.Message.Text, "checkout-api")
	assert.Contains(t, got.Message.Text, "orders-worker")
	require.NotEmpty(t, got.Message.CodeBlocks)
	assert.Contains(t, got.Message.CodeBlocks[0].Content, "aws lambda list-functions")
	require.Len(t, exec.runs, 1)
	recs := h.records(t)
	require.GreaterOrEqual(t, len(recs), 2)
	var sawTool, sawQuestion bool
	for _, r := range recs {
		sawTool = sawTool || strings.HasPrefix(r.Text, "[assistant] lambda list-functions") && r.Outcome == chatops.OutcomeSucceeded && r.Action == "lambda:ListFunctions"
		sawQuestion = sawQuestion || r.Service == "assistant" && r.Outcome == chatops.OutcomeAnswered
	}
	assert.True(t, sawTool, "the tool call is audited as a command")
	assert.True(t, sawQuestion, "the question is audited")

	got = h.say(t, "how do I fix Lambda throttling?")
	assert.NotContains(t, got.Message.Text, "don't know the service")
	assert.Contains(t, strings.ToLower(got.Message.Text), "model")

	// A follow-up in the answer's thread continues the conversation.
	n := len(exec.runs)
	ans := h.say(t, "how many lambda functions are there?")
	require.NoError(t, h.chat.Say(context.Background(), ans.Ref.Thread(), "U1", "and in us-west-2?"))
	assert.Greater(t, len(exec.runs), n+1, "the follow-up ran commands too")
}

// The guardrails of the asking channel apply to the assistant's commands.
func TestAskRespectsGuardrails(t *testing.T) {
	h, exec := newAskHarness(t)
	got := h.sayIn(t, h.chat.Conversation("T1", "C2"), "U1", "what lambda functions do I have?")
	assert.Empty(t, exec.runs, "a denied command is not run")
	assert.Contains(t, strings.ToLower(got.Message.Text), "guardrails refused")
}

// Bedrock agent connectors: add (validated, guarded), list, ask, and the
// conversation continues in the thread with the agent's session.
func TestConnectors(t *testing.T) {
	sim := bedrocksim.New()
	var mu sync.Mutex
	var sessions []string
	sim.AddAgent(bedrocksim.Agent{ID: "AGENT12345", AliasID: "TSTALIASID", Reply: func(session, text string, turn int) bedrocksim.AgentReply {
		mu.Lock()
		sessions = append(sessions, session)
		mu.Unlock()
		return bedrocksim.AgentReply{Chunks: []string{fmt.Sprintf("turn %d: you said %q", turn, text)}}
	}})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	api := bedrockagentruntime.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")})
	client, err := agents.New(api)
	require.NoError(t, err)
	h, _ := newAskHarness(t, chatops.WithAgents(client))

	got := h.say(t, "connector add runbooks not-an-arn TSTALIASID")
	assert.Contains(t, got.Message.Text, "not a Bedrock agent ARN")
	got = h.say(t, "connector add runbooks arn:aws:bedrock:us-east-1:123456789012:agent/AGENT12345 TSTALIASID")
	assert.Contains(t, got.Message.Text, "Connector `runbooks` added")
	got = h.say(t, "connector list")
	require.NotEmpty(t, got.Message.CodeBlocks)
	assert.Contains(t, got.Message.CodeBlocks[0].Content, "runbooks → arn:aws:bedrock:us-east-1:123456789012:agent/AGENT12345")

	ans := h.say(t, "ask runbooks how do I restart checkout?")
	assert.Contains(t, ans.Message.Text, "turn 0")
	require.NoError(t, h.chat.Say(context.Background(), ans.Ref.Thread(), "U1", "and then?"))
	last, _ := h.chat.Last()
	assert.Contains(t, last.Message.Text, "turn 1", "the thread continues the agent's session")
	mu.Lock()
	require.Len(t, sessions, 2)
	assert.Equal(t, sessions[0], sessions[1])
	mu.Unlock()

	got = h.sayIn(t, h.chat.Conversation("T1", "C2"), "U1", "connector add x arn:aws:bedrock:us-east-1:123456789012:agent/AGENT12345 TSTALIASID")
	assert.Contains(t, got.Message.Text, "Connector `x` added", "NoLambda allows opschat:ManageConnectors through *")
	got = h.say(t, "connector delete runbooks")
	assert.Contains(t, got.Message.Text, "deleted")
}
