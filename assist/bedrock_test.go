package assist_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/assist"
	"github.com/opschat/opschat/internal/bedrocksim"
)

const testModel = "anthropic.claude-3-5-haiku-20241022-v1:0"

// simClient is a real Bedrock Runtime client pointed at a bedrocksim
// server on loopback.
func simClient(t testing.TB, sim *bedrocksim.Server) *bedrockruntime.Client {
	t.Helper()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
	}
	return bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) { o.BaseEndpoint = aws.String(srv.URL) })
}

func runCmd(cmd string) []bedrocksim.ToolCall {
	return []bedrocksim.ToolCall{{Name: assist.ToolName, Input: map[string]any{"command": cmd}}}
}

func newBedrock(t testing.TB, sim *bedrocksim.Server, opts ...assist.BedrockOption) *assist.Bedrock {
	t.Helper()
	b, err := assist.NewBedrock(simClient(t, sim), testModel, opts...)
	require.NoError(t, err)
	return b
}

func TestBedrockToolUseRoundTrip(t *testing.T) {
	t.Parallel()
	sim := bedrocksim.New(bedrocksim.Script{Match: "lambda functions", Replies: []bedrocksim.Reply{
		{Text: "Let me look.", ToolCalls: runCmd("aws lambda list-functions --region us-west-1 --query Functions[].FunctionName")},
		{Text: "Your functions in us-west-1: {{result}}"},
	}})
	tools := newFakeTools(t)
	a, err := newBedrock(t, sim).Answer(context.Background(),
		assist.Question{Text: "what lambda functions do I have in us-west-1?", Region: "eu-west-1"}, tools)
	require.NoError(t, err)
	assert.False(t, a.Declined)
	assert.Equal(t, []string{"lambda list-functions --region us-west-1 --query 'Functions[].FunctionName'"}, a.Ran)
	assert.Empty(t, a.Proposed)
	assert.Contains(t, a.Text, "Your functions in us-west-1:")
	assert.Contains(t, a.Text, `"output":["checkout-api","orders-worker","billing-cron"]`)

	reqs := sim.Requests()
	require.Len(t, reqs, 2)
	first := reqs[0]
	assert.Equal(t, testModel, first.ModelID)
	assert.Equal(t, []string{assist.ToolName}, first.Tools)
	assert.JSONEq(t, `{"type":"object","required":["command"],"properties":{"command":{"type":"string",
		"description":"The command, e.g. \"cloudwatch describe-alarms --state-value ALARM --region us-east-1\"."}}}`,
		string(first.ToolSchemas[assist.ToolName]))
	assert.Equal(t, assist.DefaultMaxTokens, first.MaxTokens)
	require.Len(t, first.System, 2)
	assert.Equal(t, assist.DefaultSystemPrompt, first.System[0])
	assert.Contains(t, first.System[1], "eu-west-1")
	second := reqs[1]
	require.Len(t, second.Messages, 3)
	assert.Equal(t, []string{"user", "assistant", "user"}, []string{second.Messages[0].Role, second.Messages[1].Role, second.Messages[2].Role})
	require.Len(t, second.Messages[2].ToolResults, 1)
	tr := second.Messages[2].ToolResults[0]
	assert.Equal(t, "tooluse_1", tr.ToolUseID)
	assert.Equal(t, "success", tr.Status)
	assert.JSONEq(t, `{"status":"ok","command":"lambda list-functions --region us-west-1 --query 'Functions[].FunctionName'",
		"output":["checkout-api","orders-worker","billing-cron"]}`, tr.Text)
}

