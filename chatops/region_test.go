package chatops_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chatops"
)

// A confirmed command runs in the region it was checked and confirmed for,
// even when someone changed the channel's remembered region meanwhile.
func TestConfirmedCommandKeepsItsRegion(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.sayIn(t, h.conv, "U2", "ec2 describe-instances --region us-east-1")
	got := h.say(t, "ec2 stop-instances --instance-ids i-1")
	require.Equal(t, "Run this command?", got.Message.Title)
	h.sayIn(t, h.conv, "U2", "ec2 describe-instances --region eu-west-1")
	require.NoError(t, h.chat.Click(ctx, got.Ref, chatops.ActionConfirm, "U1"))
	reqs := h.exec.requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, "ec2:StopInstances", reqs[2].Invocation.Action())
	assert.Equal(t, "us-east-1", reqs[2].Region, "the region the user confirmed")
}
