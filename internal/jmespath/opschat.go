package jmespath

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// This file holds what opschat added to go-jmespath v0.4.0 so that
// --query behaves as in the AWS CLI (jmespath.py). Everything else in the
// package is upstream's code; NOTICE lists each change.

// ErrInternal is returned, wrapped, when evaluating or compiling an
// expression hit a bug in the engine (a recovered panic): a chat user's
// --query must never take the bot down.
var ErrInternal = errors.New("jmespath: internal error")

// ordered applies an ordering comparator to two values of one type. Go
// compares strings byte by byte, which for UTF-8 is code point order: the
// order Python compares str values in.
func ordered[T float64 | string](op tokType, l, r T) bool {
	c := cmp.Compare(l, r)
	switch op {
	case tGT:
		return c > 0
	case tGTE:
		return c >= 0
	case tLT:
		return c < 0
	case tLTE:
		return c <= 0
	}
	return false
}

// sortedKeys returns an object's keys in ascending order. The AWS CLI keeps
// the API model's member order, which Go maps (and the SDK's alphabetical
// struct fields) do not carry; sorted order is stable from run to run and
// easy to document.
func sortedKeys(m map[string]interface{}) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// sortedValues returns an object's values in the order of sortedKeys, so
// that values(@)[i] belongs to keys(@)[i] and "*" lists values in the same
// order.
func sortedValues(m map[string]interface{}) []interface{} {
	keys := sortedKeys(m)
	out := make([]interface{}, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

// recovered turns a panic into an error wrapping ErrInternal.
func recovered(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %v", ErrInternal, r)
	}
}
