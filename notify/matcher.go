package notify

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// PatternSet matches one event against many compiled patterns at once.
//
// Patterns are not tried one after another. Every pattern is broken into
// (path, test) pairs and the tests are indexed per path: exact values and
// equals-ignore-case in hash maps, prefix and suffix in byte tries, the rest
// (numeric, cidr, wildcard, anything-but) in short per-path lists. Matching
// walks the event once, looks each leaf up in its path's index and counts
// which pattern branches are complete, so the cost grows with the size of
// the event and the number of hits, not with the number of patterns (the
// technique of AWS event-ruler and Quamina).
//
// Add must not be called concurrently with Match; once built, Match is safe
// for concurrent use.
type PatternSet struct {
	ids      []string
	idIndex  map[string]int
	branches []setBranch
	fields   []setField
	paths    map[string]*pathIndex
	always   []int32 // branches that absence alone can satisfy
	tree     *pathNode
}

type setBranch struct {
	pattern int32
	fields  []int32
}

type setField struct {
	branch   int32
	path     string
	absentOK bool
}

type condRef struct {
	c     cond
	field int32
}

type pathIndex struct {
	exact                    map[string][]int32
	lower                    map[string][]int32
	prefix, suffix           *trie
	prefixLower, suffixLower *trie
	exists                   []int32
	others                   []condRef
	needLower                bool
}

type pathNode struct {
	children map[string]*pathNode
}

// NewPatternSet returns an empty set.
func NewPatternSet() *PatternSet {
	return &PatternSet{idIndex: map[string]int{}, paths: map[string]*pathIndex{}, tree: &pathNode{}}
}

// Len returns the number of patterns added.
func (s *PatternSet) Len() int { return len(s.ids) }

// Add adds p under id; Match reports id when p matches. An id can be added
// once.
func (s *PatternSet) Add(id string, p *Pattern) error {
	if p == nil {
		return fmt.Errorf("notify: pattern set: nil pattern for %q", id)
	}
	if _, dup := s.idIndex[id]; dup {
		return fmt.Errorf("notify: pattern set: duplicate pattern id %q", id)
	}
	s.addBranches(id, p.branches)
	return nil
}

func (s *PatternSet) addBranches(id string, branches []branch) {
	pid := int32(len(s.ids))
	s.ids = append(s.ids, id)
	s.idIndex[id] = int(pid)
	for _, b := range branches {
		bid := int32(len(s.branches))
		sb := setBranch{pattern: pid}
		allAbsentOK := true
		for _, f := range b {
			fid := int32(len(s.fields))
			sf := setField{branch: bid, path: f.path}
			s.tree.add(f.path)
			idx := s.paths[f.path]
			if idx == nil {
				idx = &pathIndex{}
				s.paths[f.path] = idx
			}
			for _, c := range f.conds {
				idx.add(c, fid)
				if c.kind == condAbsent {
					sf.absentOK = true
				}
			}
			if !sf.absentOK {
				allAbsentOK = false
			}
			s.fields = append(s.fields, sf)
			sb.fields = append(sb.fields, fid)
		}
		s.branches = append(s.branches, sb)
		if allAbsentOK {
			s.always = append(s.always, bid)
		}
	}
}

func (idx *pathIndex) add(c cond, fid int32) {
	switch c.kind {
	case condExact:
		if idx.exact == nil {
			idx.exact = map[string][]int32{}
		}
		idx.exact[c.key] = append(idx.exact[c.key], fid)
	case condIgnoreCase:
		if idx.lower == nil {
			idx.lower = map[string][]int32{}
		}
		idx.lower[c.key] = append(idx.lower[c.key], fid)
		idx.needLower = true
	case condPrefix:
		idx.prefix = idx.prefix.insert(c.key, fid)
	case condSuffix:
		idx.suffix = idx.suffix.insert(reverse(c.key), fid)
	case condPrefixIgnoreCase:
		idx.prefixLower = idx.prefixLower.insert(c.key, fid)
		idx.needLower = true
	case condSuffixIgnoreCase:
		idx.suffixLower = idx.suffixLower.insert(reverse(c.key), fid)
		idx.needLower = true
	case condExists:
		idx.exists = append(idx.exists, fid)
	case condAbsent:
		// Absence is checked per candidate branch, not indexed.
	default:
		idx.others = append(idx.others, condRef{c: c, field: fid})
	}
}

func (n *pathNode) add(path string) {
	for _, seg := range strings.Split(path, pathSep) {
		if n.children == nil {
			n.children = map[string]*pathNode{}
		}
		c := n.children[seg]
		if c == nil {
			c = &pathNode{}
			n.children[seg] = c
		}
		n = c
	}
}

