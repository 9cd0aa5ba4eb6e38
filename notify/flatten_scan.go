package notify

import (
	"encoding/binary"
	"math/bits"
)

// stringStopGeneric is the portable form of stringStop: eight bytes at a
// time with SWAR lane tests. The amd64 build uses SSE2 instead (sixteen
// bytes per step in about as many instructions as eight here), and the
// tests hold the two to the same answers.
func stringStopGeneric(b []byte, i int) (stop int, high bool) {
	if i >= len(b) {
		return len(b), false
	}
	var acc uint64
	// Walking a shrinking slice keeps the loop free of index arithmetic
	// and bounds checks.
	s := b[i:]
	for len(s) >= 8 {
		w := binary.LittleEndian.Uint64(s)
		if lanes := stopLanes(w); lanes != 0 {
			// The lanes below the first stop, which is ASCII itself.
			acc |= w & ((lanes & -lanes) - 1)
			return len(b) - len(s) + bits.TrailingZeros64(lanes)/8, acc&lanes80 != 0
		}
		acc |= w
		s = s[8:]
	}
	for k, c := range s {
		if c == '"' || c == '\\' || c < 0x20 {
			return len(b) - len(s) + k, acc&lanes80 != 0
		}
		acc |= uint64(c)
	}
	return len(b), acc&lanes80 != 0
}
