package notify_test

import (
	"errors"
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/notify"
)

const ec2Event = `{
  "version": "0", "id": "7bf73129-1428-4cd3-a780-95db273d1602",
  "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
  "account": "123456789012", "time": "2015-11-11T21:29:54Z", "region": "us-east-1",
  "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
  "detail": {"instance-id": "i-abcd1111", "state": "pending", "c-count": 5, "d-count": 3.0,
    "x-limit": 301.8, "source-ip": "10.0.0.123", "ipv6": "2001:db8::1", "note": null, "empty": "",
    "flag": true, "tags": ["prod", "Web"], "nested": {"deep": {"k": "v"}},
    "items": [{"name": "a", "size": 1}, {"name": "b", "size": 10}],
    "file": "dir/photo.JPG", "eventName": "ModifyInstance"}
}`

type patternCase struct {
	name, pattern string
	want          bool
}

func TestPatternOperators(t *testing.T) {
	t.Parallel()
	for _, tt := range patternCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := notify.CompilePattern([]byte(tt.pattern))
			require.NoError(t, err)
			got, err := p.Match([]byte(ec2Event))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestPatternSetAgreesWithPatterns puts every operator case in one set:
// the shared index (anchors chosen across all patterns) must give the same
// answers as each pattern alone.
func TestPatternSetAgreesWithPatterns(t *testing.T) {
	t.Parallel()
	set := notify.NewPatternSet()
	var want []string
	for _, tt := range patternCases {
		p, err := notify.CompilePattern([]byte(tt.pattern))
		require.NoError(t, err)
		require.NoError(t, set.Add(tt.name, p))
		if tt.want {
			want = append(want, tt.name)
		}
	}
	got, err := set.Match([]byte(ec2Event))
	require.NoError(t, err)
	sort.Strings(want)
	assert.Equal(t, want, got)
}

var patternCases = []patternCase{
	{"exact string", `{"source":["aws.ec2"]}`, true},
	{"exact string miss", `{"source":["aws.s3"]}`, false},
	{"one of several", `{"source":["aws.s3","aws.ec2"]}`, true},
	{"nested exact", `{"detail":{"state":["pending"]}}`, true},
	{"two fields and", `{"source":["aws.ec2"],"detail":{"state":["running"]}}`, false},
	{"deep nesting", `{"detail":{"nested":{"deep":{"k":["v"]}}}}`, true},
	{"number exact", `{"detail":{"c-count":[5]}}`, true},
	{"number exact 3 vs 3.0", `{"detail":{"d-count":[3]}}`, true},
	{"number vs string", `{"detail":{"c-count":["5"]}}`, false},
	{"null", `{"detail":{"note":[null]}}`, true},
	{"null miss", `{"detail":{"state":[null]}}`, false},
	{"empty string", `{"detail":{"empty":[""]}}`, true},
	{"boolean", `{"detail":{"flag":[true]}}`, true},
	{"boolean miss", `{"detail":{"flag":[false]}}`, false},
	{"array any element", `{"detail":{"tags":["prod"]}}`, true},
	{"resources array", `{"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"]}`, true},
	{"array of objects", `{"detail":{"items":{"name":["b"]}}}`, true},
	{"array consistent same element", `{"detail":{"items":{"name":["b"],"size":[10]}}}`, true},
	{"array consistent across elements fails", `{"detail":{"items":{"name":["a"],"size":[10]}}}`, false},
	{"array consistent with operators", `{"detail":{"items":{"name":[{"prefix":"a"}],"size":[{"numeric":["<",5]}]}}}`, true},
	{"array field plus top-level field", `{"source":["aws.ec2"],"detail":{"items":{"size":[10]}}}`, true},
	{"prefix", `{"detail":{"instance-id":[{"prefix":"i-ab"}]}}`, true},
	{"prefix miss", `{"detail":{"instance-id":[{"prefix":"i-zz"}]}}`, false},
	{"prefix empty matches any string", `{"detail":{"state":[{"prefix":""}]}}`, true},
	{"prefix ignore case", `{"detail":{"eventName":[{"prefix":{"equals-ignore-case":"MODIFY"}}]}}`, true},
	{"suffix", `{"detail":{"file":[{"suffix":".JPG"}]}}`, true},
	{"suffix case sensitive", `{"detail":{"file":[{"suffix":".jpg"}]}}`, false},
	{"suffix ignore case", `{"detail":{"file":[{"suffix":{"equals-ignore-case":".jpg"}}]}}`, true},
	{"equals-ignore-case", `{"detail":{"state":[{"equals-ignore-case":"PENDING"}]}}`, true},
	{"equals-ignore-case array elem", `{"detail":{"tags":[{"equals-ignore-case":"WEB"}]}}`, true},
	{"wildcard", `{"detail":{"file":[{"wildcard":"dir/*.JPG"}]}}`, true},
	{"wildcard middle", `{"source":[{"wildcard":"aws.*2"}]}`, true},
	{"wildcard miss", `{"detail":{"file":[{"wildcard":"dir/*.png"}]}}`, false},
	{"wildcard escaped star", `{"detail":{"file":[{"wildcard":"dir\\*"}]}}`, false},
	{"anything-but string", `{"detail":{"state":[{"anything-but":"running"}]}}`, true},
	{"anything-but string miss", `{"detail":{"state":[{"anything-but":"pending"}]}}`, false},
	{"anything-but list", `{"detail":{"state":[{"anything-but":["stopped","pending"]}]}}`, false},
	{"anything-but number", `{"detail":{"c-count":[{"anything-but":[1,2]}]}}`, true},
	{"anything-but number miss", `{"detail":{"c-count":[{"anything-but":5}]}}`, false},
	{"anything-but prefix", `{"detail":{"state":[{"anything-but":{"prefix":"pen"}}]}}`, false},
	{"anything-but prefix other", `{"detail":{"state":[{"anything-but":{"prefix":"run"}}]}}`, true},
	{"anything-but suffix", `{"detail":{"file":[{"anything-but":{"suffix":".JPG"}}]}}`, false},
	{"anything-but ignore case", `{"detail":{"state":[{"anything-but":{"equals-ignore-case":["PENDING"]}}]}}`, false},
	{"anything-but wildcard", `{"detail":{"file":[{"anything-but":{"wildcard":"*.png"}}]}}`, true},
	{"anything-but absent field", `{"detail":{"missing":[{"anything-but":"x"}]}}`, false},
	{"numeric range", `{"detail":{"x-limit":[{"numeric":[">",0,"<=",301.8]}]}}`, true},
	{"numeric open", `{"detail":{"x-limit":[{"numeric":[">",301.8]}]}}`, false},
	{"numeric equals", `{"detail":{"c-count":[{"numeric":["=",5]}]}}`, true},
	{"numeric on string", `{"detail":{"state":[{"numeric":[">",0]}]}}`, false},
	{"numeric array elem", `{"detail":{"items":{"size":[{"numeric":[">=",10]}]}}}`, true},
	{"exists true", `{"detail":{"state":[{"exists":true}]}}`, true},
	{"exists true null leaf", `{"detail":{"note":[{"exists":true}]}}`, true},
	{"exists true object is not a leaf", `{"detail":{"nested":[{"exists":true}]}}`, false},
	{"exists true missing", `{"detail":{"missing":[{"exists":true}]}}`, false},
	{"exists false missing", `{"detail":{"missing":[{"exists":false}]}}`, true},
	{"exists false present", `{"detail":{"state":[{"exists":false}]}}`, false},
	{"exists false alone under missing parent", `{"nothere":{"x":[{"exists":false}]}}`, true},
	{"value or absent", `{"detail":{"missing":["x",{"exists":false}]}}`, true},
	{"cidr v4", `{"detail":{"source-ip":[{"cidr":"10.0.0.0/24"}]}}`, true},
	{"cidr v4 miss", `{"detail":{"source-ip":[{"cidr":"10.0.1.0/24"}]}}`, false},
	{"cidr v6", `{"detail":{"ipv6":[{"cidr":"2001:db8::/32"}]}}`, true},
	{"$or first", `{"$or":[{"source":["aws.ec2"]},{"detail":{"state":["x"]}}]}`, true},
	{"$or second", `{"$or":[{"source":["aws.s3"]},{"detail":{"state":["pending"]}}]}`, true},
	{"$or none", `{"$or":[{"source":["aws.s3"]},{"detail":{"state":["x"]}}]}`, false},
	{"$or nested with sibling", `{"source":["aws.ec2"],"detail":{"$or":[{"c-count":[{"numeric":[">",10]}]},{"d-count":[3]}]}}`, true},
	{"$or nested sibling fails", `{"source":["aws.s3"],"detail":{"$or":[{"c-count":[5]},{"d-count":[3]}]}}`, false},
}

func TestPatternInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, pattern, reason string
	}{
		{"not json", `{`, "not valid JSON"},
		{"not object", `["a"]`, "must be a JSON object"},
		{"empty", `{}`, "is empty"},
		{"scalar value", `{"source":"aws.ec2"}`, `Match value must be an array or an object, got a string at "source"`},
		{"empty array", `{"source":[]}`, "Empty arrays are not allowed"},
		{"unknown operator", `{"source":[{"regex":"a.*"}]}`, "Unrecognized match type regex"},
		{"two operators", `{"source":[{"prefix":"a","suffix":"b"}]}`, "exactly one operator"},
		{"prefix number", `{"source":[{"prefix":5}]}`, "prefix match pattern must be a string"},
		{"exists string", `{"source":[{"exists":"yes"}]}`, "exists match pattern must be either true or false"},
		{"numeric bad op", `{"a":[{"numeric":["~",5]}]}`, "Unrecognized numeric range operator: ~"},
		{"numeric string value", `{"a":[{"numeric":[">","5"]}]}`, "Value of > must be numeric"},
		{"numeric inverted", `{"a":[{"numeric":[">",10,"<",5]}]}`, "Bottom must be less than top"},
		{"numeric too big", `{"a":[{"numeric":[">",6e9]}]}`, "out of range"},
		{"cidr bad", `{"a":[{"cidr":"10.0.0.300/24"}]}`, "Nonstandard IP address"},
		{"wildcard consecutive", `{"a":[{"wildcard":"a**b"}]}`, "Consecutive wildcard characters"},
		{"anything-but bool", `{"a":[{"anything-but":[true]}]}`, "anything-but list"},
		{"anything-but empty prefix", `{"a":[{"anything-but":{"prefix":""}}]}`, "Null prefix not allowed"},
		{"or one item", `{"$or":[{"a":["x"]}]}`, "Value of $or must be an array of at least 2 objects"},
		{"object literal", `{"a":[[1]]}`, "Match value must be String, number, true, false, or null"},
		{"trailing", `{"a":["x"]} {}`, "trailing data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := notify.CompilePattern([]byte(tt.pattern))
			require.Error(t, err)
			assert.ErrorIs(t, err, notify.ErrInvalidPattern)
			var pe *notify.PatternError
			require.True(t, errors.As(err, &pe))
			assert.Contains(t, err.Error(), tt.reason)
		})
	}
}

