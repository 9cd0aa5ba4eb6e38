package awsexec_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/guardrail"
	"github.com/opschat/opschat/internal/awssim"
)

// catalogActions maps a request the simulated account receives to the IAM
// actions the catalog gives its operation (lambda Invoke is
// lambda:InvokeFunction), so AWS and the local check agree on actions.
func catalogActions(reg *awsexec.Registry) awssim.ActionMapper {
	return func(service, api string) []string {
		prefix := service
		if service == "monitoring" {
			prefix = "cloudwatch" // the signing name differs from the IAM prefix
		}
		for _, name := range reg.Services() {
			svc, _ := reg.Service(name)
			if svc.IAMPrefix != prefix {
				continue
			}
			for _, opName := range reg.Operations(name) {
				op, ok := reg.Operation(name, opName)
				if !ok || op.APIName != api {
					continue
				}
				if len(op.Actions) > 0 {
					return op.Actions
				}
				return []string{prefix + ":" + api}
			}
		}
		return awssim.DefaultActionMapper(service, api)
	}
}

// TestSessionPolicyBacksTheLocalCheck calls the executor directly, as if the
// local guardrail check had been skipped by mistake: AWS (the simulated
// account) still refuses what the channel guardrails and the blocklist
// refuse, because they travel with the role session, and still runs what
// they allow. A local mistake can at worst refuse, never allow.
func TestSessionPolicyBacksTheLocalCheck(t *testing.T) {
	reg := testRegistry(t)
	sim := awssim.New(awssim.WithActionMapper(catalogActions(reg)))
	t.Cleanup(sim.Close)
	e, err := awsexec.New(reg, sim.Config())
	require.NoError(t, err)

	guard := []byte(`{"Version":"2012-10-17","Statement":[
		{"Sid":"Read","Effect":"Allow","Action":["lambda:List*","lambda:Get*","cloudwatch:Describe*"],"Resource":"*"},
		{"Sid":"OnCallOnly","Effect":"Deny","Action":"lambda:DeleteFunction","Resource":"*",
		 "Condition":{"StringNotEquals":{"chatops:ChannelId":"C0ONCALL"}}}]}`)
	cc := guardrail.CommandContext{Platform: "slack", WorkspaceID: "T01", ChannelID: "C042", UserID: "U123ABC", ConfigurationName: "prod-alerts"}
	sp, err := guardrail.NewSessionPolicy(nil, [][]byte{guard}, cc.Session())
	require.NoError(t, err)
	local, err := guardrail.ParseNamedPolicy("ChannelGuardrail", guard)
	require.NoError(t, err)

	tests := []struct {
		service, op string
		params      map[string]any
		code        string // AWS error code, "" = runs
		why         string // %s is the operation's IAM action (lambda invoke: lambda:InvokeFunction)
	}{
		{service: "lambda", op: "list-functions"},
		{service: "cloudwatch", op: "describe-alarms"},
		{service: "lambda", op: "invoke", params: map[string]any{"function-name": awssim.AlarmingFunction},
			code: "AccessDeniedException", why: "%[1]s because no session policy allows the %[1]s action"},
		{service: "lambda", op: "delete-function", params: map[string]any{"function-name": awssim.AlarmingFunction},
			code: "AccessDeniedException", why: "%s with an explicit deny in a session policy"},
		{service: "sts", op: "assume-role", params: map[string]any{"role-arn": testRole, "role-session-name": "escalate"},
			code: "AccessDenied", why: "%s with an explicit deny in a session policy"},
	}
	for _, tt := range tests {
		inv := invocation(t, reg, tt.service, tt.op, tt.params)
		actions := []string{inv.IAMAction}
		if op, ok := reg.Operation(tt.service, tt.op); ok && len(op.Actions) > 0 {
			actions = op.Actions
		}
		_, localErr := guardrail.AuthorizeActions(actions, "", cc.Map(), guardrail.Layer{Name: "guardrail", Policies: []*guardrail.Policy{local}})

		req := request(inv)
		req.SessionPolicy = sp.Document
		res, err := e.Execute(context.Background(), req)
		if tt.code == "" {
			require.NoError(t, err, tt.op)
			assert.NotEmpty(t, res.Message.CodeBlocks, tt.op)
			assert.NoError(t, localErr, "the local check allows %s too", tt.op)
			continue
		}
		require.Error(t, err, tt.op)
		assert.ErrorIs(t, err, awsexec.ErrAccessDenied, tt.op)
		var api *awsexec.APIError
		require.ErrorAs(t, err, &api, tt.op)
		assert.Equal(t, tt.code, api.Code, tt.op)
		assert.Contains(t, api.Error(), fmt.Sprintf(tt.why, actions[0]), tt.op)
		assert.ErrorIs(t, localErr, guardrail.ErrDenied, "the local check refuses %s too", tt.op)
	}
	// One role session for all of it, with the inline session policy.
	calls := sim.AssumeRoleCalls()
	require.Len(t, calls, 1)
	assert.Equal(t, sp.Document, calls[0].Policy)
	assert.Empty(t, calls[0].PolicyArns)
}
