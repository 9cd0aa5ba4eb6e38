package awssim

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Read operations over the stateful Go data (functions and log groups),
// so that they agree with ListFunctions, Invoke and FilterLogEvents. Reads
// of every other resource come from the account fixture (fixture.go).

func (s *Server) getFunction(r *Request) (*reply, error) {
	cfg, err := s.functionConfigFor(r)
	if err != nil {
		return nil, err
	}
	name := cfg["FunctionName"].(string)
	return &reply{result: obj{
		"Configuration": cfg,
		"Code": obj{"RepositoryType": "S3",
			"Location": "https://awslambda-" + s.region + "-tasks.s3." + s.region + ".amazonaws.com/snapshots/" + s.account + "/" + name + "-code"},
		"Tags": obj{"env": "prod", "service": name},
	}}, nil
}

func (s *Server) getFunctionConfiguration(r *Request) (*reply, error) {
	cfg, err := s.functionConfigFor(r)
	if err != nil {
		return nil, err
	}
	return &reply{result: cfg}, nil
}

func (s *Server) functionConfigFor(r *Request) (obj, error) {
	name := pString(r.Params, "FunctionName")
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.findFunction(name)
	if !ok {
		return nil, apiErr(http.StatusNotFound, "ResourceNotFoundException", "Function not found: %s", s.data.functionArn(name))
	}
	return s.functionConfig(f), nil
}

// logStream summarises one stream of a log group.
type logStream struct {
	name          string
	first, last   time.Time
	storedBytes   int64
	creationTime  time.Time
	lastIngestion time.Time
}

// streamsOf returns the streams of a group's events, newest first. Callers
// hold s.mu.
func (s *Server) streamsOf(group string) []logStream {
	by := map[string]*logStream{}
	for _, e := range s.data.logGroups[group] {
		st := by[e.stream]
		if st == nil {
			st = &logStream{name: e.stream, first: e.ts, last: e.ts, creationTime: e.ts.Add(-time.Second)}
			by[e.stream] = st
		}
		st.first = minTime(st.first, e.ts)
		st.last = maxTime(st.last, e.ts)
		st.storedBytes += int64(len(e.message))
		st.lastIngestion = st.last.Add(700 * time.Millisecond)
	}
	out := make([]logStream, 0, len(by))
	for _, st := range by {
		out = append(out, *st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].last.After(out[j].last) })
	return out
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (s *Server) logGroupArn(group string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", s.region, s.account, group)
}

