package awsexec_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/cloudwatchlogsops"
	"github.com/opschat/opschat/command/awsexec/services/cloudwatchops"
	"github.com/opschat/opschat/command/awsexec/services/ec2ops"
	"github.com/opschat/opschat/command/awsexec/services/lambdaops"
	"github.com/opschat/opschat/command/awsexec/services/s3ops"
	"github.com/opschat/opschat/internal/awssim"
)

// This file compares what a chat user sees with what /usr/bin/aws prints
// for the same command against the same simulated account (internal/awssim
// on loopback): --query results, the "s3 ls" and "logs tail" layouts and
// lambda invoke's payload and log tail.

// cliDiff is one simulated account, an executor on it and the CLI runs of a
// test, started together because each CLI run takes about half a second.
type cliDiff struct {
	sim *awssim.Server
	reg *awsexec.Registry
	e   *awsexec.Executor
}

func newCLIDiff(t *testing.T) *cliDiff {
	t.Helper()
	if err := awssim.CLIAvailable(); err != nil {
		t.Skipf("skipping the comparison with the AWS CLI: %v", err)
	}
	sim := awssim.New()
	t.Cleanup(sim.Close)
	reg := awsexec.NewRegistry()
	cloudwatchops.Register(reg)
	ec2ops.Register(reg)
	s3ops.Register(reg)
	cloudwatchlogsops.Register(reg)
	lambdaops.Register(reg)
	e, err := awsexec.New(reg, sim.Config())
	require.NoError(t, err)
	return &cliDiff{sim: sim, reg: reg, e: e}
}

// runCLI runs each argument list through the CLI in parallel.
func (d *cliDiff) runCLI(t *testing.T, args [][]string) []*awssim.CLIRun {
	t.Helper()
	runs := make([]*awssim.CLIRun, len(args))
	errs := make([]error, len(args))
	var wg sync.WaitGroup
	for i, a := range args {
		wg.Go(func() { runs[i], errs[i] = d.sim.RunCLI(context.Background(), a...) })
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "%v", args[i])
	}
	return runs
}

// execute runs a chat command line through command.Parse and the executor.
func (d *cliDiff) execute(t *testing.T, line string, edit func(*command.Invocation)) *chatops.ExecResult {
	t.Helper()
	inv, err := command.Parse(line, d.reg)
	require.NoError(t, err, line)
	require.Empty(t, inv.Missing, line)
	if edit != nil {
		edit(inv)
	}
	req := chatops.ExecRequest{Invocation: inv, MaxItems: 1000}
	req.Capabilities.MaxText = 100000
	res, err := d.e.Execute(context.Background(), req)
	require.NoError(t, err, line)
	return res
}

