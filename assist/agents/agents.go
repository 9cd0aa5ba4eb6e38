// Package agents talks to Amazon Bedrock agents for chat channels, as AWS
// Chatbot's connectors do: "@aws connector add NAME AGENT_ARN ALIAS_ID"
// registers an agent under a name (at most MaxConnectorsPerChannel per
// channel), and "@aws ask NAME question" sends the question to it with
// InvokeAgent; the conversation continues in the thread through a session
// ID derived from the thread. The bot (chatops) parses those commands,
// stores connectors and calls this package; it checks connectors with
// ParseConnector and CheckConnectorLimit before storing them.
//
// Answers are cut at 2,500 characters and calls end after 120 s, as in AWS
// Chatbot.
package agents

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentruntime/types"

	"github.com/opschat/opschat/assist"
)

// Limits, as in AWS Chatbot and the InvokeAgent API.
const (
	MaxConnectorsPerChannel = 10
	DefaultTimeout          = 120 * time.Second
	MaxAnswerChars          = assist.MaxAnswerChars
	MaxInputChars           = 25000 // InvokeAgent's inputText limit
	MaxNameLength           = 64
)

// Sentinel errors, for errors.Is.
var (
	ErrInvalidConnector  = errors.New("agents: invalid connector")
	ErrTooManyConnectors = errors.New("agents: too many connectors")
	ErrInvalidInput      = errors.New("agents: invalid input")
	// ErrTimeout: the agent did not finish answering within the timeout.
	ErrTimeout = errors.New("agents: the agent did not answer in time")
	// ErrAgent: the call failed (access denied, unknown agent, throttled,
	// or an exception in the response stream).
	ErrAgent = errors.New("agents: agent call failed")
)

var (
	nameRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
	arnRE     = regexp.MustCompile(`^arn:(aws(?:-[a-z]+)*):bedrock:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):agent/([0-9A-Za-z]{10})$`)
	idRE      = regexp.MustCompile(`^[0-9A-Za-z]{10}$`)
	sessionRE = regexp.MustCompile(`^[0-9A-Za-z._:-]{2,100}$`)
)

// Connector is a Bedrock agent registered in a channel under a name.
type Connector struct {
	Name     string // as the user types it after "@aws ask"
	AgentARN string // arn:aws:bedrock:REGION:ACCOUNT:agent/AGENT_ID
	AliasID  string
	// From the ARN.
	Partition, Region, AccountID, AgentID string
}

// ParseConnector checks the arguments of "connector add NAME AGENT_ARN
// ALIAS_ID" and returns the connector. Every problem is reported at once
// (errors.Join), each wrapping ErrInvalidConnector with a message written
// for the chat user.
func ParseConnector(name, agentARN, aliasID string) (Connector, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConnector}, args...)...))
	}
	c := Connector{Name: name, AgentARN: agentARN, AliasID: aliasID}
	switch {
	case name == "":
		bad("the name is empty")
	case utf8.RuneCountInString(name) > MaxNameLength:
		bad("the name is longer than %d characters", MaxNameLength)
	case !nameRE.MatchString(name):
		bad("the name %q may only hold letters, digits, - and _, and must start with a letter or digit", name)
	}
	if m := arnRE.FindStringSubmatch(agentARN); m != nil {
		c.Partition, c.Region, c.AccountID, c.AgentID = m[1], m[2], m[3], m[4]
	} else {
		bad("%q is not a Bedrock agent ARN (arn:aws:bedrock:REGION:ACCOUNT_ID:agent/AGENT_ID, with a 10-character agent ID)", agentARN)
	}
	if !idRE.MatchString(aliasID) {
		bad("the alias ID %q must be 10 letters or digits (such as TSTALIASID)", aliasID)
	}
	if len(errs) > 0 {
		return Connector{}, errors.Join(errs...)
	}
	return c, nil
}

// CheckConnectorLimit reports whether one more connector may be added to a
// channel that has existing ones.
func CheckConnectorLimit(existing int) error {
	if existing >= MaxConnectorsPerChannel {
		return fmt.Errorf("%w: a channel can have at most %d connectors; remove one first", ErrTooManyConnectors, MaxConnectorsPerChannel)
	}
	return nil
}

// SessionID returns the InvokeAgent session ID for a chat thread, derived
// from a key that names the thread (platform, channel and thread
// timestamp, say). The same thread always gets the same session, so a
// follow-up continues the conversation on any replica, and the key itself
// is not sent to AWS.
func SessionID(threadKey string) string {
	sum := sha256.Sum256([]byte(threadKey))
	return "opschat-" + hex.EncodeToString(sum[:20])
}

// InvokeAgentAPI is the part of *bedrockagentruntime.Client that Client
// uses.
type InvokeAgentAPI interface {
	InvokeAgent(ctx context.Context, params *bedrockagentruntime.InvokeAgentInput, optFns ...func(*bedrockagentruntime.Options)) (*bedrockagentruntime.InvokeAgentOutput, error)
}

