package notify

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// ErrInvalidEvent is wrapped by the error PatternSet.Match, Pattern.Match
// and FilterPolicy.MatchBody return when the event is not a JSON object.
var ErrInvalidEvent = errors.New("event is not a JSON object")

// errDuplicateKey makes the streaming flattener hand over to the
// encoding/json path: with a key repeated in one object encoding/json keeps
// only the last value, which a single forward pass cannot know until it is
// too late.
var errDuplicateKey = errors.New("duplicate key")

// maxEventDepth is encoding/json's nesting limit; deeper input is an error
// there, so it is here.
const maxEventDepth = 10000

// fscan is one streaming pass over an event: it validates the whole input
// as encoding/json would and records the leaves at the used paths in the
// matcher state.
type fscan struct {
	b  []byte
	i  int
	st *matchState
}

// syntaxErr reports invalid JSON; it only runs on the error path.
func (p *fscan) syntaxErr(what string) error {
	return fmt.Errorf("notify: match: %w: invalid JSON: %s at offset %d", ErrInvalidEvent, what, p.i)
}

// flattenEvent validates event and loads the leaves at the paths under root
// into st. On a repeated used key it falls back to encoding/json, so the
// leaves are always those of the decoded document.
func (st *matchState) flattenEvent(root *pathNode, event []byte) error {
	st.resetLeaves()
	p := fscan{b: event, st: st}
	p.ws()
	if p.i >= len(event) {
		return p.syntaxErr("unexpected end of input")
	}
	if event[p.i] != '{' {
		first := event[p.i]
		if err := p.skip(0); err != nil {
			return err
		}
		if p.ws(); p.i != len(event) {
			return p.syntaxErr("trailing data after the event")
		}
		return fmt.Errorf("notify: match: %w: got %s", ErrInvalidEvent, jsonKindOf(first))
	}
	err := p.object(root, 1)
	if err == nil {
		if p.ws(); p.i != len(event) {
			err = p.syntaxErr("trailing data after the event")
		}
	}
	if errors.Is(err, errDuplicateKey) {
		return st.flattenDecoded(root, event)
	}
	return err
}

