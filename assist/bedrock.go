package assist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// ToolName is the one tool Bedrock offers the model.
//
// One generic tool rather than one per operation: the shipped catalog has
// thousands of operations, a tool per operation would make every request
// huge (and exceed the tool limits of most models), while models already
// know the AWS CLI well. The command is validated by the bot anyway (parse,
// guardrails), so a typo costs one tool call that returns the parser's
// message, which the model can correct.
const ToolName = "run_aws_cli_command"

// Defaults of the per-answer budget.
const (
	DefaultMaxToolCalls   = 8
	DefaultMaxTokens      = 1024
	DefaultTimeout        = 120 * time.Second // AWS Chatbot's limit for a model answer
	DefaultMaxResultBytes = 16 << 10
)

// DefaultSystemPrompt tells the model how to behave in a chat channel. The
// channel's region is added after it.
const DefaultSystemPrompt = `You are an AWS operations assistant answering questions in a team chat channel.
To look at the AWS account, call the ` + ToolName + ` tool with one AWS CLI command without the leading "aws" (for example: lambda list-functions --region us-west-2). Use --query to keep results small.
Only read-only commands run. A command that would change something is NOT run: it is shown to the user, who may run it after confirming. Propose such a command only when the user asks for a change, and say that it needs their confirmation.
When the guardrails refuse a command, do not try to get around them; tell the user it was refused.
Never ask for or reveal credentials. Answer concisely in Markdown, in at most 2,500 characters.`

// ConverseAPI is the part of *bedrockruntime.Client that Bedrock uses.
type ConverseAPI interface {
	Converse(ctx context.Context, params *bedrockruntime.ConverseInput, optFns ...func(*bedrockruntime.Options)) (*bedrockruntime.ConverseOutput, error)
}

var _ ConverseAPI = (*bedrockruntime.Client)(nil)

// Bedrock answers questions with an Amazon Bedrock model through the
// Converse API with tool use. Every tool call goes through Tools.Run, so the
// asking user's role and the channel's guardrails apply to the model as to a
// typed command; mutating commands become Answer.Proposed and never run.
// Each answer has a budget: at most MaxToolCalls tool calls, MaxTokens per
// model response, and a deadline; when one runs out the answer says so and
// keeps what was found.
//
// A Bedrock is immutable and safe for concurrent use; Answer blocks until
// the model answers or the deadline passes.
type Bedrock struct {
	client         ConverseAPI
	modelID        string
	system         string
	maxToolCalls   int
	maxTokens      int32
	temperature    *float32
	timeout        time.Duration
	maxResultBytes int
	logger         *slog.Logger
}

// BedrockOption configures a Bedrock.
type BedrockOption func(*Bedrock)

// WithSystemPrompt replaces DefaultSystemPrompt.
func WithSystemPrompt(s string) BedrockOption { return func(b *Bedrock) { b.system = s } }

// WithMaxToolCalls sets how many commands the model may run for one answer
// (default DefaultMaxToolCalls).
func WithMaxToolCalls(n int) BedrockOption { return func(b *Bedrock) { b.maxToolCalls = n } }

// WithMaxTokens sets inferenceConfig.maxTokens of each model call (default
// DefaultMaxTokens).
func WithMaxTokens(n int32) BedrockOption { return func(b *Bedrock) { b.maxTokens = n } }

// WithTemperature sets inferenceConfig.temperature (default: the model's).
func WithTemperature(t float32) BedrockOption { return func(b *Bedrock) { b.temperature = &t } }

// WithTimeout sets the deadline of one answer, tool calls included
// (default DefaultTimeout, AWS Chatbot's 120 s).
func WithTimeout(d time.Duration) BedrockOption { return func(b *Bedrock) { b.timeout = d } }

// WithMaxResultBytes bounds the command output sent back to the model per
// tool call (default DefaultMaxResultBytes); longer output is cut and the
// model is told so.
func WithMaxResultBytes(n int) BedrockOption { return func(b *Bedrock) { b.maxResultBytes = n } }

// WithBedrockLogger sets the logger (default: discard). Questions, answers
// and command output are never logged; commands are, at debug level.
func WithBedrockLogger(l *slog.Logger) BedrockOption { return func(b *Bedrock) { b.logger = l } }

