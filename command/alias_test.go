package command_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
)

func TestParseAliasCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want command.AliasCommand
	}{
		{"@aws alias create stop ec2 stop-instances --instance-ids $id", command.AliasCommand{Action: command.AliasCreate, Name: "stop",
			Command: "ec2 stop-instances --instance-ids $id"}},
		{`alias create auto ssm start-automation-execution --document-name $name --parameters { "AutomationAssumeRole": ["arn:aws:iam::123456789012:role/$role-name"] }`,
			command.AliasCommand{Action: command.AliasCreate, Name: "auto",
				Command: `ssm start-automation-execution --document-name $name --parameters { "AutomationAssumeRole": ["arn:aws:iam::123456789012:role/$role-name"] }`}},
		{"alias list", command.AliasCommand{Action: command.AliasList}},
		{"ALIAS LIST", command.AliasCommand{Action: command.AliasList}},
		{"alias", command.AliasCommand{Action: command.AliasHelp}},
		{"alias help", command.AliasCommand{Action: command.AliasHelp}},
		{"alias delete stop", command.AliasCommand{Action: command.AliasDelete, Name: "stop"}},
		{"run stop i-1 i-2", command.AliasCommand{Action: command.AliasRun, Name: "stop", Args: []string{"i-1", "i-2"}}},
		{"alias run stop 'a b'", command.AliasCommand{Action: command.AliasRun, Name: "stop", Args: []string{"a b"}}},
		{"run auto --name AWS-X --role-name=ops", command.AliasCommand{Action: command.AliasRun, Name: "auto",
			Named: map[string]string{"name": "AWS-X", "role-name": "ops"}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := command.ParseAliasCommand(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, *got)
		})
	}
}

func TestParseAliasCommandErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		kind error
		msg  string
	}{
		{"alias create", command.ErrInvalidAlias, "Usage: `alias create NAME COMMAND`"},
		{"alias create x", command.ErrInvalidAlias, "Usage"},
		{"alias create bad/name ec2 describe-instances", command.ErrInvalidAlias, "letters, digits"},
		{"alias create " + strings.Repeat("a", 101) + " ec2 describe-instances", command.ErrInvalidAlias, "at most 100"},
		{"alias delete", command.ErrInvalidAlias, "Usage: `alias delete NAME`"},
		{"alias creat x y", command.ErrInvalidAlias, "Did you mean `create`?"},
		{"run", command.ErrInvalidAlias, "Which alias?"},
		{"run x --name", command.ErrMissingValue, "needs a value"},
		{"run x --endpoint-url http://evil", command.ErrRefused, "not allowed"},
		{"run x file://a", command.ErrRefused, "file://"},
		{"ec2 describe-instances", command.ErrInvalidAlias, "start with `alias` or `run`"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := command.ParseAliasCommand(tt.in)
			require.ErrorIs(t, err, tt.kind)
			var e *command.Error
			require.True(t, errors.As(err, &e))
			assert.Contains(t, e.UserMessage(), tt.msg)
		})
	}
}

func TestNewAlias(t *testing.T) {
	t.Parallel()
	a, err := command.NewAlias("auto", `ssm start-automation-execution --document-name $name --parameters { "AutomationAssumeRole": ["arn:aws:iam::123456789012:role/$role-name"] }`, cat)
	require.NoError(t, err)
	assert.Equal(t, []string{"name", "role-name"}, a.Placeholders)
	assert.Equal(t, "ssm:StartAutomationExecution", a.Action)
	assert.Equal(t, "run auto NAME ROLE-NAME", a.Usage())

	a, err = command.NewAlias("alarms", "cloudwatch describe-alarms --state-value $state --max-records ${n} --region $region", cat)
	require.NoError(t, err, "placeholders stand in for enum, integer and region values")
	assert.Equal(t, []string{"state", "n", "region"}, a.Placeholders)

	a, err = command.NewAlias("fn", "lambda get-function", cat)
	require.NoError(t, err, "missing required parameters are prompted at run")
	assert.Empty(t, a.Placeholders)
}

func TestNewAliasErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cmd string
		kind      error
	}{
		{"x", "ec2 describe-instances --endpoint-url http://evil", command.ErrRefused},
		{"x", "ec2 describe-instances \u2014profile prod", command.ErrRefused},
		{"x", "lambda invoke --function-name f --payload fileb://secret", command.ErrRefused},
		{"x", "ec2 describe-instnces", command.ErrUnknownOperation},
		{"x", "ec2 describe-instances --instance-idz $id", command.ErrUnknownParameter},
		{"x", "ec2 describe-instances --max-results ten", command.ErrInvalidValue},
		{"x", "$svc describe-instances", command.ErrInvalidAlias},
		{"x", "ec2 describe-instances --$opt v", command.ErrInvalidAlias},
		{"x", "run other", command.ErrInvalidAlias},
		{"x", "", command.ErrInvalidAlias},
		{"x", strings.Repeat("a", 5001), command.ErrInvalidAlias},
		{"", "ec2 describe-instances", command.ErrInvalidAlias},
		{"x", "ec2 describe-instances --name 'unclosed", command.ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			_, err := command.NewAlias(tt.name, tt.cmd, cat)
			require.ErrorIs(t, err, tt.kind)
		})
	}
}

