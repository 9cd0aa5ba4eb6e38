package guardrail

import (
	"math/bits"
	"strings"
)

// Deciding a request is mostly deciding which statements' Action elements
// cover its actions: the blocklist alone has over forty patterns, and a
// three-action command asks every statement of every layer three times. So
// ParsePolicy compiles the Action/NotAction patterns of each policy into an
// action index once, and a decision asks the index once per (policy, action)
// for the set of statements that match, as a bitset. Resource and Condition
// elements are then evaluated only for those statements.
//
// A request action is hashed once per decision (case-folded, see actionKey),
// so looking it up in several policies costs a table probe each, not a
// lower-casing and a map hash each.

// blockSize is the number of statements one actionBlock covers: one bit of
// a uint64 per statement. Policies with more statements get several blocks.
const blockSize = 64

// actionBlock indexes the action patterns of up to blockSize consecutive
// statements of a policy. Bit s of every bitset is statement base+s. It is
// immutable after compilation, so it is safe for concurrent use.
type actionBlock struct {
	base int
	// notAction marks NotAction statements: their bit in a match result is
	// inverted, since they cover the actions none of their patterns match.
	notAction uint64
	// deny marks Deny statements, so a deny-only layer skips the others.
	deny uint64
	// always marks statements whose Resource and Condition elements hold
	// for every request (Resource "*", no Condition): no need to check.
	always uint64
	// everything marks statements with a pattern that matches every action
	// ("*").
	everything uint64
	// exact maps a case-folded action ("ec2:stopinstances") to the
	// statements naming it without wildcards.
	exact foldTable[uint64]
	// exactFilter has bit h>>58 set for the hash h of every key of exact:
	// most actions are in no exact list, and a clear bit saves the probe.
	exactFilter uint64
	// services maps a case-folded service prefix ("ec2") to the patterns
	// that name it literally ("ec2:Describe*", "ec2:*").
	services foldTable[serviceIndex]
	// other holds the patterns whose service part has a wildcard
	// ("*:Describe*", "ec?:*"); each is tried on every action.
	other []patternRef
}

// serviceIndex is what a block knows about the patterns of one service.
type serviceIndex struct {
	all      uint64          // "svc:*"
	prefixes []prefixPattern // "svc:Op*"
	other    []patternRef    // any other wildcard form: "svc:*Instances", "svc:Get?"
}

// prefixPattern is "svc:op*": every action of the service whose operation
// starts with op (lower-cased).
type prefixPattern struct {
	op   string
	bits uint64
	// head and mask are op's bytes as a word and the mask of those bytes,
	// to compare with an operation's first word; mask is 0 for a prefix
	// longer than eight bytes, compared with prefixFold.
	head, mask uint64
}

type patternRef struct {
	p   *pattern
	bit uint64
}

// buildActionIndex compiles the action patterns of the statements into
// blocks. Statements must not change afterwards: the index points into
// their pattern slices.
func buildActionIndex(sts []Statement) []actionBlock {
	var blocks []actionBlock
	for base := 0; base < len(sts); base += blockSize {
		end := min(base+blockSize, len(sts))
		blocks = append(blocks, buildBlock(sts[base:end], base))
	}
	return blocks
}

func buildBlock(sts []Statement, base int) actionBlock {
	b := actionBlock{base: base}
	exact := map[string]uint64{}
	services := map[string]*serviceIndex{}
	for si := range sts {
		st := &sts[si]
		bit := uint64(1) << si
		if st.notAction {
			b.notAction |= bit
		}
		if st.Effect == EffectDeny {
			b.deny |= bit
		}
		if st.anyResource && !st.notResource && len(st.conditions) == 0 {
			b.always |= bit
		}
		for pi := range st.actions {
			p := &st.actions[pi]
			if p.all {
				b.everything |= bit
				continue
			}
			svc, rest, ok := literalService(p)
			if !ok {
				b.other = append(b.other, patternRef{p: p, bit: bit})
				continue
			}
			if len(p.toks) == 1 {
				exact[p.toks[0].s] |= bit
				continue
			}
			si := services[svc]
			if si == nil {
				si = &serviceIndex{}
				services[svc] = si
			}
			switch {
			case len(p.toks) == 2 && p.toks[1].kind == tokStar && rest == "":
				si.all |= bit
			case len(p.toks) == 2 && p.toks[1].kind == tokStar:
				si.prefixes = appendPrefix(si.prefixes, rest, bit)
			default:
				si.other = append(si.other, patternRef{p: p, bit: bit})
			}
		}
	}
	b.exact = newFoldTable[uint64](len(exact))
	for k, v := range exact {
		h := actionHash(k)
		*b.exact.insert(k, h) = v
		b.exactFilter |= 1 << (h >> 58)
	}
	b.services = newFoldTable[serviceIndex](len(services))
	for k, v := range services {
		h, _ := foldHash(k)
		*b.services.insert(k, h) = *v
	}
	return b
}

