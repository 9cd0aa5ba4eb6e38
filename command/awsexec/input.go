package awsexec

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opschat/opschat/command"
)

// ParamError says which parameter could not be converted into the SDK input,
// what was given and what was expected. It is safe to show to chat users.
type ParamError struct {
	// Param is the path of the parameter: "--filters[0].Values[1]".
	Param    string
	Given    string
	Expected string
	// Err is an underlying parse error, if any.
	Err error
}

func (e *ParamError) Error() string {
	return "awsexec: " + e.UserMessage()
}

// UserMessage describes the problem for a chat user.
func (e *ParamError) UserMessage() string {
	return fmt.Sprintf("parameter %s: got %s, expected %s", e.Param, e.Given, e.Expected)
}

func (e *ParamError) Unwrap() error { return e.Err }

// BuildInput converts parsed parameters (typed as command.Invocation
// documents) into a new SDK input struct of the operation and returns a
// pointer to it. Unknown parameters, values of the wrong type, enum values
// outside the API's set and missing required members of nested structures are
// errors (*ParamError). Missing top-level required parameters are not
// checked here: the parser reports them and the SDK validates before sending.
func (s *Service) BuildInput(op *Operation, params map[string]any) (any, error) {
	s.describe(op)
	in := reflect.New(op.inputType)
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic error order
	for _, k := range keys {
		f, ok := op.fields[k]
		if !ok {
			return nil, &ParamError{Param: "--" + k, Given: "an unknown parameter", Expected: "one of " + strings.Join(op.paramNames(), ", ")}
		}
		field := in.Elem().Field(f.index)
		v, err := s.convert("--"+k, field.Type(), params[k], f.param)
		if err != nil {
			return nil, err
		}
		field.Set(v)
	}
	return in.Interface(), nil
}

func (o *Operation) paramNames() []string {
	names := make([]string, 0, len(o.fields))
	for n := range o.fields {
		names = append(names, "--"+n)
	}
	sort.Strings(names)
	return names
}

func describeGiven(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if len(x) > 40 {
			x = x[:37] + "..."
		}
		return strconv.Quote(x)
	case bool:
		return "boolean " + strconv.FormatBool(x)
	case int64, int, float64, json.Number:
		return fmt.Sprintf("number %v", x)
	case []any:
		return fmt.Sprintf("a list of %d", len(x))
	case map[string]any:
		return "an object"
	case time.Time:
		return "timestamp " + x.Format(time.RFC3339)
	case []byte:
		return fmt.Sprintf("%d bytes", len(x))
	default:
		return fmt.Sprintf("%T", v)
	}
}

