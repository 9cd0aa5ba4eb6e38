package command

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// converter turns the words given for one parameter into the Go value the
// Invocation documents for its type.
type converter struct{ cfg *config }

func convertArg(p *Param, vals []Token, cfg *config) (any, error) {
	c := converter{cfg}
	path := "--" + p.Name
	switch p.Type {
	case TypeList:
		if len(vals) == 1 && startsWith(vals[0].Text, '[') {
			return c.structured(p, vals[0].Text, path)
		}
		elem := elemOf(p)
		out := make([]any, 0, len(vals))
		for i, t := range vals {
			ipath := fmt.Sprintf("%s[%d]", path, i)
			var (
				v   any
				err error
			)
			if isComplex(elem.Type) {
				v, err = c.structured(elem, t.Text, ipath)
			} else {
				v, err = c.scalar(elem, t.Text, ipath)
			}
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	if len(vals) > 1 {
		return nil, &Error{Kind: ErrInvalidValue, Subject: vals[1].Text,
			Msg: fmt.Sprintf("`--%s` takes one value, but `%s` follows it. Quote a value that contains spaces: `--%s '%s %s'`.",
				p.Name, vals[1].Text, p.Name, vals[0].Text, vals[1].Text)}
	}
	switch p.Type {
	case TypeStructure, TypeMap, TypeDocument:
		return c.structured(p, vals[0].Text, path)
	}
	return c.scalar(p, vals[0].Text, path)
}

func elemOf(p *Param) *Param {
	if p.Elem != nil {
		return p.Elem
	}
	return &Param{Name: p.Name, Type: TypeString}
}

func isComplex(t ParamType) bool {
	return t == TypeStructure || t == TypeMap || t == TypeList || t == TypeDocument
}

func startsWith(s string, c byte) bool {
	s = strings.TrimLeft(s, " \t\r\n")
	return len(s) > 0 && s[0] == c
}

// structured reads a JSON or shorthand value of a complex parameter, as the
// CLI decides: text starting with { or [ is JSON, anything else shorthand.
func (c converter) structured(p *Param, text, path string) (any, error) {
	if startsWith(text, '{') || startsWith(text, '[') || p.Type == TypeDocument {
		v, err := decodeJSON(text)
		if err != nil {
			if c.cfg.placeholders && hasPlaceholder(text) {
				return text, nil
			}
			return nil, &Error{Kind: ErrInvalidValue, Subject: text,
				Msg: fmt.Sprintf("The value of `%s` is not valid JSON.", path), Err: err}
		}
		return c.fromGeneric(p, v, path, false)
	}
	if p.Type == TypeStructure && len(p.Members) == 1 && p.Members[0].Name == "Value" &&
		p.Members[0].Type == TypeString && !strings.Contains(text, "=") {
		// The CLI's shortcut for single-"Value" structures:
		// --instance-initiated-shutdown-behavior stop.
		return c.fromGeneric(p, map[string]any{"Value": text}, path, true)
	}
	v, err := ParseShorthand(text)
	if err != nil {
		if c.cfg.placeholders && hasPlaceholder(text) {
			return text, nil
		}
		if errors.Is(err, ErrRefused) {
			return nil, err
		}
		return nil, &Error{Kind: ErrInvalidValue, Subject: text,
			Msg: fmt.Sprintf("I couldn't read the value of `%s`: give it as shorthand (`%s`) or JSON.", path, example(p)),
			Err: err}
	}
	return c.fromGeneric(p, v, path, true)
}

// decodeJSON decodes exactly one JSON value, keeping numbers exact.
func decodeJSON(text string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	if err == nil {
		if _, terr := dec.Token(); terr == nil {
			err = &SyntaxError{Input: text, Pos: int(dec.InputOffset()), Msg: "Only one JSON value is allowed here; something follows it."}
		}
		return v, err
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		pos := int(se.Offset) - 1
		return nil, &SyntaxError{Input: text, Pos: min(max(pos, 0), len(text)), Msg: "JSON: " + se.Error()}
	}
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return nil, &SyntaxError{Input: text, Pos: int(ute.Offset), Msg: "JSON: " + ute.Error()}
	}
	// io.ErrUnexpectedEOF and friends: the text ended too early.
	return nil, &SyntaxError{Input: text, Pos: len(text), Msg: "JSON: the value ends too early; check the closing brackets and quotes."}
}

// fromGeneric converts a decoded JSON or shorthand value to the parameter's
// type. sh marks shorthand input, where the CLI turns a scalar given for a
// list into a one-element list and a scalar given for a one-member
// structure into that structure.
func (c converter) fromGeneric(p *Param, v any, path string, sh bool) (any, error) {
	switch p.Type {
	case TypeStructure:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, c.typeErr(p, v, path)
		}
		out := make(map[string]any, len(m))
		for k, x := range m {
			mem := findParam(p.Members, k)
			if mem == nil {
				names := make([]string, len(p.Members))
				for i := range p.Members {
					names[i] = p.Members[i].Name
				}
				return nil, &Error{Kind: ErrUnknownParameter, Subject: k,
					Msg:         fmt.Sprintf("`%s` has no field `%s`; its fields are %s.", path, k, andList(names)),
					Suggestions: Suggest(k, names)}
			}
			if x == nil {
				continue
			}
			cv, err := c.fromGeneric(mem, x, path+"."+k, sh)
			if err != nil {
				return nil, err
			}
			out[k] = cv
		}
		for i := range p.Members {
			if _, ok := out[p.Members[i].Name]; p.Members[i].Required && !ok {
				return nil, &Error{Kind: ErrMissingValue, Subject: p.Members[i].Name,
					Msg: fmt.Sprintf("`%s` needs the field `%s`, like `%s`.", path, p.Members[i].Name, example(p))}
			}
		}
		return out, nil
	case TypeMap:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, c.typeErr(p, v, path)
		}
		elem := elemOf(p)
		out := make(map[string]any, len(m))
		for k, x := range m {
			cv, err := c.fromGeneric(elem, x, path+"."+k, sh)
			if err != nil {
				return nil, err
			}
			out[k] = cv
		}
		return out, nil
	case TypeList:
		l, ok := v.([]any)
		if !ok {
			if !sh {
				return nil, c.typeErr(p, v, path)
			}
			l = []any{v}
		}
		elem := elemOf(p)
		out := make([]any, 0, len(l))
		for i, x := range l {
			if _, isMap := x.(map[string]any); sh && !isMap && elem.Type == TypeStructure && len(elem.Members) == 1 {
				x = map[string]any{elem.Members[0].Name: x}
			}
			cv, err := c.fromGeneric(elem, x, fmt.Sprintf("%s[%d]", path, i), sh)
			if err != nil {
				return nil, err
			}
			out = append(out, cv)
		}
		return out, nil
	case TypeDocument:
		return plainJSON(v), nil
	}
	switch x := v.(type) {
	case string:
		return c.scalar(p, x, path)
	case json.Number:
		switch p.Type {
		case TypeInteger, TypeFloat, TypeTimestamp:
			return c.scalar(p, x.String(), path)
		}
	case bool:
		if p.Type == TypeBoolean {
			return x, nil
		}
	}
	return nil, c.typeErr(p, v, path)
}

