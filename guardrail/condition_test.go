package guardrail_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/opschat/opschat/guardrail"
)

type ctxMap = map[string][]string

func TestConditions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cond string // the Condition block
		ctx  ctxMap
		want bool
	}{
		// String operators.
		{"StringEquals match", `{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`, ctxMap{"aws:RequestedRegion": {"us-east-1"}}, true},
		{"StringEquals is case-sensitive", `{"StringEquals":{"aws:RequestedRegion":"US-EAST-1"}}`, ctxMap{"aws:RequestedRegion": {"us-east-1"}}, false},
		{"StringEquals star is literal", `{"StringEquals":{"k":"us-*"}}`, ctxMap{"k": {"us-east-1"}}, false},
		{"StringEquals values are OR", `{"StringEquals":{"k":["a","b"]}}`, ctxMap{"k": {"b"}}, true},
		{"StringEquals missing key is false", `{"StringEquals":{"k":"a"}}`, nil, false},
		{"StringEquals empty values is missing", `{"StringEquals":{"k":"a"}}`, ctxMap{"k": {}}, false},
		{"key names are case-insensitive", `{"StringEquals":{"AWS:RequestedRegion":"eu-west-1"}}`, ctxMap{"aws:requestedregion": {"eu-west-1"}}, true},
		{"StringNotEquals match", `{"StringNotEquals":{"k":"a"}}`, ctxMap{"k": {"b"}}, true},
		{"StringNotEquals equal", `{"StringNotEquals":{"k":["a","b"]}}`, ctxMap{"k": {"b"}}, false},
		{"StringNotEquals missing key is true", `{"StringNotEquals":{"k":"a"}}`, nil, true},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"k":"PROD"}}`, ctxMap{"k": {"prod"}}, true},
		{"StringEqualsIgnoreCase differs", `{"StringEqualsIgnoreCase":{"k":"PROD"}}`, ctxMap{"k": {"production"}}, false},
		{"StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase":{"k":"PROD"}}`, ctxMap{"k": {"prod"}}, false},
		{"StringLike star", `{"StringLike":{"k":"team-*"}}`, ctxMap{"k": {"team-blue"}}, true},
		{"StringLike question", `{"StringLike":{"k":"v?"}}`, ctxMap{"k": {"v1"}}, true},
		{"StringLike question needs one char", `{"StringLike":{"k":"v?"}}`, ctxMap{"k": {"v"}}, false},
		{"StringLike is case-sensitive", `{"StringLike":{"k":"Team-*"}}`, ctxMap{"k": {"team-blue"}}, false},
		{"StringNotLike", `{"StringNotLike":{"k":"team-*"}}`, ctxMap{"k": {"ops"}}, true},
		{"StringNotLike matching", `{"StringNotLike":{"k":"team-*"}}`, ctxMap{"k": {"team-x"}}, false},
		{"StringNotLike missing key is true", `{"StringNotLike":{"k":"team-*"}}`, nil, true},
		{"StringEquals with variable", `{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}`, ctxMap{"aws:ResourceTag/team": {"blue"}, "aws:PrincipalTag/team": {"blue"}}, true},
		{"StringEquals with variable differs", `{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}`, ctxMap{"aws:ResourceTag/team": {"blue"}, "aws:PrincipalTag/team": {"red"}}, false},
		{"StringEquals with missing variable", `{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}`, ctxMap{"aws:ResourceTag/team": {"blue"}}, false},
		{"unqualified multi-valued key matches any", `{"StringEquals":{"k":"b"}}`, ctxMap{"k": {"a", "b"}}, true},
		{"unqualified negated multi-valued key", `{"StringNotEquals":{"k":"b"}}`, ctxMap{"k": {"a", "b"}}, false},

		// Numeric.
		{"NumericEquals", `{"NumericEquals":{"n":"10"}}`, ctxMap{"n": {"10"}}, true},
		{"NumericEquals float", `{"NumericEquals":{"n":10}}`, ctxMap{"n": {"10.0"}}, true},
		{"NumericNotEquals", `{"NumericNotEquals":{"n":10}}`, ctxMap{"n": {"11"}}, true},
		{"NumericNotEquals equal", `{"NumericNotEquals":{"n":10}}`, ctxMap{"n": {"10"}}, false},
		{"NumericLessThan", `{"NumericLessThan":{"n":3600}}`, ctxMap{"n": {"300"}}, true},
		{"NumericLessThan equal", `{"NumericLessThan":{"n":3600}}`, ctxMap{"n": {"3600"}}, false},
		{"NumericLessThanEquals equal", `{"NumericLessThanEquals":{"n":3600}}`, ctxMap{"n": {"3600"}}, true},
		{"NumericGreaterThan", `{"NumericGreaterThan":{"n":"-1.5"}}`, ctxMap{"n": {"0"}}, true},
		{"NumericGreaterThanEquals", `{"NumericGreaterThanEquals":{"n":5}}`, ctxMap{"n": {"4"}}, false},
		{"Numeric non-number context", `{"NumericLessThan":{"n":5}}`, ctxMap{"n": {"abc"}}, false},
		{"Numeric NaN context never matches", `{"NumericEquals":{"n":5}}`, ctxMap{"n": {"NaN"}}, false},
		{"Numeric missing key", `{"NumericLessThan":{"n":5}}`, nil, false},
		{"NumericNotEquals missing key is true", `{"NumericNotEquals":{"n":5}}`, nil, true},

		// Date.
		{"DateLessThan", `{"DateLessThan":{"aws:CurrentTime":"2026-12-31T00:00:00Z"}}`, ctxMap{"aws:CurrentTime": {"2026-11-24T20:00:00Z"}}, true},
		{"DateLessThan after", `{"DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, ctxMap{"aws:CurrentTime": {"2026-11-24T20:00:00Z"}}, false},
		{"DateGreaterThan date only", `{"DateGreaterThan":{"aws:CurrentTime":"2026-11-24"}}`, ctxMap{"aws:CurrentTime": {"2026-11-24T20:00:00Z"}}, true},
		{"DateEquals across zones", `{"DateEquals":{"t":"2026-11-24T21:00:00+01:00"}}`, ctxMap{"t": {"2026-11-24T20:00:00Z"}}, true},
		{"DateNotEquals", `{"DateNotEquals":{"t":"2026-11-24T20:00:00Z"}}`, ctxMap{"t": {"2026-11-24T20:00:01Z"}}, true},
		{"Date epoch policy value", `{"DateGreaterThanEquals":{"aws:EpochTime":1700000000}}`, ctxMap{"aws:EpochTime": {"1800000000"}}, true},
		{"Date epoch context vs ISO policy", `{"DateLessThanEquals":{"t":"2026-11-24T20:00:00Z"}}`, ctxMap{"t": {"1700000000"}}, true},
		{"Date fractional seconds", `{"DateLessThan":{"t":"2026-11-24T20:00:00Z"}}`, ctxMap{"t": {"2026-11-24T19:59:59.5Z"}}, true},
		{"Date garbage context", `{"DateLessThan":{"t":"2026-11-24T20:00:00Z"}}`, ctxMap{"t": {"yesterday"}}, false},

		// Bool.
		{"Bool true", `{"Bool":{"aws:SecureTransport":"true"}}`, ctxMap{"aws:SecureTransport": {"true"}}, true},
		{"Bool JSON boolean", `{"Bool":{"aws:SecureTransport":false}}`, ctxMap{"aws:SecureTransport": {"false"}}, true},
		{"Bool case-insensitive", `{"Bool":{"aws:SecureTransport":"True"}}`, ctxMap{"aws:SecureTransport": {"TRUE"}}, true},
		{"Bool mismatch", `{"Bool":{"aws:SecureTransport":"true"}}`, ctxMap{"aws:SecureTransport": {"false"}}, false},
		{"Bool garbage context", `{"Bool":{"aws:SecureTransport":"true"}}`, ctxMap{"aws:SecureTransport": {"yes"}}, false},
		{"Bool missing", `{"Bool":{"aws:MultiFactorAuthPresent":"false"}}`, nil, false},
		{"BoolIfExists missing", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, nil, true},

		// Binary.
		{"BinaryEquals", `{"BinaryEquals":{"k":"QmluYXJ5VmFsdWU="}}`, ctxMap{"k": {"QmluYXJ5VmFsdWU="}}, true},
		{"BinaryEquals differs", `{"BinaryEquals":{"k":"QmluYXJ5VmFsdWU="}}`, ctxMap{"k": {"b3RoZXI="}}, false},

		// IP.
		{"IpAddress v4 CIDR", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctxMap{"aws:SourceIp": {"203.0.113.9"}}, true},
		{"IpAddress v4 outside", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctxMap{"aws:SourceIp": {"203.0.114.9"}}, false},
		{"IpAddress single address", `{"IpAddress":{"aws:SourceIp":"203.0.113.9"}}`, ctxMap{"aws:SourceIp": {"203.0.113.9"}}, true},
		{"IpAddress v6", `{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}`, ctxMap{"aws:SourceIp": {"2001:db8:1234:5678::1"}}, true},
		{"IpAddress v6 outside", `{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}`, ctxMap{"aws:SourceIp": {"2001:db8:1234:5679::1"}}, false},
		{"IpAddress v4-mapped context", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctxMap{"aws:SourceIp": {"::ffff:10.1.2.3"}}, true},
		{"IpAddress list", `{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}`, ctxMap{"aws:SourceIp": {"192.168.1.1"}}, true},
		{"IpAddress garbage", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctxMap{"aws:SourceIp": {"ten"}}, false},
		{"NotIpAddress outside", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctxMap{"aws:SourceIp": {"11.0.0.1"}}, true},
		{"NotIpAddress inside", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctxMap{"aws:SourceIp": {"10.0.0.1"}}, false},
		{"NotIpAddress missing", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, nil, true},

		// ARN.
		{"ArnLike", `{"ArnLike":{"aws:ChatbotSourceArn":"arn:aws:chatbot::*:chat-configuration/slack-channel/*"}}`, ctxMap{"aws:ChatbotSourceArn": {"arn:aws:chatbot::123456789012:chat-configuration/slack-channel/ops"}}, true},
		{"ArnLike other type", `{"ArnLike":{"aws:ChatbotSourceArn":"arn:aws:chatbot::*:chat-configuration/slack-channel/*"}}`, ctxMap{"aws:ChatbotSourceArn": {"arn:aws:chatbot::123456789012:chat-configuration/chime-webhook/x"}}, false},
		{"ArnEquals with wildcard", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:*:123456789012:alerts"}}`, ctxMap{"aws:SourceArn": {"arn:aws:sns:us-east-1:123456789012:alerts"}}, true},
		{"ArnEquals segment boundary", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:*:123456789012:alerts"}}`, ctxMap{"aws:SourceArn": {"arn:aws:sns:us-east-1:999:123456789012:alerts"}}, false},
		{"ArnLike with account variable", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:${aws:PrincipalAccount}:alerts"}}`, ctxMap{"aws:SourceArn": {"arn:aws:sns:us-east-1:123456789012:alerts"}, "aws:PrincipalAccount": {"123456789012"}}, true},
		{"ArnLike with account variable, other account", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:${aws:PrincipalAccount}:alerts"}}`, ctxMap{"aws:SourceArn": {"arn:aws:sns:us-east-1:999999999999:alerts"}, "aws:PrincipalAccount": {"123456789012"}}, false},
		{"ArnLike non-ARN context", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}`, ctxMap{"aws:SourceArn": {"alerts"}}, false},
		{"ArnNotEquals", `{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:*:*:alerts"}}`, ctxMap{"aws:SourceArn": {"arn:aws:sns:us-east-1:1:other"}}, true},
		{"ArnNotLike matching", `{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:*:alerts"}}`, ctxMap{"aws:SourceArn": {"arn:aws:sns:us-east-1:1:alerts"}}, false},
		{"ArnNotLike missing is true", `{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:*:alerts"}}`, nil, true},

		// Null.
		{"Null true, key absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, nil, true},
		{"Null true, key present", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctxMap{"aws:TokenIssueTime": {"x"}}, false},
		{"Null false, key present", `{"Null":{"aws:TokenIssueTime":false}}`, ctxMap{"aws:TokenIssueTime": {"x"}}, true},
		{"Null false, key absent", `{"Null":{"aws:TokenIssueTime":"false"}}`, nil, false},
		{"Null true, key with no values", `{"Null":{"k":"true"}}`, ctxMap{"k": {}}, true},
		{"Null key case-insensitive", `{"Null":{"AWS:TokenIssueTime":"false"}}`, ctxMap{"aws:tokenissuetime": {"x"}}, true},

		// IfExists.
		{"StringEqualsIfExists missing", `{"StringEqualsIfExists":{"ec2:InstanceType":"t3.micro"}}`, nil, true},
		{"StringEqualsIfExists present matches", `{"StringEqualsIfExists":{"ec2:InstanceType":"t3.micro"}}`, ctxMap{"ec2:InstanceType": {"t3.micro"}}, true},
		{"StringEqualsIfExists present differs", `{"StringEqualsIfExists":{"ec2:InstanceType":"t3.micro"}}`, ctxMap{"ec2:InstanceType": {"m5.large"}}, false},
		{"StringNotLikeIfExists present", `{"StringNotLikeIfExists":{"k":"a*"}}`, ctxMap{"k": {"abc"}}, false},
		{"NumericLessThanIfExists missing", `{"NumericLessThanIfExists":{"n":1}}`, nil, true},
		{"ArnLikeIfExists missing", `{"ArnLikeIfExists":{"a":"arn:*:*:*:*:*"}}`, nil, true},
		{"IpAddressIfExists present outside", `{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}`, ctxMap{"aws:SourceIp": {"11.0.0.1"}}, false},
		{"operator names are case-insensitive", `{"stringequalsIFEXISTS":{"k":"a"}}`, nil, true},

		// Set qualifiers.
		{"ForAnyValue one matches", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}`, ctxMap{"aws:TagKeys": {"owner", "team"}}, true},
		{"ForAnyValue none matches", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}`, ctxMap{"aws:TagKeys": {"owner"}}, false},
		{"ForAnyValue missing key is false", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}}`, nil, false},
		{"ForAnyValue empty key is false", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}}`, ctxMap{"aws:TagKeys": {}}, false},
		{"ForAnyValue negated: some value outside", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env","team"]}}`, ctxMap{"aws:TagKeys": {"env", "owner"}}, true},
		{"ForAnyValue negated: all inside", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env","team"]}}`, ctxMap{"aws:TagKeys": {"env"}}, false},
		{"ForAllValues all match", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}`, ctxMap{"aws:TagKeys": {"env", "team"}}, true},
		{"ForAllValues one outside", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}`, ctxMap{"aws:TagKeys": {"env", "owner"}}, false},
		{"ForAllValues missing key is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}`, nil, true},
		{"ForAllValues empty key is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}`, ctxMap{"aws:TagKeys": {}}, true},
		{"ForAllValues negated: none inside", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}}`, ctxMap{"aws:TagKeys": {"env", "team"}}, true},
		{"ForAllValues negated: one inside", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}}`, ctxMap{"aws:TagKeys": {"env", "secret"}}, false},
		{"ForAllValues StringLike", `{"ForAllValues:StringLike":{"aws:TagKeys":["app-*"]}}`, ctxMap{"aws:TagKeys": {"app-a", "app-b"}}, true},
		{"ForAllValues IgnoreCase", `{"ForAllValues:StringEqualsIgnoreCase":{"k":["a","b"]}}`, ctxMap{"k": {"A", "B"}}, true},
		{"ForAnyValue IfExists missing", `{"ForAnyValue:StringEqualsIfExists":{"k":["a"]}}`, nil, true},
		{"qualifier names are case-insensitive", `{"forallvalues:StringEquals":{"k":["a"]}}`, ctxMap{"k": {"a"}}, true},

		// Combination rules.
		{"keys are AND: both", `{"StringEquals":{"a":"1","b":"2"}}`, ctxMap{"a": {"1"}, "b": {"2"}}, true},
		{"keys are AND: one", `{"StringEquals":{"a":"1","b":"2"}}`, ctxMap{"a": {"1"}, "b": {"3"}}, false},
		{"operators are AND: both", `{"StringEquals":{"a":"1"},"Bool":{"s":"true"}}`, ctxMap{"a": {"1"}, "s": {"true"}}, true},
		{"operators are AND: one", `{"StringEquals":{"a":"1"},"Bool":{"s":"true"}}`, ctxMap{"a": {"1"}, "s": {"false"}}, false},
		{"chatops channel guardrail", `{"StringEquals":{"chatops:ChannelId":["C0ONCALL"]},"StringLike":{"chatops:Platform":"slack"}}`, ctxMap{"chatops:ChannelId": {"C0ONCALL"}, "chatops:Platform": {"slack"}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := decide(t, "2012-10-17", `"Action":"*","Resource":"*","Condition":`+tc.cond, guardrail.Request{Action: "ec2:X", Resource: "*", Context: tc.ctx})
			assert.Equal(t, tc.want, got == guardrail.Allow)
		})
	}
}

// A Deny guarded by a condition: the other direction matters for guardrails.
func TestConditionalDeny(t *testing.T) {
	t.Parallel()
	admin := mustParse(t, "Admin", adminDoc)
	regions := mustParse(t, "Regions", `{"Version":"2012-10-17","Statement":{
		"Sid":"OnlyEU","Effect":"Deny","Action":"*","Resource":"*",
		"Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","eu-central-1"]}}}}`)
	req := func(ctx ctxMap) guardrail.Request {
		return guardrail.Request{Action: "ec2:DescribeInstances", Resource: "*", Context: ctx}
	}
	assert.Equal(t, guardrail.Allow, guardrail.Evaluate(req(ctxMap{"aws:RequestedRegion": {"eu-west-1"}}), layer(admin, regions)))
	assert.Equal(t, guardrail.ExplicitDeny, guardrail.Evaluate(req(ctxMap{"aws:RequestedRegion": {"us-east-1"}}), layer(admin, regions)))
	// A request without a region is denied too: negated operators are true on
	// missing keys.
	assert.Equal(t, guardrail.ExplicitDeny, guardrail.Evaluate(req(nil), layer(admin, regions)))
}
