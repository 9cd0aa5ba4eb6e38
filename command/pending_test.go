package command_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
)

func TestAnswer(t *testing.T) {
	t.Parallel()
	inv, err := command.Parse("@aws cloudwatch set-alarm-state --state-value ALARM", cat)
	require.NoError(t, err)
	require.Len(t, inv.Missing, 2)
	assert.Equal(t, "Which `--alarm-name`? (The alarm) Reply with a string (like `value`), or `cancel`.", command.Prompt(inv.Missing[0]))

	// The pending state is the text; it resumes to the same invocation.
	stored := inv.Text
	inv, err = command.Resume(stored, cat)
	require.NoError(t, err)

	inv, err = command.Answer(inv, "<@U1> my alarm", cat)
	require.Error(t, err, "two words for a string parameter")
	inv, err = command.Resume(stored, cat)
	require.NoError(t, err)

	inv, err = command.Answer(inv, "'my alarm'", cat)
	require.NoError(t, err)
	assert.Equal(t, "my alarm", inv.Params["alarm-name"])
	require.Len(t, inv.Missing, 1)
	assert.Equal(t, "state-reason", inv.Missing[0].Name)

	// AWS Chatbot's way: options addressed to the bot.
	inv, err = command.Answer(inv, "@aws --state-reason \u201ctesting the pager\u201d", cat)
	require.NoError(t, err)
	assert.True(t, inv.Complete())
	assert.Equal(t, "cloudwatch set-alarm-state --state-value ALARM --alarm-name 'my alarm' --state-reason 'testing the pager'", inv.Text)

	// A reply can correct what was given before.
	inv, err = command.Answer(inv, "--state-value OK --region eu-west-1", cat)
	require.NoError(t, err)
	assert.Equal(t, "cloudwatch set-alarm-state --alarm-name 'my alarm' --state-reason 'testing the pager' --state-value OK --region eu-west-1", inv.Text)

	_, err = command.Answer(inv, "more", cat)
	require.ErrorIs(t, err, command.ErrNothingPending)
	_, err = command.Answer(inv, "", cat)
	require.ErrorIs(t, err, command.ErrMissingValue)
}

func TestAnswerList(t *testing.T) {
	t.Parallel()
	inv, err := command.Parse("ec2 stop-instances", cat)
	require.NoError(t, err)
	assert.Equal(t, "Which `--instance-ids`? (The instance IDs) Reply with one or more values separated by spaces (like `value value`), or `cancel`.",
		command.Prompt(inv.Missing[0]))
	inv, err = command.Answer(inv, "i-1 i-2", cat)
	require.NoError(t, err)
	assert.Equal(t, []any{"i-1", "i-2"}, inv.Params["instance-ids"])
}

func TestAnswerValidates(t *testing.T) {
	t.Parallel()
	inv, err := command.Parse("kinesis update-shard-count --stream-name s --scaling-type UNIFORM_SCALING", cat)
	require.NoError(t, err)
	_, err = command.Answer(inv, "many", cat)
	require.ErrorIs(t, err, command.ErrInvalidValue)
	_, err = command.Answer(inv, "--endpoint-url http://x", cat)
	require.ErrorIs(t, err, command.ErrRefused)
	_, err = command.Answer(inv, "file://x", cat)
	require.ErrorIs(t, err, command.ErrRefused)
	inv, err = command.Answer(inv, "4", cat)
	require.NoError(t, err)
	assert.Equal(t, int64(4), inv.Params["target-shard-count"])
}

func TestPromptEnum(t *testing.T) {
	t.Parallel()
	op, ok := cat.Operation("kinesis", "update-shard-count")
	require.True(t, ok)
	assert.Equal(t, "Which `--scaling-type`? (The scaling type) Reply with one of `UNIFORM_SCALING`, or `cancel`.", command.Prompt(op.Params[2]))
}

func TestIsCancel(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"cancel", "@aws Cancel", "STOP.", "`abort`"} {
		assert.True(t, command.IsCancel(s), s)
	}
	for _, s := range []string{"cancelled-fn", "my-fn", ""} {
		assert.False(t, command.IsCancel(s), s)
	}
}