// plainJSON replaces json.Number with float64, as Invocation documents for
// TypeDocument.
func plainJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = plainJSON(e)
		}
	case []any:
		for i, e := range x {
			x[i] = plainJSON(e)
		}
	}
	return v
}

func describe(v any) string {
	switch x := v.(type) {
	case map[string]any:
		return "a structure"
	case []any:
		return "a list"
	case string:
		return "`" + x + "`"
	case json.Number:
		return "the number " + x.String()
	case bool:
		return "`" + strconv.FormatBool(x) + "`"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", v)
}

func (c converter) typeErr(p *Param, v any, path string) error {
	return &Error{Kind: ErrInvalidValue, Subject: describe(v),
		Msg: fmt.Sprintf("`%s` expects %s, like `%s`; you gave %s.", path, typeName(p), example(p), describe(v))}
}

func typeName(p *Param) string {
	switch p.Type {
	case TypeString:
		if len(p.Enum) > 0 {
			return "one of " + orList(p.Enum)
		}
		return "a string"
	case TypeInteger:
		return "a whole number"
	case TypeFloat:
		return "a number"
	case TypeBoolean:
		return "true or false"
	case TypeTimestamp:
		return "a time (ISO 8601 or epoch seconds)"
	case TypeBlob:
		return "text"
	case TypeList:
		return "a list"
	case TypeMap:
		return "a map of keys to values"
	case TypeStructure:
		return "a structure"
	}
	return "a JSON value"
}

// scalar converts one word to a scalar parameter's type.
func (c converter) scalar(p *Param, s, path string) (any, error) {
	if c.cfg.placeholders && hasPlaceholder(s) {
		return s, nil
	}
	bad := func() error {
		ex := example(p)
		if !strings.ContainsAny(path, ".[") {
			ex = path + " " + ex
		}
		return &Error{Kind: ErrInvalidValue, Subject: s,
			Msg: fmt.Sprintf("`%s` expects %s, like `%s`; you gave `%s`.", path, typeName(p), ex, s)}
	}
	switch p.Type {
	case TypeString:
		return c.enum(p, s, path)
	case TypeInteger:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, bad()
		}
		return n, nil
	case TypeFloat:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, bad()
		}
		return f, nil
	case TypeBoolean:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, bad()
	case TypeTimestamp:
		t, ok := ParseTimestamp(s)
		if !ok {
			return nil, bad()
		}
		return t, nil
	case TypeBlob:
		return []byte(s), nil
	case TypeDocument:
		v, err := decodeJSON(s)
		if err != nil {
			return nil, &Error{Kind: ErrInvalidValue, Subject: s, Msg: fmt.Sprintf("The value of `%s` is not valid JSON.", path), Err: err}
		}
		return plainJSON(v), nil
	}
	return nil, c.typeErr(p, s, path)
}