// convert builds a value of type t from v. p may be nil for members the
// catalog did not describe (too deep); t is the authority.
func (s *Service) convert(path string, t reflect.Type, v any, p *command.Param) (reflect.Value, error) {
	if t.Kind() == reflect.Pointer && t != bytesType {
		if v == nil {
			return reflect.Zero(t), nil
		}
		e, err := s.convert(path, t.Elem(), v, p)
		if err != nil {
			return reflect.Value{}, err
		}
		ptr := reflect.New(t.Elem())
		ptr.Elem().Set(e)
		return ptr, nil
	}
	bad := func(expected string, err error) (reflect.Value, error) {
		return reflect.Value{}, &ParamError{Param: path, Given: describeGiven(v), Expected: expected, Err: err}
	}
	switch {
	case t == timeType:
		ts, err := toTime(v)
		if err != nil {
			return bad("a timestamp (ISO 8601 such as 2024-05-01T12:00:00Z, or epoch seconds)", err)
		}
		return reflect.ValueOf(ts), nil
	case t == bytesType:
		switch x := v.(type) {
		case []byte:
			return reflect.ValueOf(x), nil
		case string:
			return reflect.ValueOf([]byte(x)), nil
		}
		return bad("a blob (text)", nil)
	}
	switch t.Kind() {
	case reflect.String:
		str, ok := v.(string)
		if !ok {
			return bad("a string", nil)
		}
		if enum := enumValues(t); len(enum) > 0 && !slices.Contains(enum, str) {
			return bad("one of "+strings.Join(enum, ", "), nil)
		}
		return reflect.ValueOf(str).Convert(t), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := toInt(v)
		if err != nil {
			return bad("an integer", err)
		}
		out := reflect.New(t).Elem()
		if out.OverflowInt(n) {
			return bad(fmt.Sprintf("an integer that fits in %d bits", t.Bits()), nil)
		}
		out.SetInt(n)
		return out, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := toInt(v)
		if err != nil || n < 0 {
			return bad("a non-negative integer", err)
		}
		out := reflect.New(t).Elem()
		if out.OverflowUint(uint64(n)) {
			return bad(fmt.Sprintf("an integer that fits in %d bits", t.Bits()), nil)
		}
		out.SetUint(uint64(n))
		return out, nil
	case reflect.Float32, reflect.Float64:
		f, err := toFloat(v)
		if err != nil {
			return bad("a number", err)
		}
		out := reflect.New(t).Elem()
		out.SetFloat(f)
		return out, nil
	case reflect.Bool:
		switch x := v.(type) {
		case bool:
			return reflect.ValueOf(x).Convert(t), nil
		case string:
			if b, err := strconv.ParseBool(x); err == nil && (x == "true" || x == "false") {
				return reflect.ValueOf(b).Convert(t), nil
			}
		}
		return bad("true or false", nil)
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			// The CLI accepts a single value where a list is expected.
			list = []any{v}
		}
		var elem *command.Param
		if p != nil {
			elem = p.Elem
		}
		out := reflect.MakeSlice(t, len(list), len(list))
		for i, e := range list {
			ev, err := s.convert(fmt.Sprintf("%s[%d]", path, i), t.Elem(), e, elem)
			if err != nil {
				return reflect.Value{}, err
			}
			out.Index(i).Set(ev)
		}
		return out, nil
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return bad("a map (JSON object or Key=Value,...)", nil)
		}
		var elem *command.Param
		if p != nil {
			elem = p.Elem
		}
		out := reflect.MakeMapWithSize(t, len(m))
		for _, k := range sortedKeys(m) {
			kv, err := s.convert(path+" key "+strconv.Quote(k), t.Key(), k, nil)
			if err != nil {
				return reflect.Value{}, err
			}
			ev, err := s.convert(fmt.Sprintf("%s.%s", path, k), t.Elem(), m[k], elem)
			if err != nil {
				return reflect.Value{}, err
			}
			out.SetMapIndex(kv, ev)
		}
		return out, nil
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return bad("a structure (JSON object or Name=Value,...)", nil)
		}
		return s.convertStruct(path, t, m, v)
	case reflect.Interface:
		if u := s.unions[t]; u != nil {
			return s.convertUnion(path, t, u, v)
		}
		if s.Info.NewDocument == nil {
			return bad("a value of a type this service table cannot build ("+t.String()+")", nil)
		}
		d := reflect.ValueOf(s.Info.NewDocument(normalizeJSON(v)))
		if !d.Type().AssignableTo(t) {
			return bad("a value of a type this service table cannot build ("+t.String()+")", nil)
		}
		out := reflect.New(t).Elem()
		out.Set(d)
		return out, nil
	}
	return bad("a value of a supported type, not "+t.String(), nil)
}

