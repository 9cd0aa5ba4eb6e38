package clijson_test

import (
	"bytes"
	"encoding/json"
	"syscall"
	"testing"
	"time"

	"github.com/opschat/opschat/internal/clijson"
)

// benchTrees are the quickstart's describe-alarms answer and a large
// describe-instances one, built by the benchmark that uses them so that
// the other does not leave them on the heap for the collector to scan.
func benchTrees() []struct {
	name string
	tree func() map[string]any
} {
	return []struct {
		name string
		tree func() map[string]any
	}{
		{"describe-alarms-3", func() map[string]any { return describeAlarms(3) }},
		{"describe-instances-200", func() map[string]any { return describeInstances(200) }},
	}
}

// BenchmarkAppend compares Append(nil, v) with json.Marshal(v), the call it
// replaces for ExecResult.Data: both return a new slice. Besides ns/op it
// reports cpu-ns/op, the process's user+system CPU time per operation
// (getrusage, garbage collection included), which a shared machine's load
// disturbs less than wall time.
func BenchmarkAppend(b *testing.B) {
	for _, tree := range benchTrees() {
		b.Run(tree.name+"/clijson", func(b *testing.B) {
			v := tree.tree()
			benchCPU(b, func() error {
				_, err := clijson.Append(nil, v)
				return err
			})
		})
		b.Run(tree.name+"/encoding-json", func(b *testing.B) {
			v := tree.tree()
			benchCPU(b, func() error {
				_, err := json.Marshal(v)
				return err
			})
		})
	}
}

// BenchmarkAppendIndent compares AppendIndent with command/awsexec's
// prettyJSON (a json.Encoder with SetEscapeHTML(false) and two-space
// SetIndent into a bytes.Buffer), both ending in the string render needs.
func BenchmarkAppendIndent(b *testing.B) {
	for _, tree := range benchTrees() {
		b.Run(tree.name+"/clijson", func(b *testing.B) {
			v := tree.tree()
			benchCPU(b, func() error {
				out, err := clijson.AppendIndent(nil, v, "", "  ", false)
				_ = string(out)
				return err
			})
		})
		b.Run(tree.name+"/encoding-json", func(b *testing.B) {
			v := tree.tree()
			benchCPU(b, func() error {
				var buf bytes.Buffer
				enc := json.NewEncoder(&buf)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				err := enc.Encode(v)
				_ = buf.String()
				return err
			})
		})
	}
}

func benchCPU(b *testing.B, op func() error) {
	b.ReportAllocs()
	start := cpuTime(b)
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