// NewBedrock returns a Bedrock calling modelID (a model ID, inference
// profile ID or ARN, such as "anthropic.claude-3-5-haiku-20241022-v1:0")
// through client, usually bedrockruntime.NewFromConfig(cfg).
func NewBedrock(client ConverseAPI, modelID string, opts ...BedrockOption) (*Bedrock, error) {
	b := &Bedrock{
		client: client, modelID: modelID, system: DefaultSystemPrompt,
		maxToolCalls: DefaultMaxToolCalls, maxTokens: DefaultMaxTokens, timeout: DefaultTimeout,
		maxResultBytes: DefaultMaxResultBytes, logger: slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		o(b)
	}
	var errs []error
	if client == nil {
		errs = append(errs, errors.New("client: nil"))
	}
	if strings.TrimSpace(modelID) == "" {
		errs = append(errs, errors.New("model ID: empty"))
	}
	if b.maxToolCalls < 0 {
		errs = append(errs, fmt.Errorf("max tool calls: %d < 0", b.maxToolCalls))
	}
	if b.maxTokens <= 0 {
		errs = append(errs, fmt.Errorf("max tokens: %d <= 0", b.maxTokens))
	}
	if b.timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout: %v <= 0", b.timeout))
	}
	if b.maxResultBytes <= 0 {
		errs = append(errs, fmt.Errorf("max result bytes: %d <= 0", b.maxResultBytes))
	}
	if b.logger == nil {
		errs = append(errs, errors.New("logger: nil"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("assist: bedrock: %w: %w", ErrInvalidOption, errors.Join(errs...))
	}
	return b, nil
}

var _ Assistant = (*Bedrock)(nil)

// conversation is the state of one Answer.
type conversation struct {
	answer   Answer
	calls    int
	denied   []string // "`command`: reason"
	proposed map[string]bool
}

// Answer implements Assistant. It returns an error wrapping ErrModel when
// the model cannot be called (access denied, throttled, unknown model), and
// the context's error when ctx itself ends; a deadline or budget reached
// inside the answer gives a partial Answer, not an error.
func (b *Bedrock) Answer(ctx context.Context, q Question, tools Tools) (*Answer, error) {
	actx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	conv := &conversation{proposed: map[string]bool{}}
	input := &bedrockruntime.ConverseInput{
		ModelId:         aws.String(b.modelID),
		Messages:        messages(q),
		System:          b.systemBlocks(q),
		ToolConfig:      b.toolConfig(tools),
		InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(b.maxTokens), Temperature: b.temperature},
	}
	budgetSpent := false
	var lastText string
	for {
		out, err := b.client.Converse(actx, input)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("assist: bedrock: %w", ctx.Err())
			}
			if actx.Err() != nil {
				return conv.partial(fmt.Sprintf("I ran out of time (%s) before finishing.", durationText(b.timeout)), lastText), nil
			}
			return nil, fmt.Errorf("assist: bedrock: converse with %s: %w: %w", b.modelID, ErrModel, err)
		}
		msg, ok := out.Output.(*types.ConverseOutputMemberMessage)
		if !ok {
			return nil, fmt.Errorf("assist: bedrock: converse with %s: %w: the response has no message", b.modelID, ErrModel)
		}
		text := strings.TrimSpace(texts(msg.Value.Content))
		if text != "" {
			lastText = text
		}
		b.logger.DebugContext(ctx, "assist: bedrock response", "model", b.modelID, "stop_reason", string(out.StopReason), "tool_calls", conv.calls)
		uses := toolUses(msg.Value.Content)
		switch out.StopReason {
		case types.StopReasonToolUse:
			if len(uses) == 0 {
				return conv.final(text), nil
			}
			if budgetSpent {
				// The model was told the budget is spent and asked for
				// more anyway: stop here.
				return conv.partial(fmt.Sprintf("I stopped after %d AWS commands, the limit for one answer.", conv.calls), lastText), nil
			}
			results := make([]types.ContentBlock, 0, len(uses))
			for _, u := range uses {
				if conv.calls >= b.maxToolCalls {
					budgetSpent = true
					results = append(results, toolResult(u, types.ToolResultStatusError, map[string]any{
						"status": "not_run",
						"reason": fmt.Sprintf("the budget of %d commands for this answer is used up; answer now with what you have", b.maxToolCalls),
					}))
					continue
				}
				conv.calls++
				results = append(results, b.call(actx, tools, conv, u))
			}
			if actx.Err() != nil && ctx.Err() == nil {
				return conv.partial(fmt.Sprintf("I ran out of time (%s) before finishing.", durationText(b.timeout)), lastText), nil
			}
			input.Messages = append(input.Messages, msg.Value,
				types.Message{Role: types.ConversationRoleUser, Content: results})
		case types.StopReasonMaxTokens:
			return conv.final(text + "\n\n_(The model reached its length limit; this answer may be incomplete.)_"), nil
		case types.StopReasonGuardrailIntervened, types.StopReasonContentFiltered:
			if text == "" {
				text = "The model's guardrail blocked this question or its answer."
			}
			a := conv.final(text)
			a.Declined = true
			return a, nil
		case types.StopReasonModelContextWindowExceeded:
			return conv.partial("The conversation got too long for the model.", lastText), nil
		default: // end_turn, stop_sequence, and reasons added later
			if text == "" {
				return conv.partial("The model gave no answer.", ""), nil
			}
			return conv.final(text), nil
		}
	}
}

