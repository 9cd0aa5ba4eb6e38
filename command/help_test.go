package command_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden.md")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), got)
}

func TestHelpGolden(t *testing.T) {
	tests := []struct{ name, service, operation string }{
		{"help_catalog", "", ""},
		{"help_service", "cloudwatch", ""},
		{"help_operation", "cloudwatch", "describe-alarms"},
		{"help_operation_required", "lambda", "invoke"},
		{"help_operation_structures", "ec2", "describe-instances"},
		{"help_unknown_service", "ec3", ""},
		{"help_unknown_operation", "ec2", "describe-instnces"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := command.HelpFor(cat, tt.service, tt.operation)
			golden(t, tt.name, "# "+h.Title+"\n"+h.Text+"\n")
		})
	}
	golden(t, "help_alias", "# "+command.AliasHelpText().Title+"\n"+command.AliasHelpText().Text+"\n")
}

func TestHelpRequiredFirst(t *testing.T) {
	t.Parallel()
	h := command.HelpFor(cat, "lambda", "invoke")
	req := strings.Index(h.Text, "**Required:**")
	opt := strings.Index(h.Text, "**Optional:**")
	require.True(t, req >= 0 && opt > req)
	assert.Less(t, strings.Index(h.Text, "--function-name"), opt)
	assert.Contains(t, h.Text, "One of: `Event`, `RequestResponse`, `DryRun`.")
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		word       string
		candidates []string
		want       []string
	}{
		{"describe-instnces", []string{"describe-instances", "describe-images", "stop-instances"}, []string{"describe-instances"}},
		{"describe", []string{"describe-alarms", "describe-alarm-history", "delete-alarms", "put-metric-alarm"}, []string{"describe-alarms", "describe-alarm-history"}},
		{"--Function_Name", []string{"function-name", "qualifier"}, []string{"function-name"}},
		{"xyz", []string{"describe-alarms"}, nil},
		{"", []string{"a"}, nil},
		{"instances", []string{"describe-instances", "stop-instances", "start-instances", "reboot-instances"}, []string{"describe-instances", "reboot-instances", "start-instances"}},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			assert.Equal(t, tt.want, command.Suggest(tt.word, tt.candidates))
		})
	}
}