func TestPatternTooManyOrCombinations(t *testing.T) {
	t.Parallel()
	// Four $or levels of 6 alternatives each: 6^4 = 1296 combinations > 1000.
	pat := `{`
	for i := 0; i < 4; i++ {
		if i > 0 {
			pat += ","
		}
		pat += fmt.Sprintf(`"k%d":{"$or":[`, i)
		for j := 0; j < 6; j++ {
			if j > 0 {
				pat += ","
			}
			pat += fmt.Sprintf(`{"f%d":["v"]}`, j)
		}
		pat += `]}`
	}
	pat += `}`
	_, err := notify.CompilePattern([]byte(pat))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "too complex")
}

func TestPatternMatchBadEvent(t *testing.T) {
	t.Parallel()
	p, err := notify.CompilePattern([]byte(`{"source":["x"]}`))
	require.NoError(t, err)
	_, err = p.Match([]byte(`not json`))
	require.Error(t, err)
	_, err = p.Match([]byte(`[1,2]`))
	require.Error(t, err)
}

func TestPatternSet(t *testing.T) {
	t.Parallel()
	set := notify.NewPatternSet()
	add := func(id, src string) {
		p, err := notify.CompilePattern([]byte(src))
		require.NoError(t, err)
		require.NoError(t, set.Add(id, p))
	}
	add("ec2", `{"source":["aws.ec2"]}`)
	add("pending", `{"detail":{"state":["pending"]}}`)
	add("s3", `{"source":["aws.s3"]}`)
	add("prefix", `{"detail":{"instance-id":[{"prefix":"i-a"}]}}`)
	add("absent", `{"detail":{"missing":[{"exists":false}]}}`)
	add("or", `{"$or":[{"source":["nope"]},{"region":["us-east-1"]}]}`)
	add("and-miss", `{"source":["aws.ec2"],"region":["eu-west-1"]}`)
	p, _ := notify.CompilePattern([]byte(`{"source":["x"]}`))
	require.Error(t, set.Add("ec2", p), "duplicate id")
	got, err := set.Match([]byte(ec2Event))
	require.NoError(t, err)
	assert.Equal(t, []string{"absent", "ec2", "or", "pending", "prefix"}, got)
	assert.Equal(t, 7, set.Len())
}

