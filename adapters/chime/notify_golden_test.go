package chime_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
)

// notifyMessages returns the formatted notification of every notification
// type the notify package has a golden file for, keyed by name. The inputs
// are snapshots kept in testdata/notify/*.message.json; -update refreshes
// them from ../../notify/testdata, so this package's goldens follow the
// formatter without depending on its files at test time.
func notifyMessages(t *testing.T) map[string]chat.Message {
	t.Helper()
	dir := filepath.Join("testdata", "notify")
	if *update {
		src, err := filepath.Glob(filepath.Join("..", "..", "notify", "testdata", "*.golden.json"))
		require.NoError(t, err)
		require.NotEmpty(t, src, "no notify goldens to snapshot")
		require.NoError(t, os.MkdirAll(dir, 0o755))
		for _, f := range src {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			var g struct {
				Message *json.RawMessage
			}
			require.NoError(t, json.Unmarshal(b, &g), f)
			if g.Message == nil {
				continue // a payload the formatter rejects
			}
			name := strings.TrimSuffix(filepath.Base(f), ".golden.json")
			require.NoError(t, os.WriteFile(filepath.Join(dir, name+".message.json"), append([]byte(*g.Message), '\n'), 0o644))
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.message.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := map[string]chat.Message{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var m chat.Message
		require.NoError(t, json.Unmarshal(b, &m), f)
		out[strings.TrimSuffix(filepath.Base(f), ".message.json")] = m
	}
	return out
}
