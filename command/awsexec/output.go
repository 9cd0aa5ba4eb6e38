package awsexec

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/smithy-go/middleware"
)

var metadataType = reflect.TypeFor[middleware.Metadata]()

// CLIShape converts an SDK output value into the JSON shape the AWS CLI
// prints: structures become map[string]any keyed by the API's member names,
// lists []any, numbers float64, timestamps ISO 8601 strings as the CLI
// prints them, blobs base64, unions {"Member": value}; nil pointers, nil
// lists and the SDK's ResultMetadata are omitted. The result is what
// JMESPath queries (--query) run on.
//
// CLIShape keeps Go field names; Service.CLIShape also restores the API's
// spelling of members the SDK capitalised ("logGroupName").
func CLIShape(v any) any {
	out, _ := (*Service)(nil).shape(reflect.ValueOf(v), 0)
	return out
}

// CLIShape is the package-level CLIShape with the service's member names.
func (s *Service) CLIShape(v any) any {
	out, _ := s.shape(reflect.ValueOf(v), 0)
	return out
}

// shape returns the CLI value and false when the value is absent.
func (s *Service) shape(v reflect.Value, depth int) (any, bool) {
	if !v.IsValid() || depth > 64 {
		return nil, false
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, false
		}
		if v.Kind() == reflect.Interface {
			return s.shapeInterface(v, depth)
		}
		return s.shape(v.Elem(), depth)
	}
	t := v.Type()
	if t == timeType {
		return formatTime(v.Interface().(time.Time)), true
	}
	if t == bytesType {
		if v.IsNil() {
			return nil, false
		}
		return base64.StdEncoding.EncodeToString(v.Bytes()), true
	}
	switch v.Kind() {
	case reflect.String:
		// A named string type is an SDK enum; its zero value means the
		// member was not in the response, which the CLI leaves out (null
		// under --query), never "".
		if v.Len() == 0 && t.PkgPath() != "" {
			return nil, false
		}
		return v.String(), true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(v.Uint()), true
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil, false
		}
		out := make([]any, 0, v.Len())
		for i := 0; i < v.Len(); i++ {
			e, ok := s.shape(v.Index(i), depth+1)
			if !ok {
				e = nil
			}
			out = append(out, e)
		}
		return out, true
	case reflect.Map:
		if v.IsNil() {
			return nil, false
		}
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			e, ok := s.shape(it.Value(), depth+1)
			if !ok {
				e = nil
			}
			out[it.Key().String()] = e
		}
		return out, true
	case reflect.Struct:
		plan := s.structPlan(t)
		out := make(map[string]any, len(plan))
		for _, f := range plan {
			fv := v.Field(f.index)
			if f.decoded {
				if e, ok := decodedForChat(f.goName, fv); ok {
					out[f.name] = e
					continue
				}
			}
			if e, ok := s.shape(fv, depth+1); ok {
				out[f.name] = e
			}
		}
		return out, true
	}
	return nil, false
}

// decodedForChat returns Lambda Invoke's Payload and LogResult as text: the
// AWS CLI writes the payload to its outfile as raw bytes and people read
// the tail of the log decoded, while chat has no outfile and base64 is
// unreadable. A value that is not UTF-8 text stays base64.
func decodedForChat(field string, v reflect.Value) (any, bool) {
	switch {
	case field == "Payload" && v.Type() == bytesType && !v.IsNil() && utf8.Valid(v.Bytes()):
		return string(v.Bytes()), true
	case field == "LogResult" && v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.String:
		raw, err := base64.StdEncoding.DecodeString(v.Elem().String())
		if err == nil && utf8.Valid(raw) {
			return string(raw), true
		}
	}
	return nil, false
}

// fieldPlan is how one exported member of an SDK struct is shaped.
type fieldPlan struct {
	index   int
	name    string // the CLI's member name
	goName  string
	decoded bool // see decodedForChat
}

// structPlan returns t's members to shape, worked out once per type and
// service: the reflection over field names and the member-name lookups
// are the same for every value and were most of CLIShape's cost.
func (s *Service) structPlan(t reflect.Type) []fieldPlan {
	if s != nil && s.plans != nil {
		if p, ok := s.plans.Load(t); ok {
			return p.([]fieldPlan)
		}
	}
	lambdaInvoke := t.Name() == "InvokeOutput" && strings.HasSuffix(t.PkgPath(), "/service/lambda")
	plan := make([]fieldPlan, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Type == metadataType {
			continue
		}
		name := f.Name
		if s != nil {
			name = s.memberName(t, f.Name)
		}
		plan = append(plan, fieldPlan{index: i, name: name, goName: f.Name,
			decoded: lambdaInvoke && (f.Name == "Payload" || f.Name == "LogResult")})
	}
	if s != nil && s.plans != nil {
		s.plans.Store(t, plan)
	}
	return plan
}

