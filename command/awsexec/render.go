package awsexec

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/opschat/opschat/internal/clijson"
)

const (
	maxColumns       = 6
	maxCellWidth     = 40
	maxLastCellWidth = 160
)

// table is a list of records to show as aligned monospace columns.
type table struct {
	caption string
	records []map[string]any
}

// findTables picks the lists of records in a result: the result itself when
// it is a list of objects, else the non-empty list-of-object members of an
// object. A list whose records each hold a single inner list of records and
// little else (EC2's Reservations[].Instances[]) is flattened to the inner
// records, which are what people look for.
func findTables(v any) []table {
	if recs, ok := records(v); ok {
		return []table{flatten("", recs)}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	var out []table
	for _, k := range sortedKeys(m) {
		if recs, ok := records(m[k]); ok && len(recs) > 0 {
			out = append(out, flatten(k, recs))
		}
	}
	return out
}

// withNameTag adds a Name column from the record's Name tag (EC2, ASG, ...),
// which is how people know their resources.
func withNameTag(r map[string]any) map[string]any {
	if _, ok := r["Name"]; ok {
		return r
	}
	tags, _ := r["Tags"].([]any)
	for _, tg := range tags {
		m, _ := tg.(map[string]any)
		if k, _ := m["Key"].(string); k == "Name" {
			if v, ok := m["Value"].(string); ok {
				out := make(map[string]any, len(r)+1)
				for k, e := range r {
					out[k] = e
				}
				out["Name"] = v
				return out
			}
		}
	}
	return r
}

func records(v any) ([]map[string]any, bool) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, false
	}
	recs := make([]map[string]any, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		recs = append(recs, withNameTag(m))
	}
	return recs, true
}

func flatten(caption string, recs []map[string]any) table {
	var inner string
	for _, r := range recs {
		var lists []string
		scalars := 0
		for k, v := range r {
			if _, ok := records(v); ok {
				lists = append(lists, k)
			} else if isScalar(v) {
				scalars++
			}
		}
		if len(lists) != 1 || scalars > 3 || (inner != "" && lists[0] != inner) {
			return table{caption: caption, records: recs}
		}
		inner = lists[0]
	}
	var out []map[string]any
	for _, r := range recs {
		in, _ := records(r[inner])
		out = append(out, in...)
	}
	return table{caption: inner, records: out}
}

func isScalar(v any) bool {
	switch v.(type) {
	case string, float64, bool, nil:
		return true
	}
	return false
}

// cell renders a value for a table cell; nested objects that carry a Name or
// Value (EC2's State {Code, Name}) show that.
func cell(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case nil:
		return "", true
	case map[string]any:
		for _, k := range []string{"Name", "Value", "Status", "State"} {
			if s, ok := x[k].(string); ok {
				return s, true
			}
		}
	case []any:
		var parts []string
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return "", false
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ","), true
	}
	return "", false
}

// preferredColumns are the columns people look for first in the records
// of common commands, keyed by the list's member name.
var preferredColumns = map[string][]string{
	"MetricAlarms":    {"AlarmName", "StateValue", "MetricName", "Namespace", "Threshold", "StateUpdatedTimestamp"},
	"CompositeAlarms": {"AlarmName", "StateValue", "AlarmRule", "StateUpdatedTimestamp"},
	"Instances":       {"InstanceId", "Name", "State", "InstanceType", "PrivateIpAddress", "LaunchTime"},
	"Functions":       {"FunctionName", "Runtime", "MemorySize", "Timeout", "LastModified"},
	"events":          {"timestamp", "logStreamName", "message"},
	"logGroups":       {"logGroupName", "storedBytes", "retentionInDays", "creationTime"},
	"DBInstances":     {"DBInstanceIdentifier", "DBInstanceStatus", "Engine", "DBInstanceClass", "MultiAZ"},
	"StackSummaries":  {"StackName", "StackStatus", "LastUpdatedTime", "CreationTime"},
	"Stacks":          {"StackName", "StackStatus", "LastUpdatedTime", "CreationTime"},
	"Buckets":         {"Name", "CreationDate"},
	"Contents":        {"Key", "Size", "LastModified", "StorageClass"},
}

// columnRank orders the other columns by how useful they are at a glance:
// names and IDs first, then state, type and times; ARNs, descriptions and
// reasons last.
func columnRank(k string) int {
	switch {
	case strings.HasSuffix(k, "Arn") || strings.HasSuffix(k, "ARN") || strings.Contains(k, "Description") ||
		strings.Contains(k, "Reason") || strings.Contains(k, "Policy") || strings.HasSuffix(k, "Actions"):
		return 6
	case k == "Name" || strings.HasSuffix(k, "Name") && !strings.HasSuffix(k, "DisplayName"):
		return 0
	case strings.HasSuffix(k, "Id") || strings.HasSuffix(k, "ID"):
		return 1
	case strings.HasSuffix(k, "State") || strings.HasSuffix(k, "Status") || strings.HasSuffix(k, "StateValue"):
		return 2
	case strings.HasSuffix(k, "Type") || k == "Runtime" || k == "Engine":
		return 3
	case strings.Contains(k, "Time") || strings.Contains(k, "Date") || strings.Contains(k, "Modified"):
		return 5
	}
	return 4
}

