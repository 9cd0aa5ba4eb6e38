package awssim_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/internal/awssim"
)

// sdkCall sends, with the Go SDK, the request a Command's CLI line means.
// Errors the simulated services answer with are ignored: only the request
// matters here.
type sdkCall func(ctx context.Context, cfg aws.Config) error

var queueURL = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"

func ts(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// sdkEquivalents maps every awssim.Commands() name to its hand-built SDK
// input.
var sdkEquivalents = map[string]sdkCall{
	"cloudwatch describe-alarms state and names": func(ctx context.Context, cfg aws.Config) error {
		_, err := cloudwatch.NewFromConfig(cfg).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{
			StateValue: cwtypes.StateValueAlarm, AlarmNames: []string{"a", "b"}})
		return err
	},
	"cloudwatch describe-alarms prefix and page size": func(ctx context.Context, cfg aws.Config) error {
		_, err := cloudwatch.NewFromConfig(cfg).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{
			AlarmNamePrefix: aws.String("checkout"), MaxRecords: aws.Int32(2)})
		return err
	},
	"cloudwatch get-metric-statistics": func(ctx context.Context, cfg aws.Config) error {
		_, err := cloudwatch.NewFromConfig(cfg).GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
			Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Errors"),
			Dimensions: []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String("checkout-api")}},
			StartTime:  ts("2023-11-14T22:13:20Z"), EndTime: ts("2023-11-14T23:13:20Z"), Period: aws.Int32(300),
			Statistics: []cwtypes.Statistic{cwtypes.StatisticSum, cwtypes.StatisticMaximum}})
		return err
	},
	"cloudwatch set-alarm-state": func(ctx context.Context, cfg aws.Config) error {
		_, err := cloudwatch.NewFromConfig(cfg).SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{
			AlarmName: aws.String("checkout-api-errors"), StateValue: cwtypes.StateValueOk,
			StateReason: aws.String("manual reset"), StateReasonData: aws.String(`{"by":"opschat"}`)})
		return err
	},
	"ec2 describe-instances filters": func(ctx context.Context, cfg aws.Config) error {
		_, err := ec2.NewFromConfig(cfg).DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
			{Name: aws.String("tag:env"), Values: []string{"prod", "dev"}},
			{Name: aws.String("instance-state-name"), Values: []string{"running"}}}})
		return err
	},
	"ec2 describe-instances ids": func(ctx context.Context, cfg aws.Config) error {
		_, err := ec2.NewFromConfig(cfg).DescribeInstances(ctx, &ec2.DescribeInstancesInput{
			InstanceIds: []string{awssim.RunningInstance, awssim.StoppedInstance}})
		return err
	},
	"ec2 stop-instances": func(ctx context.Context, cfg aws.Config) error {
		_, err := ec2.NewFromConfig(cfg).StopInstances(ctx, &ec2.StopInstancesInput{
			InstanceIds: []string{awssim.RunningInstance}, Force: aws.Bool(true)})
		return err
	},
	"ec2 describe-volumes JSON filters": func(ctx context.Context, cfg aws.Config) error {
		_, err := ec2.NewFromConfig(cfg).DescribeVolumes(ctx, &ec2.DescribeVolumesInput{
			Filters:    []ec2types.Filter{{Name: aws.String("attachment.instance-id"), Values: []string{"i-1"}}},
			MaxResults: aws.Int32(10)})
		return err
	},
	"lambda list-functions": func(ctx context.Context, cfg aws.Config) error {
		_, err := lambda.NewFromConfig(cfg).ListFunctions(ctx, &lambda.ListFunctionsInput{
			FunctionVersion: lambdatypes.FunctionVersionAll, MaxItems: aws.Int32(2)})
		return err
	},
	"lambda invoke payload": func(ctx context.Context, cfg aws.Config) error {
		_, err := lambda.NewFromConfig(cfg).Invoke(ctx, &lambda.InvokeInput{
			FunctionName: aws.String("payments-api"), Payload: []byte(`{"k":1}`), LogType: lambdatypes.LogTypeTail})
		return err
	},
	"lambda get-function qualifier": func(ctx context.Context, cfg aws.Config) error {
		_, err := lambda.NewFromConfig(cfg).GetFunction(ctx, &lambda.GetFunctionInput{
			FunctionName: aws.String("payments-api"), Qualifier: aws.String("live")})
		return err
	},
	"logs filter-log-events": func(ctx context.Context, cfg aws.Config) error {
		_, err := cloudwatchlogs.NewFromConfig(cfg).FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{
			LogGroupName: aws.String("g"), StartTime: aws.Int64(1700000000000), EndTime: aws.Int64(1700003600000),
			FilterPattern: aws.String("ERROR"), LogStreamNames: []string{"s1", "s2"}, Limit: aws.Int32(50)})
		return err
	},
	"logs describe-log-groups": func(ctx context.Context, cfg aws.Config) error {
		_, err := cloudwatchlogs.NewFromConfig(cfg).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{
			LogGroupNamePrefix: aws.String("/aws/lambda/"), Limit: aws.Int32(5)})
		return err
	},
	"ssm get-parameters": func(ctx context.Context, cfg aws.Config) error {
		_, err := ssm.NewFromConfig(cfg).GetParameters(ctx, &ssm.GetParametersInput{
			Names: []string{"a", "b"}, WithDecryption: aws.Bool(true)})
		return err
	},
	"ssm get-parameters-by-path": func(ctx context.Context, cfg aws.Config) error {
		_, err := ssm.NewFromConfig(cfg).GetParametersByPath(ctx, &ssm.GetParametersByPathInput{
			Path: aws.String("/app"), Recursive: aws.Bool(true), WithDecryption: aws.Bool(false),
			ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("Type"), Values: []string{"SecureString"}}}})
		return err
	},
	"sqs get-queue-attributes": func(ctx context.Context, cfg aws.Config) error {
		_, err := sqs.NewFromConfig(cfg).GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl: aws.String(queueURL),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
				sqstypes.QueueAttributeNameVisibilityTimeout}})
		return err
	},
	"sqs send-message attributes": func(ctx context.Context, cfg aws.Config) error {
		_, err := sqs.NewFromConfig(cfg).SendMessage(ctx, &sqs.SendMessageInput{
			QueueUrl: aws.String(queueURL), MessageBody: aws.String("hello"), DelaySeconds: 5,
			MessageAttributes: map[string]sqstypes.MessageAttributeValue{
				"kind": {DataType: aws.String("String"), StringValue: aws.String("test")}}})
		return err
	},
	"dynamodb query": func(ctx context.Context, cfg aws.Config) error {
		_, err := dynamodb.NewFromConfig(cfg).Query(ctx, &dynamodb.QueryInput{
			TableName: aws.String("orders"), KeyConditionExpression: aws.String("pk = :pk"),
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":pk": &ddbtypes.AttributeValueMemberS{Value: "order#1"}},
			ConsistentRead:            aws.Bool(true), Limit: aws.Int32(10)})
		return err
	},
	"dynamodb get-item": func(ctx context.Context, cfg aws.Config) error {
		_, err := dynamodb.NewFromConfig(cfg).GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String("orders"), ProjectionExpression: aws.String("pk, total"),
			Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "order#1"},
				"sk": &ddbtypes.AttributeValueMemberN{Value: "42"}}})
		return err
	},
	"kinesis list-shards": func(ctx context.Context, cfg aws.Config) error {
		_, err := kinesis.NewFromConfig(cfg).ListShards(ctx, &kinesis.ListShardsInput{
			StreamName: aws.String("clicks"), MaxResults: aws.Int32(100)})
		return err
	},
	"kinesis get-shard-iterator timestamp": func(ctx context.Context, cfg aws.Config) error {
		_, err := kinesis.NewFromConfig(cfg).GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
			StreamName: aws.String("clicks"), ShardId: aws.String("shardId-000000000000"),
			ShardIteratorType: kintypes.ShardIteratorTypeAtTimestamp, Timestamp: ts("2023-11-14T22:13:20Z")})
		return err
	},
	"sns publish attributes": func(ctx context.Context, cfg aws.Config) error {
		_, err := sns.NewFromConfig(cfg).Publish(ctx, &sns.PublishInput{
			TopicArn: aws.String("arn:aws:sns:us-east-1:123456789012:ops-alerts"), Message: aws.String("hi there"),
			Subject: aws.String("test"), MessageAttributes: map[string]snstypes.MessageAttributeValue{
				"severity": {DataType: aws.String("String"), StringValue: aws.String("high")}}})
		return err
	},
	"sns list-subscriptions-by-topic": func(ctx context.Context, cfg aws.Config) error {
		_, err := sns.NewFromConfig(cfg).ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{
			TopicArn: aws.String("arn:aws:sns:us-east-1:123456789012:ops-alerts")})
		return err
	},
	"s3api list-objects-v2": func(ctx context.Context, cfg aws.Config) error {
		_, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListObjectsV2(ctx, &s3.ListObjectsV2Input{
			Bucket: aws.String("b"), Prefix: aws.String("p"), MaxKeys: aws.Int32(5)})
		return err
	},
	"s3api head-object": func(ctx context.Context, cfg aws.Config) error {
		_, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).HeadObject(ctx, &s3.HeadObjectInput{
			Bucket: aws.String("b"), Key: aws.String("reports/2023/11/summary.csv")})
		return err
	},
	"sts assume-role": func(ctx context.Context, cfg aws.Config) error {
		_, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn: aws.String("arn:aws:iam::123456789012:role/opschat-readonly"), RoleSessionName: aws.String("opschat-U123"),
			DurationSeconds: aws.Int32(900),
			PolicyArns:      []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}},
			Tags: []ststypes.Tag{{Key: aws.String("platform"), Value: aws.String("slack")},
				{Key: aws.String("channel"), Value: aws.String("C042")}}})
		return err
	},
	"sts get-caller-identity": func(ctx context.Context, cfg aws.Config) error {
		_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	},
	"ecs list-services": func(ctx context.Context, cfg aws.Config) error {
		_, err := ecs.NewFromConfig(cfg).ListServices(ctx, &ecs.ListServicesInput{
			Cluster: aws.String("prod"), LaunchType: ecstypes.LaunchTypeFargate})
		return err
	},
	"autoscaling set-desired-capacity": func(ctx context.Context, cfg aws.Config) error {
		_, err := autoscaling.NewFromConfig(cfg).SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{
			AutoScalingGroupName: aws.String("web-asg"), DesiredCapacity: aws.Int32(4), HonorCooldown: aws.Bool(true)})
		return err
	},
}