// literalService returns the service part of an action pattern whose first
// token is a literal containing the ':' ("ec2:describe" of "ec2:Describe*")
// and the rest of that literal ("describe"). The parser guarantees that a
// pattern's only ':' separates service and operation, so such a pattern can
// match only actions whose text before their first ':' is that service.
func literalService(p *pattern) (svc, rest string, ok bool) {
	if len(p.toks) == 0 || p.toks[0].kind != tokLit {
		return "", "", false
	}
	s := p.toks[0].s
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return "", "", false
}

// appendPrefix merges statements that share a prefix pattern, so a prefix
// is compared once per action however many statements name it.
func appendPrefix(ps []prefixPattern, op string, bit uint64) []prefixPattern {
	for i := range ps {
		if ps[i].op == op {
			ps[i].bits |= bit
			return ps
		}
	}
	pp := prefixPattern{op: op, bits: bit}
	if len(op) <= 8 {
		for j := len(op) - 1; j >= 0; j-- {
			pp.head = pp.head<<8 | uint64(op[j])
			pp.mask = pp.mask<<8 | 0xff
		}
	}
	return append(ps, pp)
}

// matchKeys sets keys[i]'s bitset in per[i]: the block's statements whose
// Action (or NotAction) element covers the action. Actions whose bit is
// set in skip get 0. It returns the union of the bitsets. The actions of
// one operation are usually of one service, whose entry is then looked up
// once.
func (b *actionBlock) matchKeys(keys []actionKey, skip uint, per *[chunkSize]uint64) uint64 {
	var union uint64
	svcOf := -1 // the group whose service si is
	var si *serviceIndex
	for i := range keys {
		k := &keys[i]
		if skip&(1<<i) != 0 {
			per[i] = 0
			continue
		}
		m := b.everything
		if k.svcLen >= 0 {
			if b.exactFilter&(1<<(k.full>>58)) != 0 {
				if v := b.exact.get(k.full, k.s); v != nil {
					m |= *v
				}
			}
			if k.group != svcOf {
				si, svcOf = b.services.get(k.svc, k.s[:k.svcLen]), k.group
			}
			if si != nil {
				m = si.match(m, k)
			}
		}
		if len(b.other) > 0 {
			m = matchRefs(m, b.other, k.s)
		}
		m ^= b.notAction
		per[i] = m
		union |= m
	}
	for i := len(keys); i < chunkSize; i++ {
		per[i] = 0
	}
	return union
}

// match adds to m the statements whose patterns of this service cover the
// action k (of this service).
func (si *serviceIndex) match(m uint64, k *actionKey) uint64 {
	m |= si.all
	for i := range si.prefixes {
		pp := &si.prefixes[i]
		if m&pp.bits == pp.bits {
			continue
		}
		// A prefix of up to eight bytes is one masked compare: where the
		// operation is shorter, its zero padding cannot equal a byte of
		// the prefix (the parser refuses control characters in actions).
		if pp.mask != 0 && k.head&pp.mask == pp.head ||
			pp.mask == 0 && prefixFold(k.s[k.svcLen+1:], pp.op) {
			m |= pp.bits
		}
	}
	if len(si.other) > 0 {
		m = matchRefs(m, si.other, k.s)
	}
	return m
}

func prefixFold(s, lowerPrefix string) bool {
	return len(s) >= len(lowerPrefix) && foldEqual(s[:len(lowerPrefix)], lowerPrefix)
}

// matchRefs adds the bits of the patterns that match action, skipping
// statements already known to match.
func matchRefs(m uint64, refs []patternRef, action string) uint64 {
	for i := range refs {
		if r := &refs[i]; m&r.bit == 0 && r.p.match(action, nil) {
			m |= r.bit
		}
	}
	return m
}

// actionKey is a request action prepared for index lookups: the hashes of
// its ASCII-lower-cased service prefix and whole text. IAM action names are
// ASCII and compared case-insensitively by ASCII folding (see
// compilePattern), so hashing folded bytes lets one hash serve every policy.
type actionKey struct {
	s      string
	svcLen int // index of the first ':', -1 if none
	svc    uint64
	full   uint64 // actionHash; meaningless without a ':'
	// head is the operation's first eight bytes lower-cased (zero bytes
	// past its end), for prefixPattern.
	head uint64
	// group is the index in its chunk of the first action with the same
	// service text, so a block looks a service up once per chunk (set by
	// groupServices).
	group int
	// valid: the action is one IAM action, "service:Operation" with both
	// parts non-empty, ASCII, and no wildcard, space, control character or
	// second ':' (see validRequestAction).
	valid bool
}

