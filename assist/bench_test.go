package assist_test

import (
	"context"
	"testing"

	"github.com/opschat/opschat/assist"
)

// BenchmarkPlannerAnswer measures the planner's own work for a listing
// and a diagnosis (question understanding, command building, summaries),
// with a fake Tools that parses each command against the real catalog and
// applies --query, as the executor would before the AWS call.
func BenchmarkPlannerAnswer(b *testing.B) {
	p := newPlanner(b)
	for _, q := range []string{
		"how many stopped instances tagged env=prod are there in Ireland?",
		"what's wrong with checkout-api?",
		"how do I fix Lambda throttling?",
	} {
		b.Run(q, func(b *testing.B) {
			tools := newFakeTools(b)
			b.ReportAllocs()
			for b.Loop() {
				tools.lines, tools.ok = tools.lines[:0], tools.ok[:0]
				if _, err := p.Answer(context.Background(), assist.Question{Text: q, Region: "us-east-1"}, tools); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
