package chatops_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/fake"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/command/commandtest"
)

const testConfig = `
configurations:
  - ConfigurationName: ops
    Platform: fake
    WorkspaceId: T1
    ChannelId: C1
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    GuardrailPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
  - ConfigurationName: user-roles
    Platform: fake
    WorkspaceId: T1
    ChannelId: C2
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    UserRoleRequired: true
    UserRoleArns: [arn:aws:iam::123456789012:role/oncall]
`

// fakeExecutor records requests and answers with a canned message.
type fakeExecutor struct {
	mu        sync.Mutex
	reqs      []chatops.ExecRequest
	err       error
	delay     time.Duration
	ignoreCtx bool // a badly behaved executor that sleeps through its deadline
}

func (f *fakeExecutor) Execute(ctx context.Context, req chatops.ExecRequest) (*chatops.ExecResult, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	err, delay, ignoreCtx := f.err, f.delay, f.ignoreCtx
	f.mu.Unlock()
	if ignoreCtx {
		time.Sleep(delay)
	} else if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, err
	}
	return &chatops.ExecResult{Message: chat.Message{Text: "ran " + req.Invocation.Action()}, Region: req.Region, Account: "123456789012"}, nil
}

func (f *fakeExecutor) requests() []chatops.ExecRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]chatops.ExecRequest(nil), f.reqs...)
}

// denyStop refuses ec2:StopInstances the way a guardrail would.
var denyStop = chatops.AuthorizerFunc(func(ctx context.Context, req chatops.AuthRequest) (chatops.AuthResult, error) {
	if req.Invocation.Action() == "ec2:StopInstances" && strings.Contains(req.Invocation.Text, "i-protected") {
		return chatops.AuthResult{Reason: "denied by guardrail `NoStop`, statement `DenyStop`"}, nil
	}
	if strings.HasPrefix(req.Invocation.Action(), "iam:") {
		return chatops.AuthResult{Reason: "IAM is blocked for everyone"}, nil
	}
	return chatops.AuthResult{Allowed: true}, nil
})

type harness struct {
	bot   *chatops.Bot
	chat  *fake.Adapter
	exec  *fakeExecutor
	audit *bytes.Buffer
	conv  chat.Conversation
}

func newHarness(t *testing.T, opts ...chatops.Option) *harness {
	t.Helper()
	cfg, err := chatops.LoadConfig([]byte(testConfig))
	require.NoError(t, err)
	h := &harness{chat: fake.New(), exec: &fakeExecutor{}, audit: &bytes.Buffer{}}
	h.conv = h.chat.Conversation("T1", "C1")
	base := []chatops.Option{
		chatops.WithAdapter(h.chat),
		chatops.WithConfig(cfg),
		chatops.WithCatalog(commandtest.Catalog()),
		chatops.WithExecutor(h.exec),
		chatops.WithAuthorizer(denyStop),
		chatops.WithAuditWriter(h.audit),
		chatops.WithStillRunningAfter(0),
	}
	h.bot, err = chatops.New(append(base, opts...)...)
	require.NoError(t, err)
	h.chat.SetHandler(h.bot)
	return h
}

func (h *harness) say(t *testing.T, text string) fake.Posted {
	t.Helper()
	return h.sayIn(t, h.conv, "U1", text)
}

func (h *harness) sayIn(t *testing.T, conv chat.Conversation, user, text string) fake.Posted {
	t.Helper()
	n := len(h.chat.Sent())
	require.NoError(t, h.chat.Say(context.Background(), conv, user, text))
	sent := h.chat.Sent()
	require.Greater(t, len(sent), n, "the bot must answer %q", text)
	return sent[len(sent)-1]
}

func (h *harness) records(t *testing.T) []chatops.AuditRecord {
	t.Helper()
	var out []chatops.AuditRecord
	for _, line := range strings.Split(strings.TrimSpace(h.audit.String()), "\n") {
		if line == "" {
			continue
		}
		var r chatops.AuditRecord
		require.NoError(t, json.Unmarshal([]byte(line), &r), line)
		out = append(out, r)
	}
	return out
}

func (h *harness) lastRecord(t *testing.T) chatops.AuditRecord {
	t.Helper()
	recs := h.records(t)
	require.NotEmpty(t, recs)
	return recs[len(recs)-1]
}