func (s *Server) describeLogGroups(r *Request) (*reply, error) {
	prefix := pString(r.Params, "logGroupNamePrefix")
	pattern := pString(r.Params, "logGroupNamePattern")
	if prefix != "" && pattern != "" {
		return nil, apiErr(http.StatusBadRequest, "InvalidParameterException", "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.data.logGroups))
	for g := range s.data.logGroups {
		if strings.HasPrefix(g, prefix) && strings.Contains(g, pattern) {
			names = append(names, g)
		}
	}
	sort.Strings(names)
	list := []any{}
	for _, g := range names {
		var stored int64
		for _, e := range s.data.logGroups[g] {
			stored += int64(len(e.message))
		}
		list = append(list, obj{"logGroupName": g, "creationTime": s.data.start.Add(-90 * 24 * time.Hour).UnixMilli(),
			"retentionInDays": 30, "metricFilterCount": 0, "storedBytes": stored, "logGroupClass": "STANDARD",
			"arn": s.logGroupArn(g) + ":*", "logGroupArn": s.logGroupArn(g)})
	}
	return &reply{result: obj{"logGroups": list}}, nil
}

// logGroupParam is the group a logs request names, by name or ARN.
func logGroupParam(p map[string]any) string {
	if g := pString(p, "logGroupName"); g != "" {
		return g
	}
	id := pString(p, "logGroupIdentifier")
	if i := strings.Index(id, ":log-group:"); i >= 0 {
		return strings.TrimSuffix(id[i+len(":log-group:"):], ":*")
	}
	return id
}

func (s *Server) describeLogStreams(r *Request) (*reply, error) {
	group := logGroupParam(r.Params)
	prefix := pString(r.Params, "logStreamNamePrefix")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.data.logGroups[group]; !ok {
		return nil, apiErr(http.StatusBadRequest, "ResourceNotFoundException", "The specified log group does not exist.")
	}
	streams := s.streamsOf(group)
	if pString(r.Params, "orderBy") != "LastEventTime" {
		sort.Slice(streams, func(i, j int) bool { return streams[i].name < streams[j].name })
		if pBool(r.Params, "descending") {
			sort.Slice(streams, func(i, j int) bool { return streams[i].name > streams[j].name })
		}
	}
	list := []any{}
	for _, st := range streams {
		if !strings.HasPrefix(st.name, prefix) {
			continue
		}
		list = append(list, obj{"logStreamName": st.name, "creationTime": st.creationTime.UnixMilli(),
			"firstEventTimestamp": st.first.UnixMilli(), "lastEventTimestamp": st.last.UnixMilli(),
			"lastIngestionTime": st.lastIngestion.UnixMilli(), "storedBytes": 0,
			"arn": s.logGroupArn(group) + ":log-stream:" + st.name})
	}
	return &reply{result: obj{"logStreams": list}}, nil
}

func (s *Server) getLogEvents(r *Request) (*reply, error) {
	group := logGroupParam(r.Params)
	stream := pString(r.Params, "logStreamName")
	limit, _, err := pInt(r.Params, "limit")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	events, ok := s.data.logGroups[group]
	if !ok {
		return nil, apiErr(http.StatusBadRequest, "ResourceNotFoundException", "The specified log group does not exist.")
	}
	list := []any{}
	found := false
	for _, e := range events {
		if e.stream != stream {
			continue
		}
		found = true
		list = append(list, obj{"timestamp": e.ts.UnixMilli(), "message": e.message, "ingestionTime": e.ts.Add(700 * time.Millisecond).UnixMilli()})
	}
	if !found {
		return nil, apiErr(http.StatusBadRequest, "ResourceNotFoundException", "The specified log stream does not exist.")
	}
	if limit > 0 && int(limit) < len(list) {
		if pBool(r.Params, "startFromHead") {
			list = list[:limit]
		} else {
			list = list[len(list)-int(limit):]
		}
	}
	// The tokens point at the ends: reading on from either returns nothing new.
	return &reply{result: obj{"events": list, "nextForwardToken": "f/end", "nextBackwardToken": "b/start"}}, nil
}

// SampleAlarmTime is when the quickstart's sample alarm notification
// (examples/quickstart/samples/cloudwatch-alarm-lambda.json) says
// AlarmingAlarm went into ALARM. The function's log group holds the
// invocations of the minute before it, five of them failing, so the
// notification's "Show logs" and "Show error logs" buttons find what
// caused it whenever they are clicked.
var SampleAlarmTime = time.Date(2026, 11, 24, 20, 5, 23, 392_000_000, time.UTC)

// sampleIncident returns the log events of the sample alarm's minute.
func sampleIncident() []logEvent {
	stream := SampleAlarmTime.Format("2006/01/02") + "/[$LATEST]9c1d3e5f7a9b4c6d8e0f1a2b3c4d5e6f"
	var ev []logEvent
	for i := range 6 {
		at := SampleAlarmTime.Add(-time.Duration(58-i*10) * time.Second)
		rid := fmt.Sprintf("0b7e4c1a-%04x-4d2f-9a8b-3c5d7e9f1a2b", i)
		ev = append(ev, logEvent{stream, at, "START RequestId: " + rid + " Version: $LATEST"})
		msg := at.Format("2006-01-02T15:04:05.000Z") + "\t" + rid + "\tERROR\tInvoke Error \t{\"errorType\":\"Error\",\"errorMessage\":\"connect ECONNREFUSED 10.0.3.12:5432\"}"
		if i == 0 {
			msg = at.Format("2006-01-02T15:04:05.000Z") + "\t" + rid + "\tINFO\torder placed"
		}
		ev = append(ev, logEvent{stream, at.Add(35 * time.Millisecond), msg})
		ev = append(ev, logEvent{stream, at.Add(90 * time.Millisecond), "END RequestId: " + rid})
		ev = append(ev, logEvent{stream, at.Add(91 * time.Millisecond), fmt.Sprintf("REPORT RequestId: %s\tDuration: %d.42 ms\tBilled Duration: %d ms\tMemory Size: 512 MB\tMax Memory Used: 88 MB", rid, 85+i, 86+i)})
	}
	return ev
}
