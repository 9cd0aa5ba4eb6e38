package notify_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/opschat/opschat/notify"
)

func addSamples(f *testing.F) {
	paths, _ := filepath.Glob("testdata/samples/*")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
}

// FuzzParseEnvelope checks that any body parses or fails cleanly, that the
// notification path (decode and format) never panics, and that a raw
// envelope keeps the body byte for byte.
func FuzzParseEnvelope(f *testing.F) {
	addSamples(f)
	f.Add([]byte(`{"Type":"Notification","MessageId":"1","Message":5}`))
	f.Add([]byte(`{"Type":"Notification","MessageId":"1","MessageAttributes":{"a":{"Type":"String.Array","Value":"[1,"}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := notify.ParseEnvelope(body)
		if err != nil {
			return
		}
		if env.Raw && env.Message != string(body) {
			t.Fatalf("raw envelope changed the body")
		}
		n := notify.Decode(env)
		if _, err := notify.DefaultFormatter().Format(n); err != nil {
			t.Fatalf("default formatter failed: %v", err)
		}
		_, _ = env.Time()
	})
}

// FuzzCompilePattern checks that compiling and matching never panic and
// that a compiled pattern can match any event without error unless the
// event is not a JSON object.
func FuzzCompilePattern(f *testing.F) {
	for _, s := range []string{
		`{"source":["aws.ec2"]}`,
		`{"detail":{"state":[{"anything-but":{"prefix":"run"}}]}}`,
		`{"$or":[{"a":[{"numeric":[">",0,"<=",5]}]},{"b":[{"cidr":"10.0.0.0/8"}]}]}`,
		`{"a":[{"wildcard":"x*y\\*z"}],"b":[null,"",true,{"exists":false}]}`,
		`{"a":[{"prefix":{"equals-ignore-case":"AB"}},{"suffix":"z"}]}`,
	} {
		f.Add([]byte(s), []byte(ec2Event))
	}
	f.Fuzz(func(t *testing.T, pattern, event []byte) {
		p, err := notify.CompilePattern(pattern)
		if err != nil {
			return
		}
		_, _ = p.Match(event)
		_, _ = p.Match([]byte(ec2Event))
	})
}

// FuzzCompileFilterPolicy does the same for SNS filter policies, against
// both attributes and bodies.
func FuzzCompileFilterPolicy(f *testing.F) {
	for _, s := range []string{
		`{"store":["example_corp"],"price":[{"numeric":["=",5]}]}`,
		`{"a":[{"anything-but":["x","y"]}],"b":[{"exists":true}]}`,
		`{"$or":[{"a":["1"]},{"b":{"c":[{"prefix":"p"}]}}]}`,
	} {
		f.Add([]byte(s), "String.Array", `["x",1,null]`)
	}
	f.Fuzz(func(t *testing.T, policy []byte, attrType, attrValue string) {
		fp, err := notify.CompileFilterPolicy(policy)
		if err != nil {
			return
		}
		attrs := map[string]notify.MessageAttribute{"a": {Type: attrType, Value: attrValue}, "store": {Type: attrType, Value: attrValue}}
		fp.MatchAttributes(attrs)
		_, _ = fp.MatchBody([]byte(attrValue))
	})
}