func (s *Service) convertStruct(path string, t reflect.Type, m map[string]any, given any) (reflect.Value, error) {
	out := reflect.New(t).Elem()
	set := map[string]bool{}
	for _, k := range sortedKeys(m) {
		f, ok := fieldFold(t, k)
		if !ok {
			return reflect.Value{}, &ParamError{Param: path, Given: "member " + strconv.Quote(k),
				Expected: "one of " + strings.Join(s.memberNames(t), ", ")}
		}
		fv, err := s.convert(path+"."+s.memberName(t, f.Name), f.Type, m[k], nil)
		if err != nil {
			return reflect.Value{}, err
		}
		out.FieldByIndex(f.Index).Set(fv)
		set[f.Name] = true
	}
	var missing []string
	for n := range s.required(t) {
		if !set[n] {
			missing = append(missing, s.memberName(t, n))
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return reflect.Value{}, &ParamError{Param: path, Given: describeGiven(given) + " without " + strings.Join(missing, ", "),
			Expected: "a structure with the required members " + strings.Join(missing, ", ")}
	}
	return out, nil
}

func (s *Service) convertUnion(path string, t reflect.Type, u *Union, v any) (reflect.Value, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return reflect.Value{}, &ParamError{Param: path, Given: describeGiven(v),
			Expected: "an object with exactly one of " + strings.Join(u.names, ", ")}
	}
	for k, val := range m {
		name := k
		mt, ok := u.members[k]
		if !ok {
			for _, n := range u.names {
				if strings.EqualFold(n, k) {
					name, mt, ok = n, u.members[n], true
				}
			}
		}
		if !ok {
			return reflect.Value{}, &ParamError{Param: path, Given: "member " + strconv.Quote(k),
				Expected: "one of " + strings.Join(u.names, ", ")}
		}
		member := reflect.New(mt.Elem())
		vf := member.Elem().FieldByName("Value")
		fv, err := s.convert(path+"."+name, vf.Type(), val, nil)
		if err != nil {
			return reflect.Value{}, err
		}
		vf.Set(fv)
		out := reflect.New(t).Elem()
		out.Set(member)
		return out, nil
	}
	panic("unreachable")
}

// fieldFold finds the exported field named k, ignoring case: the Go SDK
// capitalises member names that the API spells in lower camel case.
func fieldFold(t reflect.Type, k string) (reflect.StructField, bool) {
	if f, ok := t.FieldByName(k); ok && f.IsExported() {
		return f, true
	}
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.IsExported() && strings.EqualFold(f.Name, k) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func (s *Service) memberNames(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.IsExported() {
			names = append(names, s.memberName(t, f.Name))
		}
	}
	return names
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func toInt(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case float64:
		if x != math.Trunc(x) || math.IsInf(x, 0) || x > math.MaxInt64 || x < math.MinInt64 {
			return 0, fmt.Errorf("%v is not a whole number", x)
		}
		return int64(x), nil
	case json.Number:
		return x.Int64()
	case string:
		return strconv.ParseInt(strings.TrimSpace(x), 10, 64)
	}
	return 0, fmt.Errorf("not a number")
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case int64:
		return float64(x), nil
	case int:
		return float64(x), nil
	case json.Number:
		return x.Float64()
	case string:
		return strconv.ParseFloat(strings.TrimSpace(x), 64)
	}
	return 0, fmt.Errorf("not a number")
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02"}

// toTime accepts what the CLI accepts for timestamps: ISO 8601 forms and
// epoch seconds.
func toTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), nil
	case float64, int64, int, json.Number:
		f, err := toFloat(x)
		if err != nil {
			return time.Time{}, err
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	case string:
		x = strings.TrimSpace(x)
		if f, err := strconv.ParseFloat(x, 64); err == nil {
			return toTime(f)
		}
		for _, l := range timeLayouts {
			if ts, err := time.Parse(l, x); err == nil {
				return ts.UTC(), nil
			}
		}
		return time.Time{}, fmt.Errorf("cannot parse %q as a timestamp", x)
	}
	return time.Time{}, fmt.Errorf("not a timestamp")
}

// normalizeJSON turns parser values into what a smithy document expects
// (JSON types); int64 stays as is because documents encode it as a number.
func normalizeJSON(v any) any {
	switch x := v.(type) {
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeJSON(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalizeJSON(e)
		}
		return out
	}
	return v
}