// Match returns the ids of the patterns that event (a JSON object) matches,
// sorted. It returns an error only when event is not a JSON object.
func (s *PatternSet) Match(event []byte) ([]string, error) {
	var v any
	if err := json.Unmarshal(event, &v); err != nil {
		return nil, fmt.Errorf("notify: match: event is not valid JSON: %w", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("notify: match: event must be a JSON object, got %s", jsonTypeName(v))
	}
	var ev eventLeaves
	ev.flatten(obj, s.tree, "")
	return s.matchLeaves(&ev), nil
}

// eventLeaves is an event flattened to the leaves at paths some pattern uses.
type eventLeaves struct {
	paths  []string
	leaves []leaf
}

func (ev *eventLeaves) add(path string, l leaf) {
	ev.paths = append(ev.paths, path)
	ev.leaves = append(ev.leaves, l)
}

func (ev *eventLeaves) present(path string) bool {
	for _, p := range ev.paths {
		if p == path {
			return true
		}
	}
	return false
}

func (ev *eventLeaves) flatten(obj map[string]any, node *pathNode, prefix string) {
	for k, v := range obj {
		child := node.children[k]
		if child == nil {
			continue
		}
		path := k
		if prefix != "" {
			path = prefix + pathSep + k
		}
		ev.value(v, child, path)
	}
}

func (ev *eventLeaves) value(v any, node *pathNode, path string) {
	switch tv := v.(type) {
	case map[string]any:
		ev.flatten(tv, node, path)
	case []any:
		for _, item := range tv {
			ev.value(item, node, path)
		}
	case string:
		ev.add(path, leaf{kind: kindString, str: tv})
	case float64:
		ev.add(path, leaf{kind: kindNumber, num: tv})
	case bool:
		ev.add(path, leaf{kind: kindBool, str: strconv.FormatBool(tv)})
	case nil:
		ev.add(path, leaf{kind: kindNull})
	}
}

func (s *PatternSet) matchLeaves(ev *eventLeaves) []string {
	if len(s.ids) == 0 {
		return nil
	}
	satisfied := map[int32]struct{}{}
	hit := func(ids []int32) {
		for _, id := range ids {
			satisfied[id] = struct{}{}
		}
	}
	for i, path := range ev.paths {
		idx := s.paths[path]
		if idx == nil {
			continue
		}
		l := ev.leaves[i]
		hit(idx.exists)
		if idx.exact != nil {
			hit(idx.exact[l.key()])
		}
		if l.kind == kindString {
			idx.prefix.walk(l.str, false, hit)
			idx.suffix.walk(l.str, true, hit)
			if idx.needLower {
				low := strings.ToLower(l.str)
				if idx.lower != nil {
					hit(idx.lower[low])
				}
				idx.prefixLower.walk(low, false, hit)
				idx.suffixLower.walk(low, true, hit)
			}
		}
		for _, r := range idx.others {
			if _, done := satisfied[r.field]; !done && r.c.matchLeaf(l) {
				satisfied[r.field] = struct{}{}
			}
		}
	}
	var candidates []int32
	seen := map[int32]struct{}{}
	for f := range satisfied {
		b := s.fields[f].branch
		if _, ok := seen[b]; !ok {
			seen[b] = struct{}{}
			candidates = append(candidates, b)
		}
	}
	for _, b := range s.always {
		if _, ok := seen[b]; !ok {
			seen[b] = struct{}{}
			candidates = append(candidates, b)
		}
	}
	var matched map[int32]struct{}
	for _, b := range candidates {
		br := &s.branches[b]
		if _, done := matched[br.pattern]; done {
			continue
		}
		ok := true
		for _, f := range br.fields {
			if _, sat := satisfied[f]; sat {
				continue
			}
			if s.fields[f].absentOK && !ev.present(s.fields[f].path) {
				continue
			}
			ok = false
			break
		}
		if ok {
			if matched == nil {
				matched = map[int32]struct{}{}
			}
			matched[br.pattern] = struct{}{}
		}
	}
	if len(matched) == 0 {
		return nil
	}
	out := make([]string, 0, len(matched))
	for p := range matched {
		out = append(out, s.ids[p])
	}
	sort.Strings(out)
	return out
}

// matchLeaf reports whether c holds for l (used for the non-indexed tests).
func (c *cond) matchLeaf(l leaf) bool {
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
		return true
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
		return l.kind == kindString && globMatch(c.glob, l.str)
	case condAnythingBut:
		for i := range c.not {
			if c.not[i].matchLeaf(l) {
				return false
			}
		}
		return true
	}
	return false
}

// globMatch matches s against an EventBridge wildcard pattern: '*' is any
// run of characters, "\*" a literal star, "\\" a backslash. Linear-time
// greedy matching with backtracking to the last star (no regexp, no
// exponential blow-up on hostile patterns).
func globMatch(pattern, s string) bool {
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

// trie is a byte trie whose nodes carry the fields whose prefix (or
// reversed suffix) ends there.
type trie struct {
	next map[byte]*trie
	ids  []int32
}

func (t *trie) insert(key string, id int32) *trie {
	if t == nil {
		t = &trie{}
	}
	n := t
	for i := 0; i < len(key); i++ {
		if n.next == nil {
			n.next = map[byte]*trie{}
		}
		c := n.next[key[i]]
		if c == nil {
			c = &trie{}
			n.next[key[i]] = c
		}
		n = c
	}
	n.ids = append(n.ids, id)
	return t
}

// walk reports the ids of every key that is a prefix of s (of reversed s
// when backwards is set, i.e. every suffix key).
func (t *trie) walk(s string, backwards bool, hit func([]int32)) {
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

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}
