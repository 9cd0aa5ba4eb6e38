package notify

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testEngine builds an engine whose tree holds the given dotted paths (one
// exists test each, so every path is a used path).
func testEngine(t testing.TB, paths ...string) *engine {
	t.Helper()
	var branches [][]pfield
	var owner []int32
	var ids []string
	for i, p := range paths {
		branches = append(branches, []pfield{{path: strings.ReplaceAll(p, ".", pathSep), conds: []cond{{kind: condExists}}}})
		owner = append(owner, int32(i))
		ids = append(ids, fmt.Sprint(i))
	}
	return buildEngine(ids, branches, owner)
}

// flatLeaf is a leaf in a form both flatteners can produce: the path by
// name, the value, and the element indexes of the arrays it went through.
type flatLeaf struct {
	path, value string
	indexes     string
}

func (st *matchState) flatLeaves(eng *engine, names map[int32]string) []string {
	var out []string
	for _, p := range st.touched {
		for li := st.head[p]; li >= 0; li = st.leaves[li].next {
			l := &st.leaves[li]
			var idx []string
			for _, ap := range st.trails[l.tOff : l.tOff+l.tLen] {
				idx = append(idx, fmt.Sprint(ap.index))
			}
			out = append(out, fmt.Sprint(flatLeaf{names[p], leafText(l.kind, string(l.s), l.num), strings.Join(idx, ",")}))
		}
	}
	slices.Sort(out)
	return out
}

func leafText(kind valueKind, s string, num float64) string {
	switch kind {
	case kindNumber:
		return fmt.Sprintf("n%d", math.Float64bits(num))
	case kindNull:
		return "null"
	case kindBool:
		return "b" + s
	}
	return fmt.Sprintf("s%q", s)
}

// referenceLeaves flattens with encoding/json and a plain recursive walk,
// the way the matcher always did.
// path is nil at the root; tree holds every prefix of a used path and used
// the used paths themselves.
func referenceLeaves(v any, tree, used map[string]bool, path []string, idx []string, out *[]string) {
	switch tv := v.(type) {
	case map[string]any:
		for k, x := range tv {
			p := append(path[:len(path):len(path)], k)
			if tree[strings.Join(p, ".")] {
				referenceLeaves(x, tree, used, p, idx, out)
			}
		}
	case []any:
		for i, x := range tv {
			referenceLeaves(x, tree, used, path, append(idx[:len(idx):len(idx)], fmt.Sprint(i)), out)
		}
	default:
		name := strings.Join(path, ".")
		if path == nil || !used[name] {
			return
		}
		var text string
		switch x := tv.(type) {
		case string:
			text = leafText(kindString, x, 0)
		case float64:
			text = leafText(kindNumber, "", x)
		case bool:
			text = leafText(kindBool, fmt.Sprint(x), 0)
		case nil:
			text = leafText(kindNull, "", 0)
		}
		*out = append(*out, fmt.Sprint(flatLeaf{name, text, strings.Join(idx, ",")}))
	}
}

// checkFlatten compares the streaming flattener with encoding/json on one
// input: the same error decision and, for a valid object, the same leaves.
func checkFlatten(t *testing.T, event []byte, paths []string) {
	eng := testEngine(t, paths...)
	names := map[int32]string{}
	tree, used := map[string]bool{}, map[string]bool{}
	for i, b := range eng.branches {
		names[b.fields[0].path] = paths[i]
		used[paths[i]] = true
		segs := strings.Split(paths[i], ".")
		for j := range segs {
			tree[strings.Join(segs[:j+1], ".")] = true
		}
	}
	st := &matchState{}
	st.fit(eng)
	before := slices.Clone(event)
	err := st.flattenEvent(eng.root, event)
	// The router matches messages in place (unsafe string bytes): the
	// flattener must never write to its input.
	require.Equal(t, before, event, "flattenEvent wrote to the event")

	var v any
	refErr := json.Unmarshal(event, &v)
	obj, isObj := v.(map[string]any)
	if refErr != nil || !isObj {
		require.Error(t, err, "encoding/json: %v", refErr)
		assert.ErrorIs(t, err, ErrInvalidEvent)
		return
	}
	require.NoError(t, err)
	var want []string
	referenceLeaves(obj, tree, used, nil, nil, &want)
	slices.Sort(want)
	assert.Equal(t, want, st.flatLeaves(eng, names))
}

var flattenPaths = []string{"a", "a.b", "a.b.c", "detail.state", "detail.items.name", "resources", "", "é", "x\"y"}

func TestFlattenAgreesWithEncodingJSON(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, event string }{
		{"scalars", `{"a":1,"b":"x","detail":{"state":"on"},"resources":["r1","r2"]}`},
		{"nested arrays", `{"a":[[1,2],[3,{"b":4}]],"resources":[[],[[null]]]}`},
		{"array of objects", `{"detail":{"items":[{"name":"a"},{"name":["b","c"]},{"other":1}]}}`},
		{"escaped key reaches a used path", `{"\u0061":"esc","x\"y":true}`},
		{"escaped values", `{"a":"\u00e9\ud83d\ude00\n\/","resources":["\ud800","\ud800\u0041"]}`},
		{"invalid utf-8 becomes U+FFFD", "{\"a\":\"\xff\xfeok\",\"\xc3\xa9\":\"\xc3\"}"},
		{"empty key", `{"":[1,"x"]}`},
		{"object where a leaf is used", `{"a":{"b":{"c":{"d":1}}}}`},
		{"numbers", `{"a":[0,-0,1e3,1.5E-3,-12.25e+2,123456789012345678901234567890]}`},
		{"duplicate used key: last wins", `{"a":1,"a":2,"detail":{"state":"x","state":"y"}}`},
		{"duplicate key in skipped subtree", `{"z":{"q":1,"q":2},"a":3}`},
		{"whitespace", " \t\n{ \"a\" : [ 1 , 2 ] }\r\n"},
		{"skipped subtrees", `{"zz":{"a":[1,{"b":[true,false,null]}],"s":"\"\\"},"a":"kept"}`},
		{"long strings", `{"a":"` + strings.Repeat("abcdefgh", 20) + `","z":"` + strings.Repeat("x\\\"", 30) + `"}`},
		{"not json", `{"a":`},
		{"not an object", `[1,2]`},
		{"string at top", `"a"`},
		{"empty", ``},
		{"trailing data", `{"a":1} x`},
		{"trailing object", `{"a":1}{}`},
		{"bad escape", `{"a":"\x"}`},
		{"control char", "{\"zz\":\"a\x01\"}"},
		{"bad number", `{"a":01}`},
		{"bad number skipped", `{"zz":1.}`},
		{"overflow used", `{"a":1e400}`},
		{"overflow skipped", `{"zz":[-1e999]}`},
		{"long integer overflow", `{"zz":` + strings.Repeat("9", 400) + `}`},
		{"underflow is zero", `{"a":1e-400}`},
		{"bad literal", `{"a":tru}`},
		{"missing colon", `{"a" 1}`},
		{"missing comma", `{"a":1 "b":2}`},
		{"trailing comma", `{"a":1,}`},
		{"unterminated string", `{"a":"abc`},
		{"truncated escape", `{"a":"\u12`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkFlatten(t, []byte(tt.event), flattenPaths)
		})
	}
}