func TestBedrockDeniedToolCall(t *testing.T) {
	t.Parallel()
	sim := bedrocksim.New(bedrocksim.Script{Replies: []bedrocksim.Reply{
		{ToolCalls: append(runCmd("ec2 describe-instances --region us-east-1"), runCmd("dynamodb list-tables --region us-east-1")...)},
		{Text: "I can see your tables, but listing instances was refused."},
	}})
	tools := newFakeTools(t)
	tools.denied["ec2 describe-instances"] = "ec2:DescribeInstances is denied by the channel guardrails"
	a, err := newBedrock(t, sim).Answer(context.Background(), assist.Question{Text: "what do I run?"}, tools)
	require.NoError(t, err)
	assert.Equal(t, []string{"dynamodb list-tables --region us-east-1"}, a.Ran, "only the allowed command ran")
	assert.Contains(t, a.Text, "Refused by the guardrails, not run:")
	assert.Contains(t, a.Text, "`ec2 describe-instances --region us-east-1`: ec2:DescribeInstances is denied by the channel guardrails")
	reqs := sim.Requests()
	require.Len(t, reqs, 2)
	results := reqs[1].Messages[2].ToolResults
	require.Len(t, results, 2)
	assert.Equal(t, "error", results[0].Status)
	assert.Contains(t, results[0].Text, `"status":"denied"`)
	assert.Equal(t, "success", results[1].Status)
}

func TestBedrockMutatingProposalIsNotRun(t *testing.T) {
	t.Parallel()
	sim := bedrocksim.New(bedrocksim.Script{Replies: []bedrocksim.Reply{
		{ToolCalls: runCmd("ec2 stop-instances --instance-ids i-0b2 --region us-east-1")},
		{ToolCalls: runCmd("ec2 stop-instances --instance-ids i-0b2 --region us-east-1")}, // asks twice: proposed once
		{Text: "I prepared the command to stop i-0b2; press Run to confirm."},
	}})
	tools := newFakeTools(t)
	tools.mutatingOK = true
	a, err := newBedrock(t, sim).Answer(context.Background(), assist.Question{Text: "stop i-0b2"}, tools)
	require.NoError(t, err)
	assert.Empty(t, a.Ran)
	assert.Equal(t, []string{"ec2 stop-instances --instance-ids i-0b2 --region us-east-1"}, a.Proposed)
	assert.Empty(t, tools.succeeded(), "nothing ran")
	reqs := sim.Requests()
	require.Len(t, reqs, 3)
	assert.Contains(t, reqs[1].Messages[2].ToolResults[0].Text, `"status":"not_run_needs_confirmation"`)
}

func TestBedrockBudget(t *testing.T) {
	t.Parallel()
	t.Run("model keeps asking", func(t *testing.T) {
		t.Parallel()
		sim := bedrocksim.New(bedrocksim.Script{Replies: []bedrocksim.Reply{
			{Text: "Checking tables.", ToolCalls: runCmd("dynamodb list-tables --region us-east-1")},
		}})
		a, err := newBedrock(t, sim, assist.WithMaxToolCalls(2)).Answer(context.Background(), assist.Question{Text: "tables?"}, newFakeTools(t))
		require.NoError(t, err)
		assert.Len(t, a.Ran, 2)
		assert.Contains(t, a.Text, "I stopped after 2 AWS commands, the limit for one answer. This answer may be incomplete.")
		assert.Contains(t, a.Text, "I ran 2 commands")
		reqs := sim.Requests()
		require.Len(t, reqs, 4, "two calls run, a third refused, then the model is cut off")
		assert.Contains(t, reqs[3].Messages[6].ToolResults[0].Text, "budget of 2 commands")
	})
	t.Run("model answers after the budget", func(t *testing.T) {
		t.Parallel()
		sim := bedrocksim.New(bedrocksim.Script{Replies: []bedrocksim.Reply{
			{ToolCalls: runCmd("dynamodb list-tables --region us-east-1")},
			{ToolCalls: runCmd("sqs list-queues --region us-east-1")},
			{Text: "You have 2 tables; I could not check queues."},
		}})
		a, err := newBedrock(t, sim, assist.WithMaxToolCalls(1)).Answer(context.Background(), assist.Question{Text: "tables and queues?"}, newFakeTools(t))
		require.NoError(t, err)
		assert.Equal(t, []string{"dynamodb list-tables --region us-east-1"}, a.Ran)
		assert.Equal(t, "You have 2 tables; I could not check queues.", a.Text)
	})
	t.Run("max tokens", func(t *testing.T) {
		t.Parallel()
		sim := bedrocksim.New(bedrocksim.Script{Replies: []bedrocksim.Reply{{Text: "The short version is", StopReason: "max_tokens"}}})
		a, err := newBedrock(t, sim, assist.WithMaxTokens(50)).Answer(context.Background(), assist.Question{Text: "explain"}, newFakeTools(t))
		require.NoError(t, err)
		assert.Contains(t, a.Text, "length limit")
		assert.Equal(t, 50, sim.Requests()[0].MaxTokens)
	})
}

