package notify

import (
	"math"
	"net/netip"
	"slices"
	"unicode"
	"unicode/utf8"
)

// mleaf is one scalar found in an event at a used path. s points into the
// event or into the state's scratch buffer, never a fresh allocation.
type mleaf struct {
	kind       valueKind
	s          []byte  // string value, bool text
	num        float64 // number value
	tOff, tLen int32   // trail: st.trails[tOff:tOff+tLen]
	next       int32   // next leaf at the same path, -1 at the end
}

// arrayPos is one step through an array: which array (numbered in the
// order the event was walked) and which element. Fields reached through
// the same array of objects must match in the same element.
type arrayPos struct {
	array, index int32
}

// matchState holds every buffer one match needs. It is owned by one
// goroutine at a time (taken from the set's pool) and reused, so a match
// allocates nothing once the buffers have grown to the event's size.
type matchState struct {
	eng *engine

	// flattening
	leaves   []mleaf
	trails   []arrayPos
	trail    []arrayPos // array positions above the current value
	scratch  []byte     // unquoted strings
	keyBuf   []byte     // the current unquoted key
	stack    []bool     // open containers of a skipped value
	head     []int32    // per path: first leaf, -1
	tail     []int32    // per path: last leaf, -1
	touched  []int32    // paths with leaves
	seen     []uint32   // per path node: stamp of the object it was last seen in
	objStamp uint32
	arrays   int32

	// candidates and results
	gen     uint32
	bstamp  []uint32 // per branch: gen when it became a candidate
	xstamp  []uint32 // per branch: gen when anything-but excluded it
	pstamp  []uint32 // per pattern: gen when it matched
	cands   []int32
	matched []int32
	lower   []byte

	// array-consistency search
	picks   []int32
	pickOff []int32
	chosen  []int32
}

// fit sizes the per-path, per-node and per-branch arrays for eng.
func (st *matchState) fit(eng *engine) {
	if st.eng == eng {
		return
	}
	st.eng = eng
	st.head = fill(st.head, eng.paths, -1)
	st.tail = fill(st.tail, eng.paths, -1)
	st.touched = st.touched[:0]
	st.seen = fill(st.seen, eng.nodes, 0)
	st.objStamp = 0
	st.bstamp = fill(st.bstamp, len(eng.branches), 0)
	st.xstamp = fill(st.xstamp, len(eng.branches), 0)
	st.pstamp = fill(st.pstamp, len(eng.ids), 0)
	st.gen = 0
}

func fill[T any](s []T, n int, v T) []T {
	if cap(s) < n {
		s = make([]T, n)
	}
	s = s[:n]
	for i := range s {
		s[i] = v
	}
	return s
}

func (st *matchState) resetLeaves() {
	for _, p := range st.touched {
		st.head[p], st.tail[p] = -1, -1
	}
	st.touched = st.touched[:0]
	st.leaves = st.leaves[:0]
	st.trails = st.trails[:0]
	st.trail = st.trail[:0]
	st.scratch = st.scratch[:0]
	st.arrays = 0
}

// nextGen starts a new round of stamps; on wrap-around the stamp arrays
// are cleared so an old stamp can never equal the new generation.
func (st *matchState) nextGen() {
	st.gen++
	if st.gen == 0 {
		clear(st.bstamp)
		clear(st.xstamp)
		clear(st.pstamp)
		st.gen = 1
	}
}

// hit adds branches to the candidates, once each.
func (st *matchState) hit(ids []int32) {
	for _, id := range ids {
		if st.bstamp[id] != st.gen {
			st.bstamp[id] = st.gen
			st.cands = append(st.cands, id)
		}
	}
}

// run finds the candidates for the loaded leaves, verifies them and
// leaves the matched patterns in st.matched, sorted as their ids. It
// returns how many matched; first stops at the first match.
func (st *matchState) run(eng *engine, first bool) int {
	st.nextGen()
	st.cands = st.cands[:0]
	st.matched = st.matched[:0]
	for _, p := range st.touched {
		ix := eng.index[p]
		if ix == nil {
			continue
		}
		st.candidates(ix, st.head[p])
	}
	st.hit(eng.scan)
	for _, bi := range st.cands {
		b := &eng.branches[bi]
		if st.pstamp[b.pattern] == st.gen {
			continue
		}
		if st.holds(b) {
			st.pstamp[b.pattern] = st.gen
			st.matched = append(st.matched, b.pattern)
			if first {
				return 1
			}
		}
	}
	eng.sortByRank(st.matched)
	return len(st.matched)
}

