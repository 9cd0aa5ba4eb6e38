package cloudwatchops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/command/awsexec"
)

// DefaultMaxGraphs is how many alarm graphs describe-alarms attaches.
const DefaultMaxGraphs = 3

// Register adds the cloudwatch table to reg, with describe-alarms showing
// the metric graph of up to DefaultMaxGraphs alarms as AWS Chatbot does.
// The graphs follow the answer (awsexec's DecorateLater): the alarms are
// shown as soon as DescribeAlarms answers, and the message is then edited
// to add the graphs, each of which costs a GetMetricWidgetImage call.
func Register(reg *awsexec.Registry) { RegisterWithGraphs(reg, DefaultMaxGraphs) }

// RegisterWithGraphs is Register with a different number of graphs; 0
// disables them.
func RegisterWithGraphs(reg *awsexec.Registry, maxGraphs int) {
	s := Service()
	if maxGraphs > 0 {
		// describe-alarms is in every generated table; the error cannot happen.
		_ = s.DecorateLater("describe-alarms", alarmGraphs(maxGraphs))
	}
	reg.Add(s)
}

// RegisterReadOnly adds the read-only cloudwatch table (with alarm graphs)
// to reg; see ReadOnlyService.
func RegisterReadOnly(reg *awsexec.Registry) {
	s := ReadOnlyService()
	_ = s.DecorateLater("describe-alarms", alarmGraphs(DefaultMaxGraphs))
	reg.Add(s)
}

// graphAPI is the part of the CloudWatch client the graphs need.
type graphAPI interface {
	GetMetricWidgetImage(ctx context.Context, in *cloudwatch.GetMetricWidgetImageInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricWidgetImageOutput, error)
}

// alarmGraphs fetches the graphs of the first maxGraphs alarms that have a
// single metric. The GetMetricWidgetImage calls run concurrently (they are
// independent and each is a round trip), within the command's context and
// so its budget; the images keep the alarms' order. A failed graph is
// reported and left out; the others are still shown.
func alarmGraphs(maxGraphs int) awsexec.Decorator {
	return func(ctx context.Context, client any, output any, msg *chat.Message) error {
		c, ok := client.(graphAPI)
		out, ok2 := output.(*cloudwatch.DescribeAlarmsOutput)
		if !ok || !ok2 {
			return fmt.Errorf("cloudwatchops: graphs: unexpected client %T or output %T", client, output)
		}
		type graph struct {
			alarm  types.MetricAlarm
			widget string
			img    []byte
			err    error
		}
		var graphs []graph
		for _, a := range out.MetricAlarms {
			if len(msg.Images)+len(graphs) >= maxGraphs {
				break
			}
			if widget, ok := AlarmWidget(a); ok {
				graphs = append(graphs, graph{alarm: a, widget: widget})
			}
		}
		var wg sync.WaitGroup
		for i := range graphs {
			g := &graphs[i]
			fetch := func() {
				img, err := c.GetMetricWidgetImage(ctx, &cloudwatch.GetMetricWidgetImageInput{
					MetricWidget: aws.String(g.widget), OutputFormat: aws.String("png"),
				})
				if err != nil {
					g.err = fmt.Errorf("cloudwatchops: graph of %s: %w", aws.ToString(g.alarm.AlarmName), err)
					return
				}
				g.img = img.MetricWidgetImage
			}
			if i == len(graphs)-1 {
				fetch() // the last one on this goroutine
			} else {
				wg.Go(fetch)
			}
		}
		wg.Wait()
		var errs []error
		for _, g := range graphs {
			if g.err != nil {
				errs = append(errs, g.err)
				continue
			}
			a := g.alarm
			name := aws.ToString(a.AlarmName)
			msg.Images = append(msg.Images, chat.Image{
				Data: g.img, ContentType: "image/png", Name: safeFile(name) + ".png",
				AltText: fmt.Sprintf("Graph of %s (%s) for alarm %s over the last 3 hours", aws.ToString(a.MetricName), aws.ToString(a.Namespace), name),
			})
		}
		if n := len(out.MetricAlarms); n > maxGraphs && len(msg.Images) == maxGraphs {
			msg.Context = append(msg.Context, fmt.Sprintf("Graphs shown for the first %d of %d alarms.", maxGraphs, n))
		}
		return errors.Join(errs...)
	}
}

// AlarmWidget returns the GetMetricWidgetImage definition graphing an alarm's
// metric over the last three hours with its threshold, or false for alarms
// on metric math, which have no single metric.
func AlarmWidget(a types.MetricAlarm) (string, bool) {
	if a.MetricName == nil || a.Namespace == nil {
		return "", false
	}
	metric := []any{aws.ToString(a.Namespace), aws.ToString(a.MetricName)}
	for _, d := range a.Dimensions {
		metric = append(metric, aws.ToString(d.Name), aws.ToString(d.Value))
	}
	stat := string(a.Statistic)
	if a.ExtendedStatistic != nil {
		stat = *a.ExtendedStatistic
	}
	metric = append(metric, metricOptions{Period: a.Period, Stat: stat})
	w := widget{
		Title:   aws.ToString(a.AlarmName),
		Metrics: [][]any{metric},
		Start:   "-PT3H",
		View:    "timeSeries",
		Width:   600,
		Height:  300,
	}
	if a.Threshold != nil {
		w.Annotations = &annotations{Horizontal: []line{{Label: "threshold", Value: *a.Threshold}}}
	}
	b, err := json.Marshal(w)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// widget is a metric widget definition; its fields are in the order
// encoding/json gave the map it once was, so definitions (and the images
// cached by them) stay the same.
type widget struct {
	Annotations *annotations `json:"annotations,omitempty"`
	Height      int          `json:"height"`
	Metrics     [][]any      `json:"metrics"`
	Start       string       `json:"start"`
	Title       string       `json:"title"`
	View        string       `json:"view"`
	Width       int          `json:"width"`
}

type annotations struct {
	Horizontal []line `json:"horizontal"`
}

type line struct {
	Label string  `json:"label"`
	Value float64 `json:"value"`
}

type metricOptions struct {
	Period *int32 `json:"period,omitempty"`
	Stat   string `json:"stat,omitempty"`
}

func safeFile(s string) string {
	r := []rune(s)
	for i, c := range r {
		if !(c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			r[i] = '_'
		}
	}
	if len(r) > 60 {
		r = r[:60]
	}
	if len(r) == 0 {
		return "graph"
	}
	return string(r)
}
