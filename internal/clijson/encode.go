package clijson

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"sync"
)

// maxDepth is how many maps and slices deep the fast path goes before it
// hands the whole value to encoding/json. encoding/json starts looking for
// cycles past the same depth (its startDetectingCyclesAfter), so only it can
// say which error a cyclic tree gives; stopping there also bounds this
// package's recursion. CLIShape trees are at most ~70 deep.
const maxDepth = 1000

// maxNesting is encoding/json's scanner limit (maxNestingDepth): indenting
// a document nested deeper fails with a *json.SyntaxError.
const maxNesting = 10000

// Pooled scratch larger than this is left to the garbage collector so that
// one huge answer does not pin its buffer for the life of the process.
const (
	maxPooledBuf  = 4 << 20
	maxPooledKeys = 1 << 14
)

// errDelegate aborts the fast path: the caller encodes the whole value with
// encoding/json instead. It never leaves the package.
var errDelegate = errors.New("clijson: delegate to encoding/json")

// Append appends the JSON encoding of v to dst and returns the extended
// slice: exactly the bytes json.Marshal(v) returns, or exactly its error.
// On error dst is returned unchanged.
//
// Errors are encoding/json's own values (*json.UnsupportedValueError for
// NaN and ±Inf, ...), not wrapped, so that callers switching from
// json.Marshal see no difference.
func Append(dst []byte, v any) ([]byte, error) {
	return appendJSON(dst, v, options{escapeHTML: true})
}

// AppendIndent appends what a json.Encoder with SetEscapeHTML(escapeHTML)
// and SetIndent(prefix, indent) writes for v, including the newline Encode
// ends every value with. As with the Encoder, an empty prefix and indent
// mean compact output (plus the newline), and empty objects and arrays
// stay {} and []. On error dst is returned unchanged.
func AppendIndent(dst []byte, v any, prefix, indent string, escapeHTML bool) ([]byte, error) {
	return appendJSON(dst, v, options{
		escapeHTML: escapeHTML,
		indented:   prefix != "" || indent != "",
		prefix:     prefix,
		indent:     indent,
		stream:     true,
	})
}

// options says which of encoding/json's entry points to reproduce.
type options struct {
	escapeHTML     bool
	indented       bool
	prefix, indent string
	stream         bool // Encoder.Encode: a trailing newline
}

// encoder is the state of one call. Its slices are arenas that only grow
// during a call (vals is a stack); a segment handed out stays valid when
// a later append moves the arena, since nothing writes to it again.
type encoder struct {
	options
	buf    []byte
	keys   []string         // sorted key lists of shapes
	kbuf   []byte           // encoded keys of shapes
	ends   []int            // where each encoded key ends in its shape's enc
	shapes map[string]shape // member name -> the last shape seen there
	vals   []any            // the values of the open maps, in key order
	nl     []byte           // a newline, the prefix and the indent repeated
	depth  int              // open maps and slices
}

var encoders = sync.Pool{New: func() any {
	return &encoder{shapes: make(map[string]shape)}
}}

func appendJSON(dst []byte, v any, o options) ([]byte, error) {
	e := encoders.Get().(*encoder)
	defer e.release()
	e.options = o
	err := e.value(v, "")
	if err == errDelegate {
		return appendStd(dst, v, o)
	}
	if err != nil {
		return dst, err
	}
	if o.stream {
		e.buf = append(e.buf, '\n')
	}
	return append(dst, e.buf...), nil
}

// release returns e to the pool without references to the caller's strings.
func (e *encoder) release() {
	if cap(e.buf) > maxPooledBuf || cap(e.kbuf) > maxPooledBuf || cap(e.nl) > maxPooledBuf ||
		cap(e.keys) > maxPooledKeys || cap(e.ends) > maxPooledKeys || cap(e.vals) > maxPooledKeys {
		return
	}
	clear(e.keys[:cap(e.keys)])
	clear(e.vals[:cap(e.vals)])
	clear(e.shapes)
	*e = encoder{
		buf: e.buf[:0], keys: e.keys[:0], kbuf: e.kbuf[:0], ends: e.ends[:0],
		vals: e.vals[:0], nl: e.nl[:0], shapes: e.shapes,
	}
	encoders.Put(e)
}

