package jmespath_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/internal/jmespath"
)

const instances = `{"Instances": [
	{"Id": "i-1", "LaunchTime": "2026-11-15T12:16:04+00:00", "Index": 0, "Name": "web"},
	{"Id": "i-2", "LaunchTime": "2026-09-07T12:16:04+00:00", "Index": 1, "Name": "Zeta"},
	{"Id": "i-3", "LaunchTime": "2026-12-03T12:16:04+00:00", "Index": 2, "Name": "é-api"}
], "b": 2, "a": 1, "c": {"z": 1, "y": 2}}`

// TestCLISemantics pins the behaviour that differs from upstream
// go-jmespath, each case as the AWS CLI 2.9 (jmespath.py 1.0.1) answers it
// except where noted.
func TestCLISemantics(t *testing.T) {
	t.Parallel()
	var data any
	require.NoError(t, json.Unmarshal([]byte(instances), &data))
	cases := []struct {
		expr string
		want string // JSON
	}{
		{"Instances[?LaunchTime > '2026-11-01'].Id", `["i-1","i-3"]`},
		{"Instances[?LaunchTime >= '2026-11-15T12:16:04+00:00'].Id", `["i-1","i-3"]`},
		{"Instances[?LaunchTime < '2026-11-01'].Id", `["i-2"]`},
		{"Instances[?LaunchTime <= '2026-09-07T12:16:04+00:00'].Id", `["i-2"]`},
		// Code point order: upper case before lower case, "é" after "z".
		{"Instances[?Name < 'a'].Name", `["Zeta"]`},
		{"Instances[?Name > 'z'].Name", `["é-api"]`},
		{"'abc' < 'abd'", `true`},
		{"'' < 'a'", `true`},
		{"Instances[?Index > `0`].Id", `["i-2","i-3"]`},
		// A string against a number: null, so the filter drops every
		// element (the CLI fails with a Python TypeError instead).
		{"Instances[?LaunchTime > `5`].Id", `[]`},
		{"Instances[0].Index < '1'", `null`},
		{"`true` < `false`", `null`},
		{"Instances[0].Missing < 'a'", `null`},
		{"`[1]` < `[2]`", `null`},
		// Sorted key order; values in the same order.
		{"keys(@)", `["Instances","a","b","c"]`},
		{"values(@)[1:]", `[1,2,{"y":2,"z":1}]`},
		{"keys(c)", `["y","z"]`},
		{"values(c)", `[2,1]`},
		{"c.*", `[2,1]`},
		{"*.z", `[1]`},
		// Functions on strings.
		{"sort_by(Instances, &LaunchTime)[].Id", `["i-2","i-1","i-3"]`},
		{"max_by(Instances, &LaunchTime).Id", `"i-3"`},
		{"min_by(Instances, &Name).Id", `"i-2"`},
		{"sort(Instances[].Name)", `["Zeta","web","é-api"]`},
		{"max(Instances[].LaunchTime)", `"2026-12-03T12:16:04+00:00"`},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			t.Parallel()
			got, err := jmespath.Search(c.expr, data)
			require.NoError(t, err)
			b, err := json.Marshal(got)
			require.NoError(t, err)
			assert.JSONEq(t, c.want, string(b))
		})
	}
}

// TestKeysOrderIsStable runs keys(@) on a large object many times: with
// Go's map order it would differ between runs.
func TestKeysOrderIsStable(t *testing.T) {
	t.Parallel()
	obj := map[string]any{}
	for _, k := range []string{"m", "b", "x", "a", "q", "c", "z", "k", "d", "e"} {
		obj[k] = k + "-value"
	}
	jp, err := jmespath.Compile("[keys(@), values(@), *]")
	require.NoError(t, err)
	first, err := jp.Search(obj)
	require.NoError(t, err)
	parts := first.([]any)
	keys, values, star := parts[0].([]any), parts[1].([]any), parts[2].([]any)
	require.Len(t, keys, len(obj))
	for i, k := range keys {
		assert.Equal(t, k.(string)+"-value", values[i], "values(@)[%d] belongs to keys(@)[%d]", i, i)
		if i > 0 {
			assert.Less(t, keys[i-1].(string), k.(string))
		}
	}
	assert.Equal(t, values, star)
	for range 50 {
		again, err := jp.Search(obj)
		require.NoError(t, err)
		assert.Equal(t, first, again)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	_, err := jmespath.Compile("Instances[?")
	var se jmespath.SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Positive(t, se.Offset)
	_, err = jmespath.Search("keys(`1`)", nil)
	assert.Error(t, err, "keys of a number is a type error")
	assert.False(t, errors.Is(err, jmespath.ErrInternal))
}

// FuzzSearch checks that no expression on CLI-shaped data escapes as a
// panic.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{"Instances[?LaunchTime > '2026']", "keys(@)", "*.*", "[:-9223372036854775808]",
		"sort_by(Instances, &Index)", "max_by(Instances, &Name)", "Instances[::0]", "a[?@ > `1`] | [0]"} {
		f.Add(s)
	}
	var data any
	if err := json.Unmarshal([]byte(instances), &data); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		_, _ = jmespath.Search(expr, data)
	})
}
