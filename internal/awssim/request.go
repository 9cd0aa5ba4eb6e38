package awssim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// Protocol is the AWS wire protocol a request used.
type Protocol string

// The protocols the server understands.
const (
	ProtocolQuery    Protocol = "awsQuery"
	ProtocolEC2Query Protocol = "ec2Query"
	ProtocolJSON10   Protocol = "awsJson1_0"
	ProtocolJSON11   Protocol = "awsJson1_1"
	ProtocolCBOR     Protocol = "rpcv2Cbor"
	ProtocolRESTJSON Protocol = "restJson1"
	ProtocolRESTXML  Protocol = "restXml"
)

// String returns the Smithy protocol name.
func (p Protocol) String() string { return string(p) }

// typed reports whether the protocol carries scalar types on the wire (JSON,
// CBOR). Query protocols send every scalar as a string, so a comparison with
// them can only be made on canonical string forms.
func (p Protocol) typed() bool {
	switch p {
	case ProtocolJSON10, ProtocolJSON11, ProtocolCBOR:
		return true
	}
	return false
}

// Number is a decoded JSON or CBOR number in canonical decimal form
// ("100", "-3", "1.5"), so that 1e2 and 100 compare equal.
type Number string

// Request is one recorded request, decoded.
//
// Params holds the parameter set: map[string]any for structures and maps,
// []any for lists, and leaves of type string, Number, bool, time.Time
// (CBOR timestamps), []byte (CBOR blobs) or nil. Query and ec2query form
// fields are nested by their conventions (Name.member.N and Name.N are list
// items, Name.entry.N.key/value are map entries) and their leaves are always
// strings. REST requests have path labels, query string and header bindings
// mapped to the operation's member names where the route is known, and the
// JSON body merged in; a raw payload (Lambda Invoke) is stored under its
// member name, decoded as JSON when it is JSON.
type Request struct {
	// Service is the SigV4 signing name ("monitoring" for CloudWatch, "logs",
	// "ec2", "lambda", "sts", "s3", ...), the same whichever protocol or
	// client sent the request.
	Service string
	// Operation is the API operation ("DescribeAlarms"). Empty for a REST
	// request whose route the server does not know.
	Operation string
	Protocol  Protocol
	Params    map[string]any
	// Region and AccessKeyID come from the SigV4 credential scope.
	Region      string
	AccessKeyID string
	// Method, Path (trailing "/" removed), RawQuery and the request's
	// headers and body, for assertions the decoded form cannot express.
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
}

// Key returns "service:Operation", the IAM-style name of the call as the
// server recorded it (the service part is the signing name).
func (r Request) Key() string { return r.Service + ":" + r.Operation }

// errDecode marks request bodies the server could not decode. Such
// requests are still recorded and answered with the protocol's
// serialization error.
var errDecode = errors.New("awssim: cannot decode request")

// sigV4 holds what the Authorization header's credential scope tells.
type sigV4 struct {
	accessKey, region, service string
}

// parseSigV4 reads the credential scope from an Authorization header or a
// presigned URL. It returns the zero value when there is none.
func parseSigV4(r *http.Request) sigV4 {
	cred := ""
	if auth := r.Header.Get("Authorization"); auth != "" {
		if i := strings.Index(auth, "Credential="); i >= 0 {
			cred = auth[i+len("Credential="):]
			if j := strings.IndexAny(cred, ", "); j >= 0 {
				cred = cred[:j]
			}
		}
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	// AKID/date/region/service/aws4_request
	parts := strings.Split(cred, "/")
	if len(parts) < 5 {
		return sigV4{}
	}
	return sigV4{accessKey: parts[0], region: parts[2], service: parts[3]}
}

// mediaType returns the content type without parameters such as
// "; charset=utf-8".
func mediaType(h http.Header) string {
	ct := h.Get("Content-Type")
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	}
	return mt
}

// decodeJSON parses a JSON document keeping numbers exact.
func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("trailing data after JSON value")
	}
	return canonJSON(v), nil
}

func canonJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = canonJSON(e)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = canonJSON(e)
		}
		return t
	case json.Number:
		return canonNumber(string(t))
	}
	return v
}

// canonNumber writes a decimal number in one canonical form: integers
// without exponent or fraction, other values in the shortest form that
// round-trips through float64.
func canonNumber(s string) Number {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return Number(strconv.FormatInt(i, 10))
	}
	if u, err := strconv.ParseUint(s, 10, 64); err == nil {
		return Number(strconv.FormatUint(u, 10))
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return Number(s)
	}
	return floatNumber(f)
}

