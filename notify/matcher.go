package notify

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// PatternSet matches one event against many compiled patterns at once.
//
// Patterns are not tried one after another. Each pattern's $or
// alternatives (branches) are indexed under one "anchor" field: the field
// that the fewest other branches share. Per path the index holds exact
// values (hash maps), equals-ignore-case (hash map of lower-cased text),
// prefixes and suffixes (radix trees, with or without case folding),
// wildcards (under their literal prefix or suffix), numeric ranges (a
// segment tree over the sorted bounds, so a range costs O(log n) however
// many there are), anything-but (the complement of the listed values),
// cidr and exists. Only branches made of exists:false alone are left to be
// checked on every event.
//
// Match scans the event JSON once, descending only into the keys some
// pattern uses and skipping every other subtree without allocating; each
// value it records is looked up in its path's index to find the few
// candidate branches, and only those are verified. The cost grows with the
// size of the event and the number of candidates, not with the number of
// patterns (the aim of AWS event-ruler and Quamina). The per-match buffers
// come from a sync.Pool, so a match allocates only its result slice
// (AppendMatches: nothing).
//
// Add must not be called concurrently with Match; Match is safe for
// concurrent use. The index is built on the first Match after an Add.
type PatternSet struct {
	ids      []string
	idIndex  map[string]int
	branches [][]pfield // per branch, its fields
	owner    []int32    // per branch, its pattern

	mu    sync.RWMutex
	dirty bool
	eng   *engine
	pool  sync.Pool // *matchState
}

// NewPatternSet returns an empty set.
func NewPatternSet() *PatternSet {
	return &PatternSet{idIndex: map[string]int{}}
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
		s.branches = append(s.branches, b)
		s.owner = append(s.owner, pid)
	}
	s.dirty = true
}

// Match returns the ids of the patterns that event (a JSON object) matches,
// sorted. It returns an error wrapping ErrInvalidEvent only when event is
// not a JSON object.
func (s *PatternSet) Match(event []byte) ([]string, error) {
	return s.AppendMatches(nil, event)
}

// AppendMatches appends the sorted ids of the patterns event matches to dst
// and returns the extended slice; with a dst of enough capacity it does not
// allocate. Errors are those of Match.
func (s *PatternSet) AppendMatches(dst []string, event []byte) ([]string, error) {
	eng, st, err := s.begin(event)
	defer s.pool.Put(st)
	if err != nil {
		return dst, err
	}
	if st.run(eng, false) == 0 {
		return dst, nil
	}
	if dst == nil {
		dst = make([]string, 0, len(st.matched))
	}
	for _, p := range st.matched {
		dst = append(dst, eng.ids[p])
	}
	return dst, nil
}

// appendMatchedNums appends the numbers (in the order of Add, from 0) of
// the patterns event matches, in id order. The router numbers its
// subscriptions' patterns this way instead of by id strings.
func (s *PatternSet) appendMatchedNums(dst []int32, event []byte) ([]int32, error) {
	eng, st, err := s.begin(event)
	defer s.pool.Put(st)
	if err != nil {
		return dst, err
	}
	st.run(eng, false)
	return append(dst, st.matched...), nil
}

// matchAny reports whether any pattern matches, stopping at the first.
func (s *PatternSet) matchAny(event []byte) (bool, error) {
	eng, st, err := s.begin(event)
	defer s.pool.Put(st)
	if err != nil {
		return false, err
	}
	return st.run(eng, true) > 0, nil
}

// begin takes per-match buffers and flattens event into them; the caller
// puts st back in the pool.
func (s *PatternSet) begin(event []byte) (*engine, *matchState, error) {
	eng := s.engine()
	st := s.state(eng)
	return eng, st, st.flattenEvent(eng.root, event)
}

// state takes per-match buffers from the pool, sized for eng.
func (s *PatternSet) state(eng *engine) *matchState {
	st, _ := s.pool.Get().(*matchState)
	if st == nil {
		st = &matchState{}
	}
	st.fit(eng)
	return st
}

// engine returns the built index, building it first if Add ran since.
func (s *PatternSet) engine() *engine {
	s.mu.RLock()
	if !s.dirty && s.eng != nil {
		e := s.eng
		s.mu.RUnlock()
		return e
	}
	s.mu.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dirty || s.eng == nil {
		s.eng = buildEngine(s.ids, s.branches, s.owner)
		s.dirty = false
	}
	return s.eng
}

// engine is the immutable compiled form of a set: the path tree, the
// branches with their fields on path ids, and one index per path.
type engine struct {
	root     *pathNode
	nodes    int // number of path nodes
	paths    int // number of used paths
	ids      []string
	rank     []int32 // pattern → position of its id in sorted order
	branches []ebranch
	index    []*pathIndex // by path id; nil when nothing is anchored there
	scan     []int32      // branches with no indexable field
}

