package awssim

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// account.json is the simulated account's resources for the operations
// without a Go handler: data, not code. Each operation is answered by a
// generic responder from a collection of resources (a list with request
// filters, or one resource by key with the service's not-found error) or
// from a fixed result. See fixtureOp for the fields.
//
//go:embed account/account.json
var accountJSON []byte

// fixture is the parsed account.json of one server. It is read-only after
// newFixture, so answers need no lock.
type fixture struct {
	collections map[string][]any
	ops         map[string]*fixtureOp
}

// fixtureOp says how one operation ("service:Operation", signing name) is
// answered.
type fixtureOp struct {
	// From names the collection the answer is drawn from.
	From string `json:"from"`
	// List is the response member holding the matching resources; when
	// empty, the operation answers one resource (found by Key).
	List string `json:"list"`
	// Key is the request member naming one resource; Field the resource
	// field it is compared with (default: Key). With List set, Key is an
	// optional filter of one or more values.
	Key   string `json:"key"`
	Field string `json:"field"`
	// Filters are more optional request members: member -> resource field
	// (dotted path) and how they compare ("eq" default, "prefix").
	Filters map[string]fixtureFilter `json:"filters"`
	// Wrap puts the one resource under this member ("Configuration").
	Wrap string `json:"wrap"`
	// Result is a fixed answer (or what is merged into a list answer).
	Result map[string]any `json:"result"`
	// Member is the REST-XML element name of each list item.
	Member string `json:"member"`
	// NotFound is the service's error for a Key that matches nothing (also
	// in a list answer, when set); Message may hold one %s for the key.
	NotFound *fixtureError `json:"notFound"`
	// Pluck answers each listed resource's field instead of the resource
	// (ListQueues' URLs, ecs ListServices' ARNs).
	Pluck string `json:"pluck"`
	// Require lists request members that must be present, answered with
	// the service's validation error otherwise.
	Require []string `json:"require"`
}

type fixtureFilter struct {
	Field string `json:"field"`
	Match string `json:"match"`
}

type fixtureError struct {
	Code    string `json:"code"`
	Status  int    `json:"status"`
	Message string `json:"message"`
}

// memberList is a list whose REST-XML items are named (Route 53's
// <HostedZones><HostedZone>); other protocols see a plain list.
type memberList struct {
	member string
	items  []any
}

var reTimeRef = regexp.MustCompile(`^\$\{(t|iso|ms):([^}]*)\}$`)

// newFixture parses account.json for an account, region and clock: the
// strings ${account} and ${region} are replaced, and "${t:-3h}" becomes a
// timestamp relative to now ("${iso:...}" the same as an ISO 8601 string,
// "${ms:...}" as epoch milliseconds, for members modelled as such).
func newFixture(raw []byte, account, region string, now time.Time) (*fixture, error) {
	s := strings.NewReplacer("${account}", account, "${region}", region).Replace(string(raw))
	var doc struct {
		Collections map[string][]any      `json:"collections"`
		Operations  map[string]*fixtureOp `json:"operations"`
	}
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		return nil, fmt.Errorf("awssim: account fixture: %w", err)
	}
	f := &fixture{collections: map[string][]any{}, ops: doc.Operations}
	for name, items := range doc.Collections {
		v, err := resolve(items, now)
		if err != nil {
			return nil, fmt.Errorf("awssim: account fixture: collection %s: %w", name, err)
		}
		f.collections[name] = v.([]any)
	}
	for key, op := range doc.Operations {
		if op.From != "" {
			if _, ok := f.collections[op.From]; !ok {
				return nil, fmt.Errorf("awssim: account fixture: %s: no collection %q", key, op.From)
			}
		}
		if op.Result != nil {
			v, err := resolve(op.Result, now)
			if err != nil {
				return nil, fmt.Errorf("awssim: account fixture: %s: %w", key, err)
			}
			op.Result = v.(map[string]any)
		}
	}
	return f, nil
}

// resolve replaces time references and {"@member": name, "@items": [...]}
// lists in a decoded JSON tree.
func resolve(v any, now time.Time) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		if m, ok := t["@map"].(map[string]any); ok {
			r, err := resolve(m, now)
			if err != nil {
				return nil, err
			}
			return awsMap(r.(map[string]any)), nil
		}
		if items, ok := t["@items"].([]any); ok {
			name, _ := t["@member"].(string)
			r, err := resolve(items, now)
			if err != nil {
				return nil, err
			}
			return memberList{member: name, items: r.([]any)}, nil
		}
		for k, e := range t {
			r, err := resolve(e, now)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			t[k] = r
		}
		return t, nil
	case []any:
		for i, e := range t {
			r, err := resolve(e, now)
			if err != nil {
				return nil, err
			}
			t[i] = r
		}
		return t, nil
	case string:
		m := reTimeRef.FindStringSubmatch(t)
		if m == nil {
			return t, nil
		}
		d, err := time.ParseDuration(m[2])
		if err != nil {
			return nil, fmt.Errorf("time reference %q: %w", t, err)
		}
		at := now.Add(d).UTC()
		switch m[1] {
		case "iso":
			return at.Format("2006-01-02T15:04:05.000-0700"), nil
		case "ms":
			return at.UnixMilli(), nil
		}
		return at, nil
	}
	return v, nil
}

