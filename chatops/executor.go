package chatops

import (
	"context"
	"encoding/json"
	"time"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/command"
)

// Executor runs a validated command against AWS. command/awsexec is the
// implementation over aws-sdk-go-v2; tests use fakes.
//
// The bot calls Execute only after the organisation policy, the blocked list
// and the guardrails allowed the command and, for mutating operations, after
// the user confirmed. Implementations are safe for concurrent use.
type Executor interface {
	// Execute runs req.Invocation with req's identity and returns the reply
	// to show in chat. Errors are wrapped; errors safe to show a chat user
	// implement UserMessage() string.
	Execute(ctx context.Context, req ExecRequest) (*ExecResult, error)
}

// ExecRequest is one command to run.
type ExecRequest struct {
	Invocation *command.Invocation
	// RoleARN is the role to assume: the channel role, or the user's role
	// when the configuration requires user roles.
	RoleARN string
	// Region is the region to call: --region, else the channel's remembered
	// region, else the executor's default.
	Region string
	// SessionName identifies the chat user in CloudTrail ("opschat-U123ABC").
	SessionName string
	// SessionTags carry platform, workspace, channel and configuration so
	// SCPs can target chat-originated calls.
	SessionTags map[string]string
	// PolicyARNs are the channel guardrail policy ARNs, passed as session
	// policies so AWS enforces the same intersection the local guardrail
	// checks.
	PolicyARNs    []string
	SessionPolicy string // inline session policy JSON (guardrail.NewSessionPolicy), passed as AssumeRole Policy
	// Configuration is the name of the channel configuration.
	Configuration string
	// Conversation and User say who asked, where.
	Conversation chat.Conversation
	User         chat.User
	// Capabilities of the adapter that will show the result, to size output.
	Capabilities chat.Capabilities
	// MaxItems bounds pagination (0: the executor's default).
	MaxItems int
	// NoFollowUp says the caller will not show ExecResult.FollowUp's
	// extras (the assistant reads Data): the executor neither prepares
	// nor starts them, so no AWS call is made for nothing.
	NoFollowUp bool
}

// ExecResult is the outcome of a command.
type ExecResult struct {
	// Message is what to show in chat.
	Message chat.Message
	// Region and Account are where the command actually ran, for the audit log.
	Region  string
	Account string
	// Duration of the AWS calls.
	Duration time.Duration
	// Data is the AWS response as the AWS CLI would print it in JSON
	// (after --query), for callers that read results rather than show them
	// (an assistant summarising an answer); nil when the executor has none.
	Data json.RawMessage
	// FollowUp, when set, completes Message after it was posted: the
	// executor answers as soon as the operation did and leaves slower
	// extras (the alarm graphs of describe-alarms, one more AWS call each)
	// to FollowUp, which returns Message with them. The Bot posts Message,
	// runs FollowUp within the command's remaining time and edits the
	// posted answer to its result; where the platform cannot edit
	// messages, it posts what was added as a second reply. A host calling
	// Execute itself may run it or ignore it; the executor may have started
	// its work already (awsexec does, when the operation answered), so a
	// host that never shows it sets ExecRequest.NoFollowUp.
	FollowUp func(ctx context.Context) (chat.Message, error)
}