func makeActionKey(a string) actionKey {
	k := actionKey{s: a, svcLen: strings.IndexByte(a, ':')}
	if k.svcLen < 0 {
		return k // no index key has no ':'
	}
	svc, badSvc := foldHash(a[:k.svcLen])
	op, badOp := foldHash(a[k.svcLen+1:])
	k.svc, k.full = svc, mixHash(svc, op)
	k.head = lower8(loadHead(a[k.svcLen+1:]))
	k.valid = k.svcLen > 0 && k.svcLen < len(a)-1 && badSvc|badOp == 0
	return k
}

// groupServices sets each key's group: the index of the first key with the
// same service text (compared exactly; a different spelling only costs a
// lookup).
func groupServices(keys []actionKey) {
	for i := range keys {
		keys[i].group = i
		for j := 0; j < i; j++ {
			if keys[j].group == j && keys[j].svcLen == keys[i].svcLen && keys[j].svcLen >= 0 &&
				keys[j].s[:keys[j].svcLen] == keys[i].s[:keys[i].svcLen] {
				keys[i].group = j
				break
			}
		}
	}
}

// actionHash is makeActionKey's full hash of an action with a ':'; the
// service and operation are hashed apart so that the service's hash is
// computed once for both lookups.
func actionHash(lower string) uint64 {
	c := strings.IndexByte(lower, ':')
	svc, _ := foldHash(lower[:c])
	op, _ := foldHash(lower[c+1:])
	return mixHash(svc, op)
}

func mixHash(a, b uint64) uint64 {
	h := (a ^ b*0xff51afd7ed558ccd) * 0x9e3779b97f4a7c15
	return h ^ h>>31
}

// foldHash hashes the ASCII-lower-cased bytes of s a word at a time
// (multiply and xor-shift per word, the length mixed in), and returns the
// high bits of the bytes that cannot be in an IAM action (badBytes) as a
// by-product of the same loads. It is no defence against chosen collisions
// and needs none: table keys come from the administrator's policies, and a
// collision costs a probe, never a wrong answer.
func foldHash(s string) (h, bad uint64) {
	const k = 0x9e3779b97f4a7c15
	h = uint64(len(s)) * k
	n := len(s)
	switch {
	case n >= 8:
		for i := 0; i < n-8; i += 8 {
			w := load64(s, i)
			bad |= badBytes(w)
			h = (h ^ lower8(w)) * k
			h ^= h >> 29
		}
		// The last word overlaps the one before unless n is a multiple of
		// 8: every byte is hashed and checked, some twice.
		w := load64(s, n-8)
		bad |= badBytes(w)
		h = (h ^ lower8(w)) * k
	case n >= 4:
		w := uint64(load32(s, 0)) | uint64(load32(s, n-4))<<32
		bad = badBytes(w)
		h = (h ^ lower8(w)) * k
	case n > 0:
		w := uint64(s[0]) | uint64(s[n/2])<<8 | uint64(s[n-1])<<16
		bad = badBytes(w) & 0x808080 // the five zero bytes above are padding
		h = (h ^ lower8(w)) * k
	}
	return h ^ h>>29, bad
}