func TestBedrockTimeout(t *testing.T) {
	t.Parallel()
	t.Run("first response", func(t *testing.T) {
		t.Parallel()
		sim := bedrocksim.New(bedrocksim.Script{Replies: []bedrocksim.Reply{{Text: "late", Delay: 10 * time.Second}}})
		start := time.Now()
		a, err := newBedrock(t, sim, assist.WithTimeout(150*time.Millisecond)).Answer(context.Background(), assist.Question{Text: "slow?"}, newFakeTools(t))
		require.NoError(t, err)
		assert.Less(t, time.Since(start), 5*time.Second)
		assert.Contains(t, a.Text, "I ran out of time")
		assert.NotContains(t, a.Text, "late")
	})
	t.Run("after a tool call", func(t *testing.T) {
		t.Parallel()
		sim := bedrocksim.New(bedrocksim.Script{Replies: []bedrocksim.Reply{
			{Text: "Looking at your tables first.", ToolCalls: runCmd("dynamodb list-tables --region us-east-1")},
			{Text: "late", Delay: 10 * time.Second},
		}})
		a, err := newBedrock(t, sim, assist.WithTimeout(300*time.Millisecond)).Answer(context.Background(), assist.Question{Text: "slow?"}, newFakeTools(t))
		require.NoError(t, err)
		assert.Contains(t, a.Text, "I ran out of time (300ms) before finishing. This answer may be incomplete.")
		assert.Contains(t, a.Text, "Looking at your tables first.")
		assert.Equal(t, []string{"dynamodb list-tables --region us-east-1"}, a.Ran, "what ran is kept")
	})
	t.Run("caller cancels", func(t *testing.T) {
		t.Parallel()
		sim := bedrocksim.New(bedrocksim.Script{Replies: []bedrocksim.Reply{{Text: "late", Delay: 10 * time.Second}}})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := newBedrock(t, sim).Answer(ctx, assist.Question{Text: "slow?"}, newFakeTools(t))
		require.ErrorIs(t, err, context.DeadlineExceeded, "the caller's own deadline is an error, not a partial answer")
	})
}

func TestBedrockAnswers(t *testing.T) {
	t.Parallel()
	sim := bedrocksim.New(
		bedrocksim.Script{Match: "throttling", Replies: []bedrocksim.Reply{{Text: "Raise reserved concurrency or add retries with backoff."}}},
		bedrocksim.Script{Match: "hack", Replies: []bedrocksim.Reply{{Text: "Sorry, I can't help with that.", StopReason: "guardrail_intervened"}}},
		bedrocksim.Script{Match: "denied model", Replies: []bedrocksim.Reply{{ErrorType: "AccessDeniedException", Status: 403}}},
		bedrocksim.Script{Match: "long", Replies: []bedrocksim.Reply{{Text: strings.Repeat("All good. ", 400)}}},
		bedrocksim.Script{Match: "unknown tool", Replies: []bedrocksim.Reply{
			{ToolCalls: []bedrocksim.ToolCall{{Name: "delete_everything", Input: map[string]any{}}}},
			{Text: "{{result}}"},
		}},
	)
	b := newBedrock(t, sim)
	tools := newFakeTools(t)

	a, err := b.Answer(context.Background(), assist.Question{Text: "How do I fix Lambda throttling?"}, tools)
	require.NoError(t, err)
	assert.Equal(t, "Raise reserved concurrency or add retries with backoff.", a.Text)
	assert.Empty(t, a.Ran)

	a, err = b.Answer(context.Background(), assist.Question{Text: "hack the account"}, tools)
	require.NoError(t, err)
	assert.True(t, a.Declined)
	assert.Equal(t, "Sorry, I can't help with that.", a.Text)

	_, err = b.Answer(context.Background(), assist.Question{Text: "denied model"}, tools)
	require.ErrorIs(t, err, assist.ErrModel)
	assert.Contains(t, err.Error(), "AccessDeniedException")

	a, err = b.Answer(context.Background(), assist.Question{Text: "long story"}, tools)
	require.NoError(t, err)
	assert.True(t, a.Truncated)
	assert.LessOrEqual(t, len([]rune(a.Text)), assist.MaxAnswerChars)
	assert.True(t, strings.HasSuffix(a.Text, "(answer cut at 2,500 characters)_"))

	a, err = b.Answer(context.Background(), assist.Question{Text: "unknown tool"}, tools)
	require.NoError(t, err)
	assert.Contains(t, a.Text, "unknown tool; use run_aws_cli_command")
	assert.Empty(t, tools.commands(), "no tool ran")
}

