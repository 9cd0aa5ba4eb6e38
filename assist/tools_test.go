package assist_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jmespath/go-jmespath"

	"github.com/opschat/opschat/assist"
	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/common"
)

// realCatalog is the shipped default set: the catalog a host gets from
// common.Register, so every planned command is checked against the real
// operations and parameters.
var realCatalog = sync.OnceValue(func() command.Catalog {
	reg := awsexec.NewRegistry()
	common.Register(reg)
	return reg
})

// notFound is an AWS error as awsexec reports it: with a message for the
// chat user.
type notFound struct{ msg string }

func (e *notFound) Error() string       { return "ResourceNotFoundException: " + e.msg }
func (e *notFound) UserMessage() string { return e.msg }

// fakeTools parses every command against the real catalog (a command the
// planner builds must parse), refuses mutating ones, and answers from
// canned AWS responses in CLI shape, applying the server-side filters the
// planner relies on and then --query, as the executor does.
type fakeTools struct {
	t      testing.TB
	cat    command.Catalog
	data   map[string]string // "service operation" → raw response
	denied map[string]string // "service operation" → why
	// mutatingOK: a mutating command is expected (a model may propose
	// one); it gets NeedsConfirmation instead of failing the test.
	mutatingOK bool
	mu         sync.Mutex
	lines      []string // as the assistant sent them
	ok         []string // normalised, of the commands that ran and succeeded
}

func newFakeTools(t testing.TB) *fakeTools {
	return &fakeTools{t: t, cat: realCatalog(), data: cannedResponses(), denied: map[string]string{}}
}

func (f *fakeTools) Catalog() command.Catalog { return f.cat }

func (f *fakeTools) commands() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.lines...)
}

func (f *fakeTools) succeeded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ok...)
}

func (f *fakeTools) Run(ctx context.Context, line string) assist.ToolResult {
	r := f.run(ctx, line)
	if r.Ran() {
		f.mu.Lock()
		f.ok = append(f.ok, r.Command)
		f.mu.Unlock()
	}
	return r
}

func (f *fakeTools) run(_ context.Context, line string) assist.ToolResult {
	f.mu.Lock()
	f.lines = append(f.lines, line)
	f.mu.Unlock()
	inv, err := command.Parse(line, f.cat)
	if err != nil {
		if f.mutatingOK { // a model's typo is the model's problem
			return assist.ToolResult{Command: line, Err: err}
		}
		f.t.Errorf("planned command does not parse: %q: %v", line, err)
		return assist.ToolResult{Command: line, Err: err}
	}
	if len(inv.Missing) > 0 {
		f.t.Errorf("planned command lacks required parameters: %q", line)
	}
	if !inv.Op.ReadOnly {
		if !f.mutatingOK {
			f.t.Errorf("planned command is not read-only: %q", line)
		}
		return assist.ToolResult{Command: inv.Text, NeedsConfirmation: true}
	}
	key := inv.Service + " " + inv.Operation
	if why, ok := f.denied[key]; ok {
		return assist.ToolResult{Command: inv.Text, Denied: why}
	}
	if key == "lambda get-function-configuration" {
		name := inv.Params["function-name"].(string)
		raw, ok := functions[name]
		if !ok {
			return assist.ToolResult{Command: inv.Text, Err: &notFound{"Function not found: " + name}}
		}
		return f.result(inv, raw)
	}
	raw, ok := f.data[key]
	if !ok {
		f.t.Errorf("no canned response for %q", key)
		return assist.ToolResult{Command: inv.Text, Err: errors.New("no canned response")}
	}
	return f.result(inv, serverFilter(f.t, inv, raw))
}

func (f *fakeTools) result(inv *command.Invocation, raw string) assist.ToolResult {
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		f.t.Fatalf("bad canned JSON: %v", err)
	}
	if inv.Query != "" {
		out, err := jmespath.Search(inv.Query, v)
		if err != nil {
			f.t.Errorf("query %q: %v", inv.Query, err)
			return assist.ToolResult{Command: inv.Text, Err: err}
		}
		v = out
	}
	data, err := json.Marshal(v)
	if err != nil {
		f.t.Fatalf("marshal: %v", err)
	}
	return assist.ToolResult{Command: inv.Text, Data: data}
}

