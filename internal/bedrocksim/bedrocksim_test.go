package bedrocksim_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/internal/bedrocksim"
)

func client(t *testing.T, sim *bedrocksim.Server) *bedrockruntime.Client {
	t.Helper()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return bedrockruntime.NewFromConfig(aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
	}, func(o *bedrockruntime.Options) { o.BaseEndpoint = aws.String(srv.URL) })
}

func ask(text string, more ...types.Message) *bedrockruntime.ConverseInput {
	msgs := append([]types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: text}}}}, more...)
	return &bedrockruntime.ConverseInput{ModelId: aws.String("arn:aws:bedrock:us-east-1::foundation-model/x.y:0"), Messages: msgs}
}

func TestConverseScripts(t *testing.T) {
	t.Parallel()
	sim := bedrocksim.New(
		bedrocksim.Script{Match: "TABLES", Replies: []bedrocksim.Reply{
			{Text: "one", ToolCalls: []bedrocksim.ToolCall{{Name: "run", Input: map[string]any{"command": "dynamodb list-tables"}}}},
			{Text: "got {{result}} for {{question}}"},
		}},
		bedrocksim.Script{Match: "throttle", Replies: []bedrocksim.Reply{{ErrorType: "ThrottlingException", Status: 429}}},
		bedrocksim.Script{Match: "slow", Replies: []bedrocksim.Reply{{Text: "late", Delay: 10 * time.Second}}},
	)
	c := client(t, sim)
	ctx := context.Background()

	out, err := c.Converse(ctx, ask("list my tables"))
	require.NoError(t, err)
	assert.Equal(t, types.StopReasonToolUse, out.StopReason)
	msg := out.Output.(*types.ConverseOutputMemberMessage).Value
	require.Len(t, msg.Content, 2)
	use := msg.Content[1].(*types.ContentBlockMemberToolUse).Value
	assert.Equal(t, "tooluse_1", aws.ToString(use.ToolUseId))
	var in map[string]any
	require.NoError(t, use.Input.UnmarshalSmithyDocument(&in))
	assert.Equal(t, map[string]any{"command": "dynamodb list-tables"}, in)
	require.NotNil(t, out.Usage)
	assert.Equal(t, aws.ToInt32(out.Usage.InputTokens)+aws.ToInt32(out.Usage.OutputTokens), aws.ToInt32(out.Usage.TotalTokens))

	// The second turn answers from the tool result.
	out, err = c.Converse(ctx, ask("list my tables", msg, types.Message{Role: types.ConversationRoleUser, Content: []types.ContentBlock{
		&types.ContentBlockMemberToolResult{Value: types.ToolResultBlock{ToolUseId: use.ToolUseId,
			Content: []types.ToolResultContentBlock{&types.ToolResultContentBlockMemberText{Value: `["orders"]`}}}},
	}}))
	require.NoError(t, err)
	assert.Equal(t, types.StopReasonEndTurn, out.StopReason)
	assert.Equal(t, `got ["orders"] for list my tables`, out.Output.(*types.ConverseOutputMemberMessage).Value.Content[0].(*types.ContentBlockMemberText).Value)
	reqs := sim.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "arn:aws:bedrock:us-east-1::foundation-model/x.y:0", reqs[0].ModelID, "the model ID is unescaped")
	assert.Equal(t, `["orders"]`, reqs[1].Messages[2].ToolResults[0].Text)

	_, err = c.Converse(ctx, ask("please throttle"))
	var apiErr smithy.APIError
	require.True(t, errors.As(err, &apiErr), "%v", err)
	assert.Equal(t, "ThrottlingException", apiErr.ErrorCode())

	_, err = c.Converse(ctx, ask("nothing matches this"))
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, "ValidationException", apiErr.ErrorCode())

	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Converse(cctx, ask("slow"))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestUnknownRoutes(t *testing.T) {
	t.Parallel()
	sim := bedrocksim.New()
	for _, path := range []string{"/model/m/invoke", "/agents/A/agentAliases/B/sessions/S/text"} {
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{"inputText":"hi"}`)))
		assert.Equal(t, http.StatusNotFound, rec.Code, path)
	}
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/model/m/converse", strings.NewReader(`{"messages":[]}`)))
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Equal(t, "ValidationException", rec.Header().Get("X-Amzn-ErrorType"))
}
