package awsexec_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/internal/awssim"
)

const testRole = "arn:aws:iam::123456789012:role/opschat-readonly"

func newExecutor(t testing.TB, opts ...awsexec.Option) (*awsexec.Executor, *awssim.Server, *awsexec.Registry) {
	t.Helper()
	sim := awssim.New()
	t.Cleanup(sim.Close)
	reg := testRegistry(t)
	e, err := awsexec.New(reg, sim.Config(), opts...)
	require.NoError(t, err)
	return e, sim, reg
}

func invocation(t testing.TB, reg *awsexec.Registry, service, op string, params map[string]any) *command.Invocation {
	t.Helper()
	o, ok := reg.Operation(service, op)
	require.True(t, ok, "%s %s", service, op)
	s, _ := reg.Service(service)
	if params == nil {
		params = map[string]any{}
	}
	return &command.Invocation{Service: service, Operation: op, IAMAction: s.IAMPrefix + ":" + o.APIName, Params: params, Op: o,
		Text: service + " " + op}
}

func request(inv *command.Invocation) chatops.ExecRequest {
	return chatops.ExecRequest{
		Invocation:    inv,
		RoleARN:       testRole,
		SessionName:   "opschat-U123ABC",
		Configuration: "prod-alerts",
		Capabilities:  chat.Capabilities{Files: true, Images: true, MaxText: 3000},
	}
}

func TestExecuteDescribeAlarms(t *testing.T) {
	e, sim, reg := newExecutor(t)
	res, err := e.Execute(context.Background(), request(invocation(t, reg, "cloudwatch", "describe-alarms", nil)))
	require.NoError(t, err)
	assert.Equal(t, "123456789012", res.Account)
	assert.Equal(t, "us-east-1", res.Region)
	require.Len(t, res.Message.CodeBlocks, 1)
	table := res.Message.CodeBlocks[0].Content
	assert.Equal(t, "MetricAlarms (5)", res.Message.CodeBlocks[0].Caption)
	lines := strings.Split(strings.TrimSpace(table), "\n")
	require.Len(t, lines, 7, table) // header, rule, 5 alarms
	assert.Regexp(t, `^AlarmName\s+StateValue\s+MetricName\s+Namespace\s+Threshold\s+StateUpdatedTimestamp$`, lines[0])
	assert.Contains(t, table, awssim.AlarmingAlarm)
	assert.Contains(t, table, "ALARM")
	// The answer does not wait for the graphs: they follow.
	assert.Empty(t, res.Message.Images)
	assert.Contains(t, strings.Join(res.Message.Context, "\n"), "role opschat-readonly")
	require.NotNil(t, res.FollowUp, "describe-alarms graphs are a follow-up")
	// The graphs are fetched while the answer is posted, before anyone
	// asks for the follow-up.
	require.Eventually(t, func() bool { return len(sim.RequestsFor("monitoring", "GetMetricWidgetImage")) == 3 },
		10*time.Second, time.Millisecond)
	full, err := res.FollowUp(context.Background())
	require.NoError(t, err)
	// The first three alarms' metric graphs come as PNG images, added to
	// the answer as it was.
	require.Len(t, full.Images, 3)
	for _, img := range full.Images {
		assert.Equal(t, "image/png", img.ContentType)
		assert.Equal(t, []byte("\x89PNG"), img.Data[:4])
		assert.NotEmpty(t, img.AltText)
	}
	assert.Equal(t, res.Message.CodeBlocks, full.CodeBlocks)
	assert.Equal(t, res.Message.Context, full.Context[:len(res.Message.Context)], "the answer's context lines come first")
	assert.Contains(t, strings.Join(full.Context, "\n"), "Graphs shown for the first 3 of 5 alarms")

	// The calls ran as the assumed role.
	var keys []string
	for _, r := range sim.Requests() {
		keys = append(keys, r.Key())
		if r.Service == "monitoring" {
			assert.NotEqual(t, awssim.BaseAccessKeyID, r.AccessKeyID, "cloudwatch must be called with the assumed role")
			assert.Equal(t, awssim.ProtocolCBOR, r.Protocol)
		}
	}
	assert.Equal(t, []string{"sts:AssumeRole", "monitoring:DescribeAlarms", "monitoring:GetMetricWidgetImage",
		"monitoring:GetMetricWidgetImage", "monitoring:GetMetricWidgetImage"}, keys)
}

