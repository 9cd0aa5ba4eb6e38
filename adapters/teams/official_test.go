package teams_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOfficialValidator runs every golden card through Microsoft's own
// parser and validator (npm adaptivecards, as Teams' web client uses it).
// It needs Node.js and the package, so it is opt-in: install it with
// "npm install adaptivecards@3.0.6" somewhere and set
// OPSCHAT_ADAPTIVECARDS_JS to its dist/adaptivecards.js.
func TestOfficialValidator(t *testing.T) {
	lib := os.Getenv("OPSCHAT_ADAPTIVECARDS_JS")
	if lib == "" {
		t.Skip("set OPSCHAT_ADAPTIVECARDS_JS to adaptivecards/dist/adaptivecards.js to run")
	}
	node, err := exec.LookPath("node")
	require.NoError(t, err, "node is needed to run the official validator")
	cards, err := filepath.Glob(filepath.Join("testdata", "*.golden.json"))
	require.NoError(t, err)
	more, err := filepath.Glob(filepath.Join("testdata", "notify", "*.golden.json"))
	require.NoError(t, err)
	cards = append(cards, more...)
	require.NotEmpty(t, cards)
	out, err := exec.CommandContext(t.Context(), node, append([]string{filepath.Join("testdata", "acvalidate.js"), lib}, cards...)...).CombinedOutput()
	assert.NoError(t, err, "%s", out)
}