func TestFailsClosedWithoutAuthorizer(t *testing.T) {
	_, err := chatops.New(chatops.WithExecutor(&fakeExecutor{}))
	require.Error(t, err)
	assert.ErrorIs(t, err, chatops.ErrUnsafeConfiguration)
	assert.Contains(t, err.Error(), "WithUnsafeAllowAll")

	_, err = chatops.New(chatops.WithExecutor(&fakeExecutor{}), chatops.WithUnsafeAllowAll())
	assert.NoError(t, err, "the host may opt out explicitly, by name")
	_, err = chatops.New()
	assert.NoError(t, err, "a notifications-only bot needs no authorizer")
}

func TestNewReportsEveryBadOption(t *testing.T) {
	_, err := chatops.New(chatops.WithAdapter(nil), chatops.WithStore(nil), chatops.WithCommandTimeout(-1))
	require.Error(t, err)
	for _, want := range []string{"WithAdapter", "WithStore", "WithCommandTimeout"} {
		assert.Contains(t, err.Error(), want)
	}
	_, err = chatops.New(chatops.WithConfig(&chatops.Config{Configurations: []chatops.ChannelConfig{{Name: "x"}}}))
	assert.ErrorIs(t, err, chatops.ErrInvalidConfig)
}

func TestHelpAndHints(t *testing.T) {
	h := newHarness(t)
	for _, text := range []string{"", "   ", "@aws", "<@U0BOT>  "} {
		got := h.say(t, text)
		assert.Contains(t, got.Message.Text, "Try `help`", "empty message %q gets a hint", text)
	}
	got := h.say(t, "@aws help")
	assert.Equal(t, "opschat help", got.Message.Title)
	assert.Contains(t, got.Message.Text, "`cloudwatch`")
	assert.Contains(t, got.Message.Text, "alias create")

	got = h.say(t, "ec2 help")
	assert.Contains(t, got.Message.Text, "describe-instances")
	rec := h.lastRecord(t)
	assert.Equal(t, chatops.OutcomeAnswered, rec.Outcome)
}

func TestUnknownCommandWithoutCatalog(t *testing.T) {
	cfg, err := chatops.LoadConfig([]byte(testConfig))
	require.NoError(t, err)
	a := fake.New()
	audit := &bytes.Buffer{}
	bot, err := chatops.New(chatops.WithAdapter(a), chatops.WithConfig(cfg), chatops.WithAuditWriter(audit))
	require.NoError(t, err)
	a.SetHandler(bot)
	require.NoError(t, a.Say(context.Background(), a.Conversation("T1", "C1"), "U1", "frobnicate now"))
	last, _ := a.Last()
	assert.Equal(t, "Unknown command", last.Message.Title)
	assert.Contains(t, last.Message.Text, "`help`")
	assert.Contains(t, audit.String(), `"outcome":"invalid"`)
}

func TestMistypedOperationGetsSuggestion(t *testing.T) {
	h := newHarness(t)
	got := h.say(t, "cloudwatch describe-alarm")
	assert.Contains(t, got.Message.Text, "describe-alarms")
	rec := h.lastRecord(t)
	assert.Equal(t, chatops.OutcomeInvalid, rec.Outcome)
	assert.Empty(t, h.exec.requests())
}

func TestReadOnlyCommandRunsAndIsAudited(t *testing.T) {
	h := newHarness(t)
	got := h.say(t, "@aws cloudwatch describe-alarms --state-value ALARM --region eu-west-1")
	assert.Equal(t, "ran cloudwatch:DescribeAlarms", got.Message.Text)
	reqs := h.exec.requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, "arn:aws:iam::123456789012:role/ops", r.RoleARN)
	assert.Equal(t, "eu-west-1", r.Region)
	assert.Equal(t, "opschat-U1", r.SessionName)
	assert.Equal(t, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, r.PolicyARNs)
	assert.Equal(t, "ops", r.SessionTags["opschat:configuration"])
	assert.True(t, r.Capabilities.Threads)

	rec := h.lastRecord(t)
	assert.Equal(t, chatops.OutcomeSucceeded, rec.Outcome)
	assert.Equal(t, chatops.DecisionAllow, rec.Decision)
	assert.Equal(t, "cloudwatch", rec.Service)
	assert.Equal(t, "describe-alarms", rec.Operation)
	assert.Equal(t, "eu-west-1", rec.Region)
	assert.Equal(t, "ops", rec.Configuration)
	assert.Equal(t, "U1", rec.User)
	assert.Equal(t, "@aws cloudwatch describe-alarms --state-value ALARM --region eu-west-1", rec.Text)
	assert.Equal(t, "arn:aws:iam::123456789012:role/ops", rec.Role)
	assert.False(t, rec.Time.IsZero())

	// The region is remembered for the channel.
	h.say(t, "cloudwatch describe-alarms")
	assert.Equal(t, "eu-west-1", h.exec.requests()[1].Region)
}