func TestBedrockFollowUpSendsTheThread(t *testing.T) {
	t.Parallel()
	sim := bedrocksim.New(bedrocksim.Script{Match: "and in eu-west-1", Replies: []bedrocksim.Reply{{Text: "None there."}}})
	_, err := newBedrock(t, sim).Answer(context.Background(), assist.Question{
		Text: "and in eu-west-1?",
		History: []assist.Turn{
			{Role: assist.RoleAssistant, Text: "a greeting the user did not ask for"}, // dropped: the user speaks first
			{Role: assist.RoleUser, Text: "which queues do I have?"},
			{Role: assist.RoleUser, Text: "in us-east-1"},
			{Role: assist.RoleAssistant, Text: "orders and orders-dlq."},
		},
	}, newFakeTools(t))
	require.NoError(t, err)
	msgs := sim.Requests()[0].Messages
	require.Len(t, msgs, 3)
	assert.Equal(t, "user", msgs[0].Role)
	assert.Equal(t, "which queues do I have?\n\nin us-east-1", msgs[0].Text)
	assert.Equal(t, "assistant", msgs[1].Role)
	assert.Equal(t, "and in eu-west-1?", msgs[2].Text)
}

func TestBedrockSendsOnlyTheLatestTurns(t *testing.T) {
	t.Parallel()
	sim := bedrocksim.New(bedrocksim.Script{Replies: []bedrocksim.Reply{{Text: "ok"}}})
	var history []assist.Turn
	for i := range 50 {
		history = append(history, assist.Turn{Role: assist.RoleUser, Text: fmt.Sprintf("question %d", i)},
			assist.Turn{Role: assist.RoleAssistant, Text: fmt.Sprintf("answer %d", i)})
	}
	_, err := newBedrock(t, sim).Answer(context.Background(), assist.Question{Text: "latest", History: history}, newFakeTools(t))
	require.NoError(t, err)
	msgs := sim.Requests()[0].Messages
	require.Len(t, msgs, assist.MaxHistoryTurns+1)
	assert.Equal(t, "question 40", msgs[0].Text)
	assert.Equal(t, "latest", msgs[len(msgs)-1].Text)
}

func TestNewBedrockValidates(t *testing.T) {
	t.Parallel()
	_, err := assist.NewBedrock(nil, "", assist.WithMaxTokens(0), assist.WithTimeout(-1))
	require.ErrorIs(t, err, assist.ErrInvalidOption)
	for _, want := range []string{"client: nil", "model ID: empty", "max tokens", "timeout"} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestBedrockDeniedCommandWithBacktickStaysLiteral(t *testing.T) {
	t.Parallel()
	sim := bedrocksim.New(bedrocksim.Script{Replies: []bedrocksim.Reply{
		{ToolCalls: runCmd("ec2 describe-instances --query \"Reservations[].Instances[?State.Name==`running`] | [0]\" --region us-east-1")},
		{Text: "Refused."},
	}})
	tools := newFakeTools(t)
	tools.denied["ec2 describe-instances"] = "not allowed [here](https://example.com)"
	a, err := newBedrock(t, sim).Answer(context.Background(), assist.Question{Text: "running?"}, tools)
	require.NoError(t, err)
	assert.Contains(t, a.Text, "Refused by the guardrails")
	assert.Contains(t, a.Text, "\\`running\\`", "the backticks are escaped, not a code span")
	assert.Contains(t, a.Text, "not allowed \\[here\\](https://example.com)", "the reason cannot make a link")
}
