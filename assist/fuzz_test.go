package assist_test

import (
	"context"
	"testing"
	"unicode/utf8"

	"github.com/opschat/opschat/assist"
)

// FuzzPlanner checks, for any question, that the planner does not panic,
// runs only commands that parse, are complete and read-only (fakeTools
// fails the test otherwise), proposes nothing and keeps to the length
// limit.
func FuzzPlanner(f *testing.F) {
	for _, s := range []string{
		"what lambda functions do I have in us-west-1?", "how many stopped instances in Ireland",
		"what's wrong with checkout-api?", "instances tagged env=prod named web", "functions starting with a'b",
		"is x\" down", "stop everything", "alarms in OK state", "show me errors for /aws/lambda/x",
		"tables in us-east-1 us-east-2 us-west-1 us-west-2", "check $(rm -rf)", "check a`b", "ＥＣ２ instances",
	} {
		f.Add(s)
	}
	p := newPlanner(f)
	f.Fuzz(func(t *testing.T, q string) {
		tools := newFakeTools(t)
		a, err := p.Answer(context.Background(), assist.Question{Text: q, Region: "us-east-1"}, tools)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if len(a.Proposed) > 0 {
			t.Fatalf("%q: the planner proposed %q", q, a.Proposed)
		}
		if utf8.RuneCountInString(a.Text) > assist.MaxAnswerChars {
			t.Fatalf("%q: answer too long", q)
		}
		if a.Declined && len(tools.commands()) > 0 {
			t.Fatalf("%q: declined but ran %q", q, tools.commands())
		}
	})
}
