package awssim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

func (s *Server) functionConfig(f function) obj {
	sum := sha256.Sum256([]byte(f.name + f.runtime))
	return obj{
		"FunctionName": f.name, "FunctionArn": s.data.functionArn(f.name), "Runtime": f.runtime,
		"Role":    fmt.Sprintf("arn:aws:iam::%s:role/%s-role", s.data.account, f.name),
		"Handler": f.handler, "CodeSize": f.codeSize, "Description": f.description,
		"Timeout": f.timeout, "MemorySize": f.memory,
		"LastModified": f.modified.Format("2006-01-02T15:04:05.000-0700"),
		"CodeSha256":   base64.StdEncoding.EncodeToString(sum[:]),
		"Version":      "$LATEST", "PackageType": "Zip",
		"Architectures":    []any{"x86_64"},
		"EphemeralStorage": obj{"Size": 512},
		"TracingConfig":    obj{"Mode": "PassThrough"},
		"LoggingConfig":    obj{"LogFormat": "Text", "LogGroup": "/aws/lambda/" + f.name},
		"RevisionId":       hex.EncodeToString(sum[:4]) + "-0000-4000-8000-" + hex.EncodeToString(sum[4:10]),
	}
}

func (s *Server) listFunctions(r *Request) (*reply, error) {
	max, _, err := pInt(r.Params, "MaxItems")
	if err != nil {
		return nil, err
	}
	if max < 0 || max > 10000 {
		return nil, apiErr(http.StatusBadRequest, "InvalidParameterValueException", "MaxItems must be between 1 and 10000")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	from, to, next, err := pageBounds(len(s.data.functions), pString(r.Params, "Marker"), max)
	if err != nil {
		return nil, err
	}
	list := []any{}
	for _, f := range s.data.functions[from:to] {
		list = append(list, s.functionConfig(f))
	}
	out := obj{"Functions": list}
	if next != "" {
		out["NextMarker"] = next
	}
	return &reply{result: out}, nil
}

func (s *Server) findFunction(nameOrArn string) (function, bool) {
	name := nameOrArn
	if strings.HasPrefix(name, "arn:") {
		parts := strings.Split(name, ":")
		if len(parts) >= 7 {
			name = parts[6]
		}
	} else if i := strings.Index(name, ":"); i >= 0 {
		name = name[:i] // name:qualifier
	}
	for _, f := range s.data.functions {
		if f.name == name {
			return f, true
		}
	}
	return function{}, false
}

func (s *Server) invoke(r *Request) (*reply, error) {
	name := pString(r.Params, "FunctionName")
	s.mu.Lock()
	f, ok := s.findFunction(name)
	s.mu.Unlock()
	if !ok {
		return nil, apiErr(http.StatusNotFound, "ResourceNotFoundException", "Function not found: %s", s.data.functionArn(name))
	}
	h := http.Header{}
	h.Set("X-Amz-Executed-Version", "$LATEST")
	switch pString(r.Params, "InvocationType") {
	case "Event":
		return &reply{status: http.StatusAccepted, raw: []byte{}, header: h}, nil
	case "DryRun":
		return &reply{status: http.StatusNoContent, raw: []byte{}, header: h}, nil
	case "", "RequestResponse":
	default:
		return nil, apiErr(http.StatusBadRequest, "InvalidParameterValueException", "InvocationType must be one of RequestResponse, Event, DryRun")
	}
	var payload []byte
	rid := fmt.Sprintf("c0ffee%02x-1d2e-4f50-8a6b-7c8d9e0f1a2b", len(r.Body)%256)
	if f.name == AlarmingFunction {
		h.Set("X-Amz-Function-Error", "Unhandled")
		payload, _ = json.Marshal(map[string]any{"errorType": "Error", "errorMessage": "connect ECONNREFUSED 10.0.3.12:5432",
			"trace": []string{"Error: connect ECONNREFUSED 10.0.3.12:5432", "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)"}})
	} else {
		var in any = map[string]any{}
		if v, ok := r.Params["Payload"]; ok {
			in = plain(v)
		}
		body, _ := json.Marshal(map[string]any{"ok": true, "function": f.name, "input": in})
		payload, _ = json.Marshal(map[string]any{"statusCode": 200, "body": string(body)})
	}
	if pString(r.Params, "LogType") == "Tail" {
		logs := "START RequestId: " + rid + " Version: $LATEST\n"
		if f.name == AlarmingFunction {
			logs += "ERROR\tInvoke Error\t{\"errorType\":\"Error\",\"errorMessage\":\"connect ECONNREFUSED 10.0.3.12:5432\"}\n"
		}
		logs += "END RequestId: " + rid + "\nREPORT RequestId: " + rid + "\tDuration: 84.12 ms\tBilled Duration: 85 ms\tMemory Size: " + strconv.Itoa(f.memory) + " MB\tMax Memory Used: 77 MB\n"
		h.Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString([]byte(logs)))
	}
	h.Set("Content-Type", "application/json")
	return &reply{raw: payload, header: h}, nil
}

