package notify

// This file keeps the matcher as it was before the streaming engine
// (decode the whole event into map[string]any, then index and verify) so
// that benchmarks can run it as the baseline in the same command and the
// differential fuzzers can hold the new engine to its answers. It is test
// code only.

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// legacySet matches one event against many compiled patterns at once.
//
// Patterns are not tried one after another. Each pattern's $or
// alternatives (branches) are indexed under one "anchor" field: the field
// whose values the fewest other branches share, tested by exact value,
// equals-ignore-case (hash maps), prefix or suffix (byte tries) or exists.
// Matching flattens the event once, looks each legacyLeaf up in its path's index
// to find the few candidate branches whose anchor legacyHolds, and verifies only
// those. The cost grows with the size of the event and the number of
// candidates, not with the number of patterns (the aim of AWS event-ruler
// and Quamina). Branches with no indexable field (only numeric, cidr,
// wildcard, anything-but or exists:false tests) are verified on every
// match; they are the part that still grows linearly.
//
// Add must not be called concurrently with Match; Match is safe for
// concurrent use. The index is built on the first Match after an Add.
type legacySet struct {
	ids      []string
	idIndex  map[string]int
	branches []legacyBranch
	tree     *legacyNode

	mu    sync.RWMutex
	dirty bool
	paths map[string]*legacyIndex
	scan  []int32 // branches without an indexable field
}

type legacyBranch struct {
	pattern int32
	fields  []pfield
}

type legacyIndex struct {
	exact                    map[string][]int32
	lower                    map[string][]int32
	prefix, suffix           *legacyTrie
	prefixLower, suffixLower *legacyTrie
	exists                   []int32
	needLower                bool
}

type legacyNode struct {
	children map[string]*legacyNode
}

// newLegacySet returns an empty set.
func newLegacySet() *legacySet {
	return &legacySet{idIndex: map[string]int{}, tree: &legacyNode{}}
}

// Len returns the number of patterns added.
func (s *legacySet) Len() int { return len(s.ids) }

// Add adds p under id; Match reports id when p matches. An id can be added
// once.
func (s *legacySet) Add(id string, p *Pattern) error {
	if p == nil {
		return fmt.Errorf("notify: pattern set: nil pattern for %q", id)
	}
	if _, dup := s.idIndex[id]; dup {
		return fmt.Errorf("notify: pattern set: duplicate pattern id %q", id)
	}
	s.addBranches(id, p.branches)
	return nil
}

func (s *legacySet) addBranches(id string, branches []branch) {
	pid := int32(len(s.ids))
	s.ids = append(s.ids, id)
	s.idIndex[id] = int(pid)
	for _, b := range branches {
		for _, f := range b {
			s.tree.add(f.path)
		}
		s.branches = append(s.branches, legacyBranch{pattern: pid, fields: b})
	}
	s.dirty = true
}

// legacyIndexKey names one indexable test for selectivity counting.
func legacyIndexKey(path string, c *cond) (string, bool) {
	switch c.kind {
	case condExact:
		return path + "\x00e" + c.key, true
	case condIgnoreCase:
		return path + "\x00i" + c.key, true
	case condPrefix:
		return path + "\x00p" + c.key, true
	case condSuffix:
		return path + "\x00s" + c.key, true
	case condPrefixIgnoreCase:
		return path + "\x00P" + c.key, true
	case condSuffixIgnoreCase:
		return path + "\x00S" + c.key, true
	case condExists:
		return path + "\x00x", true
	}
	return "", false
}

// build chooses each branch's anchor and builds the per-path indexes.
func (s *legacySet) build() {
	counts := map[string]int{}
	for _, b := range s.branches {
		for _, f := range b.fields {
			for i := range f.conds {
				if k, ok := legacyIndexKey(f.path, &f.conds[i]); ok {
					counts[k]++
				}
			}
		}
	}
	s.paths = map[string]*legacyIndex{}
	s.scan = nil
	for bi, b := range s.branches {
		best, bestCost := -1, 0
		for fi, f := range b.fields {
			cost, ok := 0, true
			for i := range f.conds {
				k, indexable := legacyIndexKey(f.path, &f.conds[i])
				if !indexable {
					ok = false // absent, numeric, cidr, wildcard, anything-but
					break
				}
				cost += counts[k]
			}
			if ok && (best < 0 || cost < bestCost) {
				best, bestCost = fi, cost
			}
		}
		if best < 0 {
			s.scan = append(s.scan, int32(bi))
			continue
		}
		f := b.fields[best]
		idx := s.paths[f.path]
		if idx == nil {
			idx = &legacyIndex{}
			s.paths[f.path] = idx
		}
		for i := range f.conds {
			idx.add(&f.conds[i], int32(bi))
		}
	}
	s.dirty = false
}