// renderTable lays records out as aligned columns. It reports false when no
// column can be shown.
func renderTable(t table) (string, bool) {
	seen := map[string]int{}
	for _, r := range t.records {
		for k, v := range r {
			if _, ok := cell(v); ok {
				seen[k]++
			}
		}
	}
	pref := map[string]int{}
	for i, c := range preferredColumns[t.caption] {
		pref[c] = i - len(preferredColumns[t.caption]) // before every rank
	}
	// Each column's rank once, not per comparison.
	type column struct {
		name       string
		rank, seen int
	}
	ranked := make([]column, 0, len(seen))
	for k, n := range seen {
		r, ok := pref[k]
		if !ok {
			r = columnRank(k)
		}
		ranked = append(ranked, column{k, r, n})
	}
	slices.SortFunc(ranked, func(a, b column) int {
		if a.rank != b.rank {
			return cmp.Compare(a.rank, b.rank)
		}
		if a.seen != b.seen {
			return cmp.Compare(b.seen, a.seen)
		}
		return strings.Compare(a.name, b.name)
	})
	cols := make([]string, len(ranked))
	for i, c := range ranked {
		cols[i] = c.name
	}
	if n := len(pref); n >= 2 && len(cols) > n && pref[cols[n-1]] < 0 {
		// Every preferred column is present: they say enough.
		cols = cols[:n]
	}
	if len(cols) > maxColumns {
		cols = cols[:maxColumns]
	}
	if len(cols) == 0 {
		return "", false
	}
	rows := make([][]string, 0, len(t.records)+1)
	rows = append(rows, cols)
	cells := make([]string, len(cols)*len(t.records))
	for ri, r := range t.records {
		row := cells[ri*len(cols) : (ri+1)*len(cols)]
		for i, c := range cols {
			s, _ := cell(r[c])
			width := maxCellWidth
			if i == len(cols)-1 {
				width = maxLastCellWidth // nothing to its right: log messages, reasons
			}
			row[i] = clip(oneLine(s), width)
		}
		rows = append(rows, row)
	}
	widths := make([]int, len(cols))
	size := 0
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, w := range widths {
		size += w + 2
	}
	b := make([]byte, 0, (size+1)*(len(rows)+1))
	for ri, row := range rows {
		start := len(b)
		for i, c := range row {
			if i > 0 {
				b = append(b, "  "...)
			}
			b = append(b, c...)
			for n := widths[i] - utf8.RuneCountInString(c); n > 0; n-- {
				b = append(b, ' ')
			}
		}
		for len(b) > start && b[len(b)-1] == ' ' {
			b = b[:len(b)-1]
		}
		b = append(b, '\n')
		if ri == 0 {
			for i, w := range widths {
				if i > 0 {
					b = append(b, "  "...)
				}
				for range w {
					b = append(b, '-')
				}
			}
			b = append(b, '\n')
		}
	}
	return string(b), true
}

// oneLine puts a cell on one line: line breaks and tabs become spaces
// (byte by byte, so invalid UTF-8 is left as it was).
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\n\t\r") {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c == '\n' || c == '\t' || c == '\r' {
			b[i] = ' '
		}
	}
	return string(b)
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// prettyJSON indents v as JSON, keys sorted, HTML characters left alone.
func prettyJSON(v any) string {
	b, err := clijson.AppendIndent(nil, v, "", "  ", false)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// keyValues renders an object of scalars as aligned "Key  value" lines; it
// reports false when v is not such an object.
func keyValues(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return "", false
	}
	keys := sortedKeys(m)
	w := 0
	for _, k := range keys {
		if !isScalar(m[k]) {
			return "", false
		}
		w = max(w, len(k))
	}
	var b strings.Builder
	for _, k := range keys {
		s, _ := cell(m[k])
		fmt.Fprintf(&b, "%-*s  %s\n", w, k, s)
	}
	return b.String(), true
}

// textOutput renders v as the CLI's --output text roughly does: one line per
// record, tab-separated scalars, with the path of nested records as prefix.
func textOutput(v any) string {
	var b strings.Builder
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			var scalars []string
			keys := sortedKeys(x)
			for _, k := range keys {
				if s, ok := cell(x[k]); ok && isScalar(x[k]) {
					scalars = append(scalars, s)
				}
			}
			if len(scalars) > 0 {
				if prefix != "" {
					b.WriteString(strings.ToUpper(prefix) + "\t")
				}
				b.WriteString(strings.Join(scalars, "\t") + "\n")
			}
			for _, k := range keys {
				if !isScalar(x[k]) {
					walk(k, x[k])
				}
			}
		case []any:
			var scalars []string
			for _, e := range x {
				if isScalar(e) {
					s, _ := cell(e)
					scalars = append(scalars, s)
				} else {
					walk(prefix, e)
				}
			}
			if len(scalars) > 0 {
				if prefix != "" {
					b.WriteString(strings.ToUpper(prefix) + "\t")
				}
				b.WriteString(strings.Join(scalars, "\t") + "\n")
			}
		default:
			s, _ := cell(x)
			b.WriteString(s + "\n")
		}
	}
	walk("", v)
	return b.String()
}
