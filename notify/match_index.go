package notify

import (
	"bytes"
	"math"
	"slices"
)

// pathIndex finds, for one value found at one path, the branches anchored
// at that path whose anchor test the value may pass. It over-approximates
// (candidates are verified) but never misses.
type pathIndex struct {
	str                      map[string][]int32 // exact strings
	num                      map[uint64][]int32 // exact numbers, by float64 bits (0 and -0 differ, as their keys always did)
	boolTrue, boolFalse      []int32
	null                     []int32
	lower                    map[string][]int32 // equals-ignore-case, lower-cased
	prefix, suffix           *radix
	prefixLower, suffixLower *radix
	needLower                bool
	anyString                []int32 // cidr, wildcards without a literal end
	exists                   []int32 // exists:true: any leaf
	ranges                   *segTree
	// anything-but: every branch is a candidate when the path has a leaf,
	// except (when there is exactly one leaf) those that list its value.
	abAll []int32
	abStr map[string][]int32
	abNum map[uint64][]int32
}

// indexBuilder collects a path's anchored tests before the index is frozen.
type indexBuilder struct {
	ix        *pathIndex
	intervals []interval
}

type interval struct {
	c   *cond
	bid int32
}

func newIndexBuilder() *indexBuilder { return &indexBuilder{ix: &pathIndex{}} }

func appendTo[K comparable](m *map[K][]int32, k K, bid int32) {
	if *m == nil {
		*m = map[K][]int32{}
	}
	(*m)[k] = append((*m)[k], bid)
}

// add indexes one test of an anchor field. single says the field has no
// other test, the condition for using anything-but exclusions.
func (b *indexBuilder) add(c *cond, bid int32, single bool) {
	ix := b.ix
	switch c.kind {
	case condExact:
		switch c.vkind {
		case kindString:
			appendTo(&ix.str, c.text, bid)
		case kindNumber:
			appendTo(&ix.num, math.Float64bits(c.num), bid)
		case kindBool:
			if c.text == "true" {
				ix.boolTrue = append(ix.boolTrue, bid)
			} else {
				ix.boolFalse = append(ix.boolFalse, bid)
			}
		case kindNull:
			ix.null = append(ix.null, bid)
		}
	case condIgnoreCase:
		appendTo(&ix.lower, c.key, bid)
		ix.needLower = true
	case condPrefix:
		ix.prefix = ix.prefix.insert(c.key, bid)
	case condSuffix:
		ix.suffix = ix.suffix.insert(reverseString(c.key), bid)
	case condPrefixIgnoreCase:
		ix.prefixLower = ix.prefixLower.insert(c.key, bid)
		ix.needLower = true
	case condSuffixIgnoreCase:
		ix.suffixLower = ix.suffixLower.insert(reverseString(c.key), bid)
		ix.needLower = true
	case condWildcard:
		pre, suf := globLiterals(c.toks)
		switch {
		case pre != "":
			ix.prefix = ix.prefix.insert(pre, bid)
		case suf != "":
			ix.suffix = ix.suffix.insert(reverseString(suf), bid)
		default:
			ix.anyString = append(ix.anyString, bid)
		}
	case condCIDR:
		ix.anyString = append(ix.anyString, bid)
	case condExists:
		ix.exists = append(ix.exists, bid)
	case condNumeric:
		b.intervals = append(b.intervals, interval{c: c, bid: bid})
	case condAnythingBut:
		ix.abAll = append(ix.abAll, bid)
		if !single {
			return
		}
		for i := range c.not {
			n := &c.not[i]
			if n.kind != condExact {
				continue
			}
			switch n.vkind {
			case kindString:
				appendTo(&ix.abStr, n.text, bid)
			case kindNumber:
				appendTo(&ix.abNum, math.Float64bits(n.num), bid)
			}
		}
	}
}

func (b *indexBuilder) build() *pathIndex {
	if len(b.intervals) > 0 {
		b.ix.ranges = buildSegTree(b.intervals)
	}
	return b.ix
}

func reverseString(s string) string {
	b := []byte(s)
	slices.Reverse(b)
	return string(b)
}

// radix is a compressed byte trie of prefixes (or reversed suffixes);
// a node carries the branches whose key ends there. Edges are compared a
// run of bytes at a time instead of one map lookup per byte.
type radix struct {
	edge  string // bytes from the parent to this node
	ids   []int32
	first []byte // first byte of each child's edge
	kids  []*radix
}

func (r *radix) insert(key string, id int32) *radix {
	if r == nil {
		r = &radix{}
	}
	n := r
	for {
		if key == "" {
			n.ids = append(n.ids, id)
			return r
		}
		k := slices.Index(n.first, key[0])
		if k < 0 {
			n.first = append(n.first, key[0])
			n.kids = append(n.kids, &radix{edge: key, ids: []int32{id}})
			return r
		}
		child := n.kids[k]
		common := 0
		for common < len(child.edge) && common < len(key) && child.edge[common] == key[common] {
			common++
		}
		if common < len(child.edge) {
			// Split the edge: a new node for the shared part.
			mid := &radix{edge: child.edge[:common], first: []byte{child.edge[common]}, kids: []*radix{child}}
			child.edge = child.edge[common:]
			n.kids[k] = mid
			child = mid
		}
		key = key[common:]
		n = child
	}
}

// walk hits the ids of every key that is a prefix of s (of reversed s when
// back is set: every suffix key).
func (r *radix) walk(s []byte, back bool, st *matchState) {
	n := r
	i := 0
	for n != nil {
		st.hit(n.ids)
		if i >= len(s) {
			return
		}
		c := s[i]
		if back {
			c = s[len(s)-1-i]
		}
		var next *radix
		for k, f := range n.first {
			if f == c {
				next = n.kids[k]
				break
			}
		}
		if next == nil || len(s)-i < len(next.edge) {
			return
		}
		e := next.edge
		if back {
			for j := 0; j < len(e); j++ {
				if e[j] != s[len(s)-1-i-j] {
					return
				}
			}
		} else if string(s[i:i+len(e)]) != e {
			return
		}
		i += len(e)
		n = next
	}
}

