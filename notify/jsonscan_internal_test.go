package notify

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fast scanners must give exactly what encoding/json gives whenever
// they accept an input; these tests and fuzzers compare them.

// checkEnvelopeScan fails when scanEnvelope accepts body but disagrees with
// parseEnvelopeFast (the encoding/json path); it returns whether it accepted.
func checkEnvelopeScan(t *testing.T, body []byte) bool {
	t.Helper()
	got, ok := scanEnvelope(body)
	if !ok {
		return false
	}
	want, wantOK := parseEnvelopeFast(body)
	require.True(t, wantOK, "scanner accepted what encoding/json does not: %q", body)
	require.Equal(t, want, got, "body %q", body)
	return true
}

// checkAlarmScan does the same for scanAlarm against json.Unmarshal.
func checkAlarmScan(t *testing.T, message string) bool {
	t.Helper()
	var got snsAlarm
	if !scanAlarm(message, &got) {
		return false
	}
	var want snsAlarm
	require.NoError(t, json.Unmarshal([]byte(message), &want), "scanner accepted what encoding/json rejects: %q", message)
	require.Equal(t, want, got, "message %q", message)
	return true
}

// checkValueScan checks the generic validator and the string unquoting.
func checkValueScan(t *testing.T, in string) {
	t.Helper()
	p := &jscan{s: in}
	if p.skip(0) && p.end() {
		require.True(t, json.Valid([]byte(in)), "scanner accepted invalid JSON %q", in)
	}
	p = &jscan{s: in}
	p.ws()
	if v, _, ok := p.str(); ok && p.end() {
		var want string
		require.NoError(t, json.Unmarshal([]byte(in), &want), "string %q", in)
		require.Equal(t, want, v, "string %q", in)
	}
}

func sampleBodies(t testing.TB) [][]byte {
	paths, err := filepath.Glob("testdata/samples/*")
	require.NoError(t, err)
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		out = append(out, b)
	}
	return out
}

func TestScanEnvelopeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	env := func(extra string) string {
		return `{"Type":"Notification","MessageId":"m-1","TopicArn":"arn:aws:sns:us-east-1:1:t"` + extra + `}`
	}
	tests := []struct {
		name   string
		body   string
		scanOK bool // whether the fast scanner decides (false: encoding/json does)
	}{
		{"plain", env(`,"Message":"hello"`), true},
		{"escapes", env(`,"Message":"caf\u00e9 a\/b \"q\" \\ \b\f\n\r\t","Subject":"\ud83d\ude00"`), true},
		{"lone surrogates", env(`,"Message":"\ud83d x \ude00 \ud83d\u0041 \ud83d\ud83d\ude00"`), true},
		{"raw utf8", env(`,"Message":"été 😀"`), true},
		{"invalid utf8", env(",\"Message\":\"a\xff\xfeb\xed\xa0\x80c\""), true},
		{"duplicate keys last wins", env(`,"Message":"a","Message":"b","Subject":"s","Subject":null`), true},
		{"null values", env(`,"Subject":null,"Message":null,"Token":null,"MessageAttributes":null`), true},
		{"unknown keys of any type", env(`,"X":[1,-2.5e+3,true,false,null,{"a":{}}],"Y":{}`), true},
		{"attributes", env(`,"MessageAttributes":{"a":{"Type":"String","Value":"x"},"b":null,"c":{"Value":"1","Type":"Number","Z":[]},"a":{"Type":"String"}}`), true},
		{"attribute null fields", env(`,"MessageAttributes":{"a":{"Type":null,"Value":"v","Value":null}}`), true},
		{"empty attributes", env(`,"MessageAttributes":{}`), true},
		{"not an envelope", `{"Type":"x","Other":1}`, true},
		{"type null", `{"Type":null,"MessageId":"1"}`, true},
		{"whitespace", " {\n\t\"Type\" : \"Notification\" ,\r\n \"TopicArn\":\"t\" } ", true},
		{"type empty", `{"Type":"","MessageId":"1"}`, false},
		{"case variant key", env(`,"message":"x"`), false},
		{"SigningCertUrl", env(`,"SigningCertUrl":"https://x"`), false},
		{"kelvin sign folds", env(",\"To\u212aen\":\"x\""), false},
		{"escaped key", `{"\u0054ype":"Notification","MessageId":"1"}`, false},
		{"wrong type", env(`,"Message":5`), false},
		{"attribute wrong type", env(`,"MessageAttributes":{"a":{"Value":5}}`), false},
		{"attributes twice", env(`,"MessageAttributes":{"a":null},"MessageAttributes":{"b":null}`), false},
		{"attribute case variant", env(`,"MessageAttributes":{"a":{"value":"x"}}`), false},
		{"trailing garbage", env(``) + `x`, false},
		{"two objects", env(``) + `{}`, false},
		{"bad escape", env(`,"Message":"\x"`), false},
		{"control char", env(",\"Message\":\"a\nb\""), false},
		{"bad number", env(`,"X":01`), false},
		{"trailing comma", env(`,`), false},
		{"deep", env(`,"X":` + strings.Repeat("[", 300) + strings.Repeat("]", 300)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := bytes.TrimSpace([]byte(tt.body))
			assert.Equal(t, tt.scanOK, checkEnvelopeScan(t, body))
		})
	}
	for _, b := range sampleBodies(t) {
		if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '{' {
			checkEnvelopeScan(t, b)
		}
	}
}

func TestScanAlarmMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		message string
		scanOK  bool
	}{
		{"minimal", `{"AlarmName":"a","NewStateValue":"ALARM"}`, true},
		{"escapes", `{"AlarmName":"caf\u00e9 \/ \ud83d\ude00 \ud83d","NewStateValue":"OK","NewStateReason":"x\"y\\z\n"}`, true},
		{"nulls", `{"AlarmName":null,"Trigger":null,"TriggeringChildren":null,"AlarmRule":null}`, true},
		{"numbers", `{"Trigger":{"Period":60,"EvaluationPeriods":1E+1,"Threshold":-0.5e-3,"Metrics":[{"MetricStat":{"Period":3e2}}]}}`, true},
		{"zero threshold", `{"Trigger":{"Threshold":0}}`, true},
		{"null threshold", `{"Trigger":{"Threshold":null,"Period":null}}`, true},
		{"empty arrays", `{"TriggeringChildren":[],"Trigger":{"Dimensions":[],"Metrics":[]}}`, true},
		{"null elements", `{"TriggeringChildren":[null,{"Arn":"x","State":null}],"Trigger":{"Dimensions":[null,{"name":"n","value":"v"}],"Metrics":[null]}}`, true},
		{"composite", `{"AlarmRule":"ALARM(a)","TriggeringChildren":[{"Arn":"arn:a","State":{"Value":"ALARM","Timestamp":"t","X":1}}]}`, true},
		{"metric math", `{"Trigger":{"Metrics":[{"Id":"e1","Expression":"m1*2","Label":"L","ReturnData":true},{"Id":"m1","ReturnData":false,"MetricStat":{"Stat":"Sum","Period":60,"Metric":{"Namespace":"AWS/Lambda","MetricName":"Errors","Dimensions":[{"value":"f","name":"FunctionName"}]}}},{"ReturnData":null,"MetricStat":{"Metric":null}}]}}`, true},
		{"unknown keys", `{"OKActions":[],"Unit":null,"X":{"y":[1,{"z":"\u00e9"}]},"AlarmName":"a"}`, true},
		{"duplicate unknown", `{"X":1,"X":[2]}`, true},
		{"duplicate known", `{"AlarmName":"a","AlarmName":"b"}`, false},
		{"duplicate trigger", `{"Trigger":{"Period":1},"Trigger":{"Namespace":"n"}}`, false},
		{"duplicate nested", `{"Trigger":{"Dimensions":[{"name":"a","name":"b"}]}}`, false},
		{"case variant", `{"alarmname":"a"}`, false},
		{"dimension case variant", `{"Trigger":{"Dimensions":[{"Name":"a"}]}}`, false},
		{"long s folds", "{\"Trigger\":{\"Name\u017fpace\":\"x\"}}", false},
		{"escaped key", `{"\u0041larmName":"a"}`, true},
		{"string for number", `{"Trigger":{"Period":"60"}}`, false},
		{"number for string", `{"AlarmName":1}`, false},
		{"number out of range", `{"Trigger":{"Threshold":1e400}}`, false},
		{"bool for string", `{"Region":true}`, false},
		{"object for slice", `{"TriggeringChildren":{}}`, false},
		{"top-level array", `[]`, false},
		{"top-level null", `null`, false},
		{"trailing data", `{} {}`, false},
		{"unterminated", `{"AlarmName":"a`, false},
		{"bad literal", `{"X":nul}`, false},
		{"returndata string", `{"Trigger":{"Metrics":[{"ReturnData":"true"}]}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.scanOK, checkAlarmScan(t, tt.message))
		})
	}
	for _, b := range sampleBodies(t) {
		if env, err := ParseEnvelope(b); err == nil && strings.Contains(env.Message, `"AlarmName"`) {
			assert.True(t, checkAlarmScan(t, env.Message), "sample alarm should take the fast path")
		}
	}
}

func TestScanStrings(t *testing.T) {
	t.Parallel()
	for _, s := range []string{`""`, `"a"`, `"\u00e9\/"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ude00\ud83d"`, `"\ud83d\u0041"`,
		`"\uD83D\uDE00"`, "\"\xff\"", "\"\xef\xbf\xbd\"", `"\u0000"`, `"\'"`, `"\u12"`, `"a`, " 12.5e-1 ", `-`, `[1,]`, `{"a":}`} {
		checkValueScan(t, s)
	}
}

func FuzzScanEnvelope(f *testing.F) {
	for _, b := range sampleBodies(f) {
		f.Add(b)
	}
	f.Add([]byte(`{"Type":"N","MessageId":"1","Message":"\ud83d\ude00\u00e9","Message":null,"MessageAttributes":{"a":{"Type":"S","Value":null}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if b := bytes.TrimSpace(body); len(b) > 0 && b[0] == '{' {
			checkEnvelopeScan(t, b)
		}
		checkValueScan(t, string(body))
	})
}

func FuzzScanAlarm(f *testing.F) {
	for _, b := range sampleBodies(f) {
		if env, err := ParseEnvelope(b); err == nil {
			f.Add(env.Message)
		}
	}
	f.Add(`{"AlarmName":"a","NewStateValue":"OK","Trigger":{"Threshold":5.0,"Metrics":[{"ReturnData":true,"MetricStat":{"Period":60}}]}}`)
	f.Fuzz(func(t *testing.T, message string) {
		checkAlarmScan(t, message)
		checkValueScan(t, message)
	})
}