// TestQueryMatchesAWSCLI runs --query expressions that compare strings,
// sort and pick by strings, list keys and values, and select members the
// response left out, through the CLI and the executor.
func TestQueryMatchesAWSCLI(t *testing.T) {
	d := newCLIDiff(t)
	// The fixture's instances were launched 3, 21, 21 and 90 days before
	// the server started: a threshold 30 days back splits them.
	cut := time.Now().UTC().AddDate(0, 0, -30).Format("2006-01-02")
	const (
		exact  = iota
		asSet  // the CLI keeps the API model's member order, we sort
		sorted // and the result must be in ascending order
	)
	cases := []struct {
		name  string
		args  []string
		query string
		cmp   int
	}{
		{"string greater than a date", []string{"ec2", "describe-instances"}, "Reservations[].Instances[?LaunchTime > '" + cut + "'].InstanceId", exact},
		{"string less or equal", []string{"ec2", "describe-instances"}, "Reservations[].Instances[?LaunchTime <= '" + cut + "'][].InstanceId", exact},
		{"string order of an enum", []string{"ec2", "describe-instances"}, "Reservations[].Instances[?State.Name < 's'][].InstanceId", exact},
		{"sort_by a timestamp", []string{"ec2", "describe-instances"}, "sort_by(Reservations[].Instances[], &LaunchTime)[].InstanceId", exact},
		{"max_by a timestamp", []string{"ec2", "describe-instances"}, "max_by(Reservations[].Instances[], &LaunchTime).InstanceId", exact},
		{"min_by a string", []string{"ec2", "describe-instances"}, "min_by(Reservations[].Instances[], &InstanceType).InstanceType", exact},
		{"sort strings", []string{"ec2", "describe-instances"}, "sort(Reservations[].Instances[].InstanceType)", exact},
		{"unset enums are null", []string{"ec2", "describe-instances"}, "Reservations[0].Instances[0].[InstanceId, Platform, InstanceLifecycle, Hypervisor]", exact},
		{"keys of an instance", []string{"ec2", "describe-instances"}, "keys(Reservations[0].Instances[0])", sorted},
		// Objects whose members the CLI 2.9's older models all know (its
		// Bucket lacks BucketRegion, so keys(Buckets[0]) differs by one).
		{"keys of a reservation", []string{"ec2", "describe-instances"}, "keys(Reservations[0])", sorted},
		{"values of a state", []string{"ec2", "describe-instances"}, "values(Reservations[0].Instances[0].State)", asSet},
		{"buckets created after", []string{"s3api", "list-buckets"}, "Buckets[?CreationDate > '2025-01-01'].Name", exact},
		{"max_by a bucket name", []string{"s3api", "list-buckets"}, "max_by(Buckets, &Name).Name", exact},
		{"log groups after a name", []string{"logs", "describe-log-groups"}, "logGroups[?logGroupName > '/aws/lambda/d'].logGroupName", exact},
	}
	args := make([][]string, len(cases))
	for i, c := range cases {
		args[i] = append(slices.Clone(c.args), "--query", c.query)
	}
	runs := d.runCLI(t, args)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := runs[i]
			require.Equal(t, 0, run.ExitCode, run.Stderr)
			var want any
			require.NoError(t, json.Unmarshal([]byte(run.Stdout), &want), run.Stdout)
			res := d.execute(t, awssim.Command{Args: args[i]}.Line(), func(inv *command.Invocation) { inv.Output = "json" })
			var got any
			require.NoError(t, json.Unmarshal(res.Data, &got))
			require.NotEmpty(t, want, "the case must select something to compare")
			switch c.cmp {
			case exact:
				assert.Equal(t, want, got)
			case asSet, sorted:
				assert.ElementsMatch(t, want, got)
				if c.cmp == sorted {
					strs := make([]string, 0)
					for _, k := range got.([]any) {
						strs = append(strs, k.(string))
					}
					assert.True(t, slices.IsSorted(strs), "keys in sorted order: %v", strs)
				}
			}
		})
	}

	// values(@) lists the values in the order keys(@) lists the keys.
	res := d.execute(t, "s3api list-buckets --output json --query '[keys(Buckets[0]), values(Buckets[0])]'", nil)
	var kv [][]any
	require.NoError(t, json.Unmarshal(res.Data, &kv))
	require.Len(t, kv, 2)
	require.Len(t, kv[1], len(kv[0]))
	res = d.execute(t, "s3api list-buckets --output json --query 'Buckets[0]'", nil)
	var bucket map[string]any
	require.NoError(t, json.Unmarshal(res.Data, &bucket))
	for i, k := range kv[0] {
		assert.Equal(t, bucket[k.(string)], kv[1][i], "values(@)[%d] is the value of %v", i, k)
	}
}

// TestQueryMixedTypesDifferFromAWSCLI pins a deliberate difference: the
// CLI 2.9 (jmespath.py 1.0.1) fails with a Python TypeError when > compares
// a string with a number; opschat answers null for that comparison, as the
// JMESPath specification and jmespath.py's own comment say, so the filter
// keeps nothing.
func TestQueryMixedTypesDifferFromAWSCLI(t *testing.T) {
	d := newCLIDiff(t)
	q := "Reservations[].Instances[?LaunchTime > `5`][].InstanceId"
	run := d.runCLI(t, [][]string{{"ec2", "describe-instances", "--query", q}})[0]
	assert.NotEqual(t, 0, run.ExitCode)
	assert.Contains(t, run.Stderr, "not supported between instances of 'str' and 'int'")
	res := d.execute(t, awssim.Command{Args: []string{"ec2", "describe-instances", "--output", "json", "--query", q}}.Line(), nil)
	assert.JSONEq(t, `[]`, string(res.Data))
}

// TestS3LsAndLogsTailMatchAWSCLI compares the chat reply's code block with
// the CLI's output for "s3 ls" at three levels and "logs tail".
func TestS3LsAndLogsTailMatchAWSCLI(t *testing.T) {
	d := newCLIDiff(t)
	cases := []struct {
		name string
		args []string
		edit func(*command.Invocation)
	}{
		{"s3 ls", []string{"s3", "ls"}, nil},
		{"s3 ls bucket", []string{"s3", "ls", "s3://orders-exports"}, nil},
		{"s3 ls bucket/prefix/", []string{"s3", "ls", "s3://orders-exports/exports/"}, nil},
		{"s3 ls bucket/partial-prefix", []string{"s3", "ls", "s3://opschat-artifacts/bui"}, nil},
		{"logs tail", []string{"logs", "tail", "/aws/lambda/checkout-api", "--since", "2h"}, nil},
	}
	args := make([][]string, len(cases))
	for i, c := range cases {
		args[i] = c.args
	}
	runs := d.runCLI(t, args)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := runs[i]
			require.Equal(t, 0, run.ExitCode, run.Stderr)
			want := strings.TrimRight(run.Stdout, "\n")
			require.NotEmpty(t, want, "the CLI printed nothing to compare")
			res := d.execute(t, awssim.Command{Args: c.args}.Line(), c.edit)
			require.NotEmpty(t, res.Message.CodeBlocks, res.Message.Text)
			assert.Equal(t, want, res.Message.CodeBlocks[0].Content)
		})
	}
}