func jsonKindOf(first byte) string {
	switch first {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// object reads the object at p.i; n is the path node of the object (nil
// when nothing below it is used, which makes it a plain skip).
//
// This loop runs once per member of every object on a used path. In the
// usual case scanValue takes each member nobody uses, value and the next
// key together, in one call; the Go steps (memberKey, the ',' or '}' after
// a value) run for the first key and wherever scanValue gives up.
func (p *fscan) object(n *pathNode, depth int) error {
	if depth > maxEventDepth {
		return p.syntaxErr("exceeded max depth")
	}
	st := p.st
	st.objStamp++
	stamp := st.objStamp
	b := p.b
	i := skipWS(b, p.i+1) // past '{'
	if i < len(b) && b[i] == '}' {
		p.i = i + 1
		return nil
	}
	// scanValue needs a node to look keys up in and room for its nesting.
	fast := n != nil && depth < maxEventDepth-skipValueDepth
	child, vs, err := p.memberKey(n, i)
	if err != nil {
		return err
	}
	for {
		var end, ks, ke, status int
		if child == nil {
			if fast {
				end, ks, ke, status = scanValue(b, vs, scanSkipMember)
			}
			if status == stepGiveUp {
				p.i = vs
				if err := p.skip(depth); err != nil {
					return err
				}
				end = p.i
			}
		} else {
			if st.seen[child.id] == stamp {
				return errDuplicateKey
			}
			st.seen[child.id] = stamp
			p.i = vs
			if err := p.value(child, depth); err != nil {
				return err
			}
			end = p.i
			if fast {
				end, ks, ke, status = scanValue(b, end, scanMember)
			}
		}
		switch status {
		case stepKey:
			child, vs = n.child(b[ks:ke]), end
			continue
		case stepClose:
			p.i = end
			return nil
		}
		i = skipWS(b, end)
		if i >= len(b) {
			p.i = i
			return p.syntaxErr("unexpected end of input in an object")
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case '}':
			p.i = i + 1
			return nil
		default:
			p.i = i
			return p.syntaxErr("expected ',' or '}' in an object")
		}
		if child, vs, err = p.memberKey(n, i); err != nil {
			return err
		}
	}
}

// memberKey reads an object member's key at i and the ':' after it, and
// returns the key's node under n (nil when unused or n is nil) and where
// the value starts.
func (p *fscan) memberKey(n *pathNode, i int) (child *pathNode, value int, err error) {
	b := p.b
	if i >= len(b) || b[i] != '"' {
		p.i = i
		return nil, 0, p.syntaxErr("expected a string key")
	}
	if start := i + 1; n == nil {
		end, code := skipString(b, start)
		if code != strOK {
			p.i = end
			return nil, 0, p.syntaxErr(strErrors[code])
		}
		i = end + 1
	} else if end, high := stringStop(b, start); end < len(b) && b[end] == '"' && !high {
		// A plain key (str's fast path, by hand).
		child = n.child(b[start:end])
		i = end + 1
	} else {
		p.i = i
		key, err := p.str(true)
		if err != nil {
			return nil, 0, err
		}
		child = n.child(key)
		i = p.i
	}
	i = skipWS(b, i)
	if i >= len(b) || b[i] != ':' {
		p.i = i
		return nil, 0, p.syntaxErr("expected ':' after an object key")
	}
	return child, skipWS(b, i+1), nil
}

// value reads the value at p.i, found at node n (never nil). depth is the
// nesting of the enclosing container.
func (p *fscan) value(n *pathNode, depth int) error {
	if p.i >= len(p.b) {
		return p.syntaxErr("unexpected end of input")
	}
	st := p.st
	switch c := p.b[p.i]; c {
	case '{':
		if n.children == nil {
			return p.skip(depth)
		}
		return p.object(n, depth+1)
	case '[':
		return p.array(n, depth+1)
	case '"':
		if n.path < 0 {
			return p.skipStr()
		}
		s, err := p.str(false)
		if err != nil {
			return err
		}
		st.addLeaf(n.path, kindString, s, 0)
	case 't', 'f', 'n':
		start := p.i
		if err := p.literal(); err != nil {
			return err
		}
		if n.path >= 0 {
			kind := kindBool
			if c == 'n' {
				kind = kindNull
			}
			st.addLeaf(n.path, kind, p.b[start:p.i], 0)
		}
	default:
		start := p.i
		check, err := p.number()
		if err != nil {
			return err
		}
		if n.path < 0 && !check {
			return nil
		}
		f, exact := decimalFloat(p.b[start:p.i])
		if !exact {
			f, err = strconv.ParseFloat(string(p.b[start:p.i]), 64)
		}
		if err != nil {
			// encoding/json refuses a number that does not fit a float64.
			return fmt.Errorf("notify: match: %w: number %.40q does not fit a float64", ErrInvalidEvent, p.b[start:p.i])
		}
		if n.path >= 0 {
			st.addLeaf(n.path, kindNumber, nil, f)
		}
	}
	return nil
}

// array reads an array under node n. Its elements are flattened onto the
// same path, each remembered in the leaf's trail for array-consistent
// matching.
func (p *fscan) array(n *pathNode, depth int) error {
	if depth > maxEventDepth {
		return p.syntaxErr("exceeded max depth")
	}
	p.i++ // '['
	st := p.st
	id := st.arrays
	st.arrays++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return nil
	}
	for idx := int32(0); ; idx++ {
		st.trail = append(st.trail, arrayPos{array: id, index: idx})
		err := p.value(n, depth)
		st.trail = st.trail[:len(st.trail)-1]
		if err != nil {
			return err
		}
		p.ws()
		if p.i >= len(p.b) {
			return p.syntaxErr("unexpected end of input in an array")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
			p.ws()
		case ']':
			p.i++
			return nil
		default:
			return p.syntaxErr("expected ',' or ']' in an array")
		}
	}
}

func (p *fscan) literal() error {
	var word string
	switch p.b[p.i] {
	case 't':
		word = "true"
	case 'f':
		word = "false"
	default:
		word = "null"
	}
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		return p.syntaxErr("invalid literal")
	}
	p.i += len(word)
	return nil
}

// number validates a number token per the JSON grammar. check reports that
// the value might overflow a float64 (an exponent or more than 300 digits),
// which only strconv can decide.
func (p *fscan) number() (check bool, err error) {
	i, check, msg := scanNumber(p.b, p.i)
	p.i = i
	if msg != "" {
		return false, p.syntaxErr(msg)
	}
	return check, nil
}