// plain converts decoded parameters back to JSON-marshalable values.
func plain(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = plain(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = plain(e)
		}
		return l
	case Number:
		return json.Number(t)
	}
	return v
}

func (s *Server) filterLogEvents(r *Request) (*reply, error) {
	p := r.Params
	group := pString(p, "logGroupName")
	if group == "" {
		group = pString(p, "logGroupIdentifier")
		if i := strings.LastIndex(group, ":log-group:"); i >= 0 {
			group = strings.TrimSuffix(group[i+len(":log-group:"):], ":*")
		}
	}
	if group == "" {
		return nil, apiErr(http.StatusBadRequest, "InvalidParameterException", "Either logGroupName or logGroupIdentifier must be specified")
	}
	start, hasStart, err := pInt(p, "startTime")
	if err != nil {
		return nil, err
	}
	end, hasEnd, err := pInt(p, "endTime")
	if err != nil {
		return nil, err
	}
	limit, _, err := pInt(p, "limit")
	if err != nil {
		return nil, err
	}
	if limit < 0 || limit > 10000 {
		return nil, apiErr(http.StatusBadRequest, "InvalidParameterException", "limit must be between 1 and 10000")
	}
	streams := pStrings(p, "logStreamNames")
	streamPrefix := pString(p, "logStreamNamePrefix")
	match := compileFilterPattern(pString(p, "filterPattern"))
	s.mu.Lock()
	defer s.mu.Unlock()
	events, ok := s.data.logGroups[group]
	if !ok {
		return nil, apiErr(http.StatusBadRequest, "ResourceNotFoundException", "The specified log group does not exist.")
	}
	var hits []int
	for i, e := range events {
		ms := e.ts.UnixMilli()
		if hasStart && ms < start || hasEnd && ms > end || len(streams) > 0 && !contains(streams, e.stream) ||
			streamPrefix != "" && !strings.HasPrefix(e.stream, streamPrefix) || !match(e.message) {
			continue
		}
		hits = append(hits, i)
	}
	from, to, next, err := pageBounds(len(hits), pString(p, "nextToken"), limit)
	if err != nil {
		return nil, err
	}
	list := []any{}
	for _, i := range hits[from:to] {
		e := events[i]
		list = append(list, obj{"logStreamName": e.stream, "timestamp": e.ts.UnixMilli(), "message": e.message,
			"ingestionTime": e.ts.Add(700 * time.Millisecond).UnixMilli(), "eventId": fmt.Sprintf("3%055d", i)})
	}
	out := obj{"events": list, "searchedLogStreams": []any{}}
	if next != "" {
		out["nextToken"] = next
	}
	return &reply{result: out}, nil
}

// compileFilterPattern implements the term subset of CloudWatch Logs filter
// patterns: every plain or quoted term must occur; terms with a leading "?"
// are alternatives of which one must occur; "-term" excludes. JSON and
// space-delimited patterns match every event.
func compileFilterPattern(p string) func(string) bool {
	p = strings.TrimSpace(p)
	if p == "" || strings.HasPrefix(p, "{") || strings.HasPrefix(p, "[") {
		return func(string) bool { return true }
	}
	var must, any, not []string
	for _, t := range splitTerms(p) {
		switch {
		case strings.HasPrefix(t, "?"):
			any = append(any, strings.Trim(t[1:], `"`))
		case strings.HasPrefix(t, "-"):
			not = append(not, strings.Trim(t[1:], `"`))
		default:
			must = append(must, strings.Trim(t, `"`))
		}
	}
	return func(msg string) bool {
		for _, t := range must {
			if !strings.Contains(msg, t) {
				return false
			}
		}
		for _, t := range not {
			if strings.Contains(msg, t) {
				return false
			}
		}
		if len(any) == 0 {
			return true
		}
		for _, t := range any {
			if strings.Contains(msg, t) {
				return true
			}
		}
		return false
	}
}

func splitTerms(p string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range p {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

var (
	roleArnRE     = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$`)
	sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
)
