package notify

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opschat/opschat/chat"
)

// maxTriggeringChildren is how many children of a composite alarm are shown,
// as AWS Chatbot does.
const maxTriggeringChildren = 3

// alarmTimeLayouts are the timestamp shapes CloudWatch writes: the SNS
// message uses "+0000" offsets, EventBridge RFC 3339.
var alarmTimeLayouts = []string{"2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700", time.RFC3339Nano}

func parseAlarmTime(s string) time.Time {
	for _, l := range alarmTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func alarmSeverity(state string) chat.Severity {
	switch state {
	case "ALARM":
		return chat.SeverityCritical
	case "OK":
		return chat.SeveritySuccess
	case "INSUFFICIENT_DATA":
		return chat.SeverityWarning
	}
	return chat.SeverityNone
}

// snsAlarm is the JSON CloudWatch publishes to SNS for metric, metric-math
// and composite alarms. It is decoded into a struct, not a map, because
// alarms are the most frequent notification and this is the hot path.
type snsAlarm struct {
	AlarmName, AlarmDescription, NewStateValue, NewStateReason  string
	StateChangeTime, Region, AlarmArn, OldStateValue, AlarmRule string
	AWSAccountIDField                                           string `json:"AWSAccountId"`
	TriggeringChildren                                          []snsChild
	Trigger                                                     *snsTrigger
}

// snsChild is one child of a composite alarm.
type snsChild struct {
	Arn   string
	State struct{ Value, Timestamp string }
}

// snsTrigger is the metric (or metric-math) definition of a metric alarm.
type snsTrigger struct {
	MetricName, Namespace, Statistic, ExtendedStatistic, ComparisonOperator string
	Dimensions                                                              []snsDimension
	Period, EvaluationPeriods                                               float64
	Threshold                                                               *float64
	Metrics                                                                 []snsMetricQuery
}

// snsMetricQuery is one metric-math query of a trigger.
type snsMetricQuery struct {
	ID         string `json:"Id"`
	Label      string
	Expression string
	ReturnData *bool
	MetricStat *snsMetricStat
}

type snsMetricStat struct {
	Period float64
	Stat   string
	Metric struct {
		Namespace, MetricName string
		Dimensions            []snsDimension
	}
}

type snsDimension struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func snsDims(ds []snsDimension) []dim {
	out := make([]dim, len(ds))
	for i, d := range ds {
		out[i] = dim{name: d.Name, value: d.Value}
	}
	return out
}

// parseAlarm decodes an SNS alarm message; the error names what is wrong.
func parseAlarm(message string) (*snsAlarm, error) {
	var a snsAlarm
	if !scanAlarm(message, &a) {
		a = snsAlarm{}
		if err := json.Unmarshal([]byte(message), &a); err != nil {
			return nil, fmt.Errorf("cloudwatch alarm: %w", err)
		}
	}
	if a.AlarmName == "" || a.NewStateValue == "" {
		return nil, fmt.Errorf("cloudwatch alarm: AlarmName and NewStateValue must be non-empty strings")
	}
	return &a, nil
}

// decodeAlarm turns an SNS alarm message into a Notification.
func decodeAlarm(m *snsAlarm, raw string) *Notification {
	name, state := m.AlarmName, m.NewStateValue
	alarmARN := m.AlarmArn
	a, _ := parseARN(alarmARN)
	region := firstNonEmpty(a.region, regionFromLongName(m.Region))
	n := &Notification{
		Kind:        KindCloudWatchAlarm,
		Source:      "aws.cloudwatch",
		Service:     "CloudWatch",
		EventType:   "CloudWatch Alarm",
		Severity:    alarmSeverity(state),
		Account:     firstNonEmpty(m.AWSAccountIDField, a.account),
		Region:      region,
		Partition:   firstNonEmpty(a.partition, partitionOf(region)),
		ThreadKey:   firstNonEmpty(alarmARN, name),
		Time:        parseAlarmTime(m.StateChangeTime),
		Description: chat.EscapeMarkdown(m.NewStateReason),
		Text:        raw,
		payload:     &lazyPayload{raw: raw},
		Variables:   make(map[string]string, 12),
	}
	if alarmARN != "" {
		n.Resources = []string{alarmARN}
		n.ID = alarmARN + "@" + m.StateChangeTime
	}
	n.Title = chat.EscapeMarkdown(alarmTitle(state, m.OldStateValue)) + " | " + chat.EscapeMarkdown(name) + " | " + chat.EscapeMarkdown(firstNonEmpty(region, m.Region))
	n.Summary = "CloudWatch alarm " + name + " is " + state
	n.TitleLink = consoleURL(n.Partition, region, "cloudwatch", "home", "#alarmsV2:alarm/"+url.PathEscape(name))
	vars := n.Variables
	vars["AlarmName"] = name
	vars["AlarmArn"] = alarmARN
	vars["NewStateValue"] = state
	vars["OldStateValue"] = m.OldStateValue
	vars["Region"] = region
	vars["Account"] = n.Account
	vars["StateChangeTime"] = m.StateChangeTime

	n.Fields = make([]chat.Field, 0, 8)
	if d := m.AlarmDescription; d != "" {
		n.Fields = append(n.Fields, chat.Field{Name: "Description", Value: d})
	}
	n.Fields = append(n.Fields, chat.Field{Name: "State", Value: stateChange(m.OldStateValue, state), Short: true})

	if m.AlarmRule != "" || len(m.TriggeringChildren) > 0 {
		n.EventType = "CloudWatch Composite Alarm"
		if m.AlarmRule != "" {
			n.Fields = append(n.Fields, chat.Field{Name: "Alarm rule", Value: m.AlarmRule})
		}
		for i, c := range m.TriggeringChildren {
			if i == maxTriggeringChildren {
				n.Fields = append(n.Fields, chat.Field{Name: "More triggering alarms", Value: strconv.Itoa(len(m.TriggeringChildren) - maxTriggeringChildren)})
				break
			}
			childName := c.Arn
			if ca, ok := parseARN(childName); ok {
				childName = strings.TrimPrefix(ca.resource, "alarm:")
			}
			n.Fields = append(n.Fields, chat.Field{Name: "Triggering alarm", Value: childName + " (" + c.State.Value + ")", Short: true})
		}
		return n
	}

	trig := m.Trigger
	if trig == nil {
		return n
	}
	period, evals := trig.Period, trig.EvaluationPeriods
	ns, metric := trig.Namespace, trig.MetricName
	dims := snsDims(trig.Dimensions)
	graph := &alarmGraph{title: name, region: region, at: n.Time}
	if trig.Threshold != nil {
		graph.threshold, graph.hasThreshold = *trig.Threshold, true
	}
	if len(trig.Metrics) > 0 {
		// Metric math: show the expression that returns data and the metrics it reads.
		for _, mq := range trig.Metrics {
			visible := mq.ReturnData == nil || *mq.ReturnData
			if mq.Expression != "" {
				n.Fields = append(n.Fields, chat.Field{Name: "Expression", Value: firstNonEmpty(mq.Label, mq.ID) + " = " + mq.Expression})
				graph.metrics = append(graph.metrics, graphMetric{id: mq.ID, label: mq.Label, expr: mq.Expression, visible: visible})
				continue
			}
			if mq.MetricStat == nil {
				continue
			}
			ms := mq.MetricStat
			mm := ms.Metric
			mdims := snsDims(mm.Dimensions)
			graph.metrics = append(graph.metrics, graphMetric{id: mq.ID, label: mq.Label, ns: mm.Namespace, name: mm.MetricName,
				dims: mdims, stat: ms.Stat, period: ms.Period, visible: visible})
			if ns == "" {
				ns, dims = mm.Namespace, mdims
			}
			if metric == "" {
				metric = mm.MetricName
			}
			if period == 0 {
				period = ms.Period
			}
			n.Fields = append(n.Fields, chat.Field{Name: "Metric " + mq.ID, Value: ms.Stat + " " + mm.Namespace + "/" + mm.MetricName + dimString(mdims), Short: true})
		}
	} else if metric != "" {
		stat := firstNonEmpty(trig.Statistic, trig.ExtendedStatistic)
		graph.metrics = append(graph.metrics, graphMetric{ns: ns, name: metric, dims: dims, stat: statName(stat), period: period, visible: true})
		n.Fields = append(n.Fields, chat.Field{Name: "Metric", Value: ns + "/" + metric + dimString(dims), Short: true})
		if stat != "" {
			n.Fields = append(n.Fields, chat.Field{Name: "Statistic", Value: statName(stat), Short: true})
		}
	}
	if trig.Threshold != nil {
		n.Fields = append(n.Fields, chat.Field{Name: "Threshold", Value: comparison(trig.ComparisonOperator) + " " + strconv.FormatFloat(*trig.Threshold, 'f', -1, 64), Short: true})
	}
	if period > 0 && evals > 0 {
		n.Fields = append(n.Fields, chat.Field{Name: "Evaluation", Value: fmt.Sprintf("%d period(s) of %s", int(evals), time.Duration(period)*time.Second), Short: true})
	}
	vars["Namespace"] = ns
	vars["MetricName"] = metric
	for _, d := range dims {
		vars[d.name] = d.value
	}
	n.Logs, n.restAPI = alarmLogTarget(ns, dims, region, n.Time, period, evals)
	graph.period = period
	if len(graph.metrics) > 0 {
		n.graph = graph
	}
	return n
}

// statName turns the SNS statistic ("SUM", "SAMPLE_COUNT") into the
// CloudWatch name ("Sum", "SampleCount"); percentiles stay as they are.
func statName(s string) string {
	switch strings.ToUpper(s) {
	case "SUM":
		return "Sum"
	case "AVERAGE":
		return "Average"
	case "MINIMUM":
		return "Minimum"
	case "MAXIMUM":
		return "Maximum"
	case "SAMPLE_COUNT", "SAMPLECOUNT":
		return "SampleCount"
	}
	return s
}

// alarmGraph is what a CloudWatch metric widget of the alarm needs.
type alarmGraph struct {
	title, region string
	at            time.Time
	period        float64
	metrics       []graphMetric
	threshold     float64
	hasThreshold  bool
}

type graphMetric struct {
	id, label, expr, ns, name, stat string
	dims                            []dim
	period                          float64
	visible                         bool
}

// graphWindow is how much history the alarm graph shows before the state
// change, as the CloudWatch console's alarm view does by default.
const graphWindow = 3 * time.Hour

// MetricWidget returns the CloudWatch metric widget JSON of the alarm's
// graph (the MetricWidget parameter of GetMetricWidgetImage): the alarm's
// metrics or metric-math expressions over the three hours before the state
// change, with the threshold as an annotation. ok is false for
// notifications that are not metric alarms. Fetching the image needs
// cloudwatch:GetMetricWidgetImage, which notify does not call.
func (n *Notification) MetricWidget() (widget string, ok bool) {
	g := n.graph
	if g == nil {
		return "", false
	}
	var metrics []any
	for _, m := range g.metrics {
		opts := map[string]any{}
		if m.id != "" {
			opts["id"] = m.id
		}
		if m.label != "" {
			opts["label"] = m.label
		}
		if !m.visible {
			opts["visible"] = false
		}
		if m.expr != "" {
			opts["expression"] = m.expr
			metrics = append(metrics, []any{opts})
			continue
		}
		if m.stat != "" {
			opts["stat"] = m.stat
		}
		if m.period > 0 {
			opts["period"] = int(m.period)
		}
		row := []any{m.ns, m.name}
		for _, d := range m.dims {
			row = append(row, d.name, d.value)
		}
		metrics = append(metrics, append(row, opts))
	}
	w := map[string]any{
		"title":   g.title,
		"region":  g.region,
		"metrics": metrics,
		"view":    "timeSeries",
		"width":   600,
		"height":  300,
	}
	if g.period > 0 {
		w["period"] = int(g.period)
	}
	if !g.at.IsZero() {
		w["start"] = g.at.Add(-graphWindow).UTC().Format(time.RFC3339)
		w["end"] = g.at.Add(5 * time.Minute).UTC().Format(time.RFC3339)
	}
	if g.hasThreshold {
		w["annotations"] = map[string]any{"horizontal": []any{map[string]any{"label": "Threshold", "value": g.threshold, "color": "#d13212"}}}
	}
	b, err := json.Marshal(w)
	if err != nil {
		return "", false
	}
	return string(b), true
}

func alarmTitle(state, old string) string {
	switch state {
	case "ALARM":
		return "Alarm"
	case "OK":
		if old == "ALARM" {
			return "Resolved"
		}
		return "OK"
	case "INSUFFICIENT_DATA":
		return "Insufficient data"
	}
	return state
}

func stateChange(old, cur string) string {
	if old == "" {
		return cur
	}
	return old + " → " + cur
}

func comparison(op string) string {
	switch op {
	case "GreaterThanThreshold":
		return ">"
	case "GreaterThanOrEqualToThreshold":
		return ">="
	case "LessThanThreshold":
		return "<"
	case "LessThanOrEqualToThreshold":
		return "<="
	case "LessThanLowerOrGreaterThanUpperThreshold":
		return "outside band"
	case "LessThanLowerThreshold":
		return "< lower band"
	case "GreaterThanUpperThreshold":
		return "> upper band"
	}
	return op
}

type dim struct{ name, value string }

// dimensions reads [{"name":..,"value":..}] (SNS, lower-case keys) or
// [{"Name":..,"Value":..}] (metric math) dimension lists.
func dimensions(list []any) []dim {
	var out []dim
	for _, d := range list {
		o := jobj(asMap(d))
		out = append(out, dim{name: firstNonEmpty(o.s("name"), o.s("Name")), value: firstNonEmpty(o.s("value"), o.s("Value"))})
	}
	return out
}

// dimensionMap reads EventBridge's {"FunctionName": "x"} dimension objects.
func dimensionMap(o jobj) []dim {
	var out []dim
	for k, v := range o {
		s, _ := scalarString(v)
		out = append(out, dim{name: k, value: s})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func dimString(ds []dim) string {
	if len(ds) == 0 {
		return ""
	}
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.name + "=" + d.value
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func dimValue(ds []dim, name string) string {
	for _, d := range ds {
		if d.name == name {
			return d.value
		}
	}
	return ""
}

// alarmLogTarget finds the log group of a Lambda function or a REST API
// stage the alarm watches, over the alarm's evaluation window. REST API
// metrics name the API (ApiName), but its execution log group is keyed by
// the API's ID: that mapping needs the host (see WithRESTAPIIDs), so it is
// returned as a restAPIRef for the formatter to resolve. HTTP and
// WebSocket API metrics (ApiId) get nothing: HTTP APIs have no execution
// logs, and their access log group is whatever the stage names.
func alarmLogTarget(ns string, dims []dim, region string, changed time.Time, period, evals float64) (*LogTarget, *restAPIRef) {
	if changed.IsZero() {
		return nil, nil
	}
	window := time.Duration(period*evals) * time.Second
	if window <= 0 {
		window = 5 * time.Minute
	}
	start := changed.Add(-window)
	switch ns {
	case "AWS/Lambda":
		if fn := dimValue(dims, "FunctionName"); fn != "" {
			return &LogTarget{LogGroup: "/aws/lambda/" + fn, Region: region, Start: start, End: changed}, nil
		}
	case "AWS/ApiGateway":
		name, stage := dimValue(dims, "ApiName"), dimValue(dims, "Stage")
		if name != "" && stage != "" && dimValue(dims, "ApiId") == "" {
			return nil, &restAPIRef{name: name, stage: stage, region: region, start: start, end: changed}
		}
	}
	return nil, nil
}

// restAPIRef is a REST API stage an alarm watches, named but not yet
// mapped to the API ID its execution log group needs.
type restAPIRef struct {
	name, stage, region string
	start, end          time.Time
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// regionLongNames maps the display names CloudWatch puts in the SNS
// "Region" field back to region codes, for alarms without an AlarmArn.
var regionLongNames = map[string]string{
	"US East (N. Virginia)": "us-east-1", "US East (Ohio)": "us-east-2",
	"US West (N. California)": "us-west-1", "US West (Oregon)": "us-west-2",
	"Africa (Cape Town)": "af-south-1", "Asia Pacific (Hong Kong)": "ap-east-1",
	"Asia Pacific (Mumbai)": "ap-south-1", "Asia Pacific (Tokyo)": "ap-northeast-1",
	"Asia Pacific (Seoul)": "ap-northeast-2", "Asia Pacific (Osaka)": "ap-northeast-3",
	"Asia Pacific (Singapore)": "ap-southeast-1", "Asia Pacific (Sydney)": "ap-southeast-2",
	"Asia Pacific (Jakarta)": "ap-southeast-3", "Canada (Central)": "ca-central-1",
	"EU (Frankfurt)": "eu-central-1", "EU (Ireland)": "eu-west-1", "EU (London)": "eu-west-2",
	"EU (Paris)": "eu-west-3", "EU (Stockholm)": "eu-north-1", "EU (Milan)": "eu-south-1",
	"Europe (Frankfurt)": "eu-central-1", "Europe (Ireland)": "eu-west-1", "Europe (London)": "eu-west-2",
	"Europe (Paris)": "eu-west-3", "Europe (Stockholm)": "eu-north-1", "Europe (Milan)": "eu-south-1",
	"Middle East (Bahrain)": "me-south-1", "South America (Sao Paulo)": "sa-east-1",
	"China (Beijing)": "cn-north-1", "China (Ningxia)": "cn-northwest-1",
	"AWS GovCloud (US-West)": "us-gov-west-1", "AWS GovCloud (US-East)": "us-gov-east-1",
	"AWS GovCloud (US)": "us-gov-west-1",
}

func regionFromLongName(s string) string {
	if r, ok := regionLongNames[s]; ok {
		return r
	}
	return ""
}

// consoleHost returns the AWS console host of a partition.
func consoleHost(partition string) string {
	switch partition {
	case "aws-cn":
		return "console.amazonaws.cn"
	case "aws-us-gov":
		return "console.amazonaws-us-gov.com"
	default:
		return "console.aws.amazon.com"
	}
}

// consoleURL builds https://<host>/<service>/<page>?region=<r><fragment>.
// page may be "" (then the URL is /<service>/home); fragment starts with
// "#" or "/" or is empty.
func consoleURL(partition, region, service, page, fragment string) string {
	u := "https://" + consoleHost(partition) + "/" + service
	if page != "" {
		u += "/" + page
	}
	if region != "" {
		u += "?region=" + url.QueryEscape(region)
	}
	return u + fragment
}
