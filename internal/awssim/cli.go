package awssim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
)

// CLIPath is the reference AWS CLI: Debian's awscli package (2.9). It is
// called by absolute path because an older aws (v1) may come first on PATH.
const CLIPath = "/usr/bin/aws"

// ErrNoCLI is returned when CLIPath is missing. Tests skip on it; CI
// installs the awscli apt package so they never do there.
var ErrNoCLI = errors.New("awssim: the AWS CLI is not installed at " + CLIPath + " (apt-get install -y awscli)")

// CLIAvailable returns nil when CLIPath is an executable, else an error
// wrapping ErrNoCLI.
func CLIAvailable() error {
	fi, err := os.Stat(CLIPath)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNoCLI, err)
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%w: %s is not executable", ErrNoCLI, CLIPath)
	}
	return nil
}

// CLIRun is one run of the AWS CLI against the server.
type CLIRun struct {
	Args     []string
	Stdout   string
	Stderr   string
	ExitCode int
	// AccessKeyID is the dummy key this run signed with; it tells this
	// run's requests apart from everybody else's on the same server.
	AccessKeyID string
	// Requests the run sent, in order (several when the CLI paginates or
	// retries).
	Requests []Request
}

var cliRuns atomic.Int64

// RunCLI runs CLIPath with args (as after "aws") against the server with
// dummy credentials and an isolated environment, and returns what it sent.
// A CLI failure (non-zero exit) is reported in ExitCode and Stderr, not as
// an error: an error means the CLI could not be run at all (ErrNoCLI, a
// cancelled ctx). RunCLI blocks for the CLI's run time (about half a
// second) and is safe for concurrent use.
func (s *Server) RunCLI(ctx context.Context, args ...string) (*CLIRun, error) {
	if err := CLIAvailable(); err != nil {
		return nil, err
	}
	home, err := os.MkdirTemp("", "awssim-cli-")
	if err != nil {
		return nil, fmt.Errorf("awssim: run cli: %w", err)
	}
	defer os.RemoveAll(home)
	key := fmt.Sprintf("AKIDAWSSIMCLI%07d", cliRuns.Add(1))
	full := append([]string{"--endpoint-url", s.URL(), "--output", "json"}, args...)
	cmd := exec.CommandContext(ctx, CLIPath, full...)
	cmd.Env = []string{
		"PATH=/usr/bin:/bin",
		"HOME=" + home,
		"LANG=C.UTF-8",
		// The CLI prints some times (s3 ls) in the local zone; the
		// simulated account and the bot print UTC.
		"TZ=UTC",
		"AWS_ACCESS_KEY_ID=" + key,
		"AWS_SECRET_ACCESS_KEY=awssim-cli-secret",
		"AWS_DEFAULT_REGION=" + s.region,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_PAGER=",
		"AWS_CLI_AUTO_PROMPT=off",
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	run := &CLIRun{Args: args, AccessKeyID: key}
	err = cmd.Run()
	run.Stdout, run.Stderr = stdout.String(), stderr.String()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr) && ctx.Err() == nil:
		run.ExitCode = exitErr.ExitCode()
	default:
		return nil, fmt.Errorf("awssim: run cli %q: %w", strings.Join(args, " "), err)
	}
	run.Requests = s.RequestsBy(key)
	return run, nil
}

// Command is one AWS CLI command of the differential table, with the call
// it must produce.
type Command struct {
	// Name identifies the case in subtests ("ec2 describe-instances filters").
	Name string
	// Args are the CLI arguments after "aws"; they are also valid chat
	// command text (see Line).
	Args []string
	// Service (signing name) and Operation the command calls.
	Service, Operation string
	// Covers says which kinds of parameter the command exercises.
	Covers string
}

// Line returns the command as one line of text with shell-style quoting,
// the way a user types it in chat ("ec2 describe-instances --filters
// Name=tag:env,Values=prod,dev").
func (c Command) Line() string {
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = shellQuote(a)
	}
	return strings.Join(parts, " ")
}