// A host may end Execute's context as soon as it returns; FollowUp then
// fetches the graphs again under its own context.
func TestFollowUpAfterExecuteContextEnded(t *testing.T) {
	e, sim, reg := newExecutor(t)
	ctx, cancel := context.WithCancel(context.Background())
	res, err := e.Execute(ctx, request(invocation(t, reg, "cloudwatch", "describe-alarms", nil)))
	cancel()
	require.NoError(t, err)
	require.NotNil(t, res.FollowUp)
	full, err := res.FollowUp(context.Background())
	require.NoError(t, err)
	assert.Len(t, full.Images, 3)
	assert.GreaterOrEqual(t, len(sim.RequestsFor("monitoring", "GetMetricWidgetImage")), 3)

	// A FollowUp whose own context has ended returns the answer as it was.
	res, err = e.Execute(context.Background(), request(invocation(t, reg, "cloudwatch", "describe-alarms", nil)))
	require.NoError(t, err)
	done, stop := context.WithCancel(context.Background())
	stop()
	m, err := res.FollowUp(done)
	if err != nil { // the fetch may have finished first; both are fine
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, res.Message, m)
	}
}

// A caller that will not show the follow-up (the assistant) says so, and
// no graph is fetched for nothing.
func TestNoFollowUpFetchesNoGraphs(t *testing.T) {
	e, sim, reg := newExecutor(t)
	req := request(invocation(t, reg, "cloudwatch", "describe-alarms", nil))
	req.NoFollowUp = true
	res, err := e.Execute(context.Background(), req)
	require.NoError(t, err)
	assert.Nil(t, res.FollowUp)
	assert.NotEmpty(t, res.Data)
	time.Sleep(50 * time.Millisecond) // a started fetch would have arrived by now
	assert.Empty(t, sim.RequestsFor("monitoring", "GetMetricWidgetImage"))
}

