package awssim

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opschat/opschat/guardrail"
)

// Fixture names tests and the quickstart can refer to.
const (
	// AlarmingFunction is the Lambda function whose Errors alarm is in ALARM
	// and whose invocations fail.
	AlarmingFunction = "checkout-api"
	// AlarmingAlarm is the alarm in ALARM state.
	AlarmingAlarm = "checkout-api-errors"
	// RunningInstance is an EC2 instance that starts in the running state.
	RunningInstance = "i-0a1b2c3d4e5f60001"
	// StoppedInstance is an EC2 instance that starts stopped.
	StoppedInstance = "i-0a1b2c3d4e5f60003"
	// LambdaLogGroup is the log group of AlarmingFunction.
	LambdaLogGroup = "/aws/lambda/checkout-api"
)

// dataset is the mutable state of the account; Server.mu guards it.
type dataset struct {
	account, region string
	start           time.Time
	alarms          []alarm
	instances       []*instance
	functions       []function
	logGroups       map[string][]logEvent
	issued          map[string]assumed           // access key ID -> assumed role session
	managed         map[string]*guardrail.Policy // managed policy ARN -> policy, for session policies
	buckets         map[string][]s3Object
	assumeCalls     []AssumeRoleCall
}

type alarm struct {
	name, description, state, reason string
	namespace, metric, stat          string
	dims                             [][2]string
	period, evalPeriods              int
	threshold                        float64
	comparison                       string
	updated                          time.Time
}

type instance struct {
	id, name, typ, state, az, privateIP, publicIP, image, subnet, vpc string
	reservation                                                       string
	launched                                                          time.Time
	tags                                                              [][2]string
}

type function struct {
	name, runtime, handler, description string
	memory, timeout                     int
	codeSize                            int64
	modified                            time.Time
}

type logEvent struct {
	stream  string
	ts      time.Time
	message string
}

type assumed struct {
	roleArn, session string
	tags             map[string]string
	issued           string // aws:TokenIssueTime
	// policies are the session policies (inline and managed, one union);
	// nil when the session has none.
	policies []*guardrail.Policy
}

// AssumeRoleCall is one STS AssumeRole request as the account saw it.
type AssumeRoleCall struct {
	RoleArn         string
	RoleSessionName string
	// PolicyArns are the session policy ARNs, in request order.
	PolicyArns []string
	// Policy is the inline session policy document, as sent.
	Policy string
	// Tags are the session tags.
	Tags            map[string]string
	TransitiveTags  []string
	DurationSeconds int
	// AccessKeyID is the temporary key issued (empty when refused).
	AccessKeyID string
	// CallerAccessKeyID signed the AssumeRole request.
	CallerAccessKeyID string
}