// enum validates a string against the parameter's allowed values. A value
// matching one except for case is taken as that value: the API would
// reject "alarm" and the user meant "ALARM".
func (c converter) enum(p *Param, s, path string) (any, error) {
	if len(p.Enum) == 0 {
		return s, nil
	}
	for _, e := range p.Enum {
		if e == s {
			return s, nil
		}
	}
	for _, e := range p.Enum {
		if strings.EqualFold(e, s) {
			return e, nil
		}
	}
	return nil, &Error{Kind: ErrInvalidValue, Subject: s,
		Msg:         fmt.Sprintf("`%s` must be %s; you gave `%s`.", path, typeName(p), s),
		Suggestions: Suggest(s, p.Enum)}
}

var timestampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"20060102T150405Z",
	"2006-01-02",
}

// ParseTimestamp reads a time as the AWS CLI accepts it: ISO 8601 (with or
// without a zone, which defaults to UTC; date only; space or T) or epoch
// seconds (integer or decimal). The result is in UTC.
func ParseTimestamp(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if isNumber(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.Abs(f) > 1e12 {
			return time.Time{}, false
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), true
	}
	for _, l := range timestampLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func isNumber(s string) bool {
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	dot := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] >= '0' && s[i] <= '9':
		case s[i] == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return len(s) > 0 && s != "."
}

// example returns a short example value of the parameter, in the syntax a
// chat user would type.
func example(p *Param) string { return exampleDepth(p, 0) }

func exampleDepth(p *Param, depth int) string {
	switch p.Type {
	case TypeString:
		if len(p.Enum) > 0 {
			return p.Enum[0]
		}
		return "value"
	case TypeInteger:
		return "10"
	case TypeFloat:
		return "1.5"
	case TypeBoolean:
		return "true"
	case TypeTimestamp:
		return "2024-01-31T12:00:00Z"
	case TypeBlob, TypeDocument:
		return `{"key": "value"}`
	case TypeList:
		e := elemOf(p)
		if depth > 0 {
			return "[" + exampleDepth(e, depth+1) + "]"
		}
		// At the top level, each word is one element: shorthand without
		// braces (Name=a,Values=b Name=c,Values=d) or a scalar.
		return exampleDepth(e, 0) + " " + exampleDepth(e, 0)
	case TypeMap:
		v := exampleDepth(elemOf(p), depth+1)
		if depth > 0 {
			return "{Key1=" + v + ",Key2=" + v + "}"
		}
		return "Key1=" + v + ",Key2=" + v
	case TypeStructure:
		if depth > 2 {
			return "{...}"
		}
		var parts []string
		for i := range p.Members {
			m := &p.Members[i]
			v := exampleDepth(m, depth+1)
			if m.Type == TypeList && !isComplex(elemOf(m).Type) {
				e := exampleDepth(elemOf(m), depth+2)
				v = e + "," + e
			}
			parts = append(parts, m.Name+"="+v)
			if len(parts) == 3 {
				break
			}
		}
		s := strings.Join(parts, ",")
		if depth > 0 {
			return "{" + s + "}"
		}
		return s
	}
	return "value"
}

func andList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = "`" + s + "`"
	}
	switch len(q) {
	case 0:
		return "none"
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// hasPlaceholder reports whether s holds an alias placeholder ($name).
func hasPlaceholder(s string) bool {
	return strings.IndexByte(s, '$') >= 0 && len(placeholdersIn(s)) > 0
}
