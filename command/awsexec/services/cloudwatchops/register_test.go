package cloudwatchops_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/stretchr/testify/assert"

	"github.com/opschat/opschat/command/awsexec/services/cloudwatchops"
)

func TestAlarmWidget(t *testing.T) {
	t.Parallel()
	w, ok := cloudwatchops.AlarmWidget(types.MetricAlarm{
		AlarmName: aws.String("api-errors"), Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Errors"),
		Dimensions: []types.Dimension{{Name: aws.String("FunctionName"), Value: aws.String("api")}},
		Statistic:  types.StatisticSum, Period: aws.Int32(60), Threshold: aws.Float64(1),
	})
	assert.True(t, ok)
	assert.JSONEq(t, `{"title":"api-errors","start":"-PT3H","view":"timeSeries","width":600,"height":300,
		"metrics":[["AWS/Lambda","Errors","FunctionName","api",{"stat":"Sum","period":60}]],
		"annotations":{"horizontal":[{"label":"threshold","value":1}]}}`, w)
	// Byte for byte as before (keys sorted): the simulated account caches
	// images by definition, and a stable definition is easier to diff.
	assert.Equal(t, `{"annotations":{"horizontal":[{"label":"threshold","value":1}]},"height":300,`+
		`"metrics":[["AWS/Lambda","Errors","FunctionName","api",{"period":60,"stat":"Sum"}]],"start":"-PT3H",`+
		`"title":"api-errors","view":"timeSeries","width":600}`, w)

	w, ok = cloudwatchops.AlarmWidget(types.MetricAlarm{
		AlarmName: aws.String("p99"), Namespace: aws.String("AWS/ApiGateway"), MetricName: aws.String("Latency"),
		ExtendedStatistic: aws.String("p99"),
	})
	assert.True(t, ok)
	assert.JSONEq(t, `{"title":"p99","start":"-PT3H","view":"timeSeries","width":600,"height":300,
		"metrics":[["AWS/ApiGateway","Latency",{"stat":"p99"}]]}`, w)

	// Metric math alarms have no single metric to graph.
	_, ok = cloudwatchops.AlarmWidget(types.MetricAlarm{AlarmName: aws.String("math"), Metrics: []types.MetricDataQuery{{Id: aws.String("e1")}}})
	assert.False(t, ok)
}
