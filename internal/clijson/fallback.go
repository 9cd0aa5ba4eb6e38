package clijson

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// fallback writes a value of a type outside the tree with encoding/json,
// indented to where it stands. Encoding it alone gives the same bytes as
// encoding it inside the tree, with two exceptions handled by delegating
// the whole tree (errDelegate): a cycle, whose error names the type at
// which encoding/json, counting depth from the root, noticed it; and an
// indented document nested deeper than encoding/json's scanner allows once
// the depth around the value is added.
func (e *encoder) fallback(v any) error {
	if !e.indented {
		buf, err := appendStd(e.buf, v, options{escapeHTML: e.escapeHTML})
		if err != nil {
			return stdError(err)
		}
		e.buf = buf
		return nil
	}
	compact, err := appendStd(nil, v, options{escapeHTML: e.escapeHTML})
	if err != nil {
		return stdError(err)
	}
	// A document nested n deep is at least 2n bytes long: only a long one
	// needs its depth measured.
	if room := maxNesting - e.depth; len(compact) > 2*room && nesting(compact) > room {
		return errDelegate
	}
	w := bytes.NewBuffer(e.buf)
	prefix := e.prefix + strings.Repeat(e.indent, e.depth)
	if err := json.Indent(w, compact, prefix, e.indent); err != nil {
		// encoding/json wrote compact itself, so this cannot happen; if
		// it did, encoding/json's own answer is the right one.
		return errDelegate
	}
	e.buf = w.Bytes()
	return nil
}

// stdError passes an error of encoding/json through, except a cycle, for
// which the whole tree goes to encoding/json (see fallback).
func stdError(err error) error {
	var uv *json.UnsupportedValueError
	if errors.As(err, &uv) && strings.HasPrefix(uv.Str, "encountered a cycle") {
		return errDelegate
	}
	return err
}

// appendStd appends what encoding/json writes for v under o: json.Marshal
// (or a json.Encoder with SetEscapeHTML(false)) when o.stream is false,
// Encoder.Encode with o's indentation and its newline when it is true.
func appendStd(dst []byte, v any, o options) ([]byte, error) {
	w := bytes.NewBuffer(dst)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(o.escapeHTML)
	if o.stream {
		enc.SetIndent(o.prefix, o.indent)
	}
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	out := w.Bytes()
	if !o.stream {
		out = out[:len(out)-1] // Encode's newline; Marshal writes none
	}
	return out, nil
}

// nesting returns the deepest nesting of objects and arrays in a valid
// compact JSON document.
func nesting(doc []byte) int {
	depth, deepest := 0, 0
	inString := false
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if inString {
			switch c {
			case '\\':
				i++ // the escaped byte cannot end the string
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			deepest = max(deepest, depth)
		case '}', ']':
			depth--
		}
	}
	return deepest
}
