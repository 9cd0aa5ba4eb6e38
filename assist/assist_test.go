package assist_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/assist"
)

func TestTruncate(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("word ", 600) // 3,000 characters
	for _, c := range []struct {
		name, in string
		max      int
		cut      bool
	}{
		{"short", "hello", 10, false},
		{"exact", strings.Repeat("x", 2500), 2500, false},
		{"long", long, 2500, true},
		{"multibyte", strings.Repeat("é", 3000), 2500, true},
		{"open code span", strings.Repeat("a", 2400) + " `" + strings.Repeat("b", 200) + "`", 2500, true},
		{"tiny max", "abcdefgh", 3, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, cut := assist.Truncate(c.in, c.max)
			assert.Equal(t, c.cut, cut)
			assert.LessOrEqual(t, utf8.RuneCountInString(got), c.max)
			assert.True(t, utf8.ValidString(got))
			assert.Equal(t, 0, strings.Count(got, "`")%2, "no code span left open")
			if !cut {
				assert.Equal(t, c.in, got)
			} else if c.max > 100 {
				assert.True(t, strings.HasSuffix(got, "(answer cut at 2,500 characters)_"), got[len(got)-60:])
			}
		})
	}
}

func TestPlannerReportsDeniedAndFailedCommands(t *testing.T) {
	t.Parallel()
	p := newPlanner(t)
	tools := newFakeTools(t)
	tools.denied["lambda list-functions"] = "lambda:ListFunctions is not allowed by the channel guardrails"
	a, err := p.Answer(context.Background(), assist.Question{Text: "list functions and tables", Region: "us-east-1"}, tools)
	require.NoError(t, err)
	assert.False(t, a.Declined)
	assert.Contains(t, a.Text, "I couldn't list functions in us-east-1: the guardrails refused `lambda list-functions")
	assert.Contains(t, a.Text, "lambda:ListFunctions is not allowed")
	assert.Contains(t, a.Text, "2 tables in us-east-1")
	require.Len(t, a.Ran, 1, "a denied command did not run")
	assert.Contains(t, a.Ran[0], "dynamodb list-tables")

	// The diagnosis says when the guardrails refuse a step.
	tools = newFakeTools(t)
	tools.denied["lambda get-function-configuration"] = "denied by the blocklist"
	a, err = p.Answer(context.Background(), assist.Question{Text: "what's wrong with checkout-api", Region: "us-east-1"}, tools)
	require.NoError(t, err)
	assert.Contains(t, a.Text, "I couldn't read its Lambda configuration: the guardrails refused")
	assert.Contains(t, a.Text, "2 ERROR log events in /aws/lambda/checkout-api", "the log group is still found")
}

func TestPlannerStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newPlanner(t).Answer(ctx, assist.Question{Text: "list functions", Region: "us-east-1"}, newFakeTools(t))
	require.ErrorIs(t, err, context.Canceled)
}

func TestPlannerLongAnswerIsCut(t *testing.T) {
	t.Parallel()
	tools := newFakeTools(t)
	var b strings.Builder
	b.WriteString(`{"TableNames":[`)
	for i := range 15 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"` + strings.Repeat("t", 250) + `"`)
	}
	b.WriteString(`]}`)
	tools.data["dynamodb list-tables"] = b.String()
	a, err := newPlanner(t).Answer(context.Background(), assist.Question{Text: "tables", Region: "us-east-1"}, tools)
	require.NoError(t, err)
	assert.True(t, a.Truncated)
	assert.LessOrEqual(t, utf8.RuneCountInString(a.Text), assist.MaxAnswerChars)
}

func TestNewPlannerRejectsBadOptions(t *testing.T) {
	t.Parallel()
	_, err := assist.NewPlanner(assist.WithLogWindow(0))
	require.ErrorIs(t, err, assist.ErrInvalidOption)
	_, err = assist.NewPlanner(assist.WithClock(nil))
	require.ErrorIs(t, err, assist.ErrInvalidOption)
}