func TestFlattenDepthLimit(t *testing.T) {
	t.Parallel()
	// encoding/json allows 10000 nested containers and refuses 10001.
	for _, depth := range []int{maxEventDepth, maxEventDepth + 1} {
		ok := `{"a":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `}`
		checkFlatten(t, []byte(ok), []string{"a"})
		skipped := `{"z":` + strings.Repeat(`{"z":`, depth-1) + `1` + strings.Repeat("}", depth) + `}`
		checkFlatten(t, []byte(skipped), []string{"a"})
	}
}

func TestFlattenReusesBuffers(t *testing.T) {
	t.Parallel()
	eng := testEngine(t, flattenPaths...)
	st := &matchState{}
	st.fit(eng)
	require.NoError(t, st.flattenEvent(eng.root, []byte(`{"a":"\u00e9","resources":["x","y"]}`)))
	require.Len(t, st.leaves, 3)
	// A second event must not see the first one's leaves.
	require.NoError(t, st.flattenEvent(eng.root, []byte(`{"detail":{"state":"s"}}`)))
	assert.Len(t, st.leaves, 1)
	assert.Equal(t, int32(-1), st.head[eng.root.children["a"].path])
}

// FuzzFlatten holds the streaming flattener to encoding/json: the same
// leaves for every valid object, an error (never a panic) for anything
// else. paths is a comma-separated list of dotted paths to visit.
func FuzzFlatten(f *testing.F) {
	for _, s := range []string{
		`{"a":{"b":[{"c":1},{"c":"x"}]},"resources":["r"]}`,
		`{"detail":{"state":"on","items":[{"name":"n"}]},"zz":[1,{"q":null}]}`,
		`{"a":"\ud83d\ude00","a":2}`,
		"{\"a\":\"\xff\"}",
		`[1]`,
	} {
		f.Add([]byte(s), "a,a.b.c,detail.state,detail.items.name,resources")
	}
	f.Fuzz(func(t *testing.T, event []byte, paths string) {
		list := strings.Split(paths, ",")
		if len(list) > 20 {
			return
		}
		checkFlatten(t, event, list)
	})
}