// serverFilter applies what AWS would filter: --state-value, EC2 --filters
// (state, status, tags) and --log-group-name-pattern.
func serverFilter(t testing.TB, inv *command.Invocation, raw string) string {
	var v map[string]any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatalf("bad canned JSON: %v", err)
	}
	keep := func(list []any, ok func(map[string]any) bool) []any {
		out := []any{}
		for _, e := range list {
			if m, _ := e.(map[string]any); m != nil && ok(m) {
				out = append(out, e)
			}
		}
		return out
	}
	if sv, ok := inv.Params["state-value"].(string); ok {
		v["MetricAlarms"] = keep(v["MetricAlarms"].([]any), func(m map[string]any) bool { return m["StateValue"] == sv })
	}
	if p, ok := inv.Params["log-group-name-pattern"].(string); ok {
		v["logGroups"] = keep(v["logGroups"].([]any), func(m map[string]any) bool {
			return strings.Contains(m["logGroupName"].(string), p)
		})
	}
	if fs, ok := inv.Params["filters"].([]any); ok {
		match := func(m map[string]any) bool {
			for _, f := range fs {
				fm := f.(map[string]any)
				name, values := fm["Name"].(string), fm["Values"].([]any)
				var got string
				switch {
				case name == "instance-state-name":
					got = m["State"].(map[string]any)["Name"].(string)
				case name == "status":
					got = m["State"].(string)
				case strings.HasPrefix(name, "tag:"):
					for _, tg := range asList(m["Tags"]) {
						if tm := tg.(map[string]any); tm["Key"] == strings.TrimPrefix(name, "tag:") {
							got = tm["Value"].(string)
						}
					}
				default:
					t.Errorf("filter %q not simulated", name)
				}
				if !contains(values, got) {
					return false
				}
			}
			return true
		}
		if rs, ok := v["Reservations"].([]any); ok {
			for _, r := range rs {
				rm := r.(map[string]any)
				rm["Instances"] = keep(rm["Instances"].([]any), match)
			}
		}
		if vs, ok := v["Volumes"].([]any); ok {
			v["Volumes"] = keep(vs, match)
		}
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return string(out)
}

func asList(v any) []any { l, _ := v.([]any); return l }

func contains(values []any, s string) bool {
	for _, v := range values {
		if v == s {
			return true
		}
	}
	return false
}

// functions are the Lambda functions that exist, for get-function-configuration.
var functions = map[string]string{
	"checkout-api": `{"FunctionName":"checkout-api","Runtime":"python3.12","State":"Active","LastUpdateStatus":"Successful","MemorySize":512,"Timeout":30,"LastModified":"2026-12-01T08:00:00.000+0000"}`,
	"image-resize": `{"FunctionName":"image-resize","Runtime":"nodejs20.x","State":"Failed","StateReason":"The function's VPC subnet has no free IP addresses.","LastUpdateStatus":"Failed","MemorySize":1024,"Timeout":60,"LastModified":"2026-12-06T07:30:00.000+0000"}`,
}

