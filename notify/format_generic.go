package notify

import (
	"fmt"
	"sort"
	"strings"

	"github.com/opschat/opschat/chat"
)

// genericEvent renders an EventBridge event no rich decoder knows. It
// infers severity and state from the fields services commonly use (see
// inferSeverity) and shows those first, then the remaining scalar fields
// in key order up to genericFieldLimit; the full detail goes in a code
// block when something was left out.
func genericEvent(n *Notification, d jobj) {
	inf := inferSeverity(d)
	parts := []string{}
	if n.Service != "" {
		parts = append(parts, esc(n.Service))
	}
	parts = append(parts, esc(n.EventType))
	if inf.state != "" {
		parts = append(parts, esc(inf.state))
	}
	parts = append(parts, esc(firstNonEmpty(n.Region, "global")))
	n.Title = strings.Join(parts, " | ")
	n.Severity = worse(chat.SeverityInfo, inf.severity)
	n.Fields = append(n.Fields, inf.fields...)
	var flat []chat.Field
	complete := flattenScalars("", d, 0, &flat)
	for _, f := range flat {
		n.Variables[f.Name] = f.Value
	}
	rest := flat[:0]
	for _, f := range flat {
		if !inf.used[f.Name] {
			rest = append(rest, f)
		}
	}
	if len(rest) > genericFieldLimit {
		rest, complete = rest[:genericFieldLimit], false
	}
	n.Fields = append(n.Fields, rest...)
	n.Description = fmt.Sprintf("Event from %s.", esc(n.Source))
	if !complete {
		n.Description += " The full detail is below."
	}
	// No per-service page is known for an arbitrary event: the EventBridge
	// console is the honest link.
	if n.Source != "" && n.Region != "" {
		n.TitleLink = consoleURL(n.Partition, n.Region, "events", "home", "#/events")
	}
}

// flattenScalars lists the scalar values of o as dotted-name fields, in key
// order, descending two levels into objects. It reports whether every
// value was listed (no arrays, nothing deeper).
func flattenScalars(prefix string, o jobj, depth int, out *[]chat.Field) bool {
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	complete := true
	for _, k := range keys {
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		switch v := o[k].(type) {
		case map[string]any:
			if depth >= 2 {
				complete = false
				continue
			}
			if !flattenScalars(name, jobj(v), depth+1, out) {
				complete = false
			}
		case []any, nil:
			if len(asSlice(v)) > 0 {
				complete = false
			}
		default:
			s, _ := scalarString(v)
			if s != "" {
				*out = append(*out, field(name, s, len(s) < 40))
			}
		}
	}
	return complete
}

// genericFieldLimit caps how many remaining values a generic rendering
// shows as fields after the inferred ones; the full payload is in the
// code block.
const genericFieldLimit = 10

// decodeGenericJSON renders JSON no decoder recognises: a title from the
// usual title keys, the inferred severity and state first, then the other
// top-level scalars in key order.
func decodeGenericJSON(m jobj, subject string) *Notification {
	title := strings.TrimSpace(subject)
	for _, k := range []string{"title", "Title", "subject", "summary", "message", "alertname", "name"} {
		if title != "" {
			break
		}
		if s := m.s(k); s != "" && len(s) < 200 {
			title = s
		}
	}
	if title == "" {
		title = "Notification"
	}
	inf := inferSeverity(m)
	n := &Notification{
		Kind:      KindJSON,
		Title:     chat.EscapeMarkdown(title),
		Summary:   title,
		Source:    m.s("source"),
		Severity:  inf.severity,
		Variables: map[string]string{},
		Fields:    inf.fields,
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	shown := 0
	for _, k := range keys {
		s, ok := scalarString(m[k])
		if !ok {
			continue
		}
		n.Variables[k] = s
		if !inf.used[k] && shown < genericFieldLimit {
			n.Fields = append(n.Fields, chat.Field{Name: k, Value: s, Short: len(s) < 40})
			shown++
		}
	}
	n.Account = firstNonEmpty(m.s("account"), m.s("accountId"), m.s("AWSAccountId"))
	n.Region = m.s("region")
	return n
}
