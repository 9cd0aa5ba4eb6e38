package slack

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Secrets decode from configuration (JSON strings, text) with their value,
// and encode only as "[redacted]".
func TestSecretDecodesButNeverEncodes(t *testing.T) {
	t.Parallel()
	var cfg struct {
		Token  Secret `json:"token"`
		Absent Secret `json:"absent"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"token":"xoxb-real-value"}`), &cfg))
	assert.Equal(t, "xoxb-real-value", cfg.Token.reveal())
	assert.True(t, cfg.Absent.IsZero())
	assert.Empty(t, cfg.Absent.reveal())
	out, err := json.Marshal(cfg)
	require.NoError(t, err)
	assert.JSONEq(t, `{"token":"[redacted]","absent":""}`, string(out))
	assert.True(t, NewSecret("").IsZero())
	assert.Equal(t, "v", NewSecret("v").reveal())
}
