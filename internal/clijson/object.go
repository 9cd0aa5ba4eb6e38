package clijson

import "slices"

// shape is how the maps found under one member name are written: their
// sorted keys, and those keys encoded one after another, each with its
// colon (and, compact, the comma before every key but the first; indented,
// the space after the colon).
//
// Collecting and sorting each map's keys and escaping them is most of the
// work on these trees, and an answer is mostly lists of records of one
// shape (instances, alarms, tags, dimensions). So the encoder remembers
// the last shape under each member name; the next map there with as many
// keys is checked against it with one lookup per key, which it needs for
// the values anyway, and written from it. n distinct keys all present in
// a map of n keys are its key set, so a match is exact.
type shape struct {
	keys []string
	enc  []byte
	ends []int // ends[i]: where keys[i] ends in enc
}

func (e *encoder) object(m map[string]any, name string) error {
	if done, err := e.open(m == nil, len(m), "{}"); done {
		return err
	}
	base := len(e.vals)
	sh, ok := e.knownShape(m, name)
	if !ok {
		sh = e.newShape(m)
		e.shapes[name] = sh
	}
	vals := e.vals[base:]
	from := 0
	for i, k := range sh.keys {
		if e.indented {
			e.separate(i)
		}
		e.buf = append(e.buf, sh.enc[from:sh.ends[i]]...)
		from = sh.ends[i]
		if err := e.value(vals[i], k); err != nil {
			return err
		}
	}
	e.vals = e.vals[:base]
	e.close('}')
	return nil
}

// knownShape returns the shape last seen under name when it has m's key
// set, with m's values pushed onto e.vals in its key order.
func (e *encoder) knownShape(m map[string]any, name string) (shape, bool) {
	sh, ok := e.shapes[name]
	if !ok || len(sh.keys) != len(m) {
		return shape{}, false
	}
	base := len(e.vals)
	for _, k := range sh.keys {
		v, ok := m[k]
		if !ok {
			e.vals = e.vals[:base]
			return shape{}, false
		}
		e.vals = append(e.vals, v)
	}
	return sh, true
}

// newShape sorts and encodes m's keys and pushes its values onto e.vals in
// that order.
func (e *encoder) newShape(m map[string]any) shape {
	start := len(e.keys)
	for k := range m {
		e.keys = append(e.keys, k)
	}
	keys := e.keys[start:]
	slices.Sort(keys)
	encStart, endsStart := len(e.kbuf), len(e.ends)
	for i, k := range keys {
		e.vals = append(e.vals, m[k])
		if i > 0 && !e.indented {
			e.kbuf = append(e.kbuf, ',')
		}
		e.kbuf = appendString(e.kbuf, k, e.escapeHTML)
		e.kbuf = append(e.kbuf, ':')
		if e.indented {
			e.kbuf = append(e.kbuf, ' ')
		}
		e.ends = append(e.ends, len(e.kbuf)-encStart)
	}
	return shape{keys: keys, enc: e.kbuf[encStart:], ends: e.ends[endsStart:]}
}
