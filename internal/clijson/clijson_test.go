package clijson_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/internal/clijson"
)

// everyASCII is each byte below 0x80 once: every control character, the
// HTML characters and the two that are always escaped.
func everyASCII() string {
	var b strings.Builder
	for c := range 0x80 {
		b.WriteByte(byte(c))
	}
	return b.String()
}

var stringCorpus = []string{
	"",
	"plain",
	everyASCII(),
	`<script>alert("x&y")</script>`,
	"\u2028\u2029 line and paragraph separators \u2027\u202a",
	"héllo wörld 日本語 🚀 \ufffd",
	"\x7f DEL is not escaped",
	"\xff", "\xc3", "a\xc3(b", "\xc0\xaf", // invalid, truncated, overlong
	"\xed\xa0\x80\xed\xbf\xbf", // UTF-8-encoded surrogates are invalid
	"\xf4\x90\x80\x80",         // above U+10FFFF
	"\xe2\x80",                 // a truncated U+2028
	"ok\xe2\x80\xa8\xffend",
	strings.Repeat("long safe text ", 200),
	strings.Repeat("<&>\n\"\\", 50),
}

var floatCorpus = []float64{
	0, math.Copysign(0, -1), 1, -1, 0.1, 0.5, 1.5, -2.25, 1.0 / 3, math.Pi, 123.456,
	1e-6, 9.999999e-7, 1e-7, 1.5e-7, -1e-7, 1e-10, 1.234e-100,
	1e20, 1e21, 999999999999999900000, 1e21 + 1e6, 1.5e21, 1e22, 1e100, -1e21,
	123456789e-30, 5e-324, math.SmallestNonzeroFloat64, math.MaxFloat64, -math.MaxFloat64,
	1 << 53, 1<<53 - 1, 1<<53 + 2, -(1 << 53), 1 << 62, 1 << 63, 1e15, 1e16, 12345678901234567890,
	42, 300, 86400, 1733500000, 1733500000.123, 0.000001, 0.0000011,
}

var numberCorpus = []json.Number{
	"", "0", "-0", "1", "-1.5", "1.5e+10", "1E-7", "123456789012345678901234567890", "0.0", "1e5",
	"01", "1.", ".5", "-", "+1", "1e", "1e+", "1ex", "abc", "1.5.5", "0x10", " 1", "1 ", "NaN", "--1", "1e5e5",
}

// tree is a CLI-shaped answer with every kind of member, the corpora as
// values and keys, nulls, and empty and nil containers.
func tree() map[string]any {
	strs := make([]any, 0, len(stringCorpus))
	byKey := map[string]any{}
	for i, s := range stringCorpus {
		strs = append(strs, s)
		byKey[s] = float64(i)
	}
	floats := make([]any, 0, len(floatCorpus))
	for _, f := range floatCorpus {
		floats = append(floats, f, -f)
	}
	return map[string]any{
		"Strings":    strs,
		"Keys":       byKey,
		"Floats":     floats,
		"Bools":      []any{true, false},
		"Null":       nil,
		"NilMap":     map[string]any(nil),
		"NilList":    []any(nil),
		"EmptyMap":   map[string]any{},
		"EmptyList":  []any{},
		"NestedEmpt": []any{map[string]any{}, []any{}, []any{[]any{}}, map[string]any{"a": map[string]any{}}},
		"Alarms":     describeAlarms(3)["MetricAlarms"],
	}
}

func TestAppendMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    any
	}{
		{"nil", nil},
		{"true", true},
		{"false", false},
		{"tree", tree()},
		{"ec2", describeInstances(20)},
		{"nil map", map[string]any(nil)},
		{"nil list", []any(nil)},
		{"empty map", map[string]any{}},
		{"empty list", []any{}},
		{"ints", []any{0, -1, int8(-8), int16(16), int32(-32), int64(math.MinInt64), uint(7), uint8(8), uint16(16), uint32(32), uint64(math.MaxUint64), uintptr(9)}},
		{"records of one shape", []any{map[string]any{"b": 1.0, "a": 2.0}, map[string]any{"a": 3.0, "b": 4.0}}},
		{"same name, other shapes", map[string]any{"L": []any{
			map[string]any{"a": 1.0, "b": 2.0}, map[string]any{"a": 1.0, "c": 2.0}, map[string]any{"c": 1.0, "b": 2.0, "a": 0.0},
			map[string]any{"b": "x", "a": "y"}, map[string]any{}, map[string]any{"a": nil}, map[string]any{"z": 1.0, "a": 2.0},
		}}},
		{"same name nested", map[string]any{"X": map[string]any{"X": map[string]any{"b": 1.0, "a": 2.0}, "a": map[string]any{"X": map[string]any{"d": true, "c": false}}}}},
		{"float32", []any{float32(0), float32(1e-7), float32(1e-6), float32(0.1), float32(1e20), float32(1e21), float32(math.MaxFloat32), float32(16777217)}},
	}
	for _, s := range stringCorpus {
		tests = append(tests, struct {
			name string
			v    any
		}{"string " + s, s})
	}
	for _, f := range floatCorpus {
		tests = append(tests, struct {
			name string
			v    any
		}{"float", f}, struct {
			name string
			v    any
		}{"-float", -f})
	}
	for _, n := range numberCorpus {
		tests = append(tests, struct {
			name string
			v    any
		}{"number " + string(n), map[string]any{"n": n}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assertSameAsStd(t, tt.v)
		})
	}
}

// marshaler is a json.Marshaler writing loose JSON that encoding/json
// compacts (and HTML-escapes when asked).
type marshaler struct{ raw string }

func (m marshaler) MarshalJSON() ([]byte, error) { return []byte(m.raw), nil }

var errMarshal = errors.New("marshal failed")

type failing struct{}

func (failing) MarshalJSON() ([]byte, error) { return nil, errMarshal }

type record struct {
	Name  string         `json:"name"`
	Tags  map[string]int `json:"tags,omitempty"`
	Inner any            `json:"inner"`
}

// box carries a tree through a type the fast path does not know.
type box struct{ M map[string]any }

func TestAppendFallsBackForOtherTypes(t *testing.T) {
	t.Parallel()
	when := time.Date(2026, 12, 6, 15, 4, 5, 123456789, time.UTC)
	var nilPtr *record
	tests := []struct {
		name string
		v    any
	}{
		{"time", map[string]any{"At": when}},
		{"struct", map[string]any{"R": record{Name: "a<b", Tags: map[string]int{"z": 1, "a": 2}, Inner: []any{1.5, map[string]any{"k": "v"}}}}},
		{"struct at top", record{Name: "top", Inner: map[string]any{"x": []any{}}}},
		{"nil pointer", map[string]any{"P": nilPtr}},
		{"marshaler", []any{marshaler{`{ "b" : [ 1 , 2 ], "a" : "<&>" }`}, "after"}},
		{"raw message", map[string]any{"raw": json.RawMessage(` [ {}, [] , {"x" : null} ] `)}},
		{"typed containers", map[string]any{"m": map[string]string{"b": "2", "a": "1"}, "s": []string{"x", "y"}, "e": []string{}, "bytes": []byte("hi")}},
		{"named string", map[string]any{"enum": json.Delim('{')}},
		{"marshaler error", map[string]any{"a": 1.0, "b": failing{}}},
		{"unsupported type", map[string]any{"ch": make(chan int)}},
		{"error before fallback", map[string]any{"a": math.NaN(), "b": failing{}}},
		{"deep fallback", []any{[]any{record{Inner: []any{[]any{[]any{map[string]any{"deep": true}}}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assertSameAsStd(t, tt.v)
		})
	}
}

// TestAppendStringEveryByte puts every byte value at every offset of a
// string longer than a word, so each position of the eight-byte scan sees
// each byte.
func TestAppendStringEveryByte(t *testing.T) {
	t.Parallel()
	for c := range 256 {
		for at := range 20 {
			b := []byte(strings.Repeat("abcdefgh", 3))
			b[at] = byte(c)
			if !assertSameAsStd(t, string(b)) {
				t.Fatalf("byte %#x at %d", c, at)
			}
		}
	}
	for _, r := range "é日🚀\u2028\u2029\ufffd" {
		for at := range 12 {
			s := strings.Repeat("x", at) + string(r) + strings.Repeat("<", 12-at)
			require.True(t, assertSameAsStd(t, s), "%q", s)
		}
	}
}

func TestAppendErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    any
		str  string // UnsupportedValueError.Str, "" for another error
	}{
		{"NaN", math.NaN(), "NaN"},
		{"+Inf", math.Inf(1), "+Inf"},
		{"-Inf nested", map[string]any{"a": []any{1.0, math.Inf(-1)}}, "-Inf"},
		{"float32 Inf", float32(math.Inf(1)), "+Inf"},
		{"invalid number", json.Number("1."), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.True(t, assertSameAsStd(t, tt.v))
			_, err := clijson.Append(nil, tt.v)
			var uv *json.UnsupportedValueError
			assert.Equal(t, tt.str != "", errors.As(err, &uv))
			if uv != nil {
				assert.Equal(t, tt.str, uv.Str)
			}
		})
	}
}