// ebranch is one conjunction of fields, the unit of verification.
type ebranch struct {
	pattern int32
	fields  []efield
}

type efield struct {
	path  int32
	conds []cond
}

func buildEngine(ids []string, branches [][]pfield, owner []int32) *engine {
	e := &engine{root: &pathNode{path: -1}, nodes: 1, ids: ids}
	pathIDs := map[string]int32{}
	e.branches = make([]ebranch, len(branches))
	for bi, b := range branches {
		eb := ebranch{pattern: owner[bi], fields: make([]efield, len(b))}
		for fi, f := range b {
			id, ok := pathIDs[f.path]
			if !ok {
				id = int32(len(pathIDs))
				pathIDs[f.path] = id
				e.addPath(f.path, id)
			}
			eb.fields[fi] = efield{path: id, conds: f.conds}
		}
		e.branches[bi] = eb
	}
	e.paths = len(pathIDs)
	e.root.freeze()

	order := make([]int32, len(ids))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(ids[a], ids[b]) })
	e.rank = make([]int32, len(ids))
	for r, p := range order {
		e.rank[p] = int32(r)
	}

	e.anchor()
	return e
}

func (e *engine) addPath(path string, id int32) {
	n := e.root
	for _, seg := range strings.Split(path, pathSep) {
		if n.children == nil {
			n.children = map[string]*pathNode{}
		}
		c := n.children[seg]
		if c == nil {
			c = &pathNode{id: int32(e.nodes), path: -1}
			e.nodes++
			n.children[seg] = c
		}
		n = c
	}
	n.path = id
}

// costKey names one indexable test for selectivity counting: branches
// whose anchors share a key all become candidates together. Tests that
// are looked up by the event's value (exact, prefix...) count per value;
// tests whose candidates are every branch of their kind at the path
// (numeric, anything-but, cidr, exists) count per path.
func costKey(path int32, c *cond) (string, bool) {
	p := fmt.Sprint(path, "\x00")
	switch c.kind {
	case condExact:
		return p + "e" + c.key, true
	case condIgnoreCase:
		return p + "i" + c.key, true
	case condPrefix:
		return p + "p" + c.key, true
	case condSuffix:
		return p + "s" + c.key, true
	case condPrefixIgnoreCase:
		return p + "P" + c.key, true
	case condSuffixIgnoreCase:
		return p + "S" + c.key, true
	case condWildcard:
		pre, suf := globLiterals(c.toks)
		switch {
		case pre != "":
			return p + "p" + pre, true
		case suf != "":
			return p + "s" + suf, true
		}
		return p + "c", true
	case condCIDR:
		return p + "c", true
	case condExists:
		return p + "x", true
	case condNumeric:
		return p + "n", true
	case condAnythingBut:
		return p + "a", true
	}
	return "", false // exists:false
}

// anchor chooses each branch's anchor field and fills the per-path indexes.
func (e *engine) anchor() {
	counts := map[string]int{}
	for _, b := range e.branches {
		for _, f := range b.fields {
			for i := range f.conds {
				if k, ok := costKey(f.path, &f.conds[i]); ok {
					counts[k]++
				}
			}
		}
	}
	e.index = make([]*pathIndex, e.paths)
	builders := make([]*indexBuilder, e.paths)
	for bi, b := range e.branches {
		best, bestCost := -1, 0
		for fi, f := range b.fields {
			cost, ok := 0, true
			for i := range f.conds {
				k, indexable := costKey(f.path, &f.conds[i])
				if !indexable {
					ok = false
					break
				}
				cost += counts[k]
			}
			if ok && (best < 0 || cost < bestCost) {
				best, bestCost = fi, cost
			}
		}
		if best < 0 {
			e.scan = append(e.scan, int32(bi))
			continue
		}
		f := b.fields[best]
		ib := builders[f.path]
		if ib == nil {
			ib = newIndexBuilder()
			builders[f.path] = ib
		}
		for i := range f.conds {
			ib.add(&f.conds[i], int32(bi), len(f.conds) == 1)
		}
	}
	for p, ib := range builders {
		if ib != nil {
			e.index[p] = ib.build()
		}
	}
}

// sortByRank orders matched patterns as their ids sort.
func (e *engine) sortByRank(ps []int32) {
	if len(ps) < 2 {
		return
	}
	slices.SortFunc(ps, func(a, b int32) int { return int(e.rank[a]) - int(e.rank[b]) })
}
