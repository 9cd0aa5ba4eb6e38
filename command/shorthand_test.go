package command_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
)

// TestParseShorthandConformance replays inputs through the AWS CLI's own
// parser (recorded by testdata/gen_shorthand.py from awscli 1.45.11,
// whose shorthand.py matches v2's) and requires the same result.
func TestParseShorthandConformance(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/shorthand_conformance.jsonl")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		var c struct {
			In  string `json:"in"`
			Out any    `json:"out"`
			Err bool   `json:"err"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &c))
		n++
		got, err := command.ParseShorthand(c.In)
		if c.Err {
			assert.Error(t, err, "input %q: the CLI rejects it, got %#v", c.In, got)
			continue
		}
		if assert.NoError(t, err, "input %q", c.In) {
			assert.Equal(t, c.Out, got, "input %q", c.In)
		}
	}
	require.NoError(t, sc.Err())
	require.Greater(t, n, 1000)
}

func TestParseShorthand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want any
	}{
		{"a=b", map[string]any{"a": "b"}},
		{"a=b,c", map[string]any{"a": []any{"b", "c"}}},
		{"a=b,c=d", map[string]any{"a": "b", "c": "d"}},
		{"Name=tag:env,Values=prod,dev", map[string]any{"Name": "tag:env", "Values": []any{"prod", "dev"}}},
		{"Key=[a,b]", map[string]any{"Key": []any{"a", "b"}}},
		{"a={b=c,d=[e,f]}", map[string]any{"a": map[string]any{"b": "c", "d": []any{"e", "f"}}}},
		{"a=[{b=c},{d=e}]", map[string]any{"a": []any{map[string]any{"b": "c"}, map[string]any{"d": "e"}}}},
		{`a=b\,c`, map[string]any{"a": "b,c"}},
		{`a='b,c',d="e\"f"`, map[string]any{"a": "b,c", "d": `e"f`}},
		{"a=with space ,b=x", map[string]any{"a": "with space", "b": "x"}},
		{"a=", map[string]any{"a": ""}},
		{"a@=plain", map[string]any{"a": "plain"}},
		{"a=file://x", map[string]any{"a": "file://x"}}, // literal without "@=", as in the CLI
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := command.ParseShorthand(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseShorthandErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want error
		pos  int
	}{
		{"a", command.ErrSyntax, 1},
		{"a=b,", command.ErrSyntax, 4},
		{"a=1,a=2", command.ErrSyntax, 4},
		{"a=[b", command.ErrSyntax, 4},
		{"a='b", command.ErrSyntax, 2},
		{"a@=file:///etc/passwd", command.ErrRefused, -1},
		{"a={b@=fileb://key.pem}", command.ErrRefused, -1},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := command.ParseShorthand(tt.in)
			require.ErrorIs(t, err, tt.want)
			var se *command.SyntaxError
			if tt.pos >= 0 && assert.True(t, errors.As(err, &se)) {
				assert.Equal(t, tt.pos, se.Pos)
				assert.Equal(t, tt.in, se.Input)
			}
		})
	}
}

func FuzzParseShorthand(f *testing.F) {
	for _, s := range []string{"a=b,c", "a=[{b=c}, 'd,e']", `a="x\"y",b=\,z`, "a@=file://x", "a={b=[c,{d=e}]},f=g h", "a=\xff\xfe", "a=😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := command.ParseShorthand(s)
		if err != nil {
			var se *command.SyntaxError
			if errors.As(err, &se) {
				if se.Pos < 0 || se.Pos > len(s) {
					t.Fatalf("position %d outside input of %d bytes", se.Pos, len(s))
				}
				_ = se.Caret()
			} else if !errors.Is(err, command.ErrRefused) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		if _, ok := v.(map[string]any); !ok {
			t.Fatalf("top level is %T, want a map", v)
		}
	})
}
