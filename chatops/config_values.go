package chatops

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/opschat/opschat/command"
)

func (p *parser) str(path string, v any) string {
	switch s := v.(type) {
	case string:
		return s
	case json.Number:
		// YAML turns unquoted IDs like 123456 into numbers; accept them.
		return s.String()
	default:
		p.fail(path, "expected a string, got %s", kindOf(v))
		return ""
	}
}

func (p *parser) strs(path string, v any) []string {
	list, ok := v.([]any)
	if !ok {
		if s, isStr := v.(string); isStr {
			p.fail(path, "expected a list of strings, got a single string (write [%q])", s)
		} else {
			p.fail(path, "expected a list of strings, got %s", kindOf(v))
		}
		return nil
	}
	out := make([]string, 0, len(list))
	for i, item := range list {
		out = append(out, p.str(fmt.Sprintf("%s[%d]", path, i), item))
	}
	return out
}

func (p *parser) boolean(path string, v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		// CloudFormation accepts "true"/"false" strings.
		switch strings.ToLower(b) {
		case "true":
			return true
		case "false":
			return false
		}
	}
	p.fail(path, "expected true or false, got %s", kindOf(v))
	return false
}

func (p *parser) tags(path string, v any) map[string]string {
	out := map[string]string{}
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			out[k] = p.str(path+"."+k, val)
		}
	case []any:
		// CloudFormation's [{Key, Value}] form.
		for i, item := range t {
			ip := fmt.Sprintf("%s[%d]", path, i)
			m, ok := item.(map[string]any)
			if !ok {
				p.fail(ip, "expected {Key, Value}, got %s", kindOf(item))
				continue
			}
			k := p.str(ip+".Key", m["Key"])
			out[k] = p.str(ip+".Value", m["Value"])
		}
	default:
		p.fail(path, "expected a map or a list of {Key, Value}, got %s", kindOf(v))
	}
	return out
}

func (p *parser) rawJSON(path string, v any) json.RawMessage {
	switch t := v.(type) {
	case string:
		// A policy given as a JSON string, as in CloudFormation.
		if !json.Valid([]byte(t)) {
			p.fail(path, "not valid JSON")
			return nil
		}
		return json.RawMessage(t)
	case map[string]any:
		b, err := json.Marshal(t)
		if err != nil {
			p.fail(path, "cannot encode: %v", err)
		}
		return b
	default:
		p.fail(path, "expected an object or a JSON string, got %s", kindOf(v))
		return nil
	}
}

func (p *parser) policies(path string, v any) []NamedPolicy {
	switch t := v.(type) {
	case map[string]any:
		names := make([]string, 0, len(t))
		for n := range t {
			names = append(names, n)
		}
		sort.Strings(names)
		out := make([]NamedPolicy, 0, len(t))
		for _, n := range names {
			if doc := p.rawJSON(path+"."+n, t[n]); doc != nil {
				out = append(out, NamedPolicy{Name: n, Document: doc})
			}
		}
		return out
	default:
		p.fail(path, "expected a map of policy name to policy document, got %s", kindOf(v))
		return nil
	}
}

func kindOf(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", t)
	case json.Number:
		return "the number " + t.String()
	case bool:
		return fmt.Sprintf("%t", t)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// suggest returns "; did you mean X?" for the candidate nearest to s (the
// command grammar's suggestion rules), or "".
func suggest(s string, candidates []string) string {
	if near := command.Suggest(s, candidates); len(near) > 0 {
		return fmt.Sprintf("; did you mean %q?", near[0])
	}
	return ""
}