// call runs one tool call through Tools.Run and builds its result for the
// model.
func (b *Bedrock) call(ctx context.Context, tools Tools, conv *conversation, u types.ToolUseBlock) types.ContentBlock {
	if aws.ToString(u.Name) != ToolName {
		return toolResult(u, types.ToolResultStatusError, map[string]any{"status": "error", "error": "unknown tool; use " + ToolName})
	}
	var in struct {
		Command string `json:"command"`
	}
	if u.Input == nil || u.Input.UnmarshalSmithyDocument(&in) != nil || strings.TrimSpace(in.Command) == "" {
		return toolResult(u, types.ToolResultStatusError, map[string]any{"status": "error", "error": `the input must be {"command": "SERVICE OPERATION --param value ..."}`})
	}
	line := strings.TrimSpace(in.Command)
	if rest, ok := strings.CutPrefix(line, "aws "); ok {
		line = strings.TrimSpace(rest)
	}
	b.logger.DebugContext(ctx, "assist: bedrock tool call", "command", line)
	r := tools.Run(ctx, line)
	if r.Command == "" {
		r.Command = line
	}
	switch {
	case r.NeedsConfirmation:
		if !conv.proposed[r.Command] {
			conv.proposed[r.Command] = true
			conv.answer.Proposed = append(conv.answer.Proposed, r.Command)
		}
		return toolResult(u, types.ToolResultStatusSuccess, map[string]any{
			"status": "not_run_needs_confirmation", "command": r.Command,
			"message": "This command changes something, so it was not run. It is shown to the user with a Run button; it runs only if they confirm.",
		})
	case r.Denied != "":
		conv.denied = append(conv.denied, code(r.Command)+": "+chatEscape(r.Denied))
		return toolResult(u, types.ToolResultStatusError, map[string]any{"status": "denied", "command": r.Command, "reason": r.Denied})
	case r.Err != nil:
		return toolResult(u, types.ToolResultStatusError, map[string]any{"status": "error", "command": r.Command, "error": userMessage(r.Err)})
	}
	conv.answer.Ran = append(conv.answer.Ran, r.Command)
	res := map[string]any{"status": "ok", "command": r.Command}
	if len(r.Data) > b.maxResultBytes {
		res["output_truncated"] = fmt.Sprintf("the output has %d bytes; only the first %d are shown; use --query to narrow it", len(r.Data), b.maxResultBytes)
		res["output_text"] = strings.ToValidUTF8(string(r.Data[:b.maxResultBytes]), "")
	} else {
		var v any
		if err := json.Unmarshal(r.Data, &v); err == nil {
			res["output"] = v
		} else {
			res["output_text"] = strings.ToValidUTF8(string(r.Data), "")
		}
	}
	return toolResult(u, types.ToolResultStatusSuccess, res)
}

// toolResult answers a tool call. The result is JSON sent as a text block:
// every Converse model accepts text tool results, not all accept JSON ones.
func toolResult(u types.ToolUseBlock, status types.ToolResultStatus, v map[string]any) types.ContentBlock {
	raw, err := json.Marshal(v)
	if err != nil {
		raw = []byte(`{"status":"error","error":"the result could not be encoded"}`)
	}
	return &types.ContentBlockMemberToolResult{Value: types.ToolResultBlock{
		ToolUseId: u.ToolUseId,
		Status:    status,
		Content:   []types.ToolResultContentBlock{&types.ToolResultContentBlockMemberText{Value: string(raw)}},
	}}
}

