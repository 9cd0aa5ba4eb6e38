package notify

import "slices"

// pathNode is one key in the tree of the paths the patterns of a set use.
// The flattener descends only into keys that have a node and skips every
// other subtree without allocating.
type pathNode struct {
	id       int32 // node number, for duplicate-key detection
	path     int32 // path id when some field tests this exact path, else -1
	children map[string]*pathNode
	// names and kids list the children sorted by name.
	names []string
	kids  []*pathNode
	// slots is a collision-free hash table over names (slot = index+1,
	// 0 = empty), found at freeze time: one hash of the key's length,
	// first and last byte and at most one comparison decide a lookup,
	// whatever the number of children. Nil when no multiplier made the
	// names collision-free (or there are too many): then the map.
	slots []uint8
	mul   uint32
	shift uint8
}

// maxHashedKids is the largest child set given a hash table (slots are
// bytes).
const maxHashedKids = 255

// nameHash hashes what distinguishes most object keys cheaply: length,
// first and last byte (no loop over the key).
func nameHash(key []byte, mul uint32, shift uint8) uint32 {
	x := uint32(len(key)) << 16
	if len(key) > 0 {
		x |= uint32(key[0]) | uint32(key[len(key)-1])<<8
	}
	return (x * mul) >> (shift & 31)
}

// child returns the node under key, or nil. The hashed lookup is small
// enough to be inlined into the flattener's member loop.
func (n *pathNode) child(key []byte) *pathNode {
	if n.slots == nil {
		return n.children[string(key)]
	}
	// nameHash by hand: with the call the method is too big to inline.
	x := uint32(len(key)) << 16
	if len(key) > 0 {
		x |= uint32(key[0]) | uint32(key[len(key)-1])<<8
	}
	if s := n.slots[(x*n.mul)>>(n.shift&31)]; s != 0 && n.names[s-1] == string(key) {
		return n.kids[s-1]
	}
	return nil
}

// freeze fills the child slices and the hash table, in a fixed order so
// that the same patterns always build the same tree.
func (n *pathNode) freeze() {
	n.names, n.kids, n.slots = nil, nil, nil
	if len(n.children) <= maxHashedKids {
		for name := range n.children {
			n.names = append(n.names, name)
		}
		slices.Sort(n.names)
		for _, name := range n.names {
			n.kids = append(n.kids, n.children[name])
		}
		if n.hashNames(); n.slots == nil {
			n.names, n.kids = nil, nil // the map answers
		}
	}
	for _, c := range n.children {
		c.freeze()
	}
}

// hashNames searches a few table sizes and multipliers (a fixed sequence,
// so builds are reproducible) for one under which no two names share a
// slot. Names equal in length, first and last byte always collide; such
// nodes keep the scan.
func (n *pathNode) hashNames() {
	if len(n.names) == 0 {
		return
	}
	bits := uint8(1)
	for 1<<bits < 2*len(n.names) {
		bits++
	}
	used := make([]uint8, 1<<(bits+2))
	for ; bits <= 10 && 1<<bits <= 4*len(n.names)+4; bits++ {
		size := 1 << bits
		shift := 32 - bits
		mul := uint32(0x9e3779b1)
		for try := 0; try < 64; try++ {
			mul = mul*0x6a09e667 + 0x3c6ef372 | 1 // multiplicative hashing wants an odd factor
			if cap(used) < size {
				used = make([]uint8, size)
			}
			used = used[:size]
			clear(used)
			ok := true
			for i, name := range n.names {
				h := nameHash([]byte(name), mul, shift)
				if used[h] != 0 {
					ok = false
					break
				}
				used[h] = uint8(i + 1)
			}
			if ok {
				n.slots, n.mul, n.shift = used, mul, shift
				return
			}
		}
	}
}