func floatNumber(f float64) Number {
	if math.IsNaN(f) {
		return "NaN"
	}
	if math.IsInf(f, 1) {
		return "Infinity"
	}
	if math.IsInf(f, -1) {
		return "-Infinity"
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e18 {
		return Number(strconv.FormatInt(int64(f), 10))
	}
	return Number(strconv.FormatFloat(f, 'g', -1, 64))
}

// decodeCBOR turns a CBOR document into the Params representation.
func decodeCBOR(b []byte) (any, error) {
	v, err := cbor.Decode(b)
	if err != nil {
		return nil, err
	}
	return fromCBOR(v), nil
}

func fromCBOR(v cbor.Value) any {
	switch t := v.(type) {
	case cbor.Map:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = fromCBOR(e)
		}
		return m
	case cbor.List:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = fromCBOR(e)
		}
		return l
	case cbor.String:
		return string(t)
	case cbor.Uint:
		return Number(strconv.FormatUint(uint64(t), 10))
	case cbor.NegInt:
		// NegInt n encodes -n (the decoder has already added one).
		if uint64(t) <= math.MaxInt64 {
			return Number(strconv.FormatInt(-int64(t), 10))
		}
		return Number("-" + strconv.FormatUint(uint64(t), 10))
	case cbor.Float32:
		return floatNumber(float64(t))
	case cbor.Float64:
		return floatNumber(float64(t))
	case cbor.Bool:
		return bool(t)
	case cbor.Slice:
		return []byte(t)
	case *cbor.Tag:
		if t.ID == 1 {
			if tm, err := cbor.AsTime(t); err == nil {
				return tm.UTC()
			}
		}
		return fromCBOR(t.Value)
	case *cbor.Nil, *cbor.Undefined, nil:
		return nil
	}
	return fmt.Sprint(v)
}

// decodeForm nests query-protocol form fields: "A.member.1.B=x" becomes
// {"A": [{"B": "x"}]}, "A.1=x" (flattened and ec2query lists) becomes
// {"A": ["x"]}, and "A.entry.1.key=k&A.entry.1.value=v" becomes
// {"A": {"k": "v"}}. Action and Version are returned apart.
func decodeForm(vals url.Values) (params map[string]any, action, version string, err error) {
	root := map[string]any{}
	var errs []error
	for name, vs := range vals {
		if len(vs) == 0 {
			continue
		}
		switch name {
		case "Action":
			action = vs[0]
			continue
		case "Version":
			version = vs[0]
			continue
		}
		if e := setPath(root, strings.Split(name, "."), vs[0]); e != nil {
			errs = append(errs, fmt.Errorf("field %q: %w", name, e))
		}
	}
	// The root is the input structure whatever its keys look like.
	for k, e := range root {
		root[k] = finishForm(e)
	}
	return root, action, version, errors.Join(errs...)
}

// formNode is the intermediate tree: numeric children mark lists, entry
// children mark maps; finishForm resolves them.
func setPath(node map[string]any, segs []string, value string) error {
	for i, s := range segs {
		if s == "" {
			return errors.New("empty name segment")
		}
		if i == len(segs)-1 {
			if old, ok := node[s]; ok {
				if _, isMap := old.(map[string]any); isMap {
					return errors.New("value given for a structure")
				}
			}
			node[s] = value
			return nil
		}
		child, ok := node[s].(map[string]any)
		if !ok {
			if _, exists := node[s]; exists && node[s] != "" {
				return fmt.Errorf("segment %q is both a value and a structure", s)
			}
			child = map[string]any{}
			node[s] = child
		}
		node = child
	}
	return nil
}

// finishForm converts maps whose keys are all list indexes into lists
// (ordered by index) and "entry" maps into AWS maps.
func finishForm(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for k, e := range m {
		m[k] = finishForm(e)
	}
	if len(m) == 1 {
		for k, e := range m {
			switch k {
			case "member", "item":
				// A.member.N: the list wrapper.
				if l, ok := e.([]any); ok {
					return l
				}
			case "entry":
				if l, ok := e.([]any); ok {
					if mm, ok := entriesToMap(l); ok {
						return mm
					}
				}
			}
		}
	}
	if idx, ok := listIndexes(m); ok {
		l := make([]any, len(idx))
		for i, k := range idx {
			l[i] = m[k]
		}
		return l
	}
	return m
}

// listIndexes returns the keys of m in index order when every key is a
// positive integer.
func listIndexes(m map[string]any) ([]string, bool) {
	if len(m) == 0 {
		return nil, false
	}
	type ik struct {
		i int
		k string
	}
	keys := make([]ik, 0, len(m))
	for k := range m {
		n, err := strconv.Atoi(k)
		if err != nil || n < 1 || strconv.Itoa(n) != k {
			return nil, false
		}
		keys = append(keys, ik{n, k})
	}
	// insertion sort: lists in requests are short.
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j].i < keys[j-1].i; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.k
	}
	return out, true
}

// entriesToMap turns [{key|Name: k, value|Value: v}, ...] into {k: v}.
func entriesToMap(l []any) (map[string]any, bool) {
	out := make(map[string]any, len(l))
	for _, e := range l {
		em, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		var key any
		var val any
		for kn, kv := range em {
			switch kn {
			case "key", "Key", "Name", "name":
				key = kv
			case "value", "Value":
				val = kv
			default:
				return nil, false
			}
		}
		ks, ok := key.(string)
		if !ok {
			return nil, false
		}
		out[ks] = val
	}
	return out, true
}

// parseTimestamp accepts the timestamp forms AWS clients send in query
// strings and headers.
func parseTimestamp(s string) (time.Time, bool) {
	if len(s) < 10 || len(s) > 40 {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999Z0700", time.RFC1123, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