func TestAliasRun(t *testing.T) {
	t.Parallel()
	a, err := command.NewAlias("auto", `ssm start-automation-execution --document-name $name --parameters { "AutomationAssumeRole": ["arn:aws:iam::123456789012:role/$role-name"] }`, cat)
	require.NoError(t, err)

	want := map[string]any{"document-name": "AWS-UpdateLinuxAmi",
		"parameters": map[string]any{"AutomationAssumeRole": []any{"arn:aws:iam::123456789012:role/ops"}}}
	inv, err := a.Invocation([]string{"AWS-UpdateLinuxAmi", "ops"}, nil, cat)
	require.NoError(t, err, "positional")
	assert.Equal(t, want, inv.Params)

	inv, err = a.Invocation(nil, map[string]string{"role-name": "ops", "name": "AWS-UpdateLinuxAmi"}, cat)
	require.NoError(t, err, "named")
	assert.Equal(t, want, inv.Params)

	inv, err = a.Invocation([]string{"ops"}, map[string]string{"NAME": "AWS-UpdateLinuxAmi"}, cat)
	require.NoError(t, err, "named first, positional fill the rest")
	assert.Equal(t, want, inv.Params)

	// A value cannot break out of its JSON string or add options.
	inv, err = a.Invocation([]string{"doc --endpoint-url http://evil", `x"], "Other": ["y`}, nil, cat)
	require.NoError(t, err)
	assert.Equal(t, "doc --endpoint-url http://evil", inv.Params["document-name"])
	assert.Equal(t, map[string]any{"AutomationAssumeRole": []any{`arn:aws:iam::123456789012:role/x"], "Other": ["y`}}, inv.Params["parameters"])

	_, err = a.Invocation([]string{"only-one"}, nil, cat)
	require.ErrorIs(t, err, command.ErrMissingValue)
	assert.Contains(t, err.(*command.Error).UserMessage(), "needs a value for `$role-name`. Usage: `run auto NAME ROLE-NAME`.")

	_, err = a.Invocation([]string{"a", "b", "c"}, nil, cat)
	require.ErrorIs(t, err, command.ErrInvalidValue)

	_, err = a.Invocation(nil, map[string]string{"nme": "x", "role-name": "y"}, cat)
	require.ErrorIs(t, err, command.ErrUnknownParameter)
	assert.Equal(t, []string{"$name"}, err.(*command.Error).Suggestions)

	// Refused values are caught again at run.
	b, err := command.NewAlias("inv", "lambda invoke --function-name f --payload $p", cat)
	require.NoError(t, err)
	_, err = b.Invocation([]string{"file:///etc/passwd"}, nil, cat)
	require.ErrorIs(t, err, command.ErrRefused)

	// Typed values are validated at run.
	c, err := command.NewAlias("alarms", "cloudwatch describe-alarms --state-value $state", cat)
	require.NoError(t, err)
	_, err = c.Invocation([]string{"ALRM"}, nil, cat)
	require.ErrorIs(t, err, command.ErrInvalidValue)
	inv, err = c.Invocation([]string{"alarm"}, nil, cat)
	require.NoError(t, err)
	assert.Equal(t, "ALARM", inv.Params["state-value"])
}

func TestAliasJSON(t *testing.T) {
	t.Parallel()
	a, err := command.NewAlias("stop", "ec2 stop-instances --instance-ids $id", cat)
	require.NoError(t, err)
	data, err := json.Marshal(a)
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"stop","command":"ec2 stop-instances --instance-ids $id","placeholders":["id"],"action":"ec2:StopInstances","actions":["ec2:StopInstances"]}`, string(data))
	back, err := command.DecodeAlias(data)
	require.NoError(t, err)
	assert.Equal(t, a, back)
	// An alias stored before Actions existed gets Actions from Action.
	old, err := command.DecodeAlias([]byte(`{"name":"stop","command":"ec2 stop-instances --instance-ids $id","action":"ec2:StopInstances"}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"ec2:StopInstances"}, old.Actions)

	_, err = command.DecodeAlias([]byte(`{"name":"bad name","command":"x"}`))
	require.ErrorIs(t, err, command.ErrInvalidAlias)
	_, err = command.DecodeAlias([]byte(`{`))
	require.Error(t, err)
	// Placeholders are recomputed, not trusted.
	back, err = command.DecodeAlias([]byte(`{"name":"x","command":"ec2 stop-instances --instance-ids $real","placeholders":["fake"]}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"real"}, back.Placeholders)
}
