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

// plainEnd returns the index of the closing quote of the string body at i
// when the body is plain ASCII without escapes and ends within the next
// eight bytes, else -1. Most keys and many values are that short: one
// inlined word test then costs less than the call to stringStop.
func plainEnd(b []byte, i int) int {
	if i < 0 || len(b)-i < 8 {
		return -1
	}
	w := binary.LittleEndian.Uint64(b[i:])
	lanes := stopLanes(w)
	if lanes == 0 || w&((lanes&-lanes)-1)&lanes80 != 0 {
		return -1
	}
	end := i + bits.TrailingZeros64(lanes)>>3
	if b[end] != '"' {
		return -1
	}
	return end
}

// stringEnd returns where the run of the string body at i stops (see
// stringStop), trying plainEnd first.
func stringEnd(b []byte, i int) (stop int, high bool) {
	if end := plainEnd(b, i); end >= 0 {
		return end, false
	}
	return stringStop(b, i)
}