// skipStr validates the string token at p.i and moves past it.
func (p *fscan) skipStr() error {
	end, code := skipString(p.b, p.i+1)
	if code != strOK {
		p.i = end
		return p.syntaxErr(strErrors[code])
	}
	p.i = end + 1
	return nil
}

// str reads a string token and returns its value as encoding/json decodes
// it: the raw bytes when they are plain, else unquoted into the state's
// scratch buffer (keys use a separate buffer that is reused per key).
func (p *fscan) str(key bool) ([]byte, error) {
	start := p.i + 1
	// The usual body, without escapes, is one stringStop call.
	if end, high := stringStop(p.b, start); end < len(p.b) && p.b[end] == '"' {
		p.i = end + 1
		if raw := p.b[start:end:end]; !high || utf8.Valid(raw) {
			return raw, nil
		}
	}
	end, plain, code := scanString(p.b, start)
	if code != strOK {
		p.i = end
		return nil, p.syntaxErr(strErrors[code])
	}
	p.i = end + 1
	raw := p.b[start:end:end]
	if plain || (!hasByte(raw, '\\') && utf8.Valid(raw)) {
		return raw, nil
	}
	st := p.st
	if key {
		st.keyBuf = appendUnquoted(st.keyBuf[:0], raw)
		return st.keyBuf, nil
	}
	// Earlier leaves keep slices of older backing arrays when this grows,
	// which stay valid: the buffer is only appended to during one match.
	from := len(st.scratch)
	st.scratch = appendUnquoted(st.scratch, raw)
	return st.scratch[from:len(st.scratch):len(st.scratch)], nil
}

// flattenDecoded is the exact slow path for events the streaming pass
// cannot flatten alone (a used key repeated in one object): encoding/json
// decides the document, then its value is walked with the same tree.
func (st *matchState) flattenDecoded(root *pathNode, event []byte) error {
	st.resetLeaves()
	var v any
	if err := json.Unmarshal(event, &v); err != nil {
		return fmt.Errorf("notify: match: %w: invalid JSON: %w", ErrInvalidEvent, err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("notify: match: %w: got %s", ErrInvalidEvent, jsonTypeName(v))
	}
	st.walkObject(obj, root)
	return nil
}

func (st *matchState) walkObject(obj map[string]any, n *pathNode) {
	for k, v := range obj {
		if child := n.children[k]; child != nil {
			st.walkValue(v, child)
		}
	}
}

// walkValue adds the leaves of a decoded value found at node n.
func (st *matchState) walkValue(v any, n *pathNode) {
	switch tv := v.(type) {
	case map[string]any:
		st.walkObject(tv, n)
	case []any:
		id := st.arrays
		st.arrays++
		for i, item := range tv {
			st.trail = append(st.trail, arrayPos{array: id, index: int32(i)})
			st.walkValue(item, n)
			st.trail = st.trail[:len(st.trail)-1]
		}
	case string:
		if n.path >= 0 {
			st.addLeaf(n.path, kindString, []byte(tv), 0)
		}
	case float64:
		if n.path >= 0 {
			st.addLeaf(n.path, kindNumber, nil, tv)
		}
	case bool:
		if n.path >= 0 {
			st.addLeaf(n.path, kindBool, []byte(strconv.FormatBool(tv)), 0)
		}
	case nil:
		if n.path >= 0 {
			st.addLeaf(n.path, kindNull, nil, 0)
		}
	}
}

// addLeaf records one scalar at path, with the current array trail.
func (st *matchState) addLeaf(path int32, kind valueKind, s []byte, num float64) {
	l := mleaf{kind: kind, s: s, num: num, next: -1}
	if n := len(st.trail); n > 0 {
		l.tOff = int32(len(st.trails))
		l.tLen = int32(n)
		st.trails = append(st.trails, st.trail...)
	}
	idx := int32(len(st.leaves))
	if st.tail[path] < 0 {
		st.head[path] = idx
		st.touched = append(st.touched, path)
	} else {
		st.leaves[st.tail[path]].next = idx
	}
	st.tail[path] = idx
	st.leaves = append(st.leaves, l)
}
