package awssim_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/internal/awssim"
)

var fixedNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func newServer(t *testing.T) *awssim.Server {
	t.Helper()
	s := awssim.New(awssim.WithClock(func() time.Time { return fixedNow }))
	t.Cleanup(s.Close)
	return s
}

func apiCode(t *testing.T, err error) string {
	t.Helper()
	require.Error(t, err)
	var ae smithy.APIError
	require.Truef(t, errors.As(err, &ae), "not an API error: %v", err)
	return ae.ErrorCode()
}

func TestCloudWatchDescribeAlarms(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := context.Background()
	clients := map[string]*cloudwatch.Client{
		"cbor": cloudwatch.NewFromConfig(s.Config()),
		"query": cloudwatch.NewFromConfig(s.Config(), func(o *cloudwatch.Options) {
			o.Protocol = awsquery.New(cwschemas.GraniteServiceVersion20100801)
		}),
	}
	for name, cw := range clients {
		t.Run(name, func(t *testing.T) {
			out, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
			require.NoError(t, err)
			require.Len(t, out.MetricAlarms, 5)

			alarming, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{StateValue: cwtypes.StateValueAlarm})
			require.NoError(t, err)
			require.Len(t, alarming.MetricAlarms, 1)
			a := alarming.MetricAlarms[0]
			assert.Equal(t, awssim.AlarmingAlarm, aws.ToString(a.AlarmName))
			assert.Equal(t, "Errors", aws.ToString(a.MetricName))
			assert.Equal(t, "AWS/Lambda", aws.ToString(a.Namespace))
			require.Len(t, a.Dimensions, 1)
			assert.Equal(t, awssim.AlarmingFunction, aws.ToString(a.Dimensions[0].Value))
			assert.Equal(t, 1.0, aws.ToFloat64(a.Threshold))
			assert.True(t, fixedNow.Add(-3*time.Minute).Equal(aws.ToTime(a.StateUpdatedTimestamp)), "state updated %v", a.StateUpdatedTimestamp)
			assert.Equal(t, "arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-api-errors", aws.ToString(a.AlarmArn))

			// The paginator follows NextToken through every page.
			var names []string
			pages := 0
			p := cloudwatch.NewDescribeAlarmsPaginator(cw, &cloudwatch.DescribeAlarmsInput{MaxRecords: aws.Int32(2)})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				require.NoError(t, err)
				pages++
				for _, a := range page.MetricAlarms {
					names = append(names, aws.ToString(a.AlarmName))
				}
			}
			assert.Equal(t, 3, pages)
			assert.Len(t, names, 5)

			// The query client maps the wire code ValidationError to the
			// modelled ValidationException.
			_, err = cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{StateValue: "BROKEN"})
			assert.Contains(t, []string{"ValidationError", "ValidationException"}, apiCode(t, err))
		})
	}
	protos := map[awssim.Protocol]int{}
	for _, r := range s.Requests() {
		protos[r.Protocol]++
	}
	assert.Positive(t, protos[awssim.ProtocolCBOR])
	assert.Positive(t, protos[awssim.ProtocolQuery])
}

func TestGetMetricWidgetImage(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	cw := cloudwatch.NewFromConfig(s.Config())
	widget := `{"width":320,"height":200,"metrics":[["AWS/Lambda","Errors","FunctionName","checkout-api"]],` +
		`"annotations":{"horizontal":[{"value":1}]}}`
	out, err := cw.GetMetricWidgetImage(context.Background(), &cloudwatch.GetMetricWidgetImageInput{MetricWidget: aws.String(widget)})
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(out.MetricWidgetImage))
	require.NoError(t, err)
	assert.Equal(t, 320, img.Bounds().Dx())
	assert.Equal(t, 200, img.Bounds().Dy())

	_, err = cw.GetMetricWidgetImage(context.Background(), &cloudwatch.GetMetricWidgetImageInput{MetricWidget: aws.String("{not json")})
	assert.Equal(t, "InvalidParameterValue", apiCode(t, err))
}

