package notify

import "fmt"

// Skipping what no pattern uses: the assembly pass (scanValue) where there
// is one, and the Go loop that decides whatever it leaves.

// skipValueDepth is the nesting scanValue handles itself (its bit stack);
// within that much of encoding/json's limit the Go loop counts instead.
const skipValueDepth = 64

// scanValue's modes and results (see flatten_scan_amd64.go).
const (
	scanSkip       = 0 // skip one value
	scanSkipMember = 1 // skip a member's value, then read to the next key or '}'
	scanMember     = 2 // from just after a member's value, read to the next key or '}'

	stepGiveUp = 0 // the Go loop decides from i
	stepDone   = 1 // the value ends at end
	stepClose  = 2 // the object ended; end is after its '}'
	stepKey    = 3 // the next key is b[keyStart:keyEnd]; its value starts at end
)

// skipValue is scanValue's plain skip: ok false means it gave up.
func skipValue(b []byte, i int) (end int, ok bool) {
	end, _, _, status := scanValue(b, i, scanSkip)
	return end, status == stepDone
}

// skip validates and skips the value at p.i without recording anything.
// depth is the nesting of the enclosing container.
func (p *fscan) skip(depth int) error {
	if depth < maxEventDepth-skipValueDepth {
		if end, ok := skipValue(p.b, p.i); ok {
			p.i = end
			return nil
		}
	}
	return p.skipSlow(depth)
}

// skipSlow is skip in Go, for what skipValue gives up on (and for every
// value where there is no assembly): one loop over the bytes with the
// open containers on a reused stack, no recursion and no call per token
// but for strings and numbers. It also finds the error and its offset.
func (p *fscan) skipSlow(depth int) error {
	b, i := p.b, p.i
	stack := p.st.stack[:0] // per open container: is it an object
	var (
		end   int
		msg   string
		code  uint8
		check bool
	)
value:
	i = skipWS(b, i)
	if i >= len(b) {
		msg = "unexpected end of input"
		goto fail
	}
	switch b[i] {
	case '"':
		// skipString by hand: the call is too big to inline.
		if end, _ = stringStop(b, i+1); end >= len(b) || b[end] != '"' {
			if end, _, code = scanString(b, i+1); code != strOK {
				i, msg = end, strErrors[code]
				goto fail
			}
		}
		i = end + 1
	case '{', '[':
		if depth+len(stack)+1 > maxEventDepth {
			msg = "exceeded max depth"
			goto fail
		}
		obj := b[i] == '{'
		i = skipWS(b, i+1)
		if i < len(b) && (obj && b[i] == '}' || !obj && b[i] == ']') {
			i++
			break
		}
		stack = append(stack, obj)
		if obj {
			goto key
		}
		goto value
	case 't', 'f', 'n':
		word := "null"
		switch b[i] {
		case 't':
			word = "true"
		case 'f':
			word = "false"
		}
		if len(b)-i < len(word) || string(b[i:i+len(word)]) != word {
			msg = "invalid literal"
			goto fail
		}
		i += len(word)
	default:
		start := i
		if i, check, msg = scanNumber(b, i); msg != "" {
			goto fail
		}
		if check && !fitsFloat64(b[start:i]) {
			p.i = i
			p.st.stack = stack
			return fmt.Errorf("notify: match: %w: number %.40q does not fit a float64", ErrInvalidEvent, b[start:i])
		}
	}
after:
	if len(stack) == 0 {
		p.i = i
		p.st.stack = stack
		return nil
	}
	i = skipWS(b, i)
	if i >= len(b) {
		msg = "unexpected end of input in a container"
		goto fail
	}
	switch c := b[i]; {
	case c == ',':
		i++
		if stack[len(stack)-1] {
			goto key
		}
		goto value
	case c == '}' && stack[len(stack)-1], c == ']' && !stack[len(stack)-1]:
		i++
		stack = stack[:len(stack)-1]
		goto after
	default:
		msg = "expected ',' or the end of a container"
		goto fail
	}
key:
	i = skipWS(b, i)
	if i >= len(b) || b[i] != '"' {
		msg = "expected a string key"
		goto fail
	}
	if end, _ = stringStop(b, i+1); end >= len(b) || b[end] != '"' {
		if end, _, code = scanString(b, i+1); code != strOK {
			i, msg = end, strErrors[code]
			goto fail
		}
	}
	i = skipWS(b, end+1)
	if i >= len(b) || b[i] != ':' {
		msg = "expected ':' after an object key"
		goto fail
	}
	i++
	goto value
fail:
	p.i = i
	p.st.stack = stack
	return p.syntaxErr(msg)
}
