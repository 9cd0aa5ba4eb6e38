package clijson_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/opschat/opschat/internal/clijson"
)

// indentConfig is one json.Encoder set-up AppendIndent must reproduce.
type indentConfig struct {
	prefix, indent string
	escapeHTML     bool
}

// indentConfigs covers the render set-up (no prefix, two spaces, HTML
// left alone), the Encoder's default (no indentation: compact plus a
// newline) and prefixes with and without an indent.
var indentConfigs = []indentConfig{
	{"", "  ", false},
	{"", "", true},
	{"", "", false},
	{"> ", "\t", true},
	{"#", "", false},
}

// stdEncode is what a json.Encoder set up as c writes for v.
func stdEncode(v any, c indentConfig) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(c.escapeHTML)
	enc.SetIndent(c.prefix, c.indent)
	err := enc.Encode(v)
	return b.Bytes(), err
}

// assertSameAsStd checks Append against json.Marshal and AppendIndent
// against json.Encoder under every indentConfig: the same bytes, or errors
// of the same type and message. Each call appends to a non-empty dst so
// that a write before dst's end, or a partial write on error, shows.
func assertSameAsStd(t testing.TB, v any) bool {
	t.Helper()
	return assertSameAsStdUnder(t, v, indentConfigs)
}

// shallowIndents indent with a prefix only: a tree thousands deep stays
// linear in size, where an indent per level would make it quadratic.
var shallowIndents = []indentConfig{{"", "", false}, {"#", "", true}, {"\t", "", false}}

// assertSameAsStdUnder is assertSameAsStd with the given configurations.
func assertSameAsStdUnder(t testing.TB, v any, configs []indentConfig) bool {
	t.Helper()
	const head = "dst:"
	want, wantErr := json.Marshal(v)
	got, err := clijson.Append([]byte(head), v)
	ok := assertSameResult(t, "Append", head, want, wantErr, got, err)
	for _, c := range configs {
		want, wantErr := stdEncode(v, c)
		got, err := clijson.AppendIndent([]byte(head), v, c.prefix, c.indent, c.escapeHTML)
		ok = assertSameResult(t, fmt.Sprintf("AppendIndent(%q, %q, %v)", c.prefix, c.indent, c.escapeHTML), head, want, wantErr, got, err) && ok
	}
	return ok
}

func assertSameResult(t testing.TB, name, head string, want []byte, wantErr error, got []byte, err error) bool {
	t.Helper()
	if wantErr != nil {
		return assert.Error(t, err, name) &&
			assert.Equal(t, fmt.Sprintf("%T", wantErr), fmt.Sprintf("%T", err), name) &&
			assert.Equal(t, wantErr.Error(), err.Error(), name) &&
			assert.Equal(t, head, string(got), "%s: dst changed on error", name)
	}
	return assert.NoError(t, err, name) && assert.Equal(t, head+string(want), string(got), name)
}
