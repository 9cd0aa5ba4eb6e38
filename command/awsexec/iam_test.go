package awsexec_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/lambdaops"
)

// The registry's catalog carries each operation's IAM actions and access
// level, and ReadOnly follows the level.
func TestCatalogIAM(t *testing.T) {
	t.Parallel()
	reg := testRegistry(t)
	tests := []struct {
		service, op string
		actions     []string
		access      command.AccessLevel
	}{
		{"lambda", "invoke", []string{"lambda:InvokeFunction"}, command.AccessWrite},
		{"lambda", "list-functions", []string{"lambda:ListFunctions"}, command.AccessList},
		{"logs", "start-query", []string{"logs:StartQuery"}, command.AccessRead},
		{"dynamodb", "transact-get-items", []string{"dynamodb:GetItem"}, command.AccessRead},
		{"cloudwatch", "describe-alarms", []string{"cloudwatch:DescribeAlarms"}, command.AccessRead},
		{"cloudwatch", "set-alarm-state", []string{"cloudwatch:SetAlarmState"}, command.AccessWrite},
	}
	for _, tt := range tests {
		t.Run(tt.service+" "+tt.op, func(t *testing.T) {
			t.Parallel()
			op, ok := reg.Operation(tt.service, tt.op)
			require.True(t, ok)
			assert.Equal(t, tt.actions, op.Actions)
			assert.Equal(t, tt.access, op.Access)
			assert.Equal(t, tt.access.ReadOnly(), op.ReadOnly)
			inv, err := command.Parse(tt.service+" "+tt.op, reg)
			require.NoError(t, err)
			assert.Equal(t, tt.actions, inv.IAMActions)
		})
	}
	// The table's own view agrees (APIError.Action uses it).
	s := lambdaops.Service()
	op, ok := s.Operation("invoke")
	require.True(t, ok)
	assert.Equal(t, "lambda:InvokeFunction", s.IAMAction(op))
	assert.Equal(t, []string{"lambda:InvokeFunction"}, s.IAMActions(op))
	assert.Equal(t, command.AccessWrite, op.Access())
	assert.False(t, op.ReadOnly())
}

func TestOperationIAMOptions(t *testing.T) {
	t.Parallel()
	op := awsexec.Op("get-thing", "GetThing", awsexec.AccessRead, "Gets a thing.", (*xClient).GetThing).
		IAM("x:ReadThing", "x:ListThings").
		IAMIf("version-id", "x:ReadThingVersion")
	s := awsexec.NewService("x", "x", newXClient, awsexec.ServiceInfo{}, op, awsexec.Op("put-thing", "PutThing", awsexec.AccessUnknown, "", (*xClient).PutThing))
	assert.Equal(t, []string{"x:ReadThing", "x:ListThings"}, s.IAMActions(op))
	assert.Equal(t, "x:ReadThing", s.IAMAction(op))
	assert.Equal(t, []command.ConditionalAction{{Action: "x:ReadThingVersion", Param: "version-id"}}, s.ConditionalActions(op))

	put, _ := s.Operation("put-thing")
	assert.Equal(t, []string{"x:PutThing"}, s.IAMActions(put), "name-derived where the table says nothing")
	assert.Equal(t, command.AccessUnknown, put.Access())
	assert.False(t, put.ReadOnly(), "an unclassified operation asks for confirmation")

	reg := awsexec.NewRegistry()
	reg.Add(s)
	c, ok := reg.Operation("x", "get-thing")
	require.True(t, ok)
	assert.Equal(t, []string{"x:ReadThing", "x:ListThings"}, c.Actions)
	assert.Equal(t, command.AccessRead, c.Access)
	assert.True(t, c.ReadOnly)
	inv, err := command.Parse("x get-thing --version-id 3", reg)
	require.NoError(t, err)
	assert.Equal(t, []string{"x:ReadThing", "x:ListThings", "x:ReadThingVersion"}, inv.IAMActions)
}

// xClient is a stand-in SDK client with the SDK's method shape.
type (
	xClient        struct{}
	xOptions       struct{}
	GetThingInput  struct{ VersionId *string }
	GetThingOutput struct{}
	PutThingInput  struct{ Name *string }
	PutThingOutput struct{}
)

func newXClient(aws.Config, ...func(*xOptions)) *xClient { return &xClient{} }

func (*xClient) GetThing(context.Context, *GetThingInput, ...func(*xOptions)) (*GetThingOutput, error) {
	return &GetThingOutput{}, nil
}

func (*xClient) PutThing(context.Context, *PutThingInput, ...func(*xOptions)) (*PutThingOutput, error) {
	return &PutThingOutput{}, nil
}