func TestDeniedCommandIsRefusedAndAudited(t *testing.T) {
	h := newHarness(t)
	got := h.say(t, "iam list-users")
	assert.Equal(t, "Not allowed", got.Message.Title)
	assert.Contains(t, got.Message.Text, "IAM is blocked")
	assert.Empty(t, h.exec.requests())
	rec := h.lastRecord(t)
	assert.Equal(t, chatops.OutcomeDenied, rec.Outcome)
	assert.Equal(t, chatops.DecisionDeny, rec.Decision)
	assert.Equal(t, "IAM is blocked for everyone", rec.Reason)
}

func TestRefusedOption(t *testing.T) {
	h := newHarness(t)
	got := h.say(t, "ec2 describe-instances --endpoint-url http://evil.example.com")
	assert.Contains(t, got.Message.Text, "endpoint-url")
	assert.Empty(t, h.exec.requests())
	assert.Equal(t, chatops.OutcomeInvalid, h.lastRecord(t).Outcome)
}

func TestFailedCommandIsAudited(t *testing.T) {
	h := newHarness(t)
	h.exec.err = errors.New("operation error EC2: DescribeInstances, https response error StatusCode: 500")
	got := h.say(t, "ec2 describe-instances")
	assert.Equal(t, "The command failed", got.Message.Title)
	assert.NotContains(t, got.Message.Text, "StatusCode", "internal errors go to the log, not the channel")
	rec := h.lastRecord(t)
	assert.Equal(t, chatops.OutcomeFailed, rec.Outcome)
	assert.Contains(t, rec.Error, "StatusCode: 500")
}

type userErr struct{}

func (userErr) Error() string { return "AccessDenied: not authorized" }
func (userErr) UserMessage() string {
	return "IAM refused: the role may not call ec2:DescribeInstances."
}

func TestUserFacingExecutorErrorIsShown(t *testing.T) {
	h := newHarness(t)
	h.exec.err = userErr{}
	got := h.say(t, "ec2 describe-instances")
	assert.Contains(t, got.Message.Text, "IAM refused")
}

func TestTimeout(t *testing.T) {
	h := newHarness(t, chatops.WithCommandTimeout(20*time.Millisecond))
	h.exec.delay = time.Minute
	got := h.say(t, "ec2 describe-instances")
	assert.Equal(t, "Timed out", got.Message.Title)
	assert.Equal(t, chatops.OutcomeFailed, h.lastRecord(t).Outcome)
}

func TestStillRunningNote(t *testing.T) {
	h := newHarness(t, chatops.WithStillRunningAfter(time.Millisecond))
	h.exec.delay = 100 * time.Millisecond
	h.say(t, "ec2 describe-instances")
	sent := h.chat.Sent()
	require.GreaterOrEqual(t, len(sent), 2)
	assert.Contains(t, sent[len(sent)-2].Message.Text, "Still running")
	assert.Equal(t, "ran ec2:DescribeInstances", sent[len(sent)-1].Message.Text)
}

func TestConfirmationWithButtons(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	got := h.say(t, "ec2 stop-instances --instance-ids i-1 i-2")
	assert.Equal(t, "Run this command?", got.Message.Title)
	require.Len(t, got.Message.Buttons, 2)
	assert.Empty(t, h.exec.requests(), "mutating commands wait for confirmation")
	assert.Equal(t, chatops.OutcomePending, h.lastRecord(t).Outcome)

	// Someone else cannot confirm.
	require.NoError(t, h.chat.Click(ctx, got.Ref, chatops.ActionConfirm, "U2"))
	assert.Empty(t, h.exec.requests())
	assert.Equal(t, chatops.OutcomeDenied, h.lastRecord(t).Outcome)

	require.NoError(t, h.chat.Click(ctx, got.Ref, chatops.ActionConfirm, "U1"))
	reqs := h.exec.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, []any{"i-1", "i-2"}, reqs[0].Invocation.Params["instance-ids"])
	rec := h.lastRecord(t)
	assert.Equal(t, chatops.OutcomeSucceeded, rec.Outcome)
	assert.Equal(t, "ec2:StopInstances", rec.Action)

	// The token is spent: a second click does nothing.
	require.NoError(t, h.chat.Click(ctx, got.Ref, chatops.ActionConfirm, "U1"))
	assert.Len(t, h.exec.requests(), 1)
	last, _ := h.chat.Last()
	assert.Contains(t, last.Message.Text, "expired or was already answered")
}

