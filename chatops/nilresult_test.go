package chatops_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/opschat/opschat/chatops"
)

// An executor that returns neither a result nor an error is a host bug;
// it must not crash the bot (the handler runs in an adapter goroutine).
func TestExecutorWithoutResultIsAFailureNotAPanic(t *testing.T) {
	nilExec := execFunc(func(context.Context, chatops.ExecRequest) (*chatops.ExecResult, error) { return nil, nil })
	h := newHarness(t, chatops.WithExecutor(nilExec))
	got := h.say(t, "ec2 describe-instances")
	assert.Equal(t, "The command failed", got.Message.Title)
	rec := h.lastRecord(t)
	assert.Equal(t, chatops.OutcomeFailed, rec.Outcome)
	assert.Len(t, h.records(t), 1)
}

type execFunc func(context.Context, chatops.ExecRequest) (*chatops.ExecResult, error)

func (f execFunc) Execute(ctx context.Context, req chatops.ExecRequest) (*chatops.ExecResult, error) {
	return f(ctx, req)
}