func TestEC2(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := context.Background()
	c := ec2.NewFromConfig(s.Config())

	all, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
	require.NoError(t, err)
	var ids []string
	for _, r := range all.Reservations {
		for _, in := range r.Instances {
			ids = append(ids, aws.ToString(in.InstanceId))
		}
	}
	assert.Len(t, ids, 4)

	prod, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:env"), Values: []string{"prod"}}}})
	require.NoError(t, err)
	require.Len(t, prod.Reservations, 1)
	require.Len(t, prod.Reservations[0].Instances, 2)
	in := prod.Reservations[0].Instances[0]
	assert.Equal(t, ec2types.InstanceStateNameRunning, in.State.Name)
	assert.Equal(t, ec2types.InstanceTypeT3Small, in.InstanceType)
	assert.Contains(t, in.Tags, ec2types.Tag{Key: aws.String("env"), Value: aws.String("prod")})

	stop, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{awssim.RunningInstance}})
	require.NoError(t, err)
	require.Len(t, stop.StoppingInstances, 1)
	assert.Equal(t, ec2types.InstanceStateNameStopping, stop.StoppingInstances[0].CurrentState.Name)
	assert.Equal(t, ec2types.InstanceStateNameRunning, stop.StoppingInstances[0].PreviousState.Name)
	assert.Equal(t, "stopped", s.InstanceState(awssim.RunningInstance))

	_, err = c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{"i-nope"}})
	assert.Equal(t, "InvalidInstanceID.NotFound", apiCode(t, err))
	_, err = c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{awssim.StoppedInstance}, DryRun: aws.Bool(true)})
	assert.Equal(t, "DryRunOperation", apiCode(t, err))
	_, err = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("bogus"), Values: []string{"x"}}}})
	assert.Equal(t, "InvalidParameterValue", apiCode(t, err))

	// Reads answered from the account fixture honour their id filter.
	vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	require.NoError(t, err)
	assert.Len(t, vpcs.Vpcs, 1)
	vpcs, err = c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-nope"}})
	require.NoError(t, err)
	assert.Empty(t, vpcs.Vpcs)
	// Operations without data answer empty and valid.
	eips, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	require.NoError(t, err)
	assert.Empty(t, eips.Addresses)
}

func TestLambda(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := context.Background()
	c := lambda.NewFromConfig(s.Config())

	var names []string
	p := lambda.NewListFunctionsPaginator(c, &lambda.ListFunctionsInput{MaxItems: aws.Int32(3)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		require.NoError(t, err)
		for _, f := range page.Functions {
			names = append(names, aws.ToString(f.FunctionName))
		}
	}
	assert.Equal(t, []string{awssim.AlarmingFunction, "payments-api", "orders-worker", "thumbnailer"}, names)

	out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("payments-api"), Payload: []byte(`{"k":1}`), LogType: lambdatypes.LogTypeTail})
	require.NoError(t, err)
	assert.Nil(t, out.FunctionError)
	assert.Equal(t, int32(200), out.StatusCode)
	var resp struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	require.NoError(t, json.Unmarshal(out.Payload, &resp))
	assert.JSONEq(t, `{"ok":true,"function":"payments-api","input":{"k":1}}`, resp.Body)
	logs, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	require.NoError(t, err)
	assert.Contains(t, string(logs), "REPORT RequestId:")

	failed, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(awssim.AlarmingFunction)})
	require.NoError(t, err)
	assert.Equal(t, "Unhandled", aws.ToString(failed.FunctionError))
	assert.Contains(t, string(failed.Payload), "ECONNREFUSED")

	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("nope")})
	var nf *lambdatypes.ResourceNotFoundException
	assert.ErrorAs(t, err, &nf)

	invokes := s.RequestsFor("lambda", "Invoke")
	require.Len(t, invokes, 3)
	last := invokes[2]
	assert.Equal(t, "lambda:Invoke", last.Key())
	assert.Equal(t, "nope", last.Params["FunctionName"])
}