func newDataset(account, region string, now time.Time) *dataset {
	now = now.UTC().Truncate(time.Second)
	d := &dataset{account: account, region: region, start: now, logGroups: map[string][]logEvent{}, issued: map[string]assumed{},
		managed: builtinManagedPolicies(), buckets: s3Fixture(now)}
	d.alarms = []alarm{
		{name: AlarmingAlarm, description: "checkout-api is throwing errors", state: "ALARM",
			reason:    "Threshold Crossed: 1 out of the last 1 datapoints [5.0 (" + now.Add(-4*time.Minute).Format("02/01/06 15:04:05") + ")] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).",
			namespace: "AWS/Lambda", metric: "Errors", stat: "Sum", dims: [][2]string{{"FunctionName", AlarmingFunction}},
			period: 60, evalPeriods: 1, threshold: 1, comparison: "GreaterThanOrEqualToThreshold", updated: now.Add(-3 * time.Minute)},
		{name: "orders-db-cpu-high", description: "orders-db CPU above 80% for 15 minutes", state: "OK",
			reason:    "Threshold Crossed: 3 datapoints [41.2, 39.8, 40.5] were not greater than the threshold (80.0).",
			namespace: "AWS/RDS", metric: "CPUUtilization", stat: "Average", dims: [][2]string{{"DBInstanceIdentifier", "orders-db"}},
			period: 300, evalPeriods: 3, threshold: 80, comparison: "GreaterThanThreshold", updated: now.Add(-26 * time.Hour)},
		{name: "web-asg-cpu-high", description: "web fleet CPU above 70%", state: "OK",
			reason:    "Threshold Crossed: 2 datapoints [22.1, 25.3] were not greater than the threshold (70.0).",
			namespace: "AWS/EC2", metric: "CPUUtilization", stat: "Average", dims: [][2]string{{"AutoScalingGroupName", "web-asg"}},
			period: 300, evalPeriods: 2, threshold: 70, comparison: "GreaterThanThreshold", updated: now.Add(-50 * time.Hour)},
		{name: "orders-queue-backlog", description: "orders queue is backing up", state: "INSUFFICIENT_DATA",
			reason:    "Insufficient Data: 1 datapoint was unknown.",
			namespace: "AWS/SQS", metric: "ApproximateNumberOfMessagesVisible", stat: "Maximum", dims: [][2]string{{"QueueName", "orders"}},
			period: 60, evalPeriods: 5, threshold: 1000, comparison: "GreaterThanThreshold", updated: now.Add(-2 * time.Hour)},
		{name: "payments-api-throttles", description: "payments-api is being throttled", state: "OK",
			reason:    "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].",
			namespace: "AWS/Lambda", metric: "Throttles", stat: "Sum", dims: [][2]string{{"FunctionName", "payments-api"}},
			period: 60, evalPeriods: 1, threshold: 0, comparison: "GreaterThanThreshold", updated: now.Add(-7 * 24 * time.Hour)},
	}
	launch := now.Add(-21 * 24 * time.Hour)
	d.instances = []*instance{
		{id: RunningInstance, name: "web-1", typ: "t3.small", state: "running", az: region + "a", privateIP: "10.0.1.17", publicIP: "54.210.11.7",
			image: "ami-0fc5d935ebf8bc3bc", subnet: "subnet-0aa1", vpc: "vpc-0c0ffee", reservation: "r-0fe1", launched: launch,
			tags: [][2]string{{"Name", "web-1"}, {"env", "prod"}, {"team", "storefront"}}},
		{id: "i-0a1b2c3d4e5f60002", name: "web-2", typ: "t3.small", state: "running", az: region + "b", privateIP: "10.0.2.23", publicIP: "3.91.40.2",
			image: "ami-0fc5d935ebf8bc3bc", subnet: "subnet-0bb2", vpc: "vpc-0c0ffee", reservation: "r-0fe1", launched: launch,
			tags: [][2]string{{"Name", "web-2"}, {"env", "prod"}, {"team", "storefront"}}},
		{id: StoppedInstance, name: "batch-worker", typ: "c6i.large", state: "stopped", az: region + "a", privateIP: "10.0.1.88",
			image: "ami-0a0e5d9c7acc336f1", subnet: "subnet-0aa1", vpc: "vpc-0c0ffee", reservation: "r-0fe2", launched: now.Add(-3 * 24 * time.Hour),
			tags: [][2]string{{"Name", "batch-worker"}, {"env", "dev"}, {"team", "data"}}},
		{id: "i-0a1b2c3d4e5f60004", name: "bastion", typ: "t3.micro", state: "running", az: region + "c", privateIP: "10.0.0.5", publicIP: "18.204.3.99",
			image: "ami-0fc5d935ebf8bc3bc", subnet: "subnet-0cc3", vpc: "vpc-0c0ffee", reservation: "r-0fe3", launched: now.Add(-90 * 24 * time.Hour),
			tags: [][2]string{{"Name", "bastion"}, {"env", "shared"}}},
	}
	d.functions = []function{
		{name: AlarmingFunction, runtime: "nodejs20.x", handler: "index.handler", description: "Checkout API", memory: 512, timeout: 10, codeSize: 2_418_113, modified: now.Add(-5 * time.Hour)},
		{name: "payments-api", runtime: "python3.12", handler: "app.lambda_handler", description: "Payments API", memory: 256, timeout: 15, codeSize: 912_044, modified: now.Add(-9 * 24 * time.Hour)},
		{name: "orders-worker", runtime: "provided.al2023", handler: "bootstrap", description: "Consumes the orders queue", memory: 128, timeout: 60, codeSize: 6_120_331, modified: now.Add(-2 * 24 * time.Hour)},
		{name: "thumbnailer", runtime: "python3.12", handler: "thumb.handler", description: "Makes image thumbnails", memory: 1024, timeout: 30, codeSize: 18_004_992, modified: now.Add(-40 * 24 * time.Hour)},
	}
	stream := now.Format("2006/01/02") + "/[$LATEST]4f6c0ad1e3a94b2f8e1c9d7b6a5f4e3d"
	var ev []logEvent
	for i := 0; i < 12; i++ {
		at := now.Add(-time.Duration(60-i*5) * time.Minute)
		rid := fmt.Sprintf("6f1c2d3e-%04x-4b5a-9c8d-7e6f5a4b3c2d", i)
		ev = append(ev, logEvent{stream, at, "START RequestId: " + rid + " Version: $LATEST"})
		if i >= 9 {
			ev = append(ev, logEvent{stream, at.Add(40 * time.Millisecond), at.Format("2006-01-02T15:04:05.000Z") + "\t" + rid + "\tERROR\tInvoke Error \t{\"errorType\":\"Error\",\"errorMessage\":\"connect ECONNREFUSED 10.0.3.12:5432\"}"})
		} else {
			ev = append(ev, logEvent{stream, at.Add(30 * time.Millisecond), at.Format("2006-01-02T15:04:05.000Z") + "\t" + rid + "\tINFO\torder placed"})
		}
		ev = append(ev, logEvent{stream, at.Add(80 * time.Millisecond), "END RequestId: " + rid})
		ev = append(ev, logEvent{stream, at.Add(81 * time.Millisecond), fmt.Sprintf("REPORT RequestId: %s\tDuration: %d.17 ms\tBilled Duration: %d ms\tMemory Size: 512 MB\tMax Memory Used: 91 MB", rid, 70+i, 71+i)})
	}
	ev = append(sampleIncident(), ev...)
	sort.SliceStable(ev, func(i, j int) bool { return ev[i].ts.Before(ev[j].ts) })
	d.logGroups[LambdaLogGroup] = ev
	d.logGroups["/aws/lambda/payments-api"] = []logEvent{
		{stream: now.Format("2006/01/02") + "/[$LATEST]a1b2c3d4", ts: now.Add(-20 * time.Minute), message: "[INFO] payment authorised order=1042"},
		{stream: now.Format("2006/01/02") + "/[$LATEST]a1b2c3d4", ts: now.Add(-10 * time.Minute), message: "[WARNING] card issuer slow: 2.8 s"},
	}
	return d
}

