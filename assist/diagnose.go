package assist

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// maxLogLine is how much of a log message a diagnosis quotes.
const maxLogLine = 200

// diagnose answers "what's wrong with NAME?": the alarms in ALARM that name
// it, its Lambda configuration when it is a function, and recent errors in
// its log group. Later steps depend on earlier results, so it runs them in
// order.
func (p *Planner) diagnose(ctx context.Context, q Question, in intent, tools Tools) (*Answer, error) {
	cat := tools.Catalog()
	a := &Answer{}
	name := in.subject
	region := q.Region
	if len(in.regions) > 0 {
		region = in.regions[0]
	}
	regionArgs := ""
	if region != "" {
		regionArgs = " --region " + region
	}
	where := ""
	if region != "" {
		where = " in " + region
	}
	esc := chatEscape(name)
	var lines []string
	has := func(svc, op string) bool {
		o, ok := cat.Operation(svc, op)
		return ok && o.ReadOnly
	}

	// 1. Alarms firing whose name or dimensions mention it.
	if has("cloudwatch", "describe-alarms") {
		line := "cloudwatch describe-alarms --state-value ALARM --query " +
			dq(fmt.Sprintf("MetricAlarms | [?contains(AlarmName, '%s') || contains(to_string(Dimensions), '%s')].{name:AlarmName,since:StateUpdatedTimestamp,reason:StateReason}", name, name)) +
			regionArgs
		r := p.run(ctx, tools, a, line)
		lines = append(lines, alarmLine(esc, where, r, p.now()))
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("assist: planner: %w", err)
	}

	// 2. Is it a Lambda function? Its configuration says how it is set up
	// and whether its last update failed.
	logGroup := ""
	if has("lambda", "get-function-configuration") {
		line := "lambda get-function-configuration --function-name " + name + " --query " +
			dq("{runtime:Runtime,state:State,lastUpdate:LastUpdateStatus,reason:StateReason,memory:MemorySize,timeout:Timeout,modified:LastModified}") +
			regionArgs
		r := p.run(ctx, tools, a, line)
		if r.Ran() {
			logGroup = "/aws/lambda/" + name
			lines = append(lines, functionLine(esc, r))
		} else if r.Denied != "" {
			lines = append(lines, failure("read its Lambda configuration", r))
		}
		// Any other error (not found) means it is not a function: say
		// nothing, the log groups are tried next.
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("assist: planner: %w", err)
	}

	// 3. Otherwise a log group whose name contains it.
	if logGroup == "" && has("logs", "describe-log-groups") {
		line := "logs describe-log-groups --log-group-name-pattern " + name + " --query " + dq("logGroups[].logGroupName") + regionArgs
		r := p.run(ctx, tools, a, line)
		if list, err := items(r.Data); r.Ran() && err == nil {
			logGroup = bestLogGroup(list, name)
		} else if r.Denied != "" {
			lines = append(lines, failure("look for its log group", r))
		}
	}

	// 4. Recent errors in that log group.
	if logGroup != "" && has("logs", "filter-log-events") {
		start := p.now().Add(-p.logWindow)
		line := "logs filter-log-events --log-group-name " + logGroup + " --filter-pattern ERROR --start-time " +
			epochMillis(start) + " --max-items 20 --query " + dq("events[].{time:timestamp,message:message}") + regionArgs
		r := p.run(ctx, tools, a, line)
		lines = append(lines, logLine(logGroup, p.logWindow, r))
	} else if logGroup == "" {
		lines = append(lines, fmt.Sprintf("I found no Lambda function or log group named %s%s to look for errors in.", esc, where))
	}
	a.Text = fmt.Sprintf("Here is what I found about **%s**%s:\n• %s", esc, where, strings.Join(lines, "\n• "))
	return a.finish(), nil
}

func alarmLine(esc, where string, r ToolResult, now time.Time) string {
	if f := failure("check its alarms", r); f != "" {
		return f
	}
	list, err := items(r.Data)
	if err != nil {
		return fmt.Sprintf("I couldn't read the result of %s.", code(r.Command))
	}
	if len(list) == 0 {
		return fmt.Sprintf("No alarm mentioning %s is firing%s.", esc, where)
	}
	var parts []string
	for i, it := range list {
		if i == maxListed {
			parts = append(parts, fmt.Sprintf("and %d more", len(list)-maxListed))
			break
		}
		m, _ := it.(map[string]any)
		s := chatEscape(str(m["name"]))
		if since := sinceText(str(m["since"]), now); since != "" {
			s += " (" + since + ")"
		}
		if reason := str(m["reason"]); reason != "" {
			s += ": " + chatEscape(clip(reason, maxLogLine))
		}
		parts = append(parts, s)
	}
	n := len(list)
	return fmt.Sprintf("%d alarm%s firing: %s", n, plural(n), strings.Join(parts, "; "))
}

func functionLine(esc string, r ToolResult) string {
	list, err := items(r.Data)
	if err != nil || len(list) == 0 {
		return fmt.Sprintf("%s is a Lambda function.", esc)
	}
	m, _ := list[0].(map[string]any)
	var details []string
	for _, kv := range [][2]string{{"runtime", ""}, {"memory", " MB"}, {"timeout", " s timeout"}, {"modified", ""}} {
		if v := str(m[kv[0]]); v != "" {
			if kv[0] == "modified" {
				v = "last changed " + v
			}
			details = append(details, v+kv[1])
		}
	}
	s := fmt.Sprintf("%s is a Lambda function (%s).", esc, chatEscape(strings.Join(details, ", ")))
	if st := str(m["state"]); st != "" && st != "Active" {
		s += " Its state is " + chatEscape(st)
		if reason := str(m["reason"]); reason != "" {
			s += ": " + chatEscape(clip(reason, maxLogLine))
		}
		s += "."
	}
	if lu := str(m["lastUpdate"]); lu == "Failed" {
		s += " Its last update failed."
	}
	return s
}

func logLine(group string, window time.Duration, r ToolResult) string {
	if f := failure("search "+chatEscape(group), r); f != "" {
		return f
	}
	list, err := items(r.Data)
	if err != nil {
		return fmt.Sprintf("I couldn't read the result of %s.", code(r.Command))
	}
	span := "the last " + windowText(window)
	if len(list) == 0 {
		return fmt.Sprintf("No ERROR in %s in %s.", chatEscape(group), span)
	}
	more := ""
	if len(list) >= 20 {
		more = " or more"
	}
	latest, _ := list[len(list)-1].(map[string]any)
	msg := strings.Join(strings.Fields(str(latest["message"])), " ")
	return fmt.Sprintf("%d%s ERROR log event%s in %s in %s; the latest: %s", len(list), more, plural(len(list)),
		chatEscape(group), span, chatEscape(clip(msg, maxLogLine)))
}

func windowText(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "hour"
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}

// bestLogGroup picks the log group that ends with /name, else the first
// that contains it.
func bestLogGroup(list []any, name string) string {
	first := ""
	for _, it := range list {
		g, _ := it.(string)
		if strings.HasSuffix(g, "/"+name) || g == name {
			return g
		}
		if first == "" && strings.Contains(g, name) {
			first = g
		}
	}
	return first
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// clip cuts s to n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