// value writes v, found under the member name (for a list's elements, the
// list's name; "" at the top).
func (e *encoder) value(v any, name string) error {
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case string:
		e.buf = appendString(e.buf, x, e.escapeHTML)
	case float64:
		return e.float(x, 64)
	case bool:
		e.buf = strconv.AppendBool(e.buf, x)
	case map[string]any:
		return e.object(x, name)
	case []any:
		return e.array(x, name)
	case json.Number:
		return e.number(x)
	case float32:
		return e.float(float64(x), 32)
	case int: // other integer types are rare enough for encoding/json
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int64:
		e.buf = strconv.AppendInt(e.buf, x, 10)
	default:
		return e.fallback(v)
	}
	return nil
}

func (e *encoder) array(a []any, name string) error {
	if done, err := e.open(a == nil, len(a), "[]"); done {
		return err
	}
	for i, x := range a {
		e.separate(i)
		if err := e.value(x, name); err != nil {
			return err
		}
	}
	e.close(']')
	return nil
}

// open starts a map or slice of n members; empty is how it looks with
// none ("{}" or "[]"). It reports done when nothing more is to be written:
// a nil container is null and an empty one empty in every layout, and one
// past maxDepth goes to encoding/json.
func (e *encoder) open(isNil bool, n int, empty string) (done bool, err error) {
	switch {
	case isNil:
		e.buf = append(e.buf, "null"...)
		return true, nil
	case n == 0:
		e.buf = append(e.buf, empty...)
		return true, nil
	case e.depth >= maxDepth:
		return true, errDelegate
	}
	e.depth++
	e.buf = append(e.buf, empty[0])
	return false, nil
}

// separate starts member i of the open container.
func (e *encoder) separate(i int) {
	if i > 0 {
		e.buf = append(e.buf, ',')
	}
	if e.indented {
		e.newline()
	}
}

// close ends the open container with c.
func (e *encoder) close(c byte) {
	e.depth--
	if e.indented {
		e.newline()
	}
	e.buf = append(e.buf, c)
}

// newline starts a line as encoding/json's Indent does: prefix, then
// indent once per open container. e.nl keeps the longest such start
// written so far, so each line is one copy.
func (e *encoder) newline() {
	n := 1 + len(e.prefix) + e.depth*len(e.indent)
	if len(e.nl) == 0 {
		e.nl = append(e.nl, '\n')
		e.nl = append(e.nl, e.prefix...)
	}
	for len(e.nl) < n {
		e.nl = append(e.nl, e.indent...)
	}
	e.buf = append(e.buf, e.nl[:n]...)
}

// float writes f as encoding/json's floatEncoder does: like ES6
// Number.prototype.toString, 'f' format between 1e-6 and 1e21 and 'e'
// outside with the exponent's leading zero removed.
func (e *encoder) float(f float64, bits int) error {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		// encoding/json reports the reflect.Value it was encoding.
		var rv reflect.Value
		if bits == 32 {
			rv = reflect.ValueOf(float32(f))
		} else {
			rv = reflect.ValueOf(f)
		}
		return &json.UnsupportedValueError{Value: rv, Str: strconv.FormatFloat(f, 'g', -1, bits)}
	}
	e.buf = appendFloat(e.buf, f, bits)
	return nil
}

func appendFloat(b []byte, f float64, bits int) []byte {
	abs := math.Abs(f)
	// Integers below 2^53 are most numbers in an AWS answer (counts, sizes,
	// ports, periods). Their shortest round-trip form is their decimal
	// digits, which AppendInt writes several times faster; -0 keeps its
	// sign through AppendFloat.
	if bits == 64 && abs < 1<<53 {
		if i := int64(f); float64(i) == f && (i != 0 || !math.Signbit(f)) {
			return strconv.AppendInt(b, i, 10)
		}
	}
	format := byte('f')
	if abs != 0 {
		// float32 values compare as float32 so the cutoffs are exact.
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// 1e-07 becomes 1e-7.
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// number writes a json.Number as encoding/json does: "" as 0, anything
// that is not a JSON number literal an error.
func (e *encoder) number(n json.Number) error {
	s := string(n)
	if s == "" {
		s = "0"
	}
	if !validNumber(s) {
		return errInvalidNumber(s)
	}
	e.buf = append(e.buf, s...)
	return nil
}
