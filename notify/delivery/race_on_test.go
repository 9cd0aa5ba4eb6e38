//go:build race

package delivery_test

// raceEnabled: the race detector slows the pipeline about tenfold, so the
// longest tests run smaller storms under it.
const raceEnabled = true
