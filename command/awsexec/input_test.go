package awsexec_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command/awsexec"
)

func build(t *testing.T, reg *awsexec.Registry, service, op string, params map[string]any) (any, error) {
	t.Helper()
	s, ok := reg.Lookup(service)
	require.True(t, ok, service)
	o, ok := s.Operation(op)
	require.True(t, ok, op)
	return s.BuildInput(o, params)
}

func TestBuildInputTypes(t *testing.T) {
	t.Parallel()
	reg := testRegistry(t)
	ts := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

	in, err := build(t, reg, "cloudwatch", "put-metric-alarm", map[string]any{
		"alarm-name":          "high-cpu",
		"comparison-operator": "GreaterThanThreshold",
		"threshold":           float64(80.5),
		"evaluation-periods":  int64(3),
		"actions-enabled":     false,
		"dimensions": []any{
			map[string]any{"Name": "InstanceId", "Value": "i-1"},
			map[string]any{"name": "AutoScalingGroupName", "value": "web"}, // member names fold case
		},
		"tags": []any{map[string]any{"Key": "team", "Value": "ops"}},
	})
	require.NoError(t, err)
	pm := in.(*cloudwatch.PutMetricAlarmInput)
	assert.Equal(t, "high-cpu", aws.ToString(pm.AlarmName))
	assert.Equal(t, cwtypes.ComparisonOperatorGreaterThanThreshold, pm.ComparisonOperator)
	assert.InDelta(t, 80.5, aws.ToFloat64(pm.Threshold), 0)
	assert.Equal(t, int32(3), aws.ToInt32(pm.EvaluationPeriods))
	require.NotNil(t, pm.ActionsEnabled)
	assert.False(t, *pm.ActionsEnabled)
	require.Len(t, pm.Dimensions, 2)
	assert.Equal(t, "AutoScalingGroupName", aws.ToString(pm.Dimensions[1].Name))

	in, err = build(t, reg, "cloudwatch", "get-metric-statistics", map[string]any{
		"namespace": "AWS/EC2", "metric-name": "CPUUtilization", "period": int64(300),
		"start-time": ts, "end-time": "2024-05-01T13:00:00Z",
		"statistics": []any{"Average", "Maximum"},
	})
	require.NoError(t, err)
	gs := in.(*cloudwatch.GetMetricStatisticsInput)
	assert.Equal(t, ts, aws.ToTime(gs.StartTime))
	assert.Equal(t, ts.Add(time.Hour), aws.ToTime(gs.EndTime))
	assert.Equal(t, []cwtypes.Statistic{"Average", "Maximum"}, gs.Statistics)

	// int64 value fields (logs uses *int64 epoch milliseconds) and a single
	// value where a list is expected.
	in, err = build(t, reg, "logs", "filter-log-events", map[string]any{
		"log-group-name": "g", "start-time": int64(1700000000000), "log-stream-names": "s1", "limit": int64(5),
	})
	require.NoError(t, err)
	fl := in.(*cloudwatchlogs.FilterLogEventsInput)
	assert.Equal(t, int64(1700000000000), aws.ToInt64(fl.StartTime))
	assert.Equal(t, []string{"s1"}, fl.LogStreamNames)

	// Blob and map.
	in, err = build(t, reg, "lambda", "invoke", map[string]any{"function-name": "f", "payload": []byte(`{"k":1}`), "invocation-type": "Event"})
	require.NoError(t, err)
	li := in.(*lambda.InvokeInput)
	assert.JSONEq(t, `{"k":1}`, string(li.Payload))
	in, err = build(t, reg, "lambda", "tag-resource", map[string]any{"resource": "arn", "tags": map[string]any{"a": "1", "b": "2"}})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "1", "b": "2"}, in.(*lambda.TagResourceInput).Tags)

	// Unions (DynamoDB attribute values), in maps and lists.
	in, err = build(t, reg, "dynamodb", "get-item", map[string]any{
		"table-name": "orders",
		"key": map[string]any{
			"pk": map[string]any{"S": "order#1"},
			"sk": map[string]any{"N": "42"},
			"l":  map[string]any{"L": []any{map[string]any{"BOOL": true}, map[string]any{"NULL": true}}},
			"b":  map[string]any{"B": "raw"},
		},
		"consistent-read": true,
	})
	require.NoError(t, err)
	gi := in.(*dynamodb.GetItemInput)
	assert.Equal(t, &ddbtypes.AttributeValueMemberS{Value: "order#1"}, gi.Key["pk"])
	assert.Equal(t, &ddbtypes.AttributeValueMemberN{Value: "42"}, gi.Key["sk"])
	assert.Equal(t, &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{
		&ddbtypes.AttributeValueMemberBOOL{Value: true}, &ddbtypes.AttributeValueMemberNULL{Value: true}}}, gi.Key["l"])
	assert.Equal(t, &ddbtypes.AttributeValueMemberB{Value: []byte("raw")}, gi.Key["b"])

	// Document types (ECS lifecycle hook details).
	in, err = build(t, reg, "ecs", "create-service", map[string]any{
		"service-name": "web",
		"deployment-configuration": map[string]any{
			"lifecycleHooks": []any{map[string]any{"hookTargetArn": "arn:aws:lambda:us-east-1:1:function:f", "hookDetails": map[string]any{"a": []any{1.0, "x"}}}},
		},
	})
	require.NoError(t, err)
	cs := in.(*ecs.CreateServiceInput)
	require.Len(t, cs.DeploymentConfiguration.LifecycleHooks, 1)
	doc, err := cs.DeploymentConfiguration.LifecycleHooks[0].HookDetails.MarshalSmithyDocument()
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":[1,"x"]}`, string(doc))
}