// candidates hits the branches anchored at one path that the leaves from
// head on may satisfy.
func (st *matchState) candidates(ix *pathIndex, head int32) {
	st.hit(ix.exists)
	for li := head; li >= 0; li = st.leaves[li].next {
		l := &st.leaves[li]
		switch l.kind {
		case kindString:
			if ix.str != nil {
				st.hit(ix.str[string(l.s)])
			}
			ix.prefix.walk(l.s, false, st)
			ix.suffix.walk(l.s, true, st)
			st.hit(ix.anyString)
			if ix.needLower {
				low := st.lowerOf(l.s)
				if ix.lower != nil {
					st.hit(ix.lower[string(low)])
				}
				ix.prefixLower.walk(low, false, st)
				ix.suffixLower.walk(low, true, st)
			}
		case kindNumber:
			if ix.num != nil {
				st.hit(ix.num[math.Float64bits(l.num)])
			}
			if ix.ranges != nil {
				ix.ranges.stab(l.num, st)
			}
		case kindBool:
			if string(l.s) == "true" {
				st.hit(ix.boolTrue)
			} else {
				st.hit(ix.boolFalse)
			}
		case kindNull:
			st.hit(ix.null)
		}
	}
	if len(ix.abAll) == 0 {
		return
	}
	// anything-but is the complement of its list: with one leaf the
	// branches that list its value are out; the rest are candidates.
	if l := &st.leaves[head]; l.next < 0 {
		var out []int32
		switch l.kind {
		case kindString:
			out = ix.abStr[string(l.s)]
		case kindNumber:
			out = ix.abNum[math.Float64bits(l.num)]
		}
		for _, id := range out {
			st.xstamp[id] = st.gen
		}
		if len(out) > 0 {
			for _, id := range ix.abAll {
				if st.xstamp[id] != st.gen && st.bstamp[id] != st.gen {
					st.bstamp[id] = st.gen
					st.cands = append(st.cands, id)
				}
			}
			return
		}
	}
	st.hit(ix.abAll)
}

// lowerOf returns s lower-cased exactly as strings.ToLower would, in a
// reused buffer (valid only until the next call).
func (st *matchState) lowerOf(s []byte) []byte {
	st.lower = appendLower(st.lower[:0], s)
	return st.lower
}

func appendLower(dst, s []byte) []byte {
	// ASCII (the usual case) in one pass into room made once.
	n := len(dst)
	dst = slices.Grow(dst, len(s))[:n+len(s)]
	for i, c := range s {
		if c >= utf8.RuneSelf {
			return appendLowerRunes(dst[:n+i], s[i:])
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst[n+i] = c
	}
	return dst
}

// appendLowerRunes lowers the rest of s from its first non-ASCII byte.
func appendLowerRunes(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		i += size
	}
	return dst
}

