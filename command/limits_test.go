package command_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/commandtest"
)

// Placeholders in the value of an --option=value word are filled like
// placeholders in a separate value word.
func TestAliasPlaceholderAfterEquals(t *testing.T) {
	t.Parallel()
	cat := commandtest.Catalog()
	tests := []struct {
		name, command string
		args          []string
		want          map[string]any
	}{
		{"list value", "ec2 stop-instances --instance-ids=$id", []string{"i-1"}, map[string]any{"instance-ids": []any{"i-1"}}},
		{"braced placeholder in a longer value", "ssm get-parameter --name=/app/${env}/db", []string{"prod"}, map[string]any{"name": "/app/prod/db"}},
		{"value with a space stays one value", "ssm get-parameter --name=$n", []string{"a b"}, map[string]any{"name": "a b"}},
		{"value that looks like an option stays a value", "ssm get-parameter --name=$n", []string{"--region"}, map[string]any{"name": "--region"}},
		{"JSON value", `lambda invoke --function-name f --payload={"id":"$id"}`, []string{`a"b`}, map[string]any{"function-name": "f", "payload": []byte(`{"id":"a\"b"}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := command.NewAlias("x", tt.command, cat)
			require.NoError(t, err)
			require.NotEmpty(t, a.Placeholders)
			inv, err := a.Invocation(tt.args, nil, cat)
			require.NoError(t, err)
			assert.Equal(t, tt.want, inv.Params)
			assert.NotContains(t, inv.Text, "$", "every placeholder is filled")
		})
	}
}

func TestCommandTooLong(t *testing.T) {
	t.Parallel()
	cat := commandtest.Catalog()
	long := "ec2 describe-instances --query '" + strings.Repeat("a", command.MaxCommandLen) + "'"
	tests := []struct {
		name string
		run  func() error
	}{
		{"Interpret", func() error { _, err := command.Interpret(long, cat); return err }},
		{"Parse", func() error { _, err := command.Parse(long, cat); return err }},
		{"Resume", func() error { _, err := command.Resume(long, cat); return err }},
		{"ParseAliasCommand", func() error {
			_, err := command.ParseAliasCommand("run x " + strings.Repeat("a", command.MaxCommandLen))
			return err
		}},
		{"Answer", func() error {
			inv, err := command.Parse("lambda invoke", cat)
			require.NoError(t, err)
			_, err = command.Answer(inv, "--function-name "+strings.Repeat("f", command.MaxCommandLen), cat)
			return err
		}},
		{"unclosed quote is still refused by length first", func() error {
			_, err := command.Parse("ec2 describe-instances --query '"+strings.Repeat("a", 1<<20), cat)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.run()
			require.ErrorIs(t, err, command.ErrTooLong)
			var e *command.Error
			require.ErrorAs(t, err, &e)
			assert.Contains(t, e.UserMessage(), "8192", "the reply says the limit")
		})
	}
	// At the limit, a command is read.
	atLimit := "ec2 describe-instances --query '" + strings.Repeat("a", command.MaxCommandLen-len("ec2 describe-instances --query ''")) + "'"
	require.Len(t, atLimit, command.MaxCommandLen)
	_, err := command.Parse(atLimit, cat)
	require.NoError(t, err)
}