// segTree answers "which numeric ranges contain x" in O(log n + hits).
// The sorted distinct bounds v0 < v1 < ... cut the line into elements:
// the gap below v0, the point v0, the gap (v0, v1), the point v1, ... the
// gap above the last bound, so open and closed ends are exact. Each range
// is a run of elements, stored in the O(log n) nodes of a bottom-up
// segment tree that cover it; a query reads the nodes from the element's
// leaf to the root. Node lists are kept in one flat array (CSR).
type segTree struct {
	vals []float64
	n    int     // number of elements, 2*len(vals)+1
	off  []int32 // node → start in ids; len 2n+1
	ids  []int32
}

func buildSegTree(ivs []interval) *segTree {
	var vals []float64
	for _, iv := range ivs {
		if iv.c.hasLo {
			vals = append(vals, iv.c.lo)
		}
		if iv.c.hasHi {
			vals = append(vals, iv.c.hi)
		}
	}
	slices.Sort(vals)
	vals = slices.Compact(vals)
	t := &segTree{vals: vals, n: 2*len(vals) + 1}
	pos := func(v float64) int {
		i, _ := slices.BinarySearch(vals, v)
		return i
	}
	type pair struct{ node, bid int32 }
	var pairs []pair
	for _, iv := range ivs {
		c := iv.c
		lo, hi := 0, t.n-1
		if c.hasLo {
			j := pos(c.lo)
			lo = 2*j + 2
			if c.loIncl {
				lo = 2*j + 1
			}
		}
		if c.hasHi {
			k := pos(c.hi)
			hi = 2 * k
			if c.hiIncl {
				hi = 2*k + 1
			}
		}
		for l, r := lo+t.n, hi+1+t.n; l < r; l, r = l>>1, r>>1 {
			if l&1 == 1 {
				pairs = append(pairs, pair{int32(l), iv.bid})
				l++
			}
			if r&1 == 1 {
				r--
				pairs = append(pairs, pair{int32(r), iv.bid})
			}
		}
	}
	t.off = make([]int32, 2*t.n+1)
	for _, p := range pairs {
		t.off[p.node+1]++
	}
	for i := 1; i < len(t.off); i++ {
		t.off[i] += t.off[i-1]
	}
	t.ids = make([]int32, len(pairs))
	fill := slices.Clone(t.off)
	for _, p := range pairs {
		t.ids[fill[p.node]] = p.bid
		fill[p.node]++
	}
	return t
}

// stab hits every range that contains x.
func (t *segTree) stab(x float64, st *matchState) {
	lo, hi := 0, len(t.vals)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t.vals[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	e := 2 * lo
	if lo < len(t.vals) && t.vals[lo] == x {
		e++
	}
	for p := e + t.n; p > 0; p >>= 1 {
		// Most nodes on the path hold no range: skip the call.
		if lo, hi := t.off[p], t.off[p+1]; lo < hi {
			st.hit(t.ids[lo:hi])
		}
	}
}

// globPattern is a compiled EventBridge wildcard: the literal runs
// between its stars (one run and no star for a plain text).
type globPattern struct {
	segs [][]byte
}

// compileGlob splits an EventBridge wildcard at its stars: '*' is any run
// of characters, "\*" a literal star, "\\" a backslash.
func compileGlob(pattern string) globPattern {
	var g globPattern
	seg := make([]byte, 0, len(pattern))
	for i := 0; i < len(pattern); i++ {
		switch {
		case pattern[i] == '\\' && i+1 < len(pattern):
			i++
			seg = append(seg, pattern[i])
		case pattern[i] == '*':
			g.segs = append(g.segs, seg)
			seg = make([]byte, 0, len(pattern)-i)
		default:
			seg = append(seg, pattern[i])
		}
	}
	g.segs = append(g.segs, seg)
	return g
}

// globLiterals returns the literal text before the first star and after
// the last one (the whole text when there is no star, as prefix).
func globLiterals(g globPattern) (prefix, suffix string) {
	if len(g.segs) == 1 {
		return string(g.segs[0]), ""
	}
	return string(g.segs[0]), string(g.segs[len(g.segs)-1])
}

// globMatch matches s against an EventBridge wildcard pattern (used for
// topic ARNs by the router).
func globMatch(pattern, s string) bool {
	return globMatchBytes(compileGlob(pattern), []byte(s))
}

// globMatchBytes matches s against g in linear time and without
// backtracking: with '*' the only operator, s matches when it starts with
// the first run, ends with the last, and the middle runs occur in order,
// non-overlapping, in between (taking each leftmost is never worse).
// Comparing whole runs (memequal, IndexByte-driven search) instead of one
// token per byte is what keeps verification cheap.
func globMatchBytes(g globPattern, s []byte) bool {
	first := g.segs[0]
	if len(g.segs) == 1 {
		return bytes.Equal(s, first)
	}
	last := g.segs[len(g.segs)-1]
	if len(s) < len(first)+len(last) || !bytes.HasPrefix(s, first) || !bytes.HasSuffix(s, last) {
		return false
	}
	mid := s[len(first) : len(s)-len(last)]
	for _, seg := range g.segs[1 : len(g.segs)-1] {
		k := bytes.Index(mid, seg)
		if k < 0 {
			return false
		}
		mid = mid[k+len(seg):]
	}
	return true
}