func TestConfirmationInThreadAndCancel(t *testing.T) {
	h := newHarness(t)
	got := h.say(t, "ec2 stop-instances --instance-ids i-1")
	thread := got.Ref.Thread()
	reply := h.sayIn(t, thread, "U1", "maybe")
	assert.Contains(t, reply.Message.Text, "Reply `yes`")
	reply = h.sayIn(t, thread, "U1", "cancel")
	assert.Contains(t, reply.Message.Text, "Cancelled")
	assert.Empty(t, h.exec.requests())
	assert.Equal(t, chatops.OutcomeCancelled, h.lastRecord(t).Outcome)

	got = h.say(t, "ec2 stop-instances --instance-ids i-1")
	h.sayIn(t, got.Ref.Thread(), "U1", "yes")
	assert.Len(t, h.exec.requests(), 1)
}

func TestGuardrailCheckedBeforeConfirmation(t *testing.T) {
	h := newHarness(t)
	got := h.say(t, "ec2 stop-instances --instance-ids i-protected")
	assert.Equal(t, "Not allowed", got.Message.Title)
	assert.Contains(t, got.Message.Text, "statement `DenyStop`")
}

func TestPromptForMissingParameter(t *testing.T) {
	h := newHarness(t)
	got := h.say(t, "lambda get-function")
	assert.Contains(t, got.Message.Text, "Which `--function-name`?")
	require.NotNil(t, got.Message.Form)
	assert.Equal(t, chatops.OutcomePending, h.lastRecord(t).Outcome)

	// The answer in the thread completes and runs it.
	h.sayIn(t, got.Ref.Thread(), "U1", "my-fn")
	reqs := h.exec.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "my-fn", reqs[0].Invocation.Params["function-name"])
	assert.Equal(t, chatops.OutcomeSucceeded, h.lastRecord(t).Outcome)
}

func TestPromptAnsweredTheAWSChatbotWay(t *testing.T) {
	h := newHarness(t)
	h.say(t, "lambda get-function")
	h.say(t, "@aws --function-name other-fn")
	reqs := h.exec.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "other-fn", reqs[0].Invocation.Params["function-name"])
}

func TestPromptAnsweredWithForm(t *testing.T) {
	h := newHarness(t)
	got := h.say(t, "lambda get-function")
	require.NoError(t, h.chat.Submit(context.Background(), got.Ref, "U1", map[string]string{"function-name": "form fn"}))
	reqs := h.exec.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "form fn", reqs[0].Invocation.Params["function-name"])
}

func TestParamsWithNothingPending(t *testing.T) {
	h := newHarness(t)
	got := h.say(t, "--function-name x")
	assert.Contains(t, got.Message.Text, "no command waiting")
}

func TestThreadChatterIsIgnored(t *testing.T) {
	h := newHarness(t)
	n := len(h.chat.Sent())
	require.NoError(t, h.chat.Say(context.Background(), h.conv.InThread("123.456"), "U1", "looks like the deploy"))
	assert.Len(t, h.chat.Sent(), n, "a thread reply that answers nothing pending is not a command")
}

func TestAliases(t *testing.T) {
	h := newHarness(t)
	got := h.say(t, "alias create stop ec2 stop-instances --instance-ids $id")
	assert.Contains(t, got.Message.Text, "Alias `stop` created")
	got = h.say(t, "alias list")
	require.Len(t, got.Message.CodeBlocks, 1)
	assert.Contains(t, got.Message.CodeBlocks[0].Content, "ec2 stop-instances --instance-ids $id")

	got = h.say(t, "run stop i-9")
	assert.Equal(t, "Run this command?", got.Message.Title, "aliases of mutating commands still confirm")
	require.NoError(t, h.chat.Click(context.Background(), got.Ref, chatops.ActionConfirm, "U1"))
	require.Len(t, h.exec.requests(), 1)
	assert.Equal(t, []any{"i-9"}, h.exec.requests()[0].Invocation.Params["instance-ids"])

	// Checked again at run: the guardrail refuses this value.
	got = h.say(t, "run stop --id i-protected")
	assert.Equal(t, "Not allowed", got.Message.Title)

	got = h.say(t, "alias create leak ec2 describe-instances --endpoint-url https://x")
	assert.Contains(t, got.Message.Text, "endpoint-url", "refused options are rejected at creation")
	got = h.say(t, "alias create users iam list-users")
	assert.Equal(t, "Alias not created", got.Message.Title, "guardrail-denied commands are rejected at creation")

	got = h.say(t, "alias delete stop")
	assert.Contains(t, got.Message.Text, "deleted")
	got = h.say(t, "run stop i-9")
	assert.Contains(t, got.Message.Text, "no alias `stop`")
}

