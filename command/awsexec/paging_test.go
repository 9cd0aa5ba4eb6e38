package awsexec_test

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
)

var startingTokenRe = regexp.MustCompile(`--starting-token (\S+)`)

// alarmNames runs describe-alarms with the paging options and returns the
// alarm names shown (through --query, so the query runs on the collected
// records) and the --starting-token the reply offers, "" for none.
func alarmNames(t *testing.T, e *awsexec.Executor, inv func() *command.Invocation, maxItems, pageSize int, token string) ([]string, string, string) {
	t.Helper()
	i := inv()
	i.MaxItems, i.PageSize, i.StartingToken = maxItems, pageSize, token
	i.Query, i.Output = "MetricAlarms[].AlarmName", "json"
	res, err := e.Execute(context.Background(), request(i))
	require.NoError(t, err)
	var names []string
	require.NoError(t, json.Unmarshal(res.Data, &names))
	next := ""
	if m := startingTokenRe.FindStringSubmatch(res.Message.Text); m != nil {
		next = m[1]
	}
	return names, next, res.Message.Text
}

// TestStartingTokenResumesInsideAPage follows the offered tokens with
// --max-items that cut pages in the middle: every alarm is shown exactly
// once, in order, whatever the page size.
func TestStartingTokenResumesInsideAPage(t *testing.T) {
	e, _, reg := newExecutor(t)
	inv := func() *command.Invocation { return invocation(t, reg, "cloudwatch", "describe-alarms", nil) }
	all, next, _ := alarmNames(t, e, inv, 1000, 0, "")
	require.Len(t, all, 5)
	require.Empty(t, next)
	for _, tc := range []struct{ maxItems, pageSize int }{{3, 2}, {2, 3}, {1, 2}, {4, 0}, {2, 2}} {
		var seen []string
		token := ""
		for range 10 {
			names, next, text := alarmNames(t, e, inv, tc.maxItems, tc.pageSize, token)
			assert.LessOrEqual(t, len(names), tc.maxItems, text)
			seen = append(seen, names...)
			if next == "" {
				break
			}
			token = next
		}
		assert.Equal(t, all, seen, "max-items %d page-size %d", tc.maxItems, tc.pageSize)
	}
}

// TestQueryRunsBeforeChatTruncation: the query sees every record collected
// (up to --max-items, as in the CLI), and a reply cut to fit the message
// still offers the token to continue.
func TestQueryRunsBeforeChatTruncation(t *testing.T) {
	e, _, reg := newExecutor(t)
	inv := invocation(t, reg, "cloudwatch", "describe-alarms", nil)
	inv.MaxItems, inv.PageSize = 4, 2
	inv.Query = "length(MetricAlarms)"
	res, err := e.Execute(context.Background(), request(inv))
	require.NoError(t, err)
	assert.Equal(t, "4\n", res.Message.CodeBlocks[0].Content, "the query counts the records of both pages")
	assert.Contains(t, res.Message.Text, "--starting-token ")

	inv.Query, inv.Output = "MetricAlarms", "json"
	req := request(inv)
	req.Capabilities.MaxText, req.Capabilities.Files = 600, false
	res, err = e.Execute(context.Background(), req)
	require.NoError(t, err)
	assert.Contains(t, res.Message.Text, "Output truncated")
	assert.Regexp(t, startingTokenRe, res.Message.Text, "the cut reply still says where to continue")
	var shown []any
	require.NoError(t, json.Unmarshal(res.Data, &shown))
	assert.Len(t, shown, 4, "the query ran on the full result, not on the cut text")
}
