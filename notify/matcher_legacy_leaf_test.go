package notify

// The leaf tests, glob matcher, byte trie and attribute matching of the
// old matcher (see matcher_legacy_test.go).

import (
	"encoding/json"
	"math"
	"net/netip"
	"strconv"
	"strings"
)

// legacyMatchLeaf reports whether c legacyHolds for l (used for the non-indexed tests).
func (c *cond) legacyMatchLeaf(l legacyLeaf) bool {
	switch c.kind {
	case condExact:
		return l.key() == c.key
	case condIgnoreCase:
		return l.kind == kindString && strings.ToLower(l.str) == c.key
	case condPrefix:
		return l.kind == kindString && strings.HasPrefix(l.str, c.key)
	case condSuffix:
		return l.kind == kindString && strings.HasSuffix(l.str, c.key)
	case condPrefixIgnoreCase:
		return l.kind == kindString && strings.HasPrefix(strings.ToLower(l.str), c.key)
	case condSuffixIgnoreCase:
		return l.kind == kindString && strings.HasSuffix(strings.ToLower(l.str), c.key)
	case condExists:
		return !c.nonEmpty || !(l.kind == kindNull || (l.kind == kindString && l.str == ""))
	case condAbsent:
		return false
	case condNumeric:
		if l.kind != kindNumber {
			return false
		}
		if c.hasLo && (l.num < c.lo || (l.num == c.lo && !c.loIncl)) {
			return false
		}
		if c.hasHi && (l.num > c.hi || (l.num == c.hi && !c.hiIncl)) {
			return false
		}
		return true
	case condCIDR:
		if l.kind != kindString {
			return false
		}
		a, err := netip.ParseAddr(l.str)
		if err != nil {
			return false
		}
		return c.prefix.Contains(a.Unmap())
	case condWildcard:
		return l.kind == kindString && legacyGlobMatch(c.glob, l.str)
	case condAnythingBut:
		for i := range c.not {
			if c.not[i].legacyMatchLeaf(l) {
				return false
			}
		}
		return true
	}
	return false
}

// legacyGlobMatch matches s against an EventBridge wildcard pattern: '*' is any
// run of characters, "\*" a literal star, "\\" a backslash. Linear-time
// greedy matching with backtracking to the last star (no regexp, no
// exponential blow-up on hostile patterns).
func legacyGlobMatch(pattern, s string) bool {
	type tok struct {
		star bool
		b    byte
	}
	toks := make([]tok, 0, len(pattern))
	for i := 0; i < len(pattern); i++ {
		switch {
		case pattern[i] == '\\' && i+1 < len(pattern):
			i++
			toks = append(toks, tok{b: pattern[i]})
		case pattern[i] == '*':
			toks = append(toks, tok{star: true})
		default:
			toks = append(toks, tok{b: pattern[i]})
		}
	}
	p, i := 0, 0
	starP, starI := -1, 0
	for i < len(s) {
		switch {
		case p < len(toks) && !toks[p].star && toks[p].b == s[i]:
			p++
			i++
		case p < len(toks) && toks[p].star:
			starP, starI = p, i
			p++
		case starP >= 0:
			starI++
			p, i = starP+1, starI
		default:
			return false
		}
	}
	for p < len(toks) && toks[p].star {
		p++
	}
	return p == len(toks)
}

// legacyTrie is a byte legacyTrie whose nodes carry the fields whose prefix (or
// reversed suffix) ends there.
type legacyTrie struct {
	next map[byte]*legacyTrie
	ids  []int32
}

func (t *legacyTrie) insert(key string, id int32) *legacyTrie {
	if t == nil {
		t = &legacyTrie{}
	}
	n := t
	for i := 0; i < len(key); i++ {
		if n.next == nil {
			n.next = map[byte]*legacyTrie{}
		}
		c := n.next[key[i]]
		if c == nil {
			c = &legacyTrie{}
			n.next[key[i]] = c
		}
		n = c
	}
	n.ids = append(n.ids, id)
	return t
}

// walk reports the ids of every key that is a prefix of s (of reversed s
// when backwards is set, i.e. every suffix key).
func (t *legacyTrie) walk(s string, backwards bool, hit func([]int32)) {
	n := t
	for i := 0; n != nil; i++ {
		if len(n.ids) > 0 {
			hit(n.ids)
		}
		if i >= len(s) {
			return
		}
		b := s[i]
		if backwards {
			b = s[len(s)-1-i]
		}
		n = n.next[b]
	}
}

// legacyLeaf is one scalar value found in an event at some path.
type legacyLeaf struct {
	kind  valueKind
	str   string
	num   float64
	trail []arrayPos
}

func (l legacyLeaf) key() string { return exactKey(l.kind, l.str, l.num) }

// legacyMatchAttributes is FilterPolicy.MatchAttributes as it was.
func legacyMatchAttributes(s *legacySet, attrs map[string]MessageAttribute) bool {
	if len(attrs) == 0 {
		return false
	}
	ev := legacyLeaves{}
	for name, a := range attrs {
		if s.tree.children[name] == nil {
			continue
		}
		switch a.Type {
		case "String":
			ev.add(name, legacyLeaf{kind: kindString, str: a.Value})
		case "Number":
			n, err := strconv.ParseFloat(strings.TrimSpace(a.Value), 64)
			if err != nil || math.IsNaN(n) {
				continue
			}
			ev.add(name, legacyLeaf{kind: kindNumber, num: n})
		case "String.Array":
			var arr []any
			if err := json.Unmarshal([]byte(a.Value), &arr); err != nil {
				continue
			}
			for _, item := range arr {
				switch item.(type) {
				case map[string]any, []any:
					continue
				}
				ev.value(item, s.tree.children[name], name)
			}
		}
	}
	ids, _ := s.matchLeaves(ev)
	return len(ids) > 0
}

func legacyReverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}