// smithyDocument is what every service's document.Interface implements.
// Its JSON form is decoded with encoding/json because the smithy decoders
// do not decode into an interface value.
type smithyDocument interface {
	MarshalSmithyDocument() ([]byte, error)
}

func (s *Service) shapeInterface(v reflect.Value, depth int) (any, bool) {
	if d, ok := v.Interface().(smithyDocument); ok {
		b, err := d.MarshalSmithyDocument()
		var out any
		if err != nil || json.Unmarshal(b, &out) != nil {
			return nil, false
		}
		return out, true
	}
	e := v.Elem()
	for e.Kind() == reflect.Pointer && !e.IsNil() {
		e = e.Elem()
	}
	// Union members are XMemberY structs with a Value field.
	if e.Kind() == reflect.Struct {
		if _, name, ok := strings.Cut(e.Type().Name(), "Member"); ok {
			if f := e.FieldByName("Value"); f.IsValid() {
				val, present := s.shape(f, depth+1)
				if !present {
					val = nil
				}
				return map[string]any{name: val}, true
			}
		}
		if e.Type().Name() == "UnknownUnionMember" {
			if tag := e.FieldByName("Tag"); tag.IsValid() {
				return map[string]any{tag.String(): nil}, true
			}
		}
	}
	return s.shape(e, depth+1)
}

// formatTime prints a timestamp as the AWS CLI v2 does (Python's
// isoformat): 2024-05-01T12:00:00+00:00, with microseconds when non-zero.
func formatTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 != 0 {
		return t.Format("2006-01-02T15:04:05.000000-07:00")
	}
	return t.Format("2006-01-02T15:04:05-07:00")
}

// mergePage appends the list members of page onto acc (both pointers to the
// same output struct type) and takes page's scalar members, as the CLI does
// when it joins pages.
func mergePage(acc, page any) {
	a := reflect.ValueOf(acc).Elem()
	p := reflect.ValueOf(page).Elem()
	for i := 0; i < a.NumField(); i++ {
		f := a.Type().Field(i)
		if !f.IsExported() || f.Type == metadataType {
			continue
		}
		if f.Type.Kind() == reflect.Slice && f.Type != bytesType {
			a.Field(i).Set(reflect.AppendSlice(a.Field(i), p.Field(i)))
			continue
		}
		a.Field(i).Set(p.Field(i))
	}
}

// countItems returns the length of the longest list member of an output: the
// records a paginated operation returns.
func countItems(out any) int {
	v := reflect.ValueOf(out)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return 0
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return 0
	}
	n := 0
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() == reflect.Slice && f.Type() != bytesType && f.CanInterface() {
			n = max(n, f.Len())
		}
	}
	return n
}

// trimItems cuts every list member of an output to at most n elements.
func trimItems(out any, n int) {
	v := reflect.ValueOf(out).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() == reflect.Slice && f.Type() != bytesType && f.CanSet() && f.Len() > n {
			f.Set(f.Slice(0, n))
		}
	}
}

// Pagination token members, as the APIs name them.
var (
	inputTokenFields  = []string{"NextToken", "Marker", "ContinuationToken", "NextMarker", "PaginationToken", "NextPageToken", "StartingToken"}
	outputTokenFields = []string{"NextToken", "NextMarker", "NextContinuationToken", "Marker", "PaginationToken", "NextPageToken"}
)

// inputTokenName returns the input member that takes the pagination token,
// or "" when the operation has none.
func inputTokenName(input any) string {
	v := reflect.ValueOf(input)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return ""
	}
	for _, name := range inputTokenFields {
		if f := v.Elem().FieldByName(name); f.IsValid() && f.Type() == stringPtrType {
			return name
		}
	}
	return ""
}

var stringPtrType = reflect.TypeFor[*string]()

// setStartingToken resumes a paginated operation at token: the SDK's
// paginators start from the input's token member.
func setStartingToken(input any, token string) error {
	name := inputTokenName(input)
	if name == "" {
		return errors.New("this operation has no pagination token")
	}
	reflect.ValueOf(input).Elem().FieldByName(name).Set(reflect.ValueOf(&token))
	return nil
}

// maxChatToken is the longest token offered in chat: longer ones (some
// APIs encode whole queries) are no use to type or paste.
const maxChatToken = 200

// nextToken returns the token to continue after out, or "" when the output
// has no string token (or a very long one, which is no use in chat).
func nextToken(out any) string {
	if s := apiNextToken(out); len(s) <= maxChatToken {
		return s
	}
	return ""
}

// apiNextToken returns the output's pagination token as AWS sent it.
func apiNextToken(out any) string {
	v := reflect.ValueOf(out).Elem()
	for _, name := range outputTokenFields {
		f := v.FieldByName(name)
		if f.IsValid() && f.Type() == stringPtrType && !f.IsNil() {
			return f.Elem().String()
		}
	}
	return ""
}
