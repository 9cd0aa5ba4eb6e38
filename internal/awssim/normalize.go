package awssim

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// Normalized is a request reduced to its meaning: who was called and with
// which parameters, every scalar in one canonical string form (numbers
// without exponent or trailing zeros, timestamps as RFC 3339 UTC, booleans
// as "true"/"false", blobs base64). Two requests for the same command
// compare equal with == on Key and reflect.DeepEqual (or testify's Equal)
// on Params whatever protocol and client sent them.
type Normalized struct {
	Service   string
	Operation string
	Params    map[string]any
}

// Normalize returns the canonical form of r.
func Normalize(r Request) Normalized {
	p, _ := canon(r.Params).(map[string]any)
	if p == nil {
		p = map[string]any{}
	}
	return Normalized{Service: r.Service, Operation: r.Operation, Params: p}
}

var numberRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

func canon(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = canon(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = canon(e)
		}
		return l
	}
	return canonLeaf(v)
}

func canonLeaf(v any) any {
	switch t := v.(type) {
	case nil:
		return nil
	case string:
		if numberRE.MatchString(t) {
			return string(canonNumber(t))
		}
		if ts, ok := parseTimestamp(t); ok {
			return ts.Format(time.RFC3339Nano)
		}
		return t
	case Number:
		return string(t)
	case bool:
		return strconv.FormatBool(t)
	case time.Time:
		return t.UTC().Format(time.RFC3339Nano)
	case []byte:
		return base64.StdEncoding.EncodeToString(t)
	}
	return fmt.Sprint(v)
}

// Diff lists how b differs from a, one line per difference with the
// parameter's path ("Filter[0].Value[1]: a has "prod", b has "dev""). It is
// empty when the requests mean the same. When both requests used a typed
// protocol (JSON or CBOR) scalars must also have the same type, so a
// number sent as a string is a difference; otherwise scalars are compared
// in canonical string form, as Normalize does.
func Diff(a, b Request) []string {
	var out []string
	if a.Service != b.Service {
		out = append(out, fmt.Sprintf("service: a has %q, b has %q", a.Service, b.Service))
	}
	if a.Operation != b.Operation {
		out = append(out, fmt.Sprintf("operation: a has %q, b has %q", a.Operation, b.Operation))
	}
	strict := a.Protocol.typed() && b.Protocol.typed()
	diffValue(&out, "", a.Params, b.Params, strict)
	return out
}

func diffValue(out *[]string, path string, a, b any, strict bool) {
	name := path
	if name == "" {
		name = "params"
	}
	am, aIsMap := a.(map[string]any)
	bm, bIsMap := b.(map[string]any)
	if aIsMap && bIsMap {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			p := k
			if path != "" {
				p = path + "." + k
			}
			av, aok := am[k]
			bv, bok := bm[k]
			switch {
			case !aok:
				*out = append(*out, fmt.Sprintf("%s: only b has it (%s)", p, show(bv)))
			case !bok:
				*out = append(*out, fmt.Sprintf("%s: only a has it (%s)", p, show(av)))
			default:
				diffValue(out, p, av, bv, strict)
			}
		}
		return
	}
	al, aIsList := a.([]any)
	bl, bIsList := b.([]any)
	if aIsList && bIsList {
		if len(al) != len(bl) {
			*out = append(*out, fmt.Sprintf("%s: a has %d items %s, b has %d items %s", name, len(al), show(a), len(bl), show(b)))
			return
		}
		for i := range al {
			diffValue(out, fmt.Sprintf("%s[%d]", path, i), al[i], bl[i], strict)
		}
		return
	}
	if aIsMap || bIsMap || aIsList || bIsList {
		*out = append(*out, fmt.Sprintf("%s: a has %s, b has %s", name, show(a), show(b)))
		return
	}
	if strict && !sameLeaf(a, b) || !strict && canonLeaf(a) != canonLeaf(b) {
		*out = append(*out, fmt.Sprintf("%s: a has %s, b has %s", name, show(a), show(b)))
	}
}

func sameLeaf(a, b any) bool {
	switch at := a.(type) {
	case time.Time:
		bt, ok := b.(time.Time)
		return ok && at.Equal(bt)
	case []byte:
		bt, ok := b.([]byte)
		return ok && bytes.Equal(at, bt)
	}
	return a == b
}

func show(v any) string {
	switch t := v.(type) {
	case string:
		return strconv.Quote(t)
	case Number:
		return string(t)
	case time.Time:
		return "timestamp " + t.UTC().Format(time.RFC3339Nano)
	case []byte:
		return "blob " + base64.StdEncoding.EncodeToString(t)
	}
	return fmt.Sprintf("%v", v)
}