// TestLambdaInvokeMatchesAWSCLI compares the content of lambda invoke: the
// CLI writes the payload to its outfile and prints the metadata with
// LogResult in base64; the chat reply shows both decoded.
func TestLambdaInvokeMatchesAWSCLI(t *testing.T) {
	d := newCLIDiff(t)
	outfile := filepath.Join(t.TempDir(), "out.json")
	run := d.runCLI(t, [][]string{{"lambda", "invoke", "--function-name", "payments-api", "--payload", `{"k":1}`,
		"--cli-binary-format", "raw-in-base64-out", "--log-type", "Tail", outfile}})[0]
	require.Equal(t, 0, run.ExitCode, run.Stderr)
	var meta map[string]any
	require.NoError(t, json.Unmarshal([]byte(run.Stdout), &meta), run.Stdout)
	payload, err := os.ReadFile(outfile)
	require.NoError(t, err)
	logTail, err := base64.StdEncoding.DecodeString(meta["LogResult"].(string))
	require.NoError(t, err)
	require.NotEmpty(t, payload)
	require.NotEmpty(t, logTail)

	for _, line := range []string{
		`lambda invoke --function-name payments-api --payload '{"k":1}' --log-type Tail out.json`,
		`invoke payments-api --payload '{"k":1}' --log-type Tail`,
	} {
		t.Run(line, func(t *testing.T) {
			res := d.execute(t, line, func(inv *command.Invocation) { inv.Output = "json" })
			var got map[string]any
			require.NoError(t, json.Unmarshal(res.Data, &got))
			assert.Equal(t, string(payload), got["Payload"])
			assert.Equal(t, string(logTail), got["LogResult"])
			assert.Equal(t, meta["StatusCode"], got["StatusCode"])
			assert.Equal(t, meta["ExecutedVersion"], got["ExecutedVersion"])
		})
	}
}

// TestStartingTokenMovesBetweenCLIAndChat: with --max-items 3 over pages of
// 2 both cut the second page; the CLI's NextToken resumes the chat command
// and the chat's token resumes the CLI, each at the fourth alarm.
func TestStartingTokenMovesBetweenCLIAndChat(t *testing.T) {
	d := newCLIDiff(t)
	base := []string{"cloudwatch", "describe-alarms", "--max-items", "3", "--page-size", "2"}
	first := d.runCLI(t, [][]string{append(slices.Clone(base), "--query", "{names: MetricAlarms[].AlarmName, next: NextToken}")})[0]
	require.Equal(t, 0, first.ExitCode, first.Stderr)
	var cliFirst struct {
		Names []string
		Next  string
	}
	require.NoError(t, json.Unmarshal([]byte(first.Stdout), &cliFirst), first.Stdout)
	require.Len(t, cliFirst.Names, 3)
	require.NotEmpty(t, cliFirst.Next)

	chatLine := awssim.Command{Args: append(slices.Clone(base), "--output", "json", "--query", "MetricAlarms[].AlarmName")}.Line()
	res := d.execute(t, chatLine, nil)
	var chatFirst []string
	require.NoError(t, json.Unmarshal(res.Data, &chatFirst))
	assert.Equal(t, cliFirst.Names, chatFirst)
	m := regexp.MustCompile(`--starting-token (\S+)`).FindStringSubmatch(res.Message.Text)
	require.NotNil(t, m, res.Message.Text)
	chatToken := m[1]

	// Each token resumes the other client.
	cliRest := d.runCLI(t, [][]string{append(slices.Clone(base), "--starting-token", chatToken, "--query", "MetricAlarms[].AlarmName")})[0]
	require.Equal(t, 0, cliRest.ExitCode, cliRest.Stderr)
	var fromChatToken []string
	require.NoError(t, json.Unmarshal([]byte(cliRest.Stdout), &fromChatToken), cliRest.Stdout)
	res = d.execute(t, chatLine, func(inv *command.Invocation) { inv.StartingToken = cliFirst.Next })
	var fromCLIToken []string
	require.NoError(t, json.Unmarshal(res.Data, &fromCLIToken))
	require.NotEmpty(t, fromCLIToken)
	assert.Equal(t, fromChatToken, fromCLIToken)
	assert.NotContains(t, fromCLIToken, cliFirst.Names[2], "the third alarm was shown already")
}
