package guardrail

import (
	"errors"
	"strings"
)

// Condition key names are case-insensitive in IAM, so a request context
// holding "aws:username" and "AWS:USERNAME" does not say which value a
// condition on aws:username reads; looking keys up in map order would pick
// one at random per decision. A reqContext reads the context map once per
// decision into a small hash table keyed by the ASCII-folded key, which
// finds such keys (they fold to the same entry) and makes every lookup of
// them ambiguous: a condition that reads an ambiguous key is undecidable
// and fails closed like an unparseable value (true in a Deny, false in an
// Allow), and a policy variable naming one does not resolve.
//
// The table is built on the first lookup of a decision, so decisions that
// evaluate no condition never read the context. Its lookups replace the
// map lookups: a probe compares a precomputed hash of the policy's key
// (ctxKey) and, when the spelling is the context's, the key's bytes.

// ctxTableSize is the largest context kept in the table; a larger one is
// read by scanning the map on every lookup (scanLookup), which is slower
// but as strict. CommandContext.Map makes 10 keys plus the host's Extra.
const ctxTableSize = 24

// ctxSlots is the number of hash slots (a power of two, at least
// 2*ctxTableSize so probe runs stay short).
const ctxSlots = 64

// ctxKey is a condition key or policy variable name as written in a
// policy, with its folded hash computed once at parse time.
type ctxKey struct {
	s     string
	sig   uint64
	ascii bool
}

func newCtxKey(s string) ctxKey {
	sig, ascii := keySig(s)
	return ctxKey{s: s, sig: sig, ascii: ascii}
}

// keySig is a hash of s with ASCII letters lower-cased, and whether s is
// ASCII. Two ASCII strings equal under strings.EqualFold have the same
// hash; a non-ASCII string can fold onto an ASCII one ("K", the Kelvin
// sign, is "k"), so those are compared by strings.EqualFold instead. The
// hash reads only the length and the first and last eight bytes (all of
// them are read to tell whether s is ASCII): it is
// computed for every context key of a decision, and a collision costs one
// strings.EqualFold, never a wrong answer.
func keySig(s string) (uint64, bool) {
	n := len(s)
	var head, tail, high uint64
	switch {
	case n >= 8:
		head, tail = load64(s, 0), load64(s, n-8)
		high = head | tail
		for i := 8; i < n-8; i += 8 {
			high |= load64(s, i)
		}
	case n >= 4:
		head, tail = uint64(load32(s, 0)), uint64(load32(s, n-4))
		high = head | tail
	default:
		for i := 0; i < n; i++ {
			head = head<<8 | uint64(s[i])
		}
		high = head
	}
	// Setting bit 5 of every byte folds ASCII letters (and some
	// punctuation, which only costs a collision) with one OR.
	const fold = 0x2020202020202020
	h := ((head|fold)*0x9e3779b97f4a7c15 ^ (tail | fold) ^ uint64(n)) * 0xff51afd7ed558ccd
	return h ^ h>>32, high&0x8080808080808080 == 0
}

type ctxState uint8

const (
	ctxUnbuilt ctxState = iota
	ctxTable            // ents and slots hold the context
	ctxScan             // too many keys: every lookup scans the map
)

type ctxEntry struct {
	key  string
	vals []string
	sig  uint64
}

// reqContext is the request context of one decision. It is not safe for
// concurrent use; each decision has its own, on its stack.
type reqContext struct {
	m     map[string][]string
	state ctxState
	// nonASCII: some key is not ASCII, so lookups compare every entry.
	nonASCII bool
	n        int
	// ambiguous has bit i set when another key of the context folds to
	// the same name as ents[i].
	ambiguous uint32
	slots     [ctxSlots]uint8 // index+1 into ents, 0 empty
	ents      [ctxTableSize]ctxEntry
}

// ctxTableSize bits fit in reqContext.ambiguous.
var _ [32 - ctxTableSize]struct{}

// newReqContext is a reqContext for m, built on its first lookup (apart
// from the type so functions with a parameter named reqContext can make one).
func newReqContext(m map[string][]string) reqContext { return reqContext{m: m} }

// newScanContext is a reqContext that never builds the table: the
// straightforward lookup the table is tested against.
func newScanContext(m map[string][]string) *reqContext {
	return &reqContext{m: m, state: ctxScan}
}