// nestMaps returns n maps, each the only member of the one around it.
func nestMaps(n int, inner any) any {
	v := inner
	for range n {
		v = map[string]any{"k": v}
	}
	return v
}

func nestLists(n int, inner any) any {
	v := inner
	for range n {
		v = []any{v}
	}
	return v
}

// TestAppendDepth covers trees past the fast path's depth: they are
// encoded by encoding/json as a whole, with its cycle errors and its
// scanner's depth limit for indentation.
func TestAppendDepth(t *testing.T) {
	t.Parallel()
	cyclicMap := map[string]any{"a": 1.0}
	cyclicMap["self"] = cyclicMap
	cyclicList := []any{"x", nil}
	cyclicList[1] = cyclicList
	viaBox := map[string]any{}
	viaBox["box"] = box{M: viaBox}
	// Through a pointer the cycle is two levels of encoding/json's
	// counting, so which type it names depends on where counting started.
	viaPointer := map[string]any{}
	viaPointer["box"] = &box{M: viaPointer}
	tests := []struct {
		name string
		v    any
	}{
		{"70 deep", nestMaps(35, nestLists(35, "leaf"))},
		{"1000 deep", nestLists(1000, 1.0)},
		{"1001 deep", nestLists(1001, 1.0)},
		{"1001 deep with NaN", nestMaps(1001, math.NaN())},
		{"2000 mixed", nestMaps(1000, nestLists(1000, map[string]any{"z": 1.0, "a": "<"}))},
		{"10000 deep", nestLists(10000, nil)},
		{"10001 deep", nestLists(10001, nil)},
		{"cyclic map", cyclicMap},
		{"cyclic list", cyclicList},
		{"cycle through a struct", viaBox},
		{"cycle through a pointer", viaPointer},
		// encoding/json writes the record compactly; only once indented
		// inside the outer lists does it pass the scanner's limit.
		{"deep inside a fallback", nestLists(3, record{Inner: nestLists(9997, nil)})},
		{"deep inside a fallback, at the limit", nestLists(2, record{Inner: nestLists(9997, nil)})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assertSameAsStdUnder(t, tt.v, shallowIndents)
		})
	}
}

func TestAppendKeepsDst(t *testing.T) {
	t.Parallel()
	dst := make([]byte, 3, 64)
	copy(dst, "abc")
	out, err := clijson.Append(dst, map[string]any{"k": "v"})
	require.NoError(t, err)
	assert.Equal(t, `abc{"k":"v"}`, string(out))
	assert.Equal(t, &dst[:1][0], &out[:1][0], "appends in place when dst has room")

	out, err = clijson.AppendIndent(nil, []any{}, "", "  ", false)
	require.NoError(t, err)
	assert.Equal(t, "[]\n", string(out))
}

// TestAppendConcurrent shares one tree between goroutines: the pooled
// scratch must not leak between calls (run with -race).
func TestAppendConcurrent(t *testing.T) {
	t.Parallel()
	v := describeInstances(5)
	want, err := json.Marshal(v)
	require.NoError(t, err)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 50 {
				got, err := clijson.Append(nil, v)
				if err == nil && string(got) != string(want) {
					err = errors.New("output differs")
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		assert.NoError(t, <-errs)
	}
}
