package awssim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewFixture(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	f, err := newFixture(accountJSON, "210987654321", "eu-west-1", now)
	require.NoError(t, err, "the embedded account must load")
	assert.GreaterOrEqual(t, len(f.ops), 50)
	for key, op := range f.ops {
		assert.True(t, op.From != "" || op.Result != nil, "%s answers nothing", key)
	}
	tables := f.collections["dynamodbTables"]
	require.NotEmpty(t, tables)
	tbl := tables[0].(map[string]any)
	assert.Equal(t, "arn:aws:dynamodb:eu-west-1:210987654321:table/orders", tbl["TableArn"], "account and region are substituted")
	assert.Equal(t, now.Add(-2160*time.Hour), tbl["CreationDateTime"], "time references are relative to the clock")

	for _, c := range []struct{ name, doc, want string }{
		{"not JSON", `{`, "account fixture"},
		{"unknown collection", `{"operations": {"x:Y": {"from": "nope"}}}`, `no collection "nope"`},
		{"bad time", `{"collections": {"c": [{"t": "${t:-3x}"}]}}`, "time reference"},
	} {
		_, err := newFixture([]byte(c.doc), "1", "r", now)
		if assert.Error(t, err, c.name) {
			assert.Contains(t, err.Error(), c.want, c.name)
		}
	}
}