func (d *dataset) alarmArn(name string) string {
	return fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", d.region, d.account, name)
}

func (d *dataset) functionArn(name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", d.region, d.account, name)
}

// handlerFor returns the operation handler for "service:Operation", or nil
// for operations answered with an empty result.
func handlerFor(key string) handlerFunc {
	switch key {
	case "monitoring:DescribeAlarms":
		return (*Server).describeAlarms
	case "monitoring:GetMetricWidgetImage":
		return (*Server).getMetricWidgetImage
	case "ec2:DescribeInstances":
		return (*Server).describeInstances
	case "ec2:StopInstances":
		return func(s *Server, r *Request) (*reply, error) { return s.changeInstances(r, "stop") }
	case "ec2:StartInstances":
		return func(s *Server, r *Request) (*reply, error) { return s.changeInstances(r, "start") }
	case "lambda:ListFunctions":
		return (*Server).listFunctions
	case "lambda:Invoke":
		return (*Server).invoke
	case "lambda:GetFunction":
		return (*Server).getFunction
	case "lambda:GetFunctionConfiguration":
		return (*Server).getFunctionConfiguration
	case "logs:DescribeLogGroups":
		return (*Server).describeLogGroups
	case "logs:DescribeLogStreams":
		return (*Server).describeLogStreams
	case "logs:GetLogEvents":
		return (*Server).getLogEvents
	case "logs:FilterLogEvents":
		return (*Server).filterLogEvents
	case "sts:AssumeRole":
		return (*Server).assumeRole
	case "sts:GetCallerIdentity":
		return (*Server).getCallerIdentity
	case "s3:ListBuckets":
		return (*Server).listBuckets
	case "s3:ListObjectsV2":
		return (*Server).listObjectsV2
	}
	return nil
}

