//go:build !amd64 || purego

package notify

// stringStop: see flatten_scan_amd64.go; elsewhere the portable SWAR loop.
func stringStop(b []byte, i int) (stop int, high bool) { return stringStopGeneric(b, i) }

// scanValue: the assembly fast path exists on amd64 only; elsewhere it
// always gives up and the Go loop decides.
func scanValue(b []byte, i, mode int) (end, keyStart, keyEnd, status int) {
	return i, 0, 0, stepGiveUp
}

// haveSkipValue tells the tests that skipValue always gives up here.
const haveSkipValue = false
