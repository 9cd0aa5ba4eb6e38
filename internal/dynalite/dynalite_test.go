package dynalite_test

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/internal/dynalite"
)

func TestStartServesAndStopsAtCleanup(t *testing.T) {
	var endpoint string
	t.Run("running", func(t *testing.T) {
		endpoint = dynalite.Start(t)
		require.True(t, strings.HasPrefix(endpoint, "http://127.0.0.1:"), endpoint)
		// An unsigned DynamoDB call: dynalite answers it with a DynamoDB
		// error document, which proves it is the emulator listening.
		req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader("{}"))
		require.NoError(t, err)
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		assert.NotEmpty(t, resp.Header.Get("x-amzn-RequestId"))
		assert.NotEqual(t, endpoint, dynalite.Start(t), "each call starts its own server")
	})
	if endpoint == "" {
		return // skipped
	}
	_, err := net.DialTimeout("tcp", strings.TrimPrefix(endpoint, "http://"), time.Second)
	assert.Error(t, err, "the server is stopped when its test ends")
}

// TestInstallsIntoCache hides the installed dynalite (PATH with only node and
// npm, an empty npm global prefix) so Start must install its own copy under
// the user cache directory, as on a machine that has only node and npm.
func TestInstallsIntoCache(t *testing.T) {
	if testing.Short() {
		t.Skip("installs dynalite from the npm registry")
	}
	bin := t.TempDir()
	// sh too: npm runs package install scripts through it.
	for _, name := range []string{"node", "npm", "sh"} {
		p, err := exec.LookPath(name)
		if err != nil {
			t.Skipf("%s not on PATH", name)
		}
		require.NoError(t, os.Symlink(p, filepath.Join(bin, name)))
	}
	cache := t.TempDir()
	t.Setenv("PATH", bin)
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", t.TempDir())
	t.Setenv("NPM_CONFIG_PREFIX", t.TempDir())
	t.Setenv("NPM_CONFIG_CACHE", filepath.Join(os.Getenv("HOME"), "npm-cache"))

	installed := false
	t.Run("install", func(t *testing.T) {
		endpoint := dynalite.Start(t)
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(endpoint, "http://"), time.Second)
		require.NoError(t, err)
		require.NoError(t, conn.Close())
		installed = true
	})
	require.True(t, installed, "Start skipped or failed: the install did not work (see the log above)")
	assert.FileExists(t, filepath.Join(cache, "opschat", "dynalite-"+dynalite.Version, "node_modules", "dynalite", "cli.js"))
}