func (idx *legacyIndex) add(c *cond, bid int32) {
	switch c.kind {
	case condExact:
		if idx.exact == nil {
			idx.exact = map[string][]int32{}
		}
		idx.exact[c.key] = append(idx.exact[c.key], bid)
	case condIgnoreCase:
		if idx.lower == nil {
			idx.lower = map[string][]int32{}
		}
		idx.lower[c.key] = append(idx.lower[c.key], bid)
		idx.needLower = true
	case condPrefix:
		idx.prefix = idx.prefix.insert(c.key, bid)
	case condSuffix:
		idx.suffix = idx.suffix.insert(legacyReverse(c.key), bid)
	case condPrefixIgnoreCase:
		idx.prefixLower = idx.prefixLower.insert(c.key, bid)
		idx.needLower = true
	case condSuffixIgnoreCase:
		idx.suffixLower = idx.suffixLower.insert(legacyReverse(c.key), bid)
		idx.needLower = true
	case condExists:
		idx.exists = append(idx.exists, bid)
	}
}

func (n *legacyNode) add(path string) {
	for _, seg := range strings.Split(path, pathSep) {
		if n.children == nil {
			n.children = map[string]*legacyNode{}
		}
		c := n.children[seg]
		if c == nil {
			c = &legacyNode{}
			n.children[seg] = c
		}
		n = c
	}
}