// lookup finds key in the context. ambiguous reports that the context has
// several keys equal to it under case folding; vals is then one of them.
// The usual case, an ASCII key in a built table of ASCII keys, is a probe
// small enough to inline; the rest is lookupSlow.
func (rc *reqContext) lookup(k *ctxKey) (vals []string, found, ambiguous bool) {
	if rc != nil && rc.state == ctxTable && !rc.nonASCII && k.ascii {
		for i := k.sig & (ctxSlots - 1); ; i = (i + 1) & (ctxSlots - 1) {
			j := uint(rc.slots[i])
			if j == 0 {
				return nil, false, false
			}
			if e := &rc.ents[j-1]; e.sig == k.sig && (e.key == k.s || strings.EqualFold(e.key, k.s)) {
				return e.vals, true, rc.ambiguous>>(j-1)&1 != 0
			}
		}
	}
	return rc.lookupSlow(k)
}

func (rc *reqContext) lookupSlow(k *ctxKey) (vals []string, found, ambiguous bool) {
	if rc == nil || len(rc.m) == 0 {
		return nil, false, false
	}
	switch rc.state {
	case ctxUnbuilt:
		rc.build()
		return rc.lookup(k)
	case ctxScan:
		return scanLookup(rc.m, k.s)
	}
	for i := range rc.n {
		if e := &rc.ents[i]; strings.EqualFold(e.key, k.s) {
			return e.vals, true, rc.ambiguous>>i&1 != 0
		}
	}
	return nil, false, false
}

// build reads the map into the table and marks keys that fold together.
func (rc *reqContext) build() {
	if len(rc.m) > ctxTableSize {
		rc.state = ctxScan
		return
	}
	rc.state = ctxTable
	n := 0
	for key, vals := range rc.m {
		sig, ascii := keySig(key)
		if !ascii {
			rc.nonASCII = true
		}
		i := sig & (ctxSlots - 1)
		for j := uint(rc.slots[i]); j != 0; j = uint(rc.slots[i]) {
			if o := &rc.ents[j-1]; o.sig == sig && strings.EqualFold(o.key, key) {
				rc.ambiguous |= 1<<(j-1) | 1<<n
			}
			i = (i + 1) & (ctxSlots - 1)
		}
		rc.ents[n] = ctxEntry{key: key, vals: vals, sig: sig}
		n++
		rc.slots[i] = uint8(n)
	}
	rc.n = n
	if rc.nonASCII {
		// Hashes say nothing about a non-ASCII key: compare it with all.
		for i := range n {
			for j := range i {
				a, b := rc.ents[i].key, rc.ents[j].key
				if (!isASCII(a) || !isASCII(b)) && strings.EqualFold(a, b) {
					rc.ambiguous |= 1<<i | 1<<j
				}
			}
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// scanLookup is lookup by reading every key of m: the exact spelling is
// no shortcut, so the answer does not depend on map order.
func scanLookup(m map[string][]string, key string) (vals []string, found, ambiguous bool) {
	for k, v := range m {
		if strings.EqualFold(k, key) {
			if found {
				return vals, true, true
			}
			vals, found = v, true
		}
	}
	return vals, found, false
}

// ErrAmbiguousContext is returned by NewContext for a request context with
// two condition keys equal under case folding ("aws:username" and
// "AWS:USERNAME"): IAM condition keys are case-insensitive, so it does not
// say which value a condition reads.
var ErrAmbiguousContext = errors.New("guardrail: request context has condition keys that differ only by letter case")

// Context is a request context read once for every decision of a request.
// DecideActions with a map reads the map on every call (it must see every
// key to find keys that differ only by case, see ErrAmbiguousContext);
// a Context does that once. It holds the map's value slices: the map and
// its values must not be modified while the Context is in use. A Context is
// immutable after NewContext and safe for concurrent use.
type Context struct {
	rc reqContext
}

// NewContext reads the request context m (see Request.Context), refusing
// one whose keys are ambiguous with ErrAmbiguousContext.
func NewContext(m map[string][]string) (*Context, error) {
	c := &Context{rc: reqContext{m: m}}
	c.rc.build()
	ambiguous := c.rc.ambiguous != 0
	if c.rc.state == ctxScan {
		for k := range m {
			if _, _, amb := scanLookup(m, k); amb {
				ambiguous = true
				break
			}
		}
	}
	if ambiguous {
		return nil, ErrAmbiguousContext
	}
	return c, nil
}

// DecideActions is the package's DecideActions over the prepared context:
// the same decision, without reading the context again.
func (c *Context) DecideActions(actions []string, resource string, layers ...Layer) (Decision, int) {
	if len(actions) == 0 {
		return ExplicitDeny, -1
	}
	req := Request{Resource: resource, Context: c.rc.m}
	return decide(actions, &req, &c.rc, layerList{named: layers}, true)
}
