package assist

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/opschat/opschat/chat"
)

// maxListed is how many items a summary names before "and N more".
const maxListed = 15

func chatEscape(s string) string { return chat.EscapeMarkdown(s) }

// str renders a scalar JSON value ("" for null, maps and lists).
func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	}
	return ""
}

// userMessage is what a chat user may see of an error: the UserMessage of
// errors that carry one (awsexec and command errors do), else a generic
// sentence, since other errors may hold internal detail.
func userMessage(err error) string {
	type userMessager interface{ UserMessage() string }
	for e := err; e != nil; {
		if um, ok := e.(userMessager); ok {
			return um.UserMessage()
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			break
		}
		e = u.Unwrap()
	}
	return "the command failed"
}

// code shows a command as inline code, or escaped plain text when it holds
// a backtick (a JMESPath literal), which would end the code span early and
// let the rest be read as Markdown.
func code(s string) string {
	if strings.Contains(s, "`") {
		return chatEscape(s)
	}
	return "`" + s + "`"
}

// failure describes a command that did not give data, or "" when it did.
func failure(what string, r ToolResult) string {
	switch {
	case r.Denied != "":
		return fmt.Sprintf("I couldn't %s: the guardrails refused %s (%s).", what, code(r.Command), chatEscape(r.Denied))
	case r.Err != nil:
		return fmt.Sprintf("I couldn't %s: %s", what, chatEscape(strings.TrimSuffix(userMessage(r.Err), ".")+"."))
	}
	return ""
}

// items decodes a list result. A null result is an empty list; an object is
// one item.
func items(data json.RawMessage) ([]any, error) {
	if len(data) == 0 {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("assist: decode result: %w", err)
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		// A projection over missing fields yields nulls; drop them.
		out := x[:0]
		for _, e := range x {
			if e != nil {
				out = append(out, e)
			}
		}
		return out, nil
	default:
		return []any{x}, nil
	}
}

// detailKeys are the fields shown after an item's name, in this order.
var detailKeys = []string{"id", "type", "engine", "runtime", "status", "state", "cidr", "az"}

// render shows one item: its name, then its details in parentheses.
func render(k *kind, v any, now time.Time) string {
	short := func(s string) string {
		if k.short != nil {
			return k.short(s)
		}
		return s
	}
	switch x := v.(type) {
	case string:
		return chatEscape(short(x))
	case map[string]any:
		label := str(x["name"])
		labelKey := "name"
		if label == "" {
			label, labelKey = str(x["id"]), "id"
		}
		var details []string
		if k.extra != nil {
			if e := k.extra(x); e != "" {
				details = append(details, e)
			}
		} else {
			for _, key := range detailKeys {
				if key != labelKey && str(x[key]) != "" {
					details = append(details, str(x[key]))
				}
			}
		}
		if s := str(x["size"]); s != "" {
			details = append(details, s+" GiB")
		}
		if d := str(x["desired"]); d != "" {
			details = append(details, fmt.Sprintf("%s of %s desired running", str(x["running"]), d))
		}
		if s, ok := x["since"].(string); ok {
			if since := sinceText(s, now); since != "" {
				st := str(x["state"])
				if st != "" && st != "ALARM" {
					details = append(details, st+" "+since)
				} else {
					details = append(details, since)
				}
			}
		}
		out := chatEscape(short(label))
		if len(details) > 0 {
			out += " (" + chatEscape(strings.Join(details, ", ")) + ")"
		}
		return out
	}
	return ""
}

// sinceText renders a timestamp relative to now: "since 09:12 UTC" today,
// "since Dec 5 09:12 UTC" before.
func sinceText(s string, now time.Time) string {
	t, err := parseTime(s)
	if err != nil {
		return ""
	}
	t, now = t.UTC(), now.UTC()
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return "since " + t.Format("15:04") + " UTC"
	}
	return "since " + t.Format("Jan 2 15:04") + " UTC"
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("assist: unknown time format %q", s)
}

// summarizeList writes one line about one listing.
func summarizeList(m *matchedKind, in intent, region string, r ToolResult, note string, now time.Time) string {
	k := m.k
	var qual []string // before the noun: "stopped", "Python"
	var post []string // after the noun: "tagged env=prod", "named x"
	if m.state != nil {
		if strings.HasPrefix(m.state.label, "with ") {
			post = append(post, m.state.label)
		} else {
			qual = append(qual, m.state.label)
		}
	}
	if in.tag[0] != "" && k.ec2Filters {
		post = append(post, "tagged "+chatEscape(in.tag[0]+"="+in.tag[1]))
	}
	if in.nameFilter != "" {
		how := "with"
		if in.namePrefix {
			how = "starting with"
		}
		post = append(post, fmt.Sprintf("%s “%s” in the name", how, chatEscape(in.nameFilter)))
	}
	if !k.global && region != "" {
		post = append(post, "in "+region)
	}
	noun := func(n int) string {
		w := k.key
		if n == 1 {
			w = k.one
		}
		return strings.Join(append(append(append([]string{}, qual...), w), post...), " ")
	}
	if f := failure("list "+noun(2), r); f != "" {
		return f
	}
	list, err := items(r.Data)
	if err != nil {
		return fmt.Sprintf("I couldn't read the result of %s.", code(r.Command))
	}
	var b strings.Builder
	switch {
	case len(list) == 0:
		b.WriteString("No " + noun(2) + ".")
	default:
		if in.count {
			fmt.Fprintf(&b, "There %s %d %s: ", map[bool]string{true: "is", false: "are"}[len(list) == 1], len(list), noun(len(list)))
		} else {
			fmt.Fprintf(&b, "%d %s: ", len(list), noun(len(list)))
		}
		shown := list
		if len(shown) > maxListed {
			shown = shown[:maxListed]
		}
		names := make([]string, 0, len(shown))
		for _, it := range shown {
			names = append(names, render(k, it, now))
		}
		b.WriteString(strings.Join(names, ", "))
		if more := len(list) - len(shown); more > 0 {
			fmt.Fprintf(&b, " and %d more", more)
		}
		b.WriteString(".")
	}
	if note != "" {
		b.WriteString(" " + note)
	}
	return b.String()
}
