package awsexec

import (
	"fmt"
	"strings"
	"time"

	"github.com/opschat/opschat/command"
)

// DisplayText renders a result in the layout a high-level command asks for
// (command.Invocation.Display), or returns false when display is "" or the
// result does not have the shape of that layout (a --query changed it): the
// caller then renders it as usual. The executor shows the text in a code
// block.
func DisplayText(display string, result any) (string, bool) {
	switch display {
	case command.DisplayS3Ls:
		return s3Ls(result)
	case command.DisplayLogsTail:
		return logsTail(result)
	}
	return "", false
}

// logsTail lays out filter-log-events as "aws logs tail" does (its default
// "detailed" format): the event time in ISO 8601 with microseconds and
// +00:00, the stream name, the message as logged, each event ending in
// exactly one newline unless its message already ends in one.
func logsTail(result any) (string, bool) {
	m, ok := result.(map[string]any)
	if !ok {
		return "", false
	}
	events, ok := m["events"].([]any)
	if !ok {
		return "", false
	}
	var b strings.Builder
	for _, x := range events {
		ev, ok := x.(map[string]any)
		if !ok {
			return "", false
		}
		ms, _ := ev["timestamp"].(float64)
		stream, _ := ev["logStreamName"].(string)
		msg, _ := ev["message"].(string)
		line := time.UnixMilli(int64(ms)).UTC().Format("2006-01-02T15:04:05.000000-07:00") + " " + stream + " " + msg
		b.WriteString(line)
		if !strings.HasSuffix(line, "\n") {
			b.WriteByte('\n')
		}
	}
	return strings.TrimSuffix(b.String(), "\n"), true
}

// s3Ls lays out list-buckets and list-objects-v2 (with delimiter "/") as the
// AWS CLI's "s3 ls" does: "DATE TIME NAME" per bucket; "PRE name/" per
// common prefix, then "DATE TIME SIZE name" per object, names relative to
// the listed prefix. Times are UTC (the CLI uses the local zone of the
// machine it runs on; the bot's has no meaning for the reader).
func s3Ls(result any) (string, bool) {
	m, ok := result.(map[string]any)
	if !ok {
		return "", false
	}
	var b strings.Builder
	if buckets, ok := m["Buckets"].([]any); ok {
		for _, x := range buckets {
			bk, ok := x.(map[string]any)
			if !ok {
				return "", false
			}
			name, _ := bk["Name"].(string)
			fmt.Fprintf(&b, "%s %s\n", lsTime(bk["CreationDate"]), name)
		}
		return strings.TrimSuffix(b.String(), "\n"), true
	}
	_, hasContents := m["Contents"]
	_, hasPrefixes := m["CommonPrefixes"]
	if _, hasName := m["Name"]; !hasContents && !hasPrefixes && !hasName {
		return "", false
	}
	prefixes, _ := m["CommonPrefixes"].([]any)
	for _, x := range prefixes {
		p, _ := x.(map[string]any)
		s, _ := p["Prefix"].(string)
		parts := strings.Split(s, "/")
		name := s
		if len(parts) >= 2 {
			name = parts[len(parts)-2]
		}
		fmt.Fprintf(&b, "%30s %s/\n", "PRE", name)
	}
	contents, _ := m["Contents"].([]any)
	for _, x := range contents {
		o, _ := x.(map[string]any)
		key, _ := o["Key"].(string)
		size, _ := o["Size"].(float64)
		fmt.Fprintf(&b, "%s %10d %s\n", lsTime(o["LastModified"]), int64(size), key[strings.LastIndexByte(key, '/')+1:])
	}
	return strings.TrimSuffix(b.String(), "\n"), true
}

// lsTime reads a CLI-shaped timestamp back and prints it as "s3 ls" does.
func lsTime(v any) string {
	s, _ := v.(string)
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format("2006-01-02 15:04:05")
		}
	}
	return fmt.Sprintf("%19s", s)
}