// foldEqual reports whether s equals lower (which is ASCII-lower-cased)
// when s is ASCII-lower-cased too: the comparison of action names, a word
// at a time.
func foldEqual(s, lower string) bool {
	n := len(s)
	if n != len(lower) {
		return false
	}
	switch {
	case n >= 8:
		for i := 0; i < n-8; i += 8 {
			if lower8(load64(s, i)) != load64(lower, i) {
				return false
			}
		}
		return lower8(load64(s, n-8)) == load64(lower, n-8)
	case n >= 4:
		return lower8(uint64(load32(s, 0))|uint64(load32(s, n-4))<<32) ==
			uint64(load32(lower, 0))|uint64(load32(lower, n-4))<<32
	}
	for i := 0; i < n; i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// loadHead reads the first eight bytes of s as a word, zero-padded when s
// is shorter. For 4 to 7 bytes, two overlapping 4-byte loads put each byte
// in its place (the overlap ORs a byte with itself).
func loadHead(s string) uint64 {
	switch n := len(s); {
	case n >= 8:
		return load64(s, 0)
	case n >= 4:
		return uint64(load32(s, 0)) | uint64(load32(s, n-4))<<(8*(n-4))
	default:
		var w uint64
		for j := n - 1; j >= 0; j-- {
			w = w<<8 | uint64(s[j])
		}
		return w
	}
}

// load64 reads s[i:i+8] as a little-endian word (one load once compiled).
func load64(s string, i int) uint64 {
	b := s[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func load32(s string, i int) uint32 {
	b := s[i : i+4]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// Word-at-a-time byte tests. Each works on the low seven bits of every
// byte, where adding a constant below 0x80 cannot carry into the next
// byte, so every byte's answer is exact (unlike the classic "has zero
// byte" trick, whose borrows can flag the byte above a match).
const (
	low7 = 0x7f7f7f7f7f7f7f7f
	high = 0x8080808080808080
	ones = 0x0101010101010101
)

// zeroBytes returns the high bit of each zero byte of y.
func zeroBytes(y uint64) uint64 {
	return ^((y&low7 + low7) | y) & high
}

// badBytes returns the high bit of each byte of x that no IAM action
// contains: an ASCII control character or space, '*', '?', ':' (the
// callers hash the service and operation apart, so any ':' is a second
// one), DEL, and every non-ASCII byte. IAM action names are ASCII and
// fold by ASCII case only; a non-ASCII letter that a Unicode folding maps
// onto an ASCII one ("ſts:*" is "sts:*" to Java's equalsIgnoreCase) would
// escape every Deny written in ASCII yet match an Allow "*", so such an
// action is refused rather than decided under a folding IAM may not use.
func badBytes(x uint64) uint64 {
	below := ^(x&low7 + (0x80-'!')*ones) &^ x & high // < '!'
	// '*' (0x2a) and ':' (0x3a) differ only in bit 4: one test for both.
	return x&high | below | zeroBytes((x|0x10*ones)^':'*ones) | zeroBytes(x^'?'*ones) | zeroBytes(x^0x7f*ones)
}

// lower8 lower-cases the ASCII letters among the eight bytes of x and
// leaves every other byte (including non-ASCII ones) as it is, without a
// branch: a byte is an upper-case letter when its high bit is clear and
// its low seven bits are >= 'A' and <= 'Z'; adding the complements of the
// bounds to the low seven bits sets bit 7 exactly when the bound is passed,
// and no sum carries into the next byte.
func lower8(x uint64) uint64 {
	const (
		low7 = 0x7f7f7f7f7f7f7f7f
		high = 0x8080808080808080
		geA  = 0x3f3f3f3f3f3f3f3f // 0x80 - 'A'
		gtZ  = 0x2525252525252525 // 0x80 - ('Z' + 1)
	)
	h := x & low7
	upper := (h + geA) &^ (h + gtZ) &^ x & high
	return x | upper>>2
}

// foldTable is an open-addressing hash table keyed by lower-cased ASCII
// strings and probed with a hash computed once per request (foldHash).
// Keys come from policies; a lookup verifies the key by ASCII case-folded
// comparison, so a hash collision costs a probe, never a wrong answer. It
// is filled once at compilation and read-only afterwards.
type foldTable[V any] struct {
	slots []foldSlot[V]
	mask  uint64
}

type foldSlot[V any] struct {
	used bool
	h    uint64
	key  string
	val  V
}

func newFoldTable[V any](n int) foldTable[V] {
	if n == 0 {
		return foldTable[V]{}
	}
	size := 1 << bits.Len(uint(2*n-1)) // at most half full: short probe runs
	return foldTable[V]{slots: make([]foldSlot[V], size), mask: uint64(size - 1)}
}

// insert adds key (lower-cased already) with its hash and returns its value to fill. Keys
// are distinct: the builder collects them in a map first.
func (t *foldTable[V]) insert(key string, h uint64) *V {
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		if s := &t.slots[i]; !s.used {
			s.used, s.h, s.key = true, h, key
			return &s.val
		}
	}
}

// get returns the value of the key that equals s up to ASCII case, or nil.
func (t *foldTable[V]) get(h uint64, s string) *V {
	if len(t.slots) == 0 {
		return nil
	}
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		sl := &t.slots[i]
		if !sl.used {
			return nil
		}
		if sl.h == h && foldEqual(s, sl.key) {
			return &sl.val
		}
	}
}

// forEachMatch calls fn for each statement of p whose Action element covers
// k, in document order, until fn returns false.
func (p *Policy) forEachMatch(k *actionKey, fn func(st *Statement) bool) {
	keys := [1]actionKey{*k}
	for bi := range p.index {
		b := &p.index[bi]
		var per [chunkSize]uint64
		for m := b.matchKeys(keys[:], 0, &per); m != 0; m &= m - 1 {
			if !fn(&p.statements[b.base+bits.TrailingZeros64(m)]) {
				return
			}
		}
	}
}