// Match returns the ids of the patterns that event (a JSON object) matches,
// sorted. It returns an error only when event is not a JSON object.
func (s *legacySet) Match(event []byte) ([]string, error) {
	var v any
	if err := json.Unmarshal(event, &v); err != nil {
		return nil, fmt.Errorf("notify: match: event is not valid JSON: %w", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("notify: match: event must be a JSON object, got %s", jsonTypeName(v))
	}
	ev := legacyLeaves{}
	ev.flatten(obj, s.tree, "")
	ids, _ := s.matchLeaves(ev)
	return ids, nil
}

// legacyLeaves is an event flattened to the leaves at paths some pattern
// uses, by path.
type legacyLeaves map[string][]legacyLeaf

func (ev legacyLeaves) add(path string, l legacyLeaf) {
	ev[path] = append(ev[path], l)
}

func (ev legacyLeaves) flatten(obj map[string]any, node *legacyNode, prefix string) {
	var arrays int32
	ev.walkObject(obj, node, prefix, nil, &arrays)
}

// value adds the leaves of v at path (used for attribute values, which
// belong to no array).
func (ev legacyLeaves) value(v any, node *legacyNode, path string) {
	var arrays int32
	ev.walkValue(v, node, path, nil, &arrays)
}

func (ev legacyLeaves) walkObject(obj map[string]any, node *legacyNode, prefix string, trail []arrayPos, arrays *int32) {
	for k, v := range obj {
		child := node.children[k]
		if child == nil {
			continue
		}
		path := k
		if prefix != "" {
			path = prefix + pathSep + k
		}
		ev.walkValue(v, child, path, trail, arrays)
	}
}

func (ev legacyLeaves) walkValue(v any, node *legacyNode, path string, trail []arrayPos, arrays *int32) {
	switch tv := v.(type) {
	case map[string]any:
		ev.walkObject(tv, node, path, trail, arrays)
	case []any:
		id := *arrays
		*arrays++
		for i, item := range tv {
			// Full slice expression: siblings must not share a backing array.
			t := append(trail[:len(trail):len(trail)], arrayPos{array: id, index: int32(i)})
			ev.walkValue(item, node, path, t, arrays)
		}
	case string:
		ev.add(path, legacyLeaf{kind: kindString, str: tv, trail: trail})
	case float64:
		ev.add(path, legacyLeaf{kind: kindNumber, num: tv, trail: trail})
	case bool:
		ev.add(path, legacyLeaf{kind: kindBool, str: strconv.FormatBool(tv), trail: trail})
	case nil:
		ev.add(path, legacyLeaf{kind: kindNull, trail: trail})
	}
}

// index returns the built index, building it first if Add ran since.
func (s *legacySet) index() (map[string]*legacyIndex, []int32) {
	s.mu.RLock()
	if !s.dirty {
		p, sc := s.paths, s.scan
		s.mu.RUnlock()
		return p, sc
	}
	s.mu.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dirty {
		s.build()
	}
	return s.paths, s.scan
}

// matchLeaves returns the matching ids and how many branches it had to
// verify (the number that must stay small as patterns are added).
func (s *legacySet) matchLeaves(ev legacyLeaves) ([]string, int) {
	if len(s.ids) == 0 {
		return nil, 0
	}
	paths, scan := s.index()
	var candidates []int32
	seen := map[int32]struct{}{}
	hit := func(ids []int32) {
		for _, id := range ids {
			if _, dup := seen[id]; !dup {
				seen[id] = struct{}{}
				candidates = append(candidates, id)
			}
		}
	}
	for path, leaves := range ev {
		idx := paths[path]
		if idx == nil {
			continue
		}
		hit(idx.exists)
		for _, l := range leaves {
			if idx.exact != nil {
				hit(idx.exact[l.key()])
			}
			if l.kind != kindString {
				continue
			}
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
	}
	hit(scan)
	var matched map[int32]struct{}
	for _, b := range candidates {
		br := &s.branches[b]
		if _, done := matched[br.pattern]; done {
			continue
		}
		if br.legacyHolds(ev) {
			if matched == nil {
				matched = map[int32]struct{}{}
			}
			matched[br.pattern] = struct{}{}
		}
	}
	if len(matched) == 0 {
		return nil, len(candidates)
	}
	out := make([]string, 0, len(matched))
	for p := range matched {
		out = append(out, s.ids[p])
	}
	sort.Strings(out)
	return out, len(candidates)
}

// legacyHolds verifies every field of the branch against the event. Fields
// reached through the same array of objects must be satisfied by the same
// element, as EventBridge (event-ruler) requires: {"a":{"x":["1"],"y":["2"]}}
// does not match {"a":[{"x":"1"},{"y":"2"}]}.
func (b *legacyBranch) legacyHolds(ev legacyLeaves) bool {
	inArrays := 0
	for i := range b.fields {
		f := &b.fields[i]
		leaves := ev[f.path]
		ok := false
		for ci := range f.conds {
			if f.conds[ci].legacyHoldsFor(leaves) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
		if len(leaves) > 0 && len(leaves[0].trail) > 0 {
			inArrays++
		}
	}
	if inArrays < 2 {
		return true
	}
	return b.legacyArrayConsistent(ev)
}

// legacyArrayConsistent searches for one satisfying legacyLeaf per field such that
// leaves under a common array come from the same element.
func (b *legacyBranch) legacyArrayConsistent(ev legacyLeaves) bool {
	var picks [][]legacyLeaf
	for i := range b.fields {
		f := &b.fields[i]
		leaves := ev[f.path]
		var cands []legacyLeaf
		free := false
		for ci := range f.conds {
			c := &f.conds[ci]
			if c.kind == condAbsent || c.every {
				// Satisfied by the field as a whole, not by one legacyLeaf.
				if c.legacyHoldsFor(leaves) {
					free = true
				}
				continue
			}
			for _, l := range leaves {
				if c.legacyMatchLeaf(l) {
					if len(l.trail) == 0 {
						free = true
					}
					cands = append(cands, l)
				}
			}
		}
		if free {
			continue
		}
		if len(cands) == 0 {
			return false
		}
		picks = append(picks, cands)
	}
	return legacyChoose(picks, nil)
}

func legacyChoose(picks [][]legacyLeaf, chosen [][]arrayPos) bool {
	if len(picks) == 0 {
		return true
	}
	for _, l := range picks[0] {
		ok := true
		for _, c := range chosen {
			if !legacyTrailsAgree(l.trail, c) {
				ok = false
				break
			}
		}
		if ok && legacyChoose(picks[1:], append(chosen, l.trail)) {
			return true
		}
	}
	return false
}

// legacyTrailsAgree reports whether two leaves took the same element of every
// array they both went through.
func legacyTrailsAgree(a, b []arrayPos) bool {
	for _, x := range a {
		for _, y := range b {
			if x.array == y.array && x.index != y.index {
				return false
			}
		}
	}
	return true
}

// legacyHoldsFor applies c to the leaves found at its path.
func (c *cond) legacyHoldsFor(leaves []legacyLeaf) bool {
	if c.kind == condAbsent {
		return len(leaves) == 0
	}
	if c.every {
		for _, l := range leaves {
			if !c.legacyMatchLeaf(l) {
				return false
			}
		}
		return len(leaves) > 0
	}
	for _, l := range leaves {
		if c.legacyMatchLeaf(l) {
			return true
		}
	}
	return false
}