func TestLogsFilterLogEvents(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c := cloudwatchlogs.NewFromConfig(s.Config())
	out, err := c.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String(awssim.LambdaLogGroup), FilterPattern: aws.String("ERROR"),
		StartTime: aws.Int64(fixedNow.Add(-2 * time.Hour).UnixMilli()), EndTime: aws.Int64(fixedNow.UnixMilli())})
	require.NoError(t, err)
	require.Len(t, out.Events, 3)
	for _, e := range out.Events {
		assert.Contains(t, aws.ToString(e.Message), "ERROR")
	}

	// The sample alarm notification's Show error logs button: the minute
	// before the alarm, whenever the account was started.
	out, err = c.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String(awssim.LambdaLogGroup), FilterPattern: aws.String("ERROR"),
		StartTime: aws.Int64(awssim.SampleAlarmTime.Add(-time.Minute).UnixMilli()), EndTime: aws.Int64(awssim.SampleAlarmTime.UnixMilli())})
	require.NoError(t, err)
	assert.Len(t, out.Events, 5)

	var pages, events int
	p := cloudwatchlogs.NewFilterLogEventsPaginator(c, &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String(awssim.LambdaLogGroup), Limit: aws.Int32(20)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		require.NoError(t, err)
		pages++
		events += len(page.Events)
	}
	assert.Equal(t, 48+24, events)
	assert.Equal(t, 4, pages)

	_, err = c.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/nope")})
	var nf *logstypes.ResourceNotFoundException
	assert.ErrorAs(t, err, &nf)
}

func TestSTSAssumeRole(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := context.Background()
	c := sts.NewFromConfig(s.Config())
	role := "arn:aws:iam::123456789012:role/opschat-readonly"
	out, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String(role), RoleSessionName: aws.String("opschat-U123"),
		PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}},
		Tags:       []ststypes.Tag{{Key: aws.String("platform"), Value: aws.String("slack")}, {Key: aws.String("channel"), Value: aws.String("C042")}},
	})
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:sts::123456789012:assumed-role/opschat-readonly/opschat-U123", aws.ToString(out.AssumedRoleUser.Arn))
	assert.True(t, fixedNow.Add(time.Hour).Equal(aws.ToTime(out.Credentials.Expiration)), "expiration %v", out.Credentials.Expiration)

	calls := s.AssumeRoleCalls()
	require.Len(t, calls, 1)
	assert.Equal(t, awssim.AssumeRoleCall{
		RoleArn: role, RoleSessionName: "opschat-U123", DurationSeconds: 3600,
		PolicyArns:  []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
		Tags:        map[string]string{"platform": "slack", "channel": "C042"},
		AccessKeyID: aws.ToString(out.Credentials.AccessKeyId), CallerAccessKeyID: awssim.BaseAccessKeyID,
	}, calls[0])

	base, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:iam::123456789012:user/opschat-bot", aws.ToString(base.Arn))

	// Calls signed with the issued credentials are the assumed role's.
	cfg := s.Config()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(out.Credentials.AccessKeyId),
		aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))
	who, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	assert.Equal(t, aws.ToString(out.AssumedRoleUser.Arn), aws.ToString(who.Arn))
	assert.Len(t, s.RequestsBy(aws.ToString(out.Credentials.AccessKeyId)), 1)

	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("not-an-arn"), RoleSessionName: aws.String("x1")})
	assert.Equal(t, "ValidationError", apiCode(t, err))
}

// TestFallback: every protocol answers operations without data with an
// empty, valid response the SDK decodes.
func TestFallback(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := context.Background()
	cfg := s.Config()
	calls := map[string]func() error{
		"sqs json1.0": func() error { _, err := sqs.NewFromConfig(cfg).ListQueues(ctx, &sqs.ListQueuesInput{}); return err },
		"sns query":   func() error { _, err := sns.NewFromConfig(cfg).ListTopics(ctx, &sns.ListTopicsInput{}); return err },
		"iam query":   func() error { _, err := iam.NewFromConfig(cfg).ListUsers(ctx, &iam.ListUsersInput{}); return err },
		"cloudformation query": func() error {
			_, err := cloudformation.NewFromConfig(cfg).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{})
			return err
		},
		"cloudwatch cbor": func() error {
			_, err := cloudwatch.NewFromConfig(cfg).ListDashboards(ctx, &cloudwatch.ListDashboardsInput{})
			return err
		},
		"logs json1.1": func() error {
			_, err := cloudwatchlogs.NewFromConfig(cfg).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
			return err
		},
		"lambda rest-json unknown route": func() error {
			_, err := lambda.NewFromConfig(cfg).ListCodeSigningConfigs(ctx, &lambda.ListCodeSigningConfigsInput{})
			return err
		},
		"s3 rest-xml": func() error {
			_, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("b")})
			return err
		},
		"route53 rest-xml": func() error {
			_, err := route53.NewFromConfig(cfg).ListHostedZones(ctx, &route53.ListHostedZonesInput{})
			return err
		},
	}
	for name, call := range calls {
		assert.NoError(t, call(), name)
	}
	assert.Len(t, s.Requests(), len(calls))
	s.Reset()
	assert.Empty(t, s.Requests())
}

func TestFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("access denied per protocol", func(t *testing.T) {
		s := newServer(t)
		cfg := s.Config()
		s.Inject(awssim.AccessDenied("monitoring", "DescribeAlarms"))
		s.Inject(awssim.AccessDenied("ec2", ""))
		s.Inject(awssim.AccessDenied("lambda", "ListFunctions"))
		s.Inject(awssim.AccessDenied("logs", "FilterLogEvents"))
		s.Inject(awssim.AccessDenied("sts", "AssumeRole"))
		s.Inject(awssim.AccessDenied("s3", "ListObjectsV2"))
		_, err := cloudwatch.NewFromConfig(cfg).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
		assert.Equal(t, "AccessDenied", apiCode(t, err))
		_, err = ec2.NewFromConfig(cfg).DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
		assert.Equal(t, "UnauthorizedOperation", apiCode(t, err))
		_, err = lambda.NewFromConfig(cfg).ListFunctions(ctx, &lambda.ListFunctionsInput{})
		assert.Equal(t, "AccessDeniedException", apiCode(t, err))
		_, err = cloudwatchlogs.NewFromConfig(cfg).FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("g")})
		assert.Equal(t, "AccessDeniedException", apiCode(t, err))
		_, err = sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("s1")})
		assert.Equal(t, "AccessDenied", apiCode(t, err))
		_, err = s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("b")})
		assert.Equal(t, "AccessDenied", apiCode(t, err))
		var re interface{ HTTPStatusCode() int }
		require.ErrorAs(t, err, &re)
		assert.Equal(t, http.StatusForbidden, re.HTTPStatusCode())
		assert.Contains(t, err.Error(), "not authorized to perform: s3:ListObjectsV2")
		s.ClearFaults()
		_, err = ec2.NewFromConfig(cfg).DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
		assert.NoError(t, err)
	})

	t.Run("throttling is retried", func(t *testing.T) {
		s := newServer(t)
		s.Inject(awssim.Throttle("monitoring", "DescribeAlarms", 2))
		_, err := cloudwatch.NewFromConfig(s.Config()).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
		require.NoError(t, err)
		assert.Len(t, s.Requests(), 3)
	})

	t.Run("slow response meets the client's deadline", func(t *testing.T) {
		s := newServer(t)
		s.Inject(awssim.Slow("ec2", "DescribeInstances", time.Minute))
		tctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := ec2.NewFromConfig(s.Config()).DescribeInstances(tctx, &ec2.DescribeInstancesInput{})
		require.Error(t, err)
		assert.True(t, errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "deadline"), err.Error())
	})
}

func TestS3(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := context.Background()
	c := s3.NewFromConfig(s.Config(), func(o *s3.Options) { o.UsePathStyle = true })
	buckets, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	require.NoError(t, err)
	require.Len(t, buckets.Buckets, 2)
	assert.Equal(t, "opschat-artifacts", aws.ToString(buckets.Buckets[0].Name))

	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("orders-exports"), Prefix: aws.String("exports/"), MaxKeys: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		require.NoError(t, err)
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
			assert.Positive(t, aws.ToInt64(o.Size))
		}
	}
	assert.Equal(t, []string{"exports/2026/11/22/orders.csv", "exports/2026/11/23/orders.csv", "exports/2026/11/24/orders.csv"}, keys)

	dirs, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("orders-exports"), Delimiter: aws.String("/")})
	require.NoError(t, err)
	require.Len(t, dirs.CommonPrefixes, 2)
	assert.Equal(t, "exports/", aws.ToString(dirs.CommonPrefixes[0].Prefix))
	assert.Empty(t, dirs.Contents)

	_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("nope")})
	assert.Equal(t, "NoSuchBucket", apiCode(t, err))
}