// ChatArgs returns Args without what only the AWS CLI program needs:
// --no-paginate, --cli-binary-format and its value, and the output file
// operand of lambda invoke. What remains is what a chat user types; its
// request is the same (the removed parts are never sent).
func (c Command) ChatArgs() []string {
	// Every option of lambda invoke takes a value, so its last argument is
	// the outfile unless an option precedes it.
	outfile := -1
	if n := len(c.Args); n > 3 && c.Args[0] == "lambda" && c.Args[1] == "invoke" && !strings.HasPrefix(c.Args[n-1], "-") {
		if prev := c.Args[n-2]; !strings.HasPrefix(prev, "--") || prev == "--no-paginate" || prev == "--debug" {
			outfile = n - 1
		}
	}
	var out []string
	for i := 0; i < len(c.Args); i++ {
		switch a := c.Args[i]; {
		case a == "--no-paginate" || i == outfile:
		case a == "--cli-binary-format":
			i++
		default:
			out = append(out, a)
		}
	}
	return out
}

// ChatLine is ChatArgs as one line with shell-style quoting.
func (c Command) ChatLine() string { return Command{Args: c.ChatArgs()}.Line() }

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`{}[]*?;&|<>()#~!") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// Commands returns the differential table: AWS CLI commands across every
// protocol family and parameter kind (scalars, lists, shorthand structures,
// JSON values, booleans, timestamps, blobs, maps). Each call returns a new
// slice.
func Commands() []Command {
	return []Command{
		{Name: "cloudwatch describe-alarms state and names", Service: "monitoring", Operation: "DescribeAlarms", Covers: "enum, list",
			Args: []string{"cloudwatch", "describe-alarms", "--state-value", "ALARM", "--alarm-names", "a", "b"}},
		{Name: "cloudwatch describe-alarms prefix and page size", Service: "monitoring", Operation: "DescribeAlarms", Covers: "string, integer",
			Args: []string{"cloudwatch", "describe-alarms", "--alarm-name-prefix", "checkout", "--max-records", "2", "--no-paginate"}},
		{Name: "cloudwatch get-metric-statistics", Service: "monitoring", Operation: "GetMetricStatistics", Covers: "timestamps, shorthand list of structures, list",
			Args: []string{"cloudwatch", "get-metric-statistics", "--namespace", "AWS/Lambda", "--metric-name", "Errors",
				"--dimensions", "Name=FunctionName,Value=checkout-api", "--start-time", "2023-11-14T22:13:20Z",
				"--end-time", "2023-11-14T23:13:20Z", "--period", "300", "--statistics", "Sum", "Maximum"}},
		{Name: "cloudwatch set-alarm-state", Service: "monitoring", Operation: "SetAlarmState", Covers: "strings, JSON string value",
			Args: []string{"cloudwatch", "set-alarm-state", "--alarm-name", "checkout-api-errors", "--state-value", "OK",
				"--state-reason", "manual reset", "--state-reason-data", `{"by":"opschat"}`}},
		{Name: "ec2 describe-instances filters", Service: "ec2", Operation: "DescribeInstances", Covers: "shorthand list of structures with list values",
			Args: []string{"ec2", "describe-instances", "--filters", "Name=tag:env,Values=prod,dev", "Name=instance-state-name,Values=running"}},
		{Name: "ec2 describe-instances ids", Service: "ec2", Operation: "DescribeInstances", Covers: "list",
			Args: []string{"ec2", "describe-instances", "--instance-ids", RunningInstance, StoppedInstance}},
		{Name: "ec2 stop-instances", Service: "ec2", Operation: "StopInstances", Covers: "list, boolean flag",
			Args: []string{"ec2", "stop-instances", "--instance-ids", RunningInstance, "--force"}},
		{Name: "ec2 describe-volumes JSON filters", Service: "ec2", Operation: "DescribeVolumes", Covers: "JSON list value, integer",
			Args: []string{"ec2", "describe-volumes", "--filters", `[{"Name":"attachment.instance-id","Values":["i-1"]}]`, "--max-results", "10", "--no-paginate"}},
		{Name: "lambda list-functions", Service: "lambda", Operation: "ListFunctions", Covers: "REST query enum and integer (page size)",
			Args: []string{"lambda", "list-functions", "--function-version", "ALL", "--max-items", "3", "--page-size", "2"}},
		{Name: "lambda invoke payload", Service: "lambda", Operation: "Invoke", Covers: "REST path label, header enums, JSON blob payload",
			Args: []string{"lambda", "invoke", "--function-name", "payments-api", "--payload", `{"k":1}`,
				"--cli-binary-format", "raw-in-base64-out", "--log-type", "Tail", "/dev/null"}},
		{Name: "lambda get-function qualifier", Service: "lambda", Operation: "GetFunction", Covers: "REST path label, query string",
			Args: []string{"lambda", "get-function", "--function-name", "payments-api", "--qualifier", "live"}},
		{Name: "logs filter-log-events", Service: "logs", Operation: "FilterLogEvents", Covers: "long timestamps, string, list, integer",
			Args: []string{"logs", "filter-log-events", "--log-group-name", "g", "--start-time", "1700000000000",
				"--end-time", "1700003600000", "--filter-pattern", "ERROR", "--log-stream-names", "s1", "s2", "--limit", "50", "--no-paginate"}},
		{Name: "logs describe-log-groups", Service: "logs", Operation: "DescribeLogGroups", Covers: "string, integer",
			Args: []string{"logs", "describe-log-groups", "--log-group-name-prefix", "/aws/lambda/", "--limit", "5", "--no-paginate"}},
		{Name: "ssm get-parameters", Service: "ssm", Operation: "GetParameters", Covers: "list, boolean flag",
			Args: []string{"ssm", "get-parameters", "--names", "a", "b", "--with-decryption"}},
		{Name: "ssm get-parameters-by-path", Service: "ssm", Operation: "GetParametersByPath", Covers: "negated boolean flag, shorthand list of structures",
			Args: []string{"ssm", "get-parameters-by-path", "--path", "/app", "--recursive", "--no-with-decryption",
				"--parameter-filters", "Key=Type,Values=SecureString", "--no-paginate"}},
		{Name: "sqs get-queue-attributes", Service: "sqs", Operation: "GetQueueAttributes", Covers: "enum list",
			Args: []string{"sqs", "get-queue-attributes", "--queue-url", "https://sqs.us-east-1.amazonaws.com/123456789012/orders",
				"--attribute-names", "ApproximateNumberOfMessages", "VisibilityTimeout"}},
		{Name: "sqs send-message attributes", Service: "sqs", Operation: "SendMessage", Covers: "map of structures (JSON), integer",
			Args: []string{"sqs", "send-message", "--queue-url", "https://sqs.us-east-1.amazonaws.com/123456789012/orders",
				"--message-body", "hello", "--delay-seconds", "5",
				"--message-attributes", `{"kind":{"DataType":"String","StringValue":"test"}}`}},
		{Name: "dynamodb query", Service: "dynamodb", Operation: "Query", Covers: "JSON attribute-value maps, boolean, integer",
			Args: []string{"dynamodb", "query", "--table-name", "orders", "--key-condition-expression", "pk = :pk",
				"--expression-attribute-values", `{":pk":{"S":"order#1"}}`, "--consistent-read", "--limit", "10", "--no-paginate"}},
		{Name: "dynamodb get-item", Service: "dynamodb", Operation: "GetItem", Covers: "JSON map with number attribute",
			Args: []string{"dynamodb", "get-item", "--table-name", "orders", "--key", `{"pk":{"S":"order#1"},"sk":{"N":"42"}}`,
				"--projection-expression", "pk, total"}},
		{Name: "kinesis list-shards", Service: "kinesis", Operation: "ListShards", Covers: "string, integer",
			Args: []string{"kinesis", "list-shards", "--stream-name", "clicks", "--max-results", "100"}},
		{Name: "kinesis get-shard-iterator timestamp", Service: "kinesis", Operation: "GetShardIterator", Covers: "enum, timestamp in JSON",
			Args: []string{"kinesis", "get-shard-iterator", "--stream-name", "clicks", "--shard-id", "shardId-000000000000",
				"--shard-iterator-type", "AT_TIMESTAMP", "--timestamp", "2023-11-14T22:13:20Z"}},
		{Name: "sns publish attributes", Service: "sns", Operation: "Publish", Covers: "query map of structures",
			Args: []string{"sns", "publish", "--topic-arn", "arn:aws:sns:us-east-1:123456789012:ops-alerts", "--message", "hi there",
				"--subject", "test", "--message-attributes", `{"severity":{"DataType":"String","StringValue":"high"}}`}},
		{Name: "sns list-subscriptions-by-topic", Service: "sns", Operation: "ListSubscriptionsByTopic", Covers: "string",
			Args: []string{"sns", "list-subscriptions-by-topic", "--topic-arn", "arn:aws:sns:us-east-1:123456789012:ops-alerts", "--no-paginate"}},
		{Name: "s3api list-objects-v2", Service: "s3", Operation: "ListObjectsV2", Covers: "REST-XML path and query",
			Args: []string{"s3api", "list-objects-v2", "--bucket", "b", "--prefix", "p", "--max-keys", "5", "--no-paginate"}},
		{Name: "s3api head-object", Service: "s3", Operation: "HeadObject", Covers: "REST-XML greedy key label",
			Args: []string{"s3api", "head-object", "--bucket", "b", "--key", "reports/2023/11/summary.csv"}},
		{Name: "sts assume-role", Service: "sts", Operation: "AssumeRole", Covers: "shorthand list of structures, list, integer",
			Args: []string{"sts", "assume-role", "--role-arn", "arn:aws:iam::123456789012:role/opschat-readonly",
				"--role-session-name", "opschat-U123", "--duration-seconds", "900",
				"--policy-arns", "arn=arn:aws:iam::aws:policy/ReadOnlyAccess",
				"--tags", "Key=platform,Value=slack", "Key=channel,Value=C042"}},
		{Name: "sts get-caller-identity", Service: "sts", Operation: "GetCallerIdentity", Covers: "no parameters",
			Args: []string{"sts", "get-caller-identity"}},
		{Name: "ecs list-services", Service: "ecs", Operation: "ListServices", Covers: "awsJson1.1 enum",
			Args: []string{"ecs", "list-services", "--cluster", "prod", "--launch-type", "FARGATE", "--no-paginate"}},
		{Name: "autoscaling set-desired-capacity", Service: "autoscaling", Operation: "SetDesiredCapacity", Covers: "query integer, boolean",
			Args: []string{"autoscaling", "set-desired-capacity", "--auto-scaling-group-name", "web-asg", "--desired-capacity", "4", "--honor-cooldown"}},
	}
}

// cliDefaults are parameters the AWS CLI adds on its own; RecordCLI removes
// them unless the command line asked for them, because the Go SDK does not
// send them and they are no part of what the user asked.
var cliDefaults = []struct {
	key, param, flag string
}{
	// botocore asks S3 to URL-encode keys in listings and decodes them.
	{"s3:ListObjectsV2", "EncodingType", "--encoding-type"},
	{"s3:ListObjects", "EncodingType", "--encoding-type"},
	{"s3:ListObjectVersions", "EncodingType", "--encoding-type"},
}

// RecordCLI runs c through the AWS CLI and returns the request for
// c.Operation, with parameters the CLI adds by itself removed. It fails
// when the CLI sent no such request.
func (s *Server) RecordCLI(ctx context.Context, c Command) (Request, error) {
	run, err := s.RunCLI(ctx, c.Args...)
	if err != nil {
		return Request{}, err
	}
	for _, r := range run.Requests {
		if r.Service != c.Service || r.Operation != c.Operation {
			continue
		}
		for _, d := range cliDefaults {
			if d.key == r.Key() && !contains(c.Args, d.flag) {
				delete(r.Params, d.param)
			}
		}
		return r, nil
	}
	var sent []string
	for _, r := range run.Requests {
		sent = append(sent, r.Key())
	}
	return Request{}, fmt.Errorf("awssim: cli %q sent no %s:%s request (sent %v, exit %d): %s",
		c.Line(), c.Service, c.Operation, sent, run.ExitCode, strings.TrimSpace(run.Stderr))
}

// Recording is a Command and the request the AWS CLI sent for it.
type Recording struct {
	Command Command
	Request Request
}

// RecordCommands runs RecordCLI for every command, at most parallel at a
// time (1 when parallel < 1), and returns the recordings in the order of
// cmds. The CLI takes about half a second per command, so a table is worth
// recording once per test binary and reusing. It returns the first error
// (ErrNoCLI when the CLI is missing) after every started run ended.
func (s *Server) RecordCommands(ctx context.Context, cmds []Command, parallel int) ([]Recording, error) {
	if err := CLIAvailable(); err != nil {
		return nil, err
	}
	if parallel < 1 {
		parallel = 1
	}
	out := make([]Recording, len(cmds))
	errs := make([]error, len(cmds))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, c := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r, err := s.RecordCLI(ctx, c)
			out[i], errs[i] = Recording{Command: c, Request: r}, err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