func (b *Bedrock) systemBlocks(q Question) []types.SystemContentBlock {
	blocks := []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: b.system}}
	if q.Region != "" {
		blocks = append(blocks, &types.SystemContentBlockMemberText{
			Value: "The channel's current region is " + q.Region + "; use it unless the user names another region."})
	}
	return blocks
}

func (b *Bedrock) toolConfig(tools Tools) *types.ToolConfiguration {
	desc := "Runs one AWS CLI command (without the leading \"aws\") under the asking user's permissions and the channel's guardrails, and returns its JSON output. " +
		"Read-only commands run; a command that changes something is not run but shown to the user for confirmation."
	if svcs := tools.Catalog().Services(); len(svcs) > 0 {
		desc += " Available services: " + strings.Join(svcs, ", ") + "."
	}
	schema := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"command": map[string]any{
				"type":        "string",
				"description": "The command, e.g. \"cloudwatch describe-alarms --state-value ALARM --region us-east-1\".",
			},
		},
		"required": []any{"command"},
	}
	return &types.ToolConfiguration{Tools: []types.Tool{&types.ToolMemberToolSpec{Value: types.ToolSpecification{
		Name:        aws.String(ToolName),
		Description: aws.String(desc),
		InputSchema: &types.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(schema)},
	}}}}
}

// messages turns the thread into Converse messages: alternating roles,
// starting with the user, ending with the question.
func messages(q Question) []types.Message {
	var out []types.Message
	add := func(role types.ConversationRole, text string) {
		text = strings.TrimSpace(text)
		if text == "" {
			return
		}
		if len(out) == 0 && role != types.ConversationRoleUser {
			return // Converse requires the user to speak first.
		}
		if n := len(out); n > 0 && out[n-1].Role == role {
			// Converse requires alternating roles: join consecutive turns.
			last := out[n-1].Content[0].(*types.ContentBlockMemberText)
			out[n-1].Content[0] = &types.ContentBlockMemberText{Value: last.Value + "\n\n" + text}
			return
		}
		out = append(out, types.Message{Role: role, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: text}}})
	}
	history := q.History
	if len(history) > MaxHistoryTurns {
		history = history[len(history)-MaxHistoryTurns:]
	}
	for _, t := range history {
		role := types.ConversationRoleUser
		if t.Role == RoleAssistant {
			role = types.ConversationRoleAssistant
		}
		add(role, t.Text)
	}
	text := q.Text
	if strings.TrimSpace(text) == "" {
		text = "(empty question)"
	}
	add(types.ConversationRoleUser, text)
	return out
}

func texts(blocks []types.ContentBlock) string {
	var parts []string
	for _, c := range blocks {
		if t, ok := c.(*types.ContentBlockMemberText); ok {
			parts = append(parts, t.Value)
		}
	}
	return strings.Join(parts, "\n")
}

func toolUses(blocks []types.ContentBlock) []types.ToolUseBlock {
	var out []types.ToolUseBlock
	for _, c := range blocks {
		if u, ok := c.(*types.ContentBlockMemberToolUse); ok {
			out = append(out, u.Value)
		}
	}
	return out
}

// final is the model's answer plus what the user must know regardless of
// what the model wrote: the commands the guardrails refused.
func (c *conversation) final(text string) *Answer {
	a := c.answer
	// Keep the note even when the model's text is long: cut the model's
	// part, not the note.
	note := c.deniedNote()
	body, cut := Truncate(text, MaxAnswerChars-len([]rune(note)))
	a.Text = body + note
	a.finish()
	a.Truncated = a.Truncated || cut
	return &a
}

// partial is an answer cut short by the deadline or the budget.
func (c *conversation) partial(why, soFar string) *Answer {
	text := "_" + why + " This answer may be incomplete._"
	if soFar != "" {
		text += "\n\n" + soFar
	}
	if len(c.answer.Ran) > 0 {
		text += fmt.Sprintf("\n\nI ran %d command%s; you can run them again below.", len(c.answer.Ran), plural(len(c.answer.Ran)))
	}
	return c.final(text)
}

func (c *conversation) deniedNote() string {
	if len(c.denied) == 0 {
		return ""
	}
	return "\n\n_Refused by the guardrails, not run:_\n• " + strings.Join(c.denied, "\n• ")
}

func durationText(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%d s", d/time.Second)
	}
	return d.String()
}
