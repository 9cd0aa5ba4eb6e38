package command_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
)

func TestParseTimestamp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2024-01-31T12:00:00Z", time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC), true},
		{"2024-01-31T12:00:00.250Z", time.Date(2024, 1, 31, 12, 0, 0, 250e6, time.UTC), true},
		{"2024-01-31T13:00:00+01:00", time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC), true},
		{"2024-01-31T12:00:00", time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC), true},
		{"2024-01-31T12:00", time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC), true},
		{"2024-01-31 12:00:00", time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC), true},
		{"2024-01-31", time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC), true},
		{"20240131T120000Z", time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC), true},
		{"1706702400", time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC), true},
		{"1706702400.5", time.Date(2024, 1, 31, 12, 0, 0, 5e8, time.UTC), true},
		{" 0 ", time.Unix(0, 0).UTC(), true},
		{"yesterday", time.Time{}, false},
		{"", time.Time{}, false},
		{"1e400", time.Time{}, false},
		{"2024-13-01", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := command.ParseTimestamp(tt.in)
			require.Equal(t, tt.ok, ok)
			assert.True(t, tt.want.Equal(got), "got %v", got)
		})
	}
}

func TestSingleHyphenValueHint(t *testing.T) {
	t.Parallel()
	_, err := command.Parse("logs filter-log-events --log-group-name g --filter-pattern -DEBUG", cat)
	require.ErrorIs(t, err, command.ErrRefused)
	assert.Contains(t, err.(*command.Error).UserMessage(), "If you meant the value `-DEBUG`, quote it: '-DEBUG'.")
}

func TestDocumentAndFloat(t *testing.T) {
	t.Parallel()
	c := command.NewStaticCatalog(command.StaticService{
		Service: command.Service{Name: "demo"},
		Operations: []command.Operation{{Name: "put-thing", Params: []command.Param{
			{Name: "doc", Type: command.TypeDocument},
			{Name: "ratio", Type: command.TypeFloat},
			{Name: "tags", Type: command.TypeMap, Elem: &command.Param{Type: command.TypeString}},
		}}},
	})
	inv, err := command.Parse(`demo put-thing --doc {"a": [1, true, null, "x"]} --ratio 0.5 --tags env=prod,team=ops`, c)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": []any{1.0, true, nil, "x"}}, inv.Params["doc"])
	assert.Equal(t, 0.5, inv.Params["ratio"])
	assert.Equal(t, map[string]any{"env": "prod", "team": "ops"}, inv.Params["tags"])
	assert.Equal(t, "demo:PutThing", inv.Action(), "APIName and IAM prefix defaulted")

	_, err = command.Parse("demo put-thing --ratio NaN", c)
	require.ErrorIs(t, err, command.ErrInvalidValue)
	_, err = command.Parse(`demo put-thing --doc {"a": 1} trailing`, c)
	require.ErrorIs(t, err, command.ErrInvalidValue)
	_, err = command.Parse(`demo put-thing --tags {"a": 1}`, c)
	require.ErrorIs(t, err, command.ErrInvalidValue, "a JSON number for a string map value")
}