var _ InvokeAgentAPI = (*bedrockagentruntime.Client)(nil)

// Client invokes Bedrock agents. It is immutable and safe for concurrent
// use; its calls block until the agent has answered or the timeout passes.
type Client struct {
	api      InvokeAgentAPI
	timeout  time.Duration
	maxChars int
}

// Option configures a Client.
type Option func(*Client)

// WithTimeout sets how long one answer may take (default DefaultTimeout).
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithMaxAnswerChars sets where answers are cut (default MaxAnswerChars).
func WithMaxAnswerChars(n int) Option { return func(c *Client) { c.maxChars = n } }

// New returns a Client calling api, usually bedrockagentruntime.NewFromConfig(cfg).
func New(api InvokeAgentAPI, opts ...Option) (*Client, error) {
	c := &Client{api: api, timeout: DefaultTimeout, maxChars: MaxAnswerChars}
	for _, o := range opts {
		o(c)
	}
	if api == nil || c.timeout <= 0 || c.maxChars <= 0 {
		return nil, fmt.Errorf("agents: new client: nil API, or timeout or answer length not positive: %w", ErrInvalidInput)
	}
	return c, nil
}

// Reply is an agent's answer.
type Reply struct {
	Text      string // the chunks joined, cut at the answer limit
	Truncated bool
	SessionID string // the session to continue in the thread
}

// Ask sends text to the connector's agent in its region.
func (c *Client) Ask(ctx context.Context, conn Connector, sessionID, text string) (*Reply, error) {
	return c.invoke(ctx, conn.AgentID, conn.AliasID, sessionID, text, func(o *bedrockagentruntime.Options) {
		if conn.Region != "" {
			o.Region = conn.Region
		}
	})
}

// InvokeAgent sends text to an agent alias in a session and collects the
// streamed answer. Errors wrap ErrInvalidInput, ErrTimeout or ErrAgent.
func (c *Client) InvokeAgent(ctx context.Context, agentID, aliasID, sessionID, text string) (*Reply, error) {
	return c.invoke(ctx, agentID, aliasID, sessionID, text)
}

func (c *Client) invoke(ctx context.Context, agentID, aliasID, sessionID, text string, optFns ...func(*bedrockagentruntime.Options)) (*Reply, error) {
	var errs []error
	if !idRE.MatchString(agentID) {
		errs = append(errs, fmt.Errorf("agent ID %q: must be 10 letters or digits", agentID))
	}
	if !idRE.MatchString(aliasID) {
		errs = append(errs, fmt.Errorf("alias ID %q: must be 10 letters or digits", aliasID))
	}
	if !sessionRE.MatchString(sessionID) {
		errs = append(errs, errors.New("session ID: 2 to 100 letters, digits or ._:- (use SessionID)"))
	}
	if strings.TrimSpace(text) == "" {
		errs = append(errs, errors.New("the question is empty"))
	} else if utf8.RuneCountInString(text) > MaxInputChars {
		errs = append(errs, fmt.Errorf("the question is longer than %d characters", MaxInputChars))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("agents: %w: %w", ErrInvalidInput, errors.Join(errs...))
	}
	tctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	fail := func(err error) error {
		if ctx.Err() != nil {
			return fmt.Errorf("agents: invoke agent %s: %w", agentID, ctx.Err())
		}
		if tctx.Err() != nil {
			return fmt.Errorf("agents: invoke agent %s: %w after %s: %w", agentID, ErrTimeout, c.timeout, tctx.Err())
		}
		return fmt.Errorf("agents: invoke agent %s: %w: %w", agentID, ErrAgent, err)
	}
	out, err := c.api.InvokeAgent(tctx, &bedrockagentruntime.InvokeAgentInput{
		AgentId: aws.String(agentID), AgentAliasId: aws.String(aliasID),
		SessionId: aws.String(sessionID), InputText: aws.String(text),
	}, optFns...)
	if err != nil {
		return nil, fail(err)
	}
	stream := out.GetStream()
	defer stream.Close()
	var b strings.Builder
	for {
		select {
		case <-tctx.Done():
			return nil, fail(tctx.Err())
		case ev, ok := <-stream.Events():
			if !ok {
				if err := stream.Err(); err != nil {
					return nil, fail(err)
				}
				text, cut := assist.Truncate(b.String(), c.maxChars)
				sid := aws.ToString(out.SessionId)
				if sid == "" {
					sid = sessionID
				}
				return &Reply{Text: text, Truncated: cut, SessionID: sid}, nil
			}
			if chunk, isChunk := ev.(*types.ResponseStreamMemberChunk); isChunk {
				// Keep reading past the limit (so the stream ends
				// cleanly) without holding an unbounded answer.
				if b.Len() < 4*c.maxChars*utf8.UTFMax {
					b.Write(chunk.Value.Bytes)
				}
			}
			// Traces, files and return-control events are not shown in chat.
		}
	}
}