// TestDifferentialCLI proves the normaliser: for every command of the
// table, the request the AWS CLI sends and the one the Go SDK sends for the
// equivalent hand-built input have the same normalised form.
func TestDifferentialCLI(t *testing.T) {
	if err := awssim.CLIAvailable(); err != nil {
		t.Skipf("differential test needs the AWS CLI: %v", err)
	}
	cmds := awssim.Commands()
	require.GreaterOrEqual(t, len(cmds), 20)
	for _, c := range cmds {
		call, ok := sdkEquivalents[c.Name]
		require.Truef(t, ok, "no SDK equivalent for %q", c.Name)
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			srv := awssim.New()
			defer srv.Close()

			cli, err := srv.RecordCLI(ctx, c)
			require.NoError(t, err)

			_ = call(ctx, srv.Config())
			sdk := lastOp(t, srv.RequestsBy(awssim.BaseAccessKeyID), c.Service, c.Operation)

			assert.Empty(t, awssim.Diff(cli, sdk), "CLI (%s) vs SDK (%s) for %s", cli.Protocol, sdk.Protocol, c.Line())
			assert.Equal(t, awssim.Normalize(cli), awssim.Normalize(sdk))
			if c.Operation != "GetCallerIdentity" {
				// Guards against two empty decodes comparing equal.
				assert.NotEmpty(t, cli.Params, "command %q recorded no parameters", c.Line())
			}
		})
	}
}

