package cloudwatchops

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
)

var errGraph = errors.New("graph refused")

// barrierGraphs answers GetMetricWidgetImage only once want calls are in
// flight at the same time, so sequential calls time out; titles in fail
// are refused.
type barrierGraphs struct {
	want int
	fail map[string]bool

	mu      sync.Mutex
	arrived int
	all     chan struct{}
}

func (b *barrierGraphs) GetMetricWidgetImage(ctx context.Context, in *cloudwatch.GetMetricWidgetImageInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricWidgetImageOutput, error) {
	b.mu.Lock()
	b.arrived++
	if b.arrived == b.want {
		close(b.all)
	}
	b.mu.Unlock()
	select {
	case <-b.all:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	w := aws.ToString(in.MetricWidget)
	for title := range b.fail {
		if strings.Contains(w, `"title":"`+title+`"`) {
			return nil, errGraph
		}
	}
	return &cloudwatch.GetMetricWidgetImageOutput{MetricWidgetImage: []byte(w)}, nil
}

func metricAlarm(name string) types.MetricAlarm {
	return types.MetricAlarm{AlarmName: aws.String(name), Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Errors"),
		Statistic: types.StatisticSum, Period: aws.Int32(60), Threshold: aws.Float64(1)}
}

func TestAlarmGraphsConcurrentInOrder(t *testing.T) {
	t.Parallel()
	mathAlarm := types.MetricAlarm{AlarmName: aws.String("math")} // no single metric: no graph
	out := &cloudwatch.DescribeAlarmsOutput{MetricAlarms: []types.MetricAlarm{
		metricAlarm("a"), mathAlarm, metricAlarm("b"), metricAlarm("c"), metricAlarm("d")}}
	cases := []struct {
		name      string
		fail      map[string]bool
		wantNames []string
		wantErr   bool
		wantNote  bool
	}{
		{name: "all", wantNames: []string{"a.png", "b.png", "c.png"}, wantNote: true},
		{name: "one refused", fail: map[string]bool{"b": true}, wantNames: []string{"a.png", "c.png"}, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			client := &barrierGraphs{want: 3, fail: c.fail, all: make(chan struct{})}
			// Sequential calls would wait here for the deadline.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var msg chat.Message
			err := alarmGraphs(3)(ctx, client, out, &msg)
			require.NoError(t, ctx.Err(), "graphs were fetched one after another")
			if c.wantErr {
				assert.ErrorIs(t, err, errGraph)
			} else {
				assert.NoError(t, err)
			}
			var names []string
			for _, img := range msg.Images {
				names = append(names, img.Name)
				assert.Equal(t, "image/png", img.ContentType)
				assert.Contains(t, string(img.Data), `"title":"`+strings.TrimSuffix(img.Name, ".png")+`"`)
			}
			assert.Equal(t, c.wantNames, names)
			assert.Equal(t, c.wantNote, strings.Contains(strings.Join(msg.Context, "\n"), "Graphs shown for the first 3 of 5 alarms"))
		})
	}
}