func TestUserRoleRequired(t *testing.T) {
	h := newHarness(t)
	conv := h.chat.Conversation("T1", "C2")
	got := h.sayIn(t, conv, "U1", "ec2 describe-instances")
	assert.Equal(t, "Choose a role", got.Message.Title)
	require.Len(t, got.Message.Buttons, 1)
	assert.Empty(t, h.exec.requests())

	require.NoError(t, h.chat.Click(context.Background(), got.Ref, chatops.ActionRole, "U1"))
	last, _ := h.chat.Last()
	assert.Contains(t, last.Message.Text, "role/oncall")

	h.sayIn(t, conv, "U1", "ec2 describe-instances")
	reqs := h.exec.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "arn:aws:iam::123456789012:role/oncall", reqs[0].RoleARN)

	got = h.sayIn(t, conv, "U1", "switch-role arn:aws:iam::123456789012:role/admin")
	assert.Contains(t, got.Message.Text, "not one of the roles")
}

func TestUnconfiguredChannel(t *testing.T) {
	h := newHarness(t)
	got := h.sayIn(t, h.chat.Conversation("T1", "C404"), "U1", "ec2 describe-instances")
	assert.Equal(t, "This channel is not configured", got.Message.Title)
	assert.Contains(t, got.Message.Text, "C404")
	rec := h.lastRecord(t)
	assert.Equal(t, chatops.OutcomeDenied, rec.Outcome)
	assert.Equal(t, "no channel configuration", rec.Reason)

	dm := h.chat.Conversation("T1", "D1")
	dm.Type = chat.ConversationDirect
	got = h.sayIn(t, dm, "U1", "help")
	assert.Equal(t, "Direct messages are not enabled", got.Message.Title)
}

func TestAuditToSlogAndStderrDefault(t *testing.T) {
	var logBuf bytes.Buffer
	var h *harness
	h = newHarness(t, chatops.WithAuditLogger(slogJSON(&logBuf)))
	h.say(t, "help")
	assert.Contains(t, logBuf.String(), `"outcome":"answered"`)
	assert.Contains(t, h.audit.String(), `"outcome":"answered"`, "every sink gets the record")
}

func TestStripMention(t *testing.T) {
	for in, want := range map[string]string{
		"@aws ec2 x":               "ec2 x",
		"aws ec2 x":                "ec2 x",
		"<@U123ABC> ec2 x":         "ec2 x",
		"<at>aws</at> ec2 x":       "ec2 x",
		"@Amazon Q ec2 x":          "ec2 x",
		"awsome":                   "awsome",
		"  @aws  ":                 "",
		"<@U1> <at>aws</at> aws x": "x",
	} {
		assert.Equal(t, want, chatops.StripMention(in), in)
	}
}

func TestConcurrentConfirmationsRunOnce(t *testing.T) {
	h := newHarness(t)
	got := h.say(t, "ec2 stop-instances --instance-ids i-1")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = h.chat.Click(context.Background(), got.Ref, chatops.ActionConfirm, "U1")
		}()
	}
	wg.Wait()
	assert.Len(t, h.exec.requests(), 1, "one confirmation, one run")
}

func TestConcurrentPromptAnswersContinueOnce(t *testing.T) {
	h := newHarness(t)
	got := h.say(t, "lambda get-function")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = h.chat.Submit(context.Background(), got.Ref, "U1", map[string]string{"function-name": "fn"})
		}()
	}
	wg.Wait()
	assert.Len(t, h.exec.requests(), 1, "one prompt, one run")
}

func TestTimeoutWithExecutorIgnoringContext(t *testing.T) {
	h := newHarness(t, chatops.WithCommandTimeout(20*time.Millisecond))
	h.exec.delay = 2 * time.Second
	h.exec.ignoreCtx = true
	got := h.say(t, "ec2 describe-instances")
	assert.Equal(t, "Timed out", got.Message.Title)
	assert.Equal(t, chatops.OutcomeFailed, h.lastRecord(t).Outcome)
}
