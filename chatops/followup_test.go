package chatops_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/fake"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/command/commandtest"
)

// graphExec answers at once and leaves a graph to its follow-up, as
// awsexec does for describe-alarms.
func graphExec(followErr error) chatops.Executor {
	return execFunc(func(ctx context.Context, req chatops.ExecRequest) (*chatops.ExecResult, error) {
		answer := chat.Message{Text: "ran " + req.Invocation.Action(), Context: []string{"account 123456789012"}}
		return &chatops.ExecResult{Message: answer, FollowUp: func(ctx context.Context) (chat.Message, error) {
			if followErr != nil {
				return answer, followErr
			}
			m := answer
			m.Images = []chat.Image{{Data: []byte("\x89PNG"), ContentType: "image/png", Name: "g.png", AltText: "graph"}}
			m.Context = append(append([]string(nil), answer.Context...), "Graphs shown for the first 1 of 2 alarms.")
			return m, nil
		}}, nil
	})
}

func TestFollowUpEditsTheAnswer(t *testing.T) {
	h := newHarness(t, chatops.WithExecutor(graphExec(nil)))
	require.NoError(t, h.chat.Say(context.Background(), h.conv, "U1", "cloudwatch describe-alarms"))
	sent, err := h.chat.WaitForSent(2, 5*time.Second)
	require.NoError(t, err)
	answer, edit := sent[0], sent[1]
	assert.False(t, answer.Updated)
	assert.Empty(t, answer.Message.Images, "the answer does not wait for the graphs")
	assert.True(t, edit.Updated, "the graphs edit the answer in place")
	assert.Equal(t, answer.Ref.MessageID, edit.Ref.MessageID)
	require.Len(t, edit.Message.Images, 1)
	assert.Equal(t, "ran cloudwatch:DescribeAlarms", edit.Message.Text)
	assert.Equal(t, []string{"account 123456789012", "Graphs shown for the first 1 of 2 alarms."}, edit.Message.Context)
	assert.Len(t, h.records(t), 1, "one audit record per command")
	assert.Equal(t, chatops.OutcomeSucceeded, h.lastRecord(t).Outcome)
}

func TestFollowUpFailureLeavesTheAnswer(t *testing.T) {
	h := newHarness(t, chatops.WithExecutor(graphExec(errors.New("GetMetricWidgetImage: throttled"))))
	got := h.say(t, "cloudwatch describe-alarms")
	assert.Equal(t, "ran cloudwatch:DescribeAlarms", got.Message.Text)
	_, err := h.chat.WaitForSent(2, 200*time.Millisecond)
	assert.Error(t, err, "nothing added: no edit, no second message")
	assert.Equal(t, chatops.OutcomeSucceeded, h.lastRecord(t).Outcome, "the command succeeded; only its graphs did not")
}

// noEdit is a platform that cannot edit messages.
type noEdit struct{ f *fake.Adapter }

func (n noEdit) Send(ctx context.Context, c chat.Conversation, m chat.Message) (chat.Ref, error) {
	return n.f.Send(ctx, c, m)
}
func (n noEdit) Listen(ctx context.Context, h chat.Handler) error { return n.f.Listen(ctx, h) }
func (n noEdit) Platform() chat.Platform                          { return n.f.Platform() }

func TestFollowUpWithoutEditsIsASecondReply(t *testing.T) {
	h := newHarness(t, chatops.WithExecutor(graphExec(nil)))
	var err error
	h.bot, err = chatops.New(chatops.WithAdapter(noEdit{h.chat}), chatops.WithConfig(h.bot.Config()),
		chatops.WithCatalog(commandtest.Catalog()), chatops.WithExecutor(graphExec(nil)), chatops.WithAuthorizer(denyStop),
		chatops.WithStillRunningAfter(0))
	require.NoError(t, err)
	h.chat.SetHandler(h.bot)
	require.NoError(t, h.chat.Say(context.Background(), h.conv, "U1", "cloudwatch describe-alarms"))
	sent, err := h.chat.WaitForSent(2, 5*time.Second)
	require.NoError(t, err)
	second := sent[1]
	assert.False(t, second.Updated)
	assert.Len(t, second.Message.Images, 1, "what was added, and only that")
	assert.Empty(t, second.Message.Text)
	assert.Equal(t, []string{"Graphs shown for the first 1 of 2 alarms."}, second.Message.Context)
}
