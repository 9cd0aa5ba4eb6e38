package guardrail

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// duplicateKey finds the first object key that appears twice in the same
// object. encoding/json silently keeps the last one, which for a policy could
// turn {"Effect": "Deny", "Effect": "Allow"} into an Allow; IAM refuses such
// documents and so do we. It returns the JSON path of the duplicate.
func duplicateKey(doc []byte) (string, bool) {
	type frame struct {
		object bool
		keys   map[string]struct{}
		path   string
		index  int  // next array index
		key    bool // in an object: the next string token is a key
		cur    string
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var stack []*frame
	// childPath is the path of the value about to be read.
	childPath := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.object {
			return joinPath(f.path, f.cur)
		}
		return f.path + "[" + strconv.Itoa(f.index) + "]"
	}
	// consumed marks a value as read in the enclosing container.
	consumed := func() {
		if len(stack) == 0 {
			return
		}
		f := stack[len(stack)-1]
		if f.object {
			f.key = true
		} else {
			f.index++
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false // malformed JSON is reported by the parser
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				p := childPath()
				stack = append(stack, &frame{object: t == '{', keys: map[string]struct{}{}, path: p, key: t == '{'})
			default:
				stack = stack[:len(stack)-1]
				consumed()
			}
		case string:
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].key {
				f := stack[n-1]
				if _, dup := f.keys[t]; dup {
					return joinPath(f.path, t), true
				}
				f.keys[t] = struct{}{}
				f.cur = t
				f.key = false
				continue
			}
			consumed()
		default:
			consumed()
		}
		if len(stack) == 0 {
			return "", false
		}
	}
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func (p *parser) rejectDuplicateKeys(doc []byte) bool {
	if path, dup := duplicateKey(doc); dup {
		p.fail(path, "duplicate key (JSON would keep only the last %q)", lastSegment(path))
		return true
	}
	return false
}

func lastSegment(path string) string {
	if i := bytes.LastIndexByte([]byte(path), '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// caseDuplicates refuses names of one object (a Condition block's
// operators, or one operator's condition keys) that differ only in letter
// case. IAM reads both case-insensitively, so such an object names one
// thing twice, and AWS does not document which entry it would use (the
// first, the last, both): a Deny could apply at AWS and not here, or the
// other way round. Folding is strings.EqualFold's, as for context keys, so
// "aws:Tag\u212aeys" (Kelvin sign) duplicates "aws:TagKeys". keys are
// sorted; the check is quadratic, and blocks have a handful of names.
func (p *parser) caseDuplicates(path, what string, keys []string) {
	for i, a := range keys {
		for _, b := range keys[i+1:] {
			if strings.EqualFold(a, b) {
				p.fail(path, "%ss %q and %q differ only in letter case, which IAM ignores; write one of them", what, a, b)
				return
			}
		}
	}
}
