//go:build !unix

package notify

import "testing"

// reportCPU runs loop; CPU time is only measured on unix.
func reportCPU(_ *testing.B, loop func()) { loop() }
