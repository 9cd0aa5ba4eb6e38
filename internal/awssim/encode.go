package awssim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"
)

// Response data is written once as a tree and encoded per protocol:
// obj is a structure (members sorted by name on the wire), []any a list,
// awsMap a map shape (entry/key/value in query XML), flat a list that
// REST-XML writes as repeated elements (S3's Contents), and leaves are
// string, int, int64, float64, bool, time.Time and []byte.
type (
	obj    = map[string]any
	awsMap map[string]any
	flat   []any
)

func sortedKeys[M ~map[string]any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// toJSONValue converts the tree into values encoding/json writes the way
// awsJson and REST-JSON expect: timestamps as epoch seconds, blobs base64.
func toJSONValue(v any) any {
	switch t := v.(type) {
	case obj:
		m := make(map[string]any, len(t))
		for k, e := range t {
			if e == nil {
				continue
			}
			m[k] = toJSONValue(e)
		}
		return m
	case awsMap:
		return toJSONValue(obj(t))
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = toJSONValue(e)
		}
		return l
	case flat:
		return toJSONValue([]any(t))
	case memberList:
		return toJSONValue(t.items)
	case time.Time:
		return json.Number(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64))
	case []byte:
		return base64.StdEncoding.EncodeToString(t)
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return strconv.FormatFloat(t, 'g', -1, 64)
		}
	}
	return v
}

func encodeJSON(v any) []byte {
	b, err := json.Marshal(toJSONValue(v))
	if err != nil {
		// The trees are built by this package from JSON-safe values.
		panic(fmt.Sprintf("awssim: encode JSON: %v", err))
	}
	return b
}

// xmlWriter writes the tree as AWS XML. member is the list item element
// ("member" for query, "item" for ec2query).
type xmlWriter struct {
	buf    bytes.Buffer
	member string
}

func (w *xmlWriter) text(s string) {
	_ = xml.EscapeText(&w.buf, []byte(s))
}

func (w *xmlWriter) elem(name string, v any) {
	switch t := v.(type) {
	case nil:
		return
	case flat:
		for _, e := range t {
			w.elem(name, e)
		}
		return
	}
	w.buf.WriteString("<" + name + ">")
	w.value(v)
	w.buf.WriteString("</" + name + ">")
}

func (w *xmlWriter) value(v any) {
	switch t := v.(type) {
	case obj:
		for _, k := range sortedKeys(t) {
			w.elem(k, t[k])
		}
	case awsMap:
		for _, k := range sortedKeys(t) {
			w.buf.WriteString("<entry><key>")
			w.text(k)
			w.buf.WriteString("</key>")
			w.elem("value", t[k])
			w.buf.WriteString("</entry>")
		}
	case []any:
		for _, e := range t {
			w.elem(w.member, e)
		}
	case memberList:
		for _, e := range t.items {
			w.elem(t.member, e)
		}
	case string:
		w.text(t)
	case bool:
		w.buf.WriteString(strconv.FormatBool(t))
	case int:
		w.buf.WriteString(strconv.Itoa(t))
	case int64:
		w.buf.WriteString(strconv.FormatInt(t, 10))
	case float64:
		w.buf.WriteString(strconv.FormatFloat(t, 'g', -1, 64))
	case time.Time:
		w.buf.WriteString(t.UTC().Format("2006-01-02T15:04:05.000Z"))
	case []byte:
		w.buf.WriteString(base64.StdEncoding.EncodeToString(t))
	default:
		w.text(fmt.Sprint(v))
	}
}

// queryXML wraps a result the way the query protocol does.
func queryXML(op, ns, requestID string, result any) []byte {
	w := &xmlWriter{member: "member"}
	fmt.Fprintf(&w.buf, `<%sResponse xmlns="%s">`, op, ns)
	w.buf.WriteString("<" + op + "Result>")
	w.value(result)
	w.buf.WriteString("</" + op + "Result>")
	w.buf.WriteString("<ResponseMetadata><RequestId>" + requestID + "</RequestId></ResponseMetadata>")
	w.buf.WriteString("</" + op + "Response>")
	return w.buf.Bytes()
}

// ec2XML wraps a result the way ec2query does (no Result element).
func ec2XML(op, requestID string, result any) []byte {
	w := &xmlWriter{member: "item"}
	fmt.Fprintf(&w.buf, `<%sResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">`, op)
	w.buf.WriteString("<requestId>" + requestID + "</requestId>")
	w.value(result)
	w.buf.WriteString("</" + op + "Response>")
	return w.buf.Bytes()
}

// restXML writes an S3-style document under root.
func restXML(root string, result any) []byte {
	w := &xmlWriter{member: "member"}
	w.buf.WriteString(xml.Header)
	fmt.Fprintf(&w.buf, `<%s xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`, root)
	w.value(result)
	w.buf.WriteString("</" + root + ">")
	return w.buf.Bytes()
}