// Parameter accessors: values come typed (JSON, CBOR) or as strings
// (query), so they accept both.

func pString(p map[string]any, k string) string {
	switch v := p[k].(type) {
	case string:
		return v
	case Number:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

func pStrings(p map[string]any, k string) []string {
	var out []string
	switch v := p[k].(type) {
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	case string:
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func pInt(p map[string]any, k string) (int64, bool, error) {
	s := pString(p, k)
	if s == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false, apiErr(http.StatusBadRequest, "ValidationException", "%s: %q is not an integer", k, s)
	}
	return n, true, nil
}

func pBool(p map[string]any, k string) bool {
	return pString(p, k) == "true"
}

// pageBounds applies a numeric NextToken and a page size.
func pageBounds(total int, token string, size int64) (from, to int, next string, err error) {
	if token != "" {
		n, e := strconv.Atoi(token)
		if e != nil || n < 0 || n > total {
			return 0, 0, "", apiErr(http.StatusBadRequest, "InvalidNextToken", "the next token %q is not valid", token)
		}
		from = n
	}
	to = total
	if size > 0 && int64(to-from) > size {
		to = from + int(size)
		next = strconv.Itoa(to)
	}
	return from, to, next, nil
}

func (s *Server) describeAlarms(r *Request) (*reply, error) {
	p := r.Params
	names := pStrings(p, "AlarmNames")
	prefix := pString(p, "AlarmNamePrefix")
	state := pString(p, "StateValue")
	if state != "" && state != "OK" && state != "ALARM" && state != "INSUFFICIENT_DATA" {
		return nil, apiErr(http.StatusBadRequest, "ValidationError", "1 validation error detected: Value '%s' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]", state)
	}
	if len(names) > 0 && prefix != "" {
		return nil, apiErr(http.StatusBadRequest, "InvalidParameterCombination", "AlarmNamePrefix and AlarmNames cannot be specified together")
	}
	max, _, err := pInt(p, "MaxRecords")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []alarm
	for _, a := range s.data.alarms {
		if len(names) > 0 && !contains(names, a.name) || prefix != "" && !strings.HasPrefix(a.name, prefix) || state != "" && a.state != state {
			continue
		}
		match = append(match, a)
	}
	from, to, next, err := pageBounds(len(match), pString(p, "NextToken"), max)
	if err != nil {
		return nil, err
	}
	list := []any{}
	for _, a := range match[from:to] {
		dims := []any{}
		for _, d := range a.dims {
			dims = append(dims, obj{"Name": d[0], "Value": d[1]})
		}
		list = append(list, obj{
			"AlarmName": a.name, "AlarmArn": s.data.alarmArn(a.name), "AlarmDescription": a.description,
			"AlarmConfigurationUpdatedTimestamp": s.data.start.Add(-30 * 24 * time.Hour),
			"ActionsEnabled":                     true,
			"OKActions":                          []any{},
			"AlarmActions":                       []any{fmt.Sprintf("arn:aws:sns:%s:%s:ops-alerts", s.data.region, s.data.account)},
			"InsufficientDataActions":            []any{},
			"StateValue":                         a.state, "StateReason": a.reason,
			"StateUpdatedTimestamp":      a.updated,
			"StateTransitionedTimestamp": a.updated,
			"MetricName":                 a.metric, "Namespace": a.namespace, "Statistic": a.stat, "Dimensions": dims,
			"Period": a.period, "EvaluationPeriods": a.evalPeriods, "DatapointsToAlarm": a.evalPeriods,
			"Threshold": a.threshold, "ComparisonOperator": a.comparison, "TreatMissingData": "notBreaching",
		})
	}
	res := obj{"MetricAlarms": list, "CompositeAlarms": []any{}}
	if next != "" {
		res["NextToken"] = next
	}
	return &reply{result: res}, nil
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

func (s *Server) getMetricWidgetImage(r *Request) (*reply, error) {
	widget := pString(r.Params, "MetricWidget")
	if widget == "" {
		return nil, apiErr(http.StatusBadRequest, "ValidationError", "1 validation error detected: Value null at 'metricWidget' failed to satisfy constraint: Member must not be null")
	}
	if f := pString(r.Params, "OutputFormat"); f != "" && f != "png" {
		return nil, apiErr(http.StatusBadRequest, "InvalidParameterValue", "OutputFormat %q is not supported by the simulated account; use png", f)
	}
	img, err := s.graphs.render(widget)
	if err != nil {
		return nil, apiErr(http.StatusBadRequest, "InvalidParameterValue", "The field MetricWidget must be a valid JSON object: %v", err)
	}
	return &reply{result: obj{"MetricWidgetImage": img}}, nil
}

// ec2 instance state codes, as EC2 reports them.
var stateCodes = map[string]int{"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}

func (s *Server) instanceXML(in *instance) obj {
	tags := []any{}
	for _, t := range in.tags {
		tags = append(tags, obj{"key": t[0], "value": t[1]})
	}
	o := obj{
		"instanceId": in.id, "imageId": in.image, "instanceType": in.typ,
		"instanceState":    obj{"code": stateCodes[in.state], "name": in.state},
		"privateDnsName":   "ip-" + strings.ReplaceAll(in.privateIP, ".", "-") + ".ec2.internal",
		"privateIpAddress": in.privateIP, "subnetId": in.subnet, "vpcId": in.vpc,
		"launchTime":         in.launched,
		"placement":          obj{"availabilityZone": in.az, "tenancy": "default"},
		"monitoring":         obj{"state": "disabled"},
		"architecture":       "x86_64",
		"rootDeviceType":     "ebs",
		"rootDeviceName":     "/dev/xvda",
		"hypervisor":         "xen",
		"virtualizationType": "hvm",
		"amiLaunchIndex":     0,
		"tagSet":             tags,
		"groupSet":           []any{obj{"groupId": "sg-0web", "groupName": "web"}},
	}
	if in.state == "running" && in.publicIP != "" {
		o["ipAddress"] = in.publicIP
		o["dnsName"] = "ec2-" + strings.ReplaceAll(in.publicIP, ".", "-") + ".compute-1.amazonaws.com"
	}
	if in.state == "stopped" {
		o["stateTransitionReason"] = "User initiated (" + s.data.start.Add(-time.Hour).Format("2006-01-02 15:04:05 MST") + ")"
		o["stateReason"] = obj{"code": "Client.UserInitiatedShutdown", "message": "Client.UserInitiatedShutdown: User initiated shutdown"}
	}
	return o
}

func (s *Server) matchInstance(in *instance, filters []any) (bool, error) {
	for _, f := range filters {
		fm, ok := f.(map[string]any)
		if !ok {
			return false, apiErr(http.StatusBadRequest, "InvalidParameterValue", "malformed filter")
		}
		name := pString(fm, "Name")
		vals := pStrings(fm, "Value")
		var have []string
		switch {
		case name == "instance-id":
			have = []string{in.id}
		case name == "instance-state-name":
			have = []string{in.state}
		case name == "instance-type":
			have = []string{in.typ}
		case name == "availability-zone":
			have = []string{in.az}
		case name == "vpc-id":
			have = []string{in.vpc}
		case name == "tag-key":
			for _, t := range in.tags {
				have = append(have, t[0])
			}
		case strings.HasPrefix(name, "tag:"):
			for _, t := range in.tags {
				if t[0] == strings.TrimPrefix(name, "tag:") {
					have = append(have, t[1])
				}
			}
		default:
			return false, apiErr(http.StatusBadRequest, "InvalidParameterValue", "The filter '%s' is invalid", name)
		}
		hit := false
		for _, v := range vals {
			if globAny(v, have) {
				hit = true
			}
		}
		if !hit {
			return false, nil
		}
	}
	return true, nil
}

// globAny matches EC2 filter values, where * and ? are wildcards.
func globAny(pattern string, vals []string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	rx, err := regexp.Compile(re)
	if err != nil {
		return false
	}
	for _, v := range vals {
		if rx.MatchString(v) {
			return true
		}
	}
	return false
}

func (s *Server) describeInstances(r *Request) (*reply, error) {
	ids := pStrings(r.Params, "InstanceId")
	filters, _ := r.Params["Filter"].([]any)
	max, _, err := pInt(r.Params, "MaxResults")
	if err != nil {
		return nil, err
	}
	if max != 0 && (max < 5 || max > 1000) {
		return nil, apiErr(http.StatusBadRequest, "InvalidParameterValue", "Value ( %d ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.", max)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	known := map[string]bool{}
	for _, in := range s.data.instances {
		known[in.id] = true
	}
	var missing []string
	for _, id := range ids {
		if !known[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return nil, apiErr(http.StatusBadRequest, "InvalidInstanceID.NotFound", "The instance IDs '%s' do not exist", strings.Join(missing, ", "))
	}
	var match []*instance
	for _, in := range s.data.instances {
		if len(ids) > 0 && !contains(ids, in.id) {
			continue
		}
		ok, err := s.matchInstance(in, filters)
		if err != nil {
			return nil, err
		}
		if ok {
			match = append(match, in)
		}
	}
	from, to, next, err := pageBounds(len(match), pString(r.Params, "NextToken"), max)
	if err != nil {
		return nil, err
	}
	var reservations []any
	byRes := map[string]obj{}
	for _, in := range match[from:to] {
		res, ok := byRes[in.reservation]
		if !ok {
			res = obj{"reservationId": in.reservation, "ownerId": s.data.account, "groupSet": []any{}, "instancesSet": []any{}}
			byRes[in.reservation] = res
			reservations = append(reservations, res)
		}
		res["instancesSet"] = append(res["instancesSet"].([]any), s.instanceXML(in))
	}
	if reservations == nil {
		reservations = []any{}
	}
	out := obj{"reservationSet": reservations}
	if next != "" {
		out["nextToken"] = next
	}
	return &reply{result: out}, nil
}

func (s *Server) changeInstances(r *Request, verb string) (*reply, error) {
	ids := pStrings(r.Params, "InstanceId")
	if len(ids) == 0 {
		return nil, apiErr(http.StatusBadRequest, "MissingParameter", "The request must contain the parameter InstanceId")
	}
	if pBool(r.Params, "DryRun") {
		return nil, apiErr(http.StatusPreconditionFailed, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	byID := map[string]*instance{}
	for _, in := range s.data.instances {
		byID[in.id] = in
	}
	var changes []any
	for _, id := range ids {
		in := byID[id]
		if in == nil {
			return nil, apiErr(http.StatusBadRequest, "InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", id)
		}
		prev := in.state
		cur, final := "stopping", "stopped"
		if verb == "start" {
			cur, final = "pending", "running"
		}
		if prev == final {
			cur = final
		}
		// The simulated transition completes at once: the next
		// DescribeInstances sees the final state.
		in.state = final
		changes = append(changes, obj{"instanceId": id,
			"currentState":  obj{"code": stateCodes[cur], "name": cur},
			"previousState": obj{"code": stateCodes[prev], "name": prev}})
	}
	key := "instancesSet"
	return &reply{result: obj{key: changes}}, nil
}