func TestFilterPolicyAttributes(t *testing.T) {
	t.Parallel()
	attrs := map[string]notify.MessageAttribute{
		"store":              {Type: "String", Value: "example_corp"},
		"event":              {Type: "String", Value: "order_placed"},
		"customer_interests": {Type: "String.Array", Value: `["soccer", "rugby", "hockey"]`},
		"price_usd":          {Type: "Number", Value: "210.75"},
		"source_ip":          {Type: "String", Value: "192.0.2.10"},
		"blob":               {Type: "Binary", Value: "AQID"},
		"encrypted":          {Type: "String", Value: "false"},
		"empty":              {Type: "String", Value: ""},
	}
	tests := []struct {
		name, policy string
		want         bool
	}{
		{"exact", `{"store":["example_corp"]}`, true},
		{"exact miss", `{"store":["other"]}`, false},
		{"string array element", `{"customer_interests":["rugby"]}`, true},
		{"string array miss", `{"customer_interests":["tennis"]}`, false},
		{"anything-but", `{"store":[{"anything-but":["other_corp"]}]}`, true},
		{"anything-but miss", `{"store":[{"anything-but":"example_corp"}]}`, false},
		{"anything-but prefix", `{"event":[{"anything-but":{"prefix":"order"}}]}`, false},
		{"anything-but suffix", `{"event":[{"anything-but":{"suffix":"_cancelled"}}]}`, true},
		{"prefix", `{"event":[{"prefix":"order_"}]}`, true},
		{"suffix", `{"event":[{"suffix":"_placed"}]}`, true},
		{"equals-ignore-case", `{"store":[{"equals-ignore-case":"EXAMPLE_CORP"}]}`, true},
		{"numeric range", `{"price_usd":[{"numeric":[">=",100,"<",300]}]}`, true},
		{"numeric equals", `{"price_usd":[{"numeric":["=",210.75]}]}`, true},
		{"numeric miss", `{"price_usd":[{"numeric":["<",100]}]}`, false},
		{"number literal", `{"price_usd":[210.75]}`, true},
		{"string vs number attr", `{"price_usd":["210.75"]}`, false},
		{"numeric on string attr", `{"store":[{"numeric":[">",0]}]}`, false},
		{"exists", `{"store":[{"exists":true}]}`, true},
		{"not exists", `{"coupon":[{"exists":false}]}`, true},
		{"not exists present", `{"store":[{"exists":false}]}`, false},
		{"binary ignored", `{"blob":[{"exists":true}]}`, false},
		{"cidr", `{"source_ip":[{"cidr":"192.0.2.0/24"}]}`, true},
		{"cidr miss", `{"source_ip":[{"cidr":"198.51.100.0/24"}]}`, false},
		{"and of keys", `{"store":["example_corp"],"event":["order_cancelled"]}`, false},
		{"$or", `{"$or":[{"store":["nope"]},{"event":["order_placed"]}]}`, true},
		{"missing attribute", `{"color":["red"]}`, false},
		{"nested never matches attributes", `{"store":{"name":["example_corp"]}}`, false},
		{"anything-but string array none listed", `{"customer_interests":[{"anything-but":["tennis","golf"]}]}`, true},
		{"anything-but string array one listed", `{"customer_interests":[{"anything-but":["rugby","tennis"]}]}`, false},
		{"exists needs a non-empty value", `{"empty":[{"exists":true}]}`, false},
		{"anything-but or absent", `{"coupon":[{"anything-but":"x"},{"exists":false}]}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := notify.CompileFilterPolicy([]byte(tt.policy))
			require.NoError(t, err)
			assert.Equal(t, tt.want, f.MatchAttributes(attrs))
		})
	}
}

func TestFilterPolicyBody(t *testing.T) {
	t.Parallel()
	body := []byte(`{"store":"example_corp","event":"order_placed","customer":{"interests":["soccer","rugby"],"tier":"gold"},"price_usd":210.75,"flag":true,"gone":null}`)
	tests := []struct {
		name, policy string
		want         bool
	}{
		{"nested exact", `{"customer":{"tier":["gold"]}}`, true},
		{"nested array", `{"customer":{"interests":["rugby"]}}`, true},
		{"numeric", `{"price_usd":[{"numeric":[">",200]}]}`, true},
		{"boolean", `{"flag":[true]}`, true},
		{"null", `{"gone":[null]}`, true},
		{"and fails", `{"store":["example_corp"],"customer":{"tier":["silver"]}}`, false},
		{"nested $or", `{"customer":{"$or":[{"tier":["silver"]},{"interests":["soccer"]}]}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := notify.CompileFilterPolicy([]byte(tt.policy))
			require.NoError(t, err)
			got, err := f.MatchBody(body)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	f, err := notify.CompileFilterPolicy([]byte(`{"customer":{"interests":[{"anything-but":["soccer"]}]}}`))
	require.NoError(t, err)
	got, err := f.MatchBody(body)
	require.NoError(t, err)
	assert.False(t, got, "SNS anything-but: an array matches only if none of its elements is listed")
	absent, err := notify.CompileFilterPolicy([]byte(`{"coupon":[{"exists":false}]}`))
	require.NoError(t, err)
	assert.False(t, absent.MatchAttributes(nil), "SNS: an empty set of attributes matches no policy")
	assert.True(t, absent.MatchAttributes(map[string]notify.MessageAttribute{"x": {Type: "String", Value: "1"}}))
	f, err = notify.CompileFilterPolicy([]byte(`{"a":["b"]}`))
	require.NoError(t, err)
	got, err = f.MatchBody([]byte("plain text"))
	require.Error(t, err)
	assert.False(t, got)
	assert.False(t, f.Nested())
	f, err = notify.CompileFilterPolicy([]byte(`{"a":{"b":["c"]}}`))
	require.NoError(t, err)
	assert.True(t, f.Nested())
}

func TestFilterPolicyInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, policy, reason string
	}{
		{"wildcard is EventBridge only", `{"a":[{"wildcard":"x*"}]}`, "Unrecognized match type wildcard"},
		{"unknown operator", `{"a":[{"regex":"x"}]}`, "Unrecognized match type regex"},
		{"too many keys", `{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}`, "more than 5 keys"},
		{"too complex", `{"a":["1","2","3","4","5","6"],"b":["1","2","3","4","5"],"c":["1","2","3","4","5","6"]}`, "too complex"},
		{"numeric out of range", `{"a":[{"numeric":["<",2e9]}]}`, "out of range"},
		{"scalar", `{"a":"b"}`, "Match value must be an array or an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := notify.CompileFilterPolicy([]byte(tt.policy))
			require.Error(t, err)
			assert.ErrorIs(t, err, notify.ErrInvalidFilterPolicy)
			assert.Contains(t, err.Error(), tt.reason)
		})
	}
}

func TestPatternArrayConsistencyNested(t *testing.T) {
	t.Parallel()
	event := []byte(`{"orders":[{"id":"o1","lines":[{"sku":"A","qty":1},{"sku":"B","qty":5}]},{"id":"o2","lines":[{"sku":"A","qty":5}]}]}`)
	tests := []struct {
		pattern string
		want    bool
	}{
		{`{"orders":{"lines":{"sku":["A"],"qty":[5]}}}`, true},              // o2's line
		{`{"orders":{"id":["o1"],"lines":{"sku":["A"],"qty":[5]}}}`, false}, // A×5 is in o2, not o1
		{`{"orders":{"id":["o1"],"lines":{"sku":["B"],"qty":[5]}}}`, true},
		{`{"orders":{"id":["o2"],"lines":{"sku":["B"]}}}`, false},
		{`{"orders":{"id":["o2"],"lines":{"sku":[{"exists":true}]}}}`, true},
	}
	for _, tt := range tests {
		p, err := notify.CompilePattern([]byte(tt.pattern))
		require.NoError(t, err)
		got, err := p.Match(event)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, tt.pattern)
	}
}
