package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The README's "Embed it" snippet is this program's marked part, verbatim
// (tabs as in the file): a snippet that does not compile cannot be shown.
func TestREADMESnippet(t *testing.T) {
	src, err := os.ReadFile("main.go")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(src), "// README:begin\n")
	require.True(t, ok)
	body, _, ok := strings.Cut(rest, "\t// README:end")
	require.True(t, ok)
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		lines = append(lines, strings.TrimPrefix(l, "\t"))
	}
	snippet := strings.Join(lines, "\n")
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	require.Contains(t, string(readme), snippet, "README.md must show examples/embed/main.go's README part verbatim (one tab less)")
}