// answer returns the operation's reply, or false when the fixture does not
// have the operation.
func (f *fixture) answer(r *Request) (*reply, bool, error) {
	op, ok := f.ops[r.Key()]
	if !ok {
		return nil, false, nil
	}
	for _, m := range op.Require {
		if _, ok := r.Params[m]; !ok {
			return nil, true, apiErr(http.StatusBadRequest, validationCode(r.Service), "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", lowerFirst(m))
		}
	}
	items := f.collections[op.From]
	if op.List == "" && op.Key != "" {
		key := pString(r.Params, op.Key)
		field := op.Field
		if field == "" {
			field = op.Key
		}
		for _, it := range items {
			if keyMatches(lookup(it, field), key) {
				var res any = it
				if op.Wrap != "" {
					res = obj{op.Wrap: it}
				}
				return &reply{result: merge(res, op.Result)}, true, nil
			}
		}
		nf := op.NotFound
		if nf == nil {
			nf = &fixtureError{Code: "ResourceNotFoundException", Status: http.StatusBadRequest, Message: "Resource %s not found."}
		}
		return nil, true, notFound(nf, key)
	}
	if op.List == "" {
		return &reply{result: merge(obj{}, op.Result)}, true, nil
	}
	filters := op.Filters
	if op.Key != "" {
		field := op.Field
		if field == "" {
			field = op.Key
		}
		filters = maps(filters, op.Key, fixtureFilter{Field: field})
	}
	out := []any{}
	for _, it := range items {
		if matchesAll(it, r.Params, filters) {
			if op.Pluck != "" {
				out = append(out, lookup(it, op.Pluck))
			} else {
				out = append(out, it)
			}
		}
	}
	if len(out) == 0 && op.NotFound != nil && op.Key != "" {
		if keys := requestValues(r.Params, op.Key); len(keys) > 0 {
			return nil, true, notFound(op.NotFound, strings.Join(keys, ", "))
		}
	}
	var list any = out
	if op.Member != "" {
		list = memberList{member: op.Member, items: out}
	}
	return &reply{result: merge(obj{op.List: list}, op.Result)}, true, nil
}

func maps(m map[string]fixtureFilter, k string, v fixtureFilter) map[string]fixtureFilter {
	out := make(map[string]fixtureFilter, len(m)+1)
	for a, b := range m {
		out[a] = b
	}
	out[k] = v
	return out
}

// matchesAll reports whether a resource passes every filter the request
// gives; filters it does not give pass.
func matchesAll(item any, params map[string]any, filters map[string]fixtureFilter) bool {
	names := make([]string, 0, len(filters))
	for n := range filters {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		want := requestValues(params, name)
		if len(want) == 0 {
			continue
		}
		flt := filters[name]
		got := lookup(item, flt.Field)
		ok := false
		for _, w := range want {
			if flt.Match == "prefix" && strings.HasPrefix(fmt.Sprint(got), w) || flt.Match != "prefix" && keyMatches(got, w) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func notFound(nf *fixtureError, key string) error {
	msg := nf.Message
	if strings.Contains(msg, "%s") {
		msg = fmt.Sprintf(msg, key)
	}
	return &APIError{Code: nf.Code, Status: nf.Status, Message: msg}
}

// requestValues is a request member as a list of strings: one value or
// several.
func requestValues(params map[string]any, name string) []string {
	if l := pStrings(params, name); len(l) > 0 {
		return l
	}
	if s := pString(params, name); s != "" {
		return []string{s}
	}
	return nil
}

// keyMatches compares a resource field with a request value: equal, or the
// request gives the resource's ARN or URL whose last part is the name.
// A list field matches when one of its elements does.
func keyMatches(field any, key string) bool {
	if l, ok := field.([]any); ok {
		for _, e := range l {
			if keyMatches(e, key) {
				return true
			}
		}
		return false
	}
	s, ok := field.(string)
	if !ok || key == "" {
		return false
	}
	return s == key || lastPart(key) == s || lastPart(s) == key
}

// lastPart is what follows the last "/" or ":" (an ARN's or URL's name).
func lastPart(s string) string {
	if i := strings.LastIndexAny(s, "/:"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// lookup follows a dotted path through objects.
func lookup(v any, path string) any {
	for _, p := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func merge(res any, extra map[string]any) any {
	if len(extra) == 0 {
		return res
	}
	m, ok := res.(map[string]any)
	if !ok {
		return res
	}
	out := make(obj, len(m)+len(extra))
	for k, v := range m {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func validationCode(service string) string {
	switch service {
	case "monitoring", "sts", "sns", "rds", "cloudformation", "autoscaling", "elasticloadbalancing", "iam":
		return "ValidationError"
	}
	return "ValidationException"
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
