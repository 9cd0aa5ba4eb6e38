//go:build !amd64 || purego

package notify

// stringStop: see flatten_scan_amd64.go; elsewhere the portable SWAR loop.
func stringStop(b []byte, i int) (stop int, high bool) { return stringStopGeneric(b, i) }