func TestExecuteAssumesRoleWithSessionPoliciesAndTags(t *testing.T) {
	e, sim, reg := newExecutor(t)
	require.NoError(t, sim.PutManagedPolicy("arn:aws:iam::123456789012:policy/guardrail",
		[]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"lambda:List*","Resource":"*"}}`)))
	req := request(invocation(t, reg, "lambda", "list-functions", nil))
	req.SessionName = "opschat-U123 (Jane Doe)"
	req.PolicyARNs = []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::123456789012:policy/guardrail"}
	req.SessionPolicy = `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"sts:*","Resource":"*"}}`
	req.SessionTags = map[string]string{"platform": "slack", "workspace": "T0001", "channel": "C042", "configuration": "prod alerts!"}
	res, err := e.Execute(context.Background(), req)
	require.NoError(t, err)
	assert.Contains(t, res.Message.CodeBlocks[0].Content, awssim.AlarmingFunction)

	calls := sim.AssumeRoleCalls()
	require.Len(t, calls, 1)
	c := calls[0]
	assert.Equal(t, testRole, c.RoleArn)
	assert.Equal(t, "opschat-U123--Jane-Doe-", c.RoleSessionName)
	assert.ElementsMatch(t, req.PolicyARNs, c.PolicyArns)
	assert.Equal(t, req.SessionPolicy, c.Policy)
	assert.Equal(t, map[string]string{"platform": "slack", "workspace": "T0001", "channel": "C042", "configuration": "prod alerts_"}, c.Tags)
	assert.Equal(t, awssim.BaseAccessKeyID, c.CallerAccessKeyID)

	// Same role, policies and tags: the cached credentials are reused.
	_, err = e.Execute(context.Background(), req)
	require.NoError(t, err)
	assert.Len(t, sim.AssumeRoleCalls(), 1)
	// Different session policies are a different session.
	req.PolicyARNs = req.PolicyARNs[:1]
	_, err = e.Execute(context.Background(), req)
	require.NoError(t, err)
	assert.Len(t, sim.AssumeRoleCalls(), 2)
	req.SessionPolicy = `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"iam:*","Resource":"*"}}`
	_, err = e.Execute(context.Background(), req)
	require.NoError(t, err)
	calls = sim.AssumeRoleCalls()
	require.Len(t, calls, 3)
	assert.Equal(t, req.SessionPolicy, calls[2].Policy)

	// Without a role the base identity calls AWS directly.
	sim.Reset()
	req.RoleARN = ""
	_, err = e.Execute(context.Background(), req)
	require.NoError(t, err)
	reqs := sim.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, awssim.BaseAccessKeyID, reqs[0].AccessKeyID)
}

func TestSessionNameAndTags(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "opschat", awsexec.SessionName(""))
	assert.Equal(t, "a-b_c@d.e=f,g+h", awsexec.SessionName("a b_c@d.e=f,g+h"))
	assert.Len(t, awsexec.SessionName(strings.Repeat("x", 100)), 64)
	tags := awsexec.SessionTags(map[string]string{"b": strings.Repeat("v", 300), "a": "x<y>", "": "dropped"})
	require.Len(t, tags, 2)
	assert.Equal(t, [2]string{"a", "x_y_"}, tags[0])
	assert.Len(t, tags[1][1], 256)
}

func TestExecuteTimeout(t *testing.T) {
	e, sim, reg := newExecutor(t, awsexec.WithTimeout(50*time.Millisecond))
	sim.Inject(awssim.Slow("lambda", "ListFunctions", 5*time.Second))
	_, err := e.Execute(context.Background(), request(invocation(t, reg, "lambda", "list-functions", nil)))
	require.Error(t, err)
	assert.ErrorIs(t, err, awsexec.ErrTimeout)
	var um interface{ UserMessage() string }
	require.ErrorAs(t, err, &um)
	assert.Contains(t, um.UserMessage(), "did not finish within 50ms")
}

func TestExecutePaginationLimit(t *testing.T) {
	e, sim, reg := newExecutor(t)
	req := request(invocation(t, reg, "cloudwatch", "describe-alarms", map[string]any{"max-records": int64(2)}))
	req.MaxItems = 3
	res, err := e.Execute(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, "MetricAlarms (3)", res.Message.CodeBlocks[0].Caption)
	assert.Contains(t, res.Message.Text, "Showing 3 of 4+ items. Narrow the command")
	assert.Contains(t, res.Message.Text, "or continue with --starting-token ", "a token that resumes inside the second page (paging_test.go)")
	n := 0
	for _, r := range sim.Requests() {
		if r.Operation == "DescribeAlarms" {
			n++
		}
	}
	assert.Equal(t, 2, n, "two pages of 2 reach the limit of 3; the third page is not fetched")

	// The user's own --max-items, --page-size and --starting-token.
	sim.Reset()
	inv := invocation(t, reg, "cloudwatch", "describe-alarms", nil)
	inv.MaxItems, inv.PageSize, inv.StartingToken = 1, 3, "1"
	res, err = e.Execute(context.Background(), request(inv))
	require.NoError(t, err)
	assert.Equal(t, "MetricAlarms (1)", res.Message.CodeBlocks[0].Caption)
	assert.Contains(t, res.Message.CodeBlocks[0].Content, "orders-db-cpu-high", "the page starts after the first alarm")
	assert.Contains(t, res.Message.Text, "Showing 1 of 3+ items")
	var sent []map[string]any
	for _, r := range sim.Requests() {
		if r.Operation == "DescribeAlarms" {
			sent = append(sent, r.Params)
		}
	}
	require.Len(t, sent, 1)
	assert.EqualValues(t, "3", fmt.Sprint(sent[0]["MaxRecords"]))
	assert.Equal(t, "1", sent[0]["NextToken"])

	// A full page at the limit: continue where it stopped.
	inv.MaxItems, inv.PageSize, inv.StartingToken = 2, 2, ""
	res, err = e.Execute(context.Background(), request(inv))
	require.NoError(t, err)
	assert.Contains(t, res.Message.Text, "Showing the first 2 items; AWS has more. Narrow the command with filters (--filters, a name prefix) or --query, or continue with --starting-token 2")

	// Everything fits: all pages followed, no note.
	req.MaxItems = 0
	res, err = e.Execute(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, "MetricAlarms (5)", res.Message.CodeBlocks[0].Caption)
	assert.Empty(t, res.Message.Text)
}

func TestExecuteTruncatesAndAttaches(t *testing.T) {
	e, _, reg := newExecutor(t)
	inv := invocation(t, reg, "cloudwatch", "describe-alarms", nil)
	inv.Output = "json"
	req := request(inv)
	req.Capabilities.MaxText = 1200
	res, err := e.Execute(context.Background(), req)
	require.NoError(t, err)
	require.Len(t, res.Message.CodeBlocks, 1)
	assert.Less(t, len(res.Message.CodeBlocks[0].Content), 1200)
	assert.Contains(t, res.Message.CodeBlocks[0].Content, "more lines)")
	require.Len(t, res.Message.Files, 1)
	f := res.Message.Files[0]
	assert.Equal(t, "output.json", f.Name)
	var full map[string]any
	require.NoError(t, json.Unmarshal(f.Data, &full))
	assert.Len(t, full["MetricAlarms"], 5)
	assert.Contains(t, res.Message.Text, "attached as output.json")

	// Without file uploads the user is told to narrow the output instead.
	req.Capabilities.Files = false
	res, err = e.Execute(context.Background(), req)
	require.NoError(t, err)
	assert.Empty(t, res.Message.Files)
	assert.Contains(t, res.Message.Text, "use --query")
}

func TestExecuteQuery(t *testing.T) {
	e, _, reg := newExecutor(t)
	inv := invocation(t, reg, "cloudwatch", "describe-alarms", nil)
	inv.Query = "MetricAlarms[?StateValue=='ALARM'].{Name:AlarmName,Threshold:Threshold,Updated:StateUpdatedTimestamp}"
	res, err := e.Execute(context.Background(), request(inv))
	require.NoError(t, err)
	require.Len(t, res.Message.CodeBlocks, 1)
	table := res.Message.CodeBlocks[0].Content
	lines := strings.Split(strings.TrimSpace(table), "\n")
	require.Len(t, lines, 3, table)
	assert.Regexp(t, `^Name\s+Threshold\s+Updated$`, lines[0])
	assert.Regexp(t, `^checkout-api-errors\s+1\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$`, lines[2])

	inv.Query = "length(MetricAlarms)"
	res, err = e.Execute(context.Background(), request(inv))
	require.NoError(t, err)
	assert.Equal(t, "5\n", res.Message.CodeBlocks[0].Content)

	inv.Query = "MetricAlarms[0].AlarmName"
	inv.Output = "text"
	res, err = e.Execute(context.Background(), request(inv))
	require.NoError(t, err)
	assert.Equal(t, awssim.AlarmingAlarm+"\n", res.Message.CodeBlocks[0].Content)
}

func TestExecuteAccessDenied(t *testing.T) {
	e, sim, reg := newExecutor(t)
	sim.Inject(awssim.AccessDenied("lambda", "ListFunctions"))
	_, err := e.Execute(context.Background(), request(invocation(t, reg, "lambda", "list-functions", nil)))
	require.Error(t, err)
	assert.ErrorIs(t, err, awsexec.ErrAccessDenied)
	var api *awsexec.APIError
	require.ErrorAs(t, err, &api)
	assert.Equal(t, "AccessDeniedException", api.Code)
	assert.Equal(t, "lambda:ListFunctions", api.Action)
	assert.Contains(t, api.UserMessage(), "AWS IAM refused lambda:ListFunctions for role "+testRole)
	assert.Contains(t, api.UserMessage(), "is not authorized to perform")
}

func TestExecuteErrors(t *testing.T) {
	e, _, reg := newExecutor(t)
	ctx := context.Background()

	_, err := e.Execute(ctx, chatops.ExecRequest{Invocation: &command.Invocation{Service: "ec2", Operation: "describe-instances"}})
	assert.ErrorIs(t, err, awsexec.ErrUnknownService)
	_, err = e.Execute(ctx, chatops.ExecRequest{Invocation: &command.Invocation{Service: "lambda", Operation: "fly"}})
	assert.ErrorIs(t, err, awsexec.ErrUnknownOperation)

	// A required parameter the parser let through is caught by the SDK
	// before anything is sent.
	_, err = e.Execute(ctx, request(invocation(t, reg, "lambda", "get-function", nil)))
	var um interface{ UserMessage() string }
	require.ErrorAs(t, err, &um)
	assert.Contains(t, um.UserMessage(), "FunctionName")

	_, err = e.Execute(ctx, request(invocation(t, reg, "cloudwatch", "describe-alarms", map[string]any{"state-value": "nope"})))
	var pe *awsexec.ParamError
	require.ErrorAs(t, err, &pe)

	// AWS validation errors are shown as AWS said them.
	_, err = e.Execute(ctx, request(invocation(t, reg, "cloudwatch", "describe-alarms",
		map[string]any{"alarm-names": []any{"a"}, "alarm-name-prefix": "b"})))
	var api *awsexec.APIError
	require.ErrorAs(t, err, &api)
	assert.NotErrorIs(t, err, awsexec.ErrAccessDenied)
	assert.Equal(t, "cloudwatch describe-alarms failed: InvalidParameterCombination: AlarmNamePrefix and AlarmNames cannot be specified together", api.UserMessage())

	req := request(invocation(t, reg, "lambda", "list-functions", nil))
	req.RoleARN = "not-an-arn"
	_, err = e.Execute(ctx, req)
	require.ErrorAs(t, err, &um)
	assert.Contains(t, um.UserMessage(), "not a role ARN")

	_, err = e.Execute(ctx, chatops.ExecRequest{})
	assert.Error(t, err)
	_, err = awsexec.New(nil, aws.Config{})
	assert.Error(t, err)
}

// CloudWatch Logs speaks camelCase: output and --query use the API's names.
func TestExecuteLogsCamelCase(t *testing.T) {
	e, _, reg := newExecutor(t)
	inv := invocation(t, reg, "logs", "filter-log-events", map[string]any{"log-group-name": awssim.LambdaLogGroup, "filter-pattern": "ERROR"})
	res, err := e.Execute(context.Background(), request(inv))
	require.NoError(t, err)
	require.Len(t, res.Message.CodeBlocks, 1)
	assert.Equal(t, "events (8)", res.Message.CodeBlocks[0].Caption) // today's 3 and the sample alarm's 5 (awssim.SampleAlarmTime)
	assert.Regexp(t, `^timestamp\s+logStreamName\s+message\n`, res.Message.CodeBlocks[0].Content)
	assert.Contains(t, res.Message.CodeBlocks[0].Content, `ERROR Invoke Error  {"errorType":"Error","errorMessage":"connect ECONNREFUSED 10.0.3.12:5432"}`)

	inv.Query = "events[0].message"
	res, err = e.Execute(context.Background(), request(inv))
	require.NoError(t, err)
	assert.Contains(t, res.Message.CodeBlocks[0].Content, "ECONNREFUSED")
}