// holds verifies every field of the branch. Fields reached through the
// same array of objects must be satisfied by the same element, as
// EventBridge (event-ruler) requires: {"a":{"x":["1"],"y":["2"]}} does not
// match {"a":[{"x":"1"},{"y":"2"}]}.
func (st *matchState) holds(b *ebranch) bool {
	inArrays := 0
	for i := range b.fields {
		f := &b.fields[i]
		head := st.head[f.path]
		ok := false
		for ci := range f.conds {
			if st.holdsFor(&f.conds[ci], head) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
		if head >= 0 && st.leaves[head].tLen > 0 {
			inArrays++
		}
	}
	if inArrays < 2 {
		return true
	}
	return st.arrayConsistent(b)
}

// holdsFor applies c to the leaves from head on.
func (st *matchState) holdsFor(c *cond, head int32) bool {
	if c.kind == condAbsent {
		return head < 0
	}
	if c.every {
		for li := head; li >= 0; li = st.leaves[li].next {
			if !st.matchLeaf(c, &st.leaves[li]) {
				return false
			}
		}
		return head >= 0
	}
	for li := head; li >= 0; li = st.leaves[li].next {
		if st.matchLeaf(c, &st.leaves[li]) {
			return true
		}
	}
	return false
}

// arrayConsistent searches for one satisfying leaf per field such that
// leaves under a common array come from the same element.
func (st *matchState) arrayConsistent(b *ebranch) bool {
	st.picks = st.picks[:0]
	st.pickOff = st.pickOff[:0]
	for i := range b.fields {
		f := &b.fields[i]
		head := st.head[f.path]
		start := len(st.picks)
		free := false
		for ci := range f.conds {
			c := &f.conds[ci]
			if c.kind == condAbsent || c.every {
				// Satisfied by the field as a whole, not by one leaf.
				if st.holdsFor(c, head) {
					free = true
				}
				continue
			}
			for li := head; li >= 0; li = st.leaves[li].next {
				if st.matchLeaf(c, &st.leaves[li]) {
					if st.leaves[li].tLen == 0 {
						free = true
					}
					st.picks = append(st.picks, li)
				}
			}
		}
		if free {
			st.picks = st.picks[:start]
			continue
		}
		if len(st.picks) == start {
			return false
		}
		st.pickOff = append(st.pickOff, int32(start))
	}
	st.pickOff = append(st.pickOff, int32(len(st.picks)))
	st.chosen = st.chosen[:0]
	return st.choose(0)
}

func (st *matchState) choose(k int) bool {
	if k == len(st.pickOff)-1 {
		return true
	}
	for j := st.pickOff[k]; j < st.pickOff[k+1]; j++ {
		li := st.picks[j]
		ok := true
		for _, c := range st.chosen {
			if !st.trailsAgree(li, c) {
				ok = false
				break
			}
		}
		if ok {
			st.chosen = append(st.chosen, li)
			if st.choose(k + 1) {
				return true
			}
			st.chosen = st.chosen[:len(st.chosen)-1]
		}
	}
	return false
}

// trailsAgree reports whether two leaves took the same element of every
// array they both went through.
func (st *matchState) trailsAgree(a, b int32) bool {
	la, lb := &st.leaves[a], &st.leaves[b]
	ta := st.trails[la.tOff : la.tOff+la.tLen]
	tb := st.trails[lb.tOff : lb.tOff+lb.tLen]
	for _, x := range ta {
		for _, y := range tb {
			if x.array == y.array && x.index != y.index {
				return false
			}
		}
	}
	return true
}

// matchLeaf reports whether c holds for l.
func (st *matchState) matchLeaf(c *cond, l *mleaf) bool {
	switch c.kind {
	case condExact:
		if l.kind != c.vkind {
			return false
		}
		switch l.kind {
		case kindNumber:
			return math.Float64bits(l.num) == math.Float64bits(c.num)
		case kindNull:
			return true
		}
		return string(l.s) == c.text
	case condIgnoreCase:
		return l.kind == kindString && string(st.lowerOf(l.s)) == c.key
	case condPrefix:
		return l.kind == kindString && len(l.s) >= len(c.key) && string(l.s[:len(c.key)]) == c.key
	case condSuffix:
		return l.kind == kindString && len(l.s) >= len(c.key) && string(l.s[len(l.s)-len(c.key):]) == c.key
	case condPrefixIgnoreCase:
		if l.kind != kindString {
			return false
		}
		low := st.lowerOf(l.s)
		return len(low) >= len(c.key) && string(low[:len(c.key)]) == c.key
	case condSuffixIgnoreCase:
		if l.kind != kindString {
			return false
		}
		low := st.lowerOf(l.s)
		return len(low) >= len(c.key) && string(low[len(low)-len(c.key):]) == c.key
	case condExists:
		return !c.nonEmpty || !(l.kind == kindNull || (l.kind == kindString && len(l.s) == 0))
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
		a, ok := parseAddr(l.s)
		return ok && c.prefix.Contains(a.Unmap())
	case condWildcard:
		return l.kind == kindString && globMatchBytes(c.toks, l.s)
	case condAnythingBut:
		for i := range c.not {
			if st.matchLeaf(&c.not[i], l) {
				return false
			}
		}
		return true
	}
	return false
}

// parseAddr parses an IP address as netip.ParseAddr does. Text with a
// colon goes to netip (IPv6); without one netip accepts only dotted IPv4,
// parsed here by the same rules without allocating.
func parseAddr(s []byte) (netip.Addr, bool) {
	if hasByte(s, ':') {
		a, err := netip.ParseAddr(string(s))
		return a, err == nil
	}
	var ip [4]byte
	field, digits, val := 0, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			if digits == 1 && val == 0 {
				return netip.Addr{}, false // leading zero, as netip refuses
			}
			val = val*10 + int(c-'0')
			digits++
			if val > 255 {
				return netip.Addr{}, false
			}
		case c == '.':
			if digits == 0 || field == 3 {
				return netip.Addr{}, false
			}
			ip[field] = byte(val)
			field, digits, val = field+1, 0, 0
		default:
			return netip.Addr{}, false
		}
	}
	if field != 3 || digits == 0 {
		return netip.Addr{}, false
	}
	ip[3] = byte(val)
	return netip.AddrFrom4(ip), true
}