func lastOp(t *testing.T, reqs []awssim.Request, service, op string) awssim.Request {
	t.Helper()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Service == service && reqs[i].Operation == op {
			return reqs[i]
		}
	}
	var keys []string
	for _, r := range reqs {
		keys = append(keys, r.Key()+" "+r.Method+" "+r.Path)
	}
	require.FailNowf(t, "request not recorded", "no %s:%s among %v", service, op, keys)
	return awssim.Request{}
}

func TestRecordCommands(t *testing.T) {
	if err := awssim.CLIAvailable(); err != nil {
		t.Skipf("needs the AWS CLI: %v", err)
	}
	t.Parallel()
	srv := newServer(t)
	cmds := awssim.Commands()[:3]
	recs, err := srv.RecordCommands(context.Background(), cmds, 3)
	require.NoError(t, err)
	require.Len(t, recs, 3)
	for i, r := range recs {
		assert.Equal(t, cmds[i].Name, r.Command.Name)
		assert.Equal(t, cmds[i].Operation, r.Request.Operation)
		assert.NotEqual(t, awssim.BaseAccessKeyID, r.Request.AccessKeyID, "CLI runs sign with their own key")
	}

	_, err = srv.RecordCLI(context.Background(), awssim.Command{Name: "wrong op", Args: []string{"sts", "get-caller-identity"},
		Service: "sts", Operation: "AssumeRole"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sent no sts:AssumeRole request (sent [sts:GetCallerIdentity]")
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	c := awssim.Command{Args: []string{"lambda", "invoke", "--payload", `{"k":1}`, "--function-name", "f", "--x", "it's"}}
	assert.Equal(t, `lambda invoke --payload '{"k":1}' --function-name f --x 'it'"'"'s'`, c.Line())
	inv := awssim.Command{Args: []string{"lambda", "invoke", "--function-name", "f", "--payload", `{"k":1}`,
		"--cli-binary-format", "raw-in-base64-out", "--no-paginate", "/dev/null"}}
	assert.Equal(t, `lambda invoke --function-name f --payload '{"k":1}'`, inv.ChatLine())
	noOut := awssim.Command{Args: []string{"lambda", "invoke", "--payload", "{}", "--function-name", "f"}}
	assert.Equal(t, noOut.Args, noOut.ChatArgs())
	names := map[string]bool{}
	for _, c := range awssim.Commands() {
		assert.False(t, names[c.Name], "duplicate name %q", c.Name)
		names[c.Name] = true
		assert.NotEmpty(t, c.Service)
		assert.NotEmpty(t, c.Operation)
	}
}

// TestCLIReadsResponses: the AWS CLI (botocore) parses the simulated
// responses too, so they are valid beyond the Go SDK.
func TestCLIReadsResponses(t *testing.T) {
	if err := awssim.CLIAvailable(); err != nil {
		t.Skipf("needs the AWS CLI: %v", err)
	}
	t.Parallel()
	tests := []struct {
		args  []string
		query string // --query expression
		want  string
	}{
		{[]string{"cloudwatch", "describe-alarms", "--state-value", "ALARM"}, "MetricAlarms[].[AlarmName,MetricName,Dimensions[0].Value]",
			`[["checkout-api-errors","Errors","checkout-api"]]`},
		{[]string{"ec2", "describe-instances", "--filters", "Name=tag:env,Values=prod"}, "Reservations[].Instances[].[InstanceId,State.Name]",
			`[["i-0a1b2c3d4e5f60001","running"],["i-0a1b2c3d4e5f60002","running"]]`},
		{[]string{"lambda", "list-functions"}, "length(Functions)", `4`},
		{[]string{"logs", "filter-log-events", "--log-group-name", awssim.LambdaLogGroup, "--filter-pattern", "ERROR"}, "length(events)", `8`}, // today's 3 and the sample alarm's 5
		{[]string{"sts", "assume-role", "--role-arn", "arn:aws:iam::123456789012:role/r", "--role-session-name", "s1"}, "AssumedRoleUser.Arn",
			`"arn:aws:sts::123456789012:assumed-role/r/s1"`},
		{[]string{"ec2", "stop-instances", "--instance-ids", awssim.RunningInstance}, "StoppingInstances[0].CurrentState.Name", `"stopping"`},
		{[]string{"s3api", "list-objects-v2", "--bucket", "orders-exports", "--prefix", "reports/"}, "Contents[].Key",
			`["reports/2026/11/summary.pdf"]`},
		{[]string{"s3api", "list-buckets"}, "Buckets[].Name", `["opschat-artifacts","orders-exports"]`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			run, err := srv.RunCLI(context.Background(), append(tt.args, "--query", tt.query)...)
			require.NoError(t, err)
			require.Equal(t, 0, run.ExitCode, run.Stderr)
			assert.JSONEq(t, tt.want, run.Stdout)
		})
	}
}
