package jmespath_test

import (
	"fmt"
	"testing"

	upstream "github.com/jmespath/go-jmespath"

	"github.com/opschat/opschat/internal/jmespath"
)

// benchDoc is shaped like ec2 describe-instances as CLIShape returns it:
// 100 instances of 30 members each.
func benchDoc() any {
	instances := make([]any, 100)
	for i := range instances {
		inst := map[string]any{
			"InstanceId": fmt.Sprintf("i-%017d", i), "LaunchTime": fmt.Sprintf("2026-%02d-%02dT12:00:00+00:00", i%12+1, i%28+1),
			"State": map[string]any{"Code": 16.0, "Name": "running"}, "AmiLaunchIndex": float64(i),
		}
		for j := range 26 {
			inst[fmt.Sprintf("Member%02d", j)] = "value"
		}
		instances[i] = inst
	}
	return map[string]any{"Reservations": []any{map[string]any{"Instances": instances}}}
}

// BenchmarkSearch compares this package with upstream go-jmespath v0.4.0
// on the same compiled expressions: a number filter (same work in both),
// a string filter (upstream stops at the type check and selects nothing),
// keys(@) and * (sorted here, map order upstream).
func BenchmarkSearch(b *testing.B) {
	doc := benchDoc()
	for _, q := range []string{
		"Reservations[].Instances[?AmiLaunchIndex > `50`].InstanceId",
		"Reservations[].Instances[?LaunchTime > '2026-06-01'].InstanceId",
		"Reservations[].Instances[].keys(@)",
		"Reservations[].Instances[].*",
	} {
		ours, err := jmespath.Compile(q)
		if err != nil {
			b.Fatal(err)
		}
		theirs, err := upstream.Compile(q)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("opschat/"+q, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = ours.Search(doc)
			}
		})
		b.Run("upstream/"+q, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = theirs.Search(doc)
			}
		})
	}
}
