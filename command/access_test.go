package command_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/commandtest"
)

func TestParseIAMActions(t *testing.T) {
	t.Parallel()
	cat := commandtest.Catalog()
	tests := []struct {
		name     string
		in       string
		actions  []string
		access   command.AccessLevel
		readOnly bool
	}{
		{"name-derived action", "ec2 describe-instances", []string{"ec2:DescribeInstances"}, command.AccessList, true},
		{"action differs from the API name", "lambda invoke --function-name f", []string{"lambda:InvokeFunction"}, command.AccessWrite, false},
		{"IAM names the bucket permission", "s3api list-objects-v2 --bucket b", []string{"s3:ListBucket"}, command.AccessList, true},
		{"conditional action absent without its parameter", "s3api get-object --bucket b --key k", []string{"s3:GetObject"}, command.AccessRead, true},
		{"conditional action added by its parameter", "s3api get-object --bucket b --key k --version-id v1", []string{"s3:GetObject", "s3:GetObjectVersion"}, command.AccessRead, true},
		{"IAM prefix differs from the CLI name", "stepfunctions list-executions", []string{"states:ListExecutions"}, command.AccessList, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inv, err := command.Parse(tt.in, cat)
			require.NoError(t, err)
			assert.Equal(t, tt.actions, inv.IAMActions)
			assert.Equal(t, tt.actions, inv.Actions())
			assert.Equal(t, tt.actions[0], inv.IAMAction)
			assert.Equal(t, tt.actions[0], inv.Action())
			assert.Equal(t, tt.access, inv.Op.Access)
			assert.Equal(t, tt.readOnly, inv.Op.ReadOnly)

			// A resumed command is authorized the same way.
			again, err := command.Resume(inv.Text, cat)
			require.NoError(t, err)
			assert.Equal(t, inv.IAMActions, again.IAMActions)
		})
	}
}

// A catalog that fills no Actions still yields the name-derived action, and
// conditional actions are added once even when listed twice.
func TestIAMActionsFallbackAndDedup(t *testing.T) {
	t.Parallel()
	cat := command.NewStaticCatalog(command.StaticService{
		Service: command.Service{Name: "s3api"},
		Operations: []command.Operation{{
			Name: "delete-objects", APIName: "DeleteObjects",
			Actions:            []string{"s3:DeleteObject", "s3:DeleteObject"},
			ConditionalActions: []command.ConditionalAction{{Action: "s3:DeleteObjectVersion", Param: "version-id"}, {Action: "s3:DeleteObjectVersion", Param: "version-id"}},
			Params:             []command.Param{{Name: "version-id", Type: command.TypeString}},
		}, {
			Name: "head-bucket",
		}},
	})
	inv, err := command.Parse("s3api delete-objects --version-id v", cat)
	require.NoError(t, err)
	assert.Equal(t, []string{"s3:DeleteObject", "s3:DeleteObjectVersion"}, inv.IAMActions)

	op, ok := cat.Operation("s3api", "head-bucket")
	require.True(t, ok)
	assert.Equal(t, []string{"s3:HeadBucket"}, op.Actions, "a static catalog fills the name-derived action")
	assert.Equal(t, command.AccessWrite, op.Access, "unclassified and not ReadOnly counts as Write")
	assert.False(t, op.ReadOnly)

	// An invocation built by hand (as a stored alias may be) still has its action.
	hand := &command.Invocation{IAMAction: "ec2:StopInstances"}
	assert.Equal(t, []string{"ec2:StopInstances"}, hand.Actions())
	assert.Empty(t, (&command.Invocation{}).Actions())
}

func TestStaticCatalogDerivesReadOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		op       command.Operation
		access   command.AccessLevel
		readOnly bool
	}{
		{"legacy ReadOnly flag", command.Operation{Name: "a", ReadOnly: true}, command.AccessRead, true},
		{"legacy mutating", command.Operation{Name: "a"}, command.AccessWrite, false},
		{"List", command.Operation{Name: "a", Access: command.AccessList}, command.AccessList, true},
		{"access level wins over a stale flag", command.Operation{Name: "a", Access: command.AccessWrite, ReadOnly: true}, command.AccessWrite, false},
		{"Tagging asks for confirmation", command.Operation{Name: "a", Access: command.AccessTagging}, command.AccessTagging, false},
		{"Permissions management asks for confirmation", command.Operation{Name: "a", Access: command.AccessPermissions}, command.AccessPermissions, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cat := command.NewStaticCatalog(command.StaticService{Service: command.Service{Name: "x"}, Operations: []command.Operation{tt.op}})
			op, ok := cat.Operation("x", "a")
			require.True(t, ok)
			assert.Equal(t, tt.access, op.Access)
			assert.Equal(t, tt.readOnly, op.ReadOnly)
		})
	}
}

func TestAccessLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		level    command.AccessLevel
		name     string
		readOnly bool
	}{
		{command.AccessList, "List", true},
		{command.AccessRead, "Read", true},
		{command.AccessTagging, "Tagging", false},
		{command.AccessWrite, "Write", false},
		{command.AccessPermissions, "Permissions management", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.name, tt.level.String())
			assert.Equal(t, tt.readOnly, tt.level.ReadOnly())
			back, err := command.ParseAccessLevel(tt.name)
			require.NoError(t, err)
			assert.Equal(t, tt.level, back)
			data, err := json.Marshal(tt.level)
			require.NoError(t, err)
			var decoded command.AccessLevel
			require.NoError(t, json.Unmarshal(data, &decoded))
			assert.Equal(t, tt.level, decoded)
		})
	}
	assert.Less(t, command.AccessList, command.AccessRead)
	assert.Less(t, command.AccessRead, command.AccessTagging)
	assert.Less(t, command.AccessTagging, command.AccessWrite)
	assert.Less(t, command.AccessWrite, command.AccessPermissions)
	assert.False(t, command.AccessUnknown.ReadOnly(), "an unclassified action must ask first")
	assert.Equal(t, "Unknown", command.AccessLevel(99).String())
	assert.Equal(t, "Unknown", command.AccessLevel(-1).String())
	l, err := command.ParseAccessLevel("Permissions")
	require.NoError(t, err)
	assert.Equal(t, command.AccessPermissions, l)
	_, err = command.ParseAccessLevel("Admin")
	require.ErrorIs(t, err, command.ErrUnknownAccessLevel)
	var bad command.AccessLevel
	require.ErrorIs(t, json.Unmarshal([]byte(`"read"`), &bad), command.ErrUnknownAccessLevel)
}

func TestAliasActions(t *testing.T) {
	t.Parallel()
	cat := commandtest.Catalog()
	a, err := command.NewAlias("old", "s3api get-object --bucket b --key $key --version-id $v", cat)
	require.NoError(t, err)
	assert.Equal(t, []string{"s3:GetObject", "s3:GetObjectVersion"}, a.Actions)
	assert.Equal(t, "s3:GetObject", a.Action)
}

func TestHelpShowsIAMActions(t *testing.T) {
	t.Parallel()
	cat := commandtest.Catalog()
	h := command.HelpFor(cat, "s3api", "get-object")
	assert.Contains(t, h.Text, "**IAM action:** `s3:GetObject` (Read, read-only)")
	assert.Contains(t, h.Text, "with `--version-id`: also `s3:GetObjectVersion`")
	grouped := command.NewStaticCatalog(command.StaticService{
		Service: command.Service{Name: "s3api"},
		Operations: []command.Operation{{
			Name: "put-object", Access: command.AccessWrite,
			ConditionalActions: []command.ConditionalAction{
				{Action: "s3:PutObjectAcl", Param: "acl"}, {Action: "s3:PutObjectTagging", Param: "tagging"}, {Action: "s3:PutObjectAcl", Param: "grant-read"},
			},
			Params: []command.Param{{Name: "acl"}, {Name: "tagging"}, {Name: "grant-read"}},
		}},
	})
	h = command.HelpFor(grouped, "s3api", "put-object")
	assert.Contains(t, h.Text, "with `--acl` or `--grant-read`: also `s3:PutObjectAcl`")
	assert.Contains(t, h.Text, "with `--tagging`: also `s3:PutObjectTagging`")
	h = command.HelpFor(cat, "lambda", "invoke")
	assert.Contains(t, h.Text, "`lambda:InvokeFunction` (Write, asks for confirmation)")
	assert.NotContains(t, h.Text, "lambda:Invoke`")
}
