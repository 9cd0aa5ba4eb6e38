//go:build unix

package notify

import (
	"syscall"
	"testing"
)

// processCPU returns the CPU time the process has used, user plus system.
// The machine that runs these benchmarks is shared: wall time per op
// swings with the load, CPU time per op much less.
func processCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// reportCPU adds a cpu-ns/op metric for the loop run by loop.
func reportCPU(b *testing.B, loop func()) {
	start := processCPU()
	loop()
	if used := processCPU() - start; used > 0 && b.N > 0 {
		b.ReportMetric(float64(used)/float64(b.N), "cpu-ns/op")
	}
}