func TestBuildInputErrors(t *testing.T) {
	t.Parallel()
	reg := testRegistry(t)
	cases := []struct {
		name, service, op string
		params            map[string]any
		param, expected   string
	}{
		{"enum", "cloudwatch", "describe-alarms", map[string]any{"state-value": "BROKEN"}, "--state-value", "one of OK, ALARM, INSUFFICIENT_DATA"},
		{"integer from text", "cloudwatch", "describe-alarms", map[string]any{"max-records": "many"}, "--max-records", "an integer"},
		{"integer overflow", "cloudwatch", "describe-alarms", map[string]any{"max-records": int64(1) << 40}, "--max-records", "an integer that fits in 32 bits"},
		{"fraction", "cloudwatch", "describe-alarms", map[string]any{"max-records": 2.5}, "--max-records", "an integer"},
		{"boolean", "cloudwatch", "put-metric-alarm", map[string]any{"actions-enabled": "maybe"}, "--actions-enabled", "true or false"},
		{"float", "cloudwatch", "put-metric-alarm", map[string]any{"threshold": true}, "--threshold", "a number"},
		{"timestamp", "cloudwatch", "get-metric-statistics", map[string]any{"start-time": "yesterday-ish"}, "--start-time", "a timestamp (ISO 8601 such as 2024-05-01T12:00:00Z, or epoch seconds)"},
		{"structure", "cloudwatch", "put-metric-alarm", map[string]any{"dimensions": []any{"Name=x"}}, "--dimensions[0]", "a structure (JSON object or Name=Value,...)"},
		{"unknown member", "cloudwatch", "put-metric-alarm", map[string]any{"dimensions": []any{map[string]any{"Nom": "x", "Value": "y"}}}, "--dimensions[0]", "one of Name, Value"},
		{"missing nested required", "cloudwatch", "put-metric-alarm", map[string]any{"dimensions": []any{map[string]any{"Name": "x"}}}, "--dimensions[0]", "a structure with the required members Value"},
		{"map", "lambda", "tag-resource", map[string]any{"tags": []any{"a"}}, "--tags", "a map (JSON object or Key=Value,...)"},
		{"string", "lambda", "get-function", map[string]any{"function-name": int64(3)}, "--function-name", "a string"},
		{"union with two members", "dynamodb", "get-item", map[string]any{"key": map[string]any{"pk": map[string]any{"S": "a", "N": "1"}}}, "--key.pk", "an object with exactly one of B, BOOL, BS, L, M, N, NS, NULL, S, SS"},
		{"union unknown member", "dynamodb", "get-item", map[string]any{"key": map[string]any{"pk": map[string]any{"X": "a"}}}, "--key.pk", "one of B, BOOL, BS, L, M, N, NS, NULL, S, SS"},
		{"unknown parameter", "lambda", "get-function", map[string]any{"nope": "x"}, "--nope", "one of --function-name, --qualifier"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := build(t, reg, tc.service, tc.op, tc.params)
			var pe *awsexec.ParamError
			require.True(t, errors.As(err, &pe), "got %v", err)
			assert.Equal(t, tc.param, pe.Param)
			assert.Equal(t, tc.expected, pe.Expected)
			assert.NotEmpty(t, pe.Given)
			assert.Contains(t, pe.UserMessage(), tc.param)
		})
	}
}