func cannedResponses() map[string]string {
	return map[string]string{
		"lambda list-functions": `{"Functions":[{"FunctionName":"checkout-api","Runtime":"python3.12"},{"FunctionName":"orders-worker","Runtime":"nodejs20.x"},{"FunctionName":"billing-cron","Runtime":"python3.11"}]}`,
		"cloudwatch describe-alarms": `{"MetricAlarms":[
			{"AlarmName":"checkout-api-errors","StateValue":"ALARM","StateUpdatedTimestamp":"2026-12-06T09:12:00.123456+00:00","StateReason":"Threshold Crossed: 1 datapoint [5.0] was greater than the threshold (1.0).","Dimensions":[{"Name":"FunctionName","Value":"checkout-api"}]},
			{"AlarmName":"db-cpu-high","StateValue":"ALARM","StateUpdatedTimestamp":"2026-12-05T22:01:00+00:00","Dimensions":[{"Name":"DBInstanceIdentifier","Value":"orders-db"}]},
			{"AlarmName":"latency-p99","StateValue":"OK","StateUpdatedTimestamp":"2026-12-06T08:00:00Z","Dimensions":[{"Name":"FunctionName","Value":"orders-worker"}]}]}`,
		"ec2 describe-instances": `{"Reservations":[
			{"Instances":[{"InstanceId":"i-0a1","InstanceType":"t3.micro","State":{"Name":"running"},"Tags":[{"Key":"Name","Value":"web-1"},{"Key":"env","Value":"prod"}]},
			              {"InstanceId":"i-0b2","InstanceType":"t3.small","State":{"Name":"stopped"},"Tags":[{"Key":"env","Value":"staging"}]}]},
			{"Instances":[{"InstanceId":"i-0c3","InstanceType":"m5.large","State":{"Name":"stopped"},"Tags":[{"Key":"Name","Value":"batch"},{"Key":"env","Value":"prod"}]}]}]}`,
		"ec2 describe-volumes":                     `{"Volumes":[{"VolumeId":"vol-1","Size":100,"State":"available"},{"VolumeId":"vol-2","Size":8,"State":"in-use"}]}`,
		"ec2 describe-vpcs":                        `{"Vpcs":[{"VpcId":"vpc-1","CidrBlock":"10.0.0.0/16","Tags":[{"Key":"Name","Value":"main"}]}]}`,
		"ec2 describe-security-groups":             `{"SecurityGroups":[{"GroupName":"default","GroupId":"sg-1"},{"GroupName":"web","GroupId":"sg-2"}]}`,
		"ec2 describe-subnets":                     `{"Subnets":[{"SubnetId":"subnet-1","CidrBlock":"10.0.1.0/24","AvailabilityZone":"us-east-1a"}]}`,
		"s3api list-buckets":                       `{"Buckets":[{"Name":"logs-archive"},{"Name":"static-site"}]}`,
		"sqs list-queues":                          `{"QueueUrls":["https://sqs.us-east-1.amazonaws.com/123456789012/orders","https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq"]}`,
		"dynamodb list-tables":                     `{"TableNames":["orders","sessions"]}`,
		"cloudformation describe-stacks":           `{"Stacks":[{"StackName":"app","StackStatus":"UPDATE_COMPLETE"},{"StackName":"net","StackStatus":"UPDATE_IN_PROGRESS"}]}`,
		"cloudformation list-stacks":               `{"StackSummaries":[{"StackName":"old-app","StackStatus":"ROLLBACK_COMPLETE"}]}`,
		"logs describe-log-groups":                 `{"logGroups":[{"logGroupName":"/aws/lambda/checkout-api"},{"logGroupName":"/ecs/payments"},{"logGroupName":"/aws/lambda/image-resize"}]}`,
		"logs filter-log-events":                   `{"events":[{"timestamp":1765011000000,"message":"[ERROR] KeyError: 'cart'"},{"timestamp":1765012000000,"message":"[ERROR] Timeout calling payments\n  at handler"}]}`,
		"ecs list-clusters":                        `{"clusterArns":["arn:aws:ecs:us-east-1:123456789012:cluster/prod"]}`,
		"ecs list-services":                        `{"serviceArns":["arn:aws:ecs:us-east-1:123456789012:service/prod/payments"]}`,
		"rds describe-db-instances":                `{"DBInstances":[{"DBInstanceIdentifier":"orders-db","Engine":"postgres","DBInstanceStatus":"available"},{"DBInstanceIdentifier":"reporting-db","Engine":"mysql","DBInstanceStatus":"stopped"}]}`,
		"rds describe-db-clusters":                 `{"DBClusters":[]}`,
		"elbv2 describe-load-balancers":            `{"LoadBalancers":[{"LoadBalancerName":"web-alb","Type":"application","State":{"Code":"active"}}]}`,
		"stepfunctions list-state-machines":        `{"stateMachines":[{"name":"order-flow"}]}`,
		"sns list-topics":                          `{"Topics":[{"TopicArn":"arn:aws:sns:us-east-1:123456789012:alerts"}]}`,
		"kinesis list-streams":                     `{"StreamNames":["clicks"]}`,
		"autoscaling describe-auto-scaling-groups": `{"AutoScalingGroups":[{"AutoScalingGroupName":"web-asg","DesiredCapacity":3,"Instances":[{},{}]}]}`,
		"codepipeline list-pipelines":              `{"pipelines":[{"name":"deploy-web"}]}`,
		"ssm describe-parameters":                  `{"Parameters":[{"Name":"/app/db-url"}]}`,
		"route53 list-hosted-zones":                `{"HostedZones":[{"Name":"example.com."}]}`,
		"guardduty list-detectors":                 `{"DetectorIds":["abc123"]}`,
	}
}
