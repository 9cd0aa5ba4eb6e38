package guardrail_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/guardrail"
)

const readOnlyARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"

// onCallGuardrail is a typical channel guardrail: read everything, restart
// services and stop instances, but only from the on-call channel, only in
// two regions.
const onCallGuardrail = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["ec2:Describe*", "ecs:Describe*", "ecs:List*", "cloudwatch:Get*", "cloudwatch:Describe*", "ssm:GetParameter"], "Resource": "*"},
    {"Sid": "Operate", "Effect": "Allow", "Action": ["ecs:UpdateService", "ec2:StopInstances"], "Resource": "*"},
    {"Sid": "OnCallOnly", "Effect": "Deny", "Action": ["ecs:UpdateService", "ec2:StopInstances"], "Resource": "*",
     "Condition": {"StringNotEquals": {"chatops:ChannelId": "C0ONCALL"}}},
    {"Sid": "Regions", "Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}}
  ]
}`

// slackOnly allows Lambda invocations from Slack only, and logs reads from
// one user.
const slackOnly = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:*:123456789012:function:ops-*",
     "Condition": {"StringEquals": {"chatops:Platform": "slack"}}},
    {"Effect": "Allow", "Action": "logs:*", "Resource": "*",
     "Condition": {"StringEquals": {"chatops:UserId": "U0SRE", "aws:RequestedRegion": "eu-west-1"}}}
  ]
}`

func statementsOf(t *testing.T, doc string) []map[string]any {
	t.Helper()
	var d struct {
		Version   string
		Statement []map[string]any
	}
	require.NoError(t, json.Unmarshal([]byte(doc), &d), doc)
	require.Equal(t, guardrail.Version2012, d.Version)
	require.NotEmpty(t, d.Statement)
	return d.Statement
}

// userStatements returns the statements before the blocklist deny, which
// is always last.
func userStatements(t *testing.T, doc string) string {
	t.Helper()
	st := statementsOf(t, doc)
	b, err := json.Marshal(st[:len(st)-1])
	require.NoError(t, err)
	return string(b)
}

func TestNewSessionPolicy(t *testing.T) {
	t.Parallel()
	onCall := guardrail.SessionContext{Platform: "slack", WorkspaceID: "T01", ChannelID: "C0ONCALL", UserID: "U0SRE", ConfigurationName: "ops"}
	general := onCall
	general.ChannelID = "C0GENERAL"
	teams := guardrail.SessionContext{Platform: "teams", ChannelID: "19:abc", UserID: "U0SRE"}
	tests := []struct {
		name    string
		arns    []string
		inline  []string
		session guardrail.SessionContext
		want    string // JSON of the statements before the blocklist
	}{
		{name: "no guardrails: AdministratorAccess as Allow * plus the denies", session: onCall,
			want: `[{"Effect":"Allow","Action":"*","Resource":"*"}]`},
		{name: "managed only: the denies only", arns: []string{readOnlyARN}, session: onCall, want: `[]`},
		{name: "on-call channel: the channel deny never applies", inline: []string{onCallGuardrail}, session: onCall,
			want: `[{"Effect":"Allow","Action":["ec2:Describe*","ecs:Describe*","ecs:List*","cloudwatch:Get*","cloudwatch:Describe*","ssm:GetParameter"],"Resource":"*"},
				{"Effect":"Allow","Action":["ecs:UpdateService","ec2:StopInstances"],"Resource":"*"},
				{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}}]`},
		{name: "other channel: the channel deny always applies", inline: []string{onCallGuardrail}, arns: []string{readOnlyARN}, session: general,
			want: `[{"Effect":"Allow","Action":["ec2:Describe*","ecs:Describe*","ecs:List*","cloudwatch:Get*","cloudwatch:Describe*","ssm:GetParameter"],"Resource":"*"},
				{"Effect":"Allow","Action":["ecs:UpdateService","ec2:StopInstances"],"Resource":"*"},
				{"Effect":"Deny","Action":["ecs:UpdateService","ec2:StopInstances"],"Resource":"*"},
				{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}}]`},
		{name: "channel not known: the deny is kept without its condition", inline: []string{onCallGuardrail},
			session: guardrail.SessionContext{Platform: "slack"},
			want: `[{"Effect":"Allow","Action":["ec2:Describe*","ecs:Describe*","ecs:List*","cloudwatch:Get*","cloudwatch:Describe*","ssm:GetParameter"],"Resource":"*"},
				{"Effect":"Allow","Action":["ecs:UpdateService","ec2:StopInstances"],"Resource":"*"},
				{"Effect":"Deny","Action":["ecs:UpdateService","ec2:StopInstances"],"Resource":"*"},
				{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}}]`},
		{name: "slack user: both allows, AWS keys kept", inline: []string{slackOnly}, session: onCall,
			want: `[{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:*:123456789012:function:ops-*"},
				{"Effect":"Allow","Action":"logs:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}]`},
		{name: "teams: the Slack-only allow is left out", inline: []string{slackOnly}, session: teams,
			want: `[{"Effect":"Allow","Action":"logs:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}]`},
		{name: "user not known: the allow on the user is left out", inline: []string{slackOnly}, session: guardrail.SessionContext{Platform: "slack"},
			want: `[{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:*:123456789012:function:ops-*"}]`},
		{name: "allow on chatops:WithDecryption is left out", session: onCall, inline: []string{`{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Action":"ssm:GetParameter*","Resource":"*","Condition":{"Bool":{"chatops:WithDecryption":"false"}}},
				{"Effect":"Deny","Action":"ssm:PutParameter","Resource":"*","Condition":{"Bool":{"chatops:WithDecryption":"true"},"StringLike":{"aws:RequestedRegion":"us-*"}}}]}`},
			want: `[{"Effect":"Deny","Action":"ssm:PutParameter","Resource":"*","Condition":{"StringLike":{"aws:RequestedRegion":"us-*"}}}]`},
		{name: "session variables are substituted, literally", session: guardrail.SessionContext{ChannelID: "C0*?$"}, inline: []string{`{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::chat-uploads/${chatops:ChannelId}/${aws:username}/*"},
				{"Effect":"Deny","Action":"s3:PutObject","Resource":"*","Condition":{"StringNotLike":{"s3:prefix":["${chatops:channelid}/*"]}}}]}`},
			want: `[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::chat-uploads/C0${*}${?}${$}/${aws:username}/*"},
				{"Effect":"Deny","Action":"s3:PutObject","Resource":"*","Condition":{"StringNotLike":{"s3:prefix":["C0${*}${?}${$}/*"]}}}]`},
		{name: "an allow on a variable the session lacks is left out", session: onCall, inline: []string{`{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::uploads/${chatops:WithDecryption}/*"},
				{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`},
			want: `[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]`},
		{name: "2008 documents keep ${ literal", session: onCall, inline: []string{`{"Version":"2008-10-17","Statement":
				{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::odd-${name}"}}`},
			want: `[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::odd-${$}{name}"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			docs := make([][]byte, len(tt.inline))
			for i, d := range tt.inline {
				docs[i] = []byte(d)
			}
			sp, err := guardrail.NewSessionPolicy(tt.arns, docs, tt.session)
			require.NoError(t, err)
			assert.Equal(t, tt.arns, nilIfEmpty(sp.ManagedARNs))
			assert.JSONEq(t, tt.want, userStatements(t, sp.Document))
			assert.NotContains(t, sp.Document, "\n", "minified")
			assert.NotContains(t, sp.Document, "Sid")
			assert.NotContains(t, sp.Document, "chatops:", "AWS has no chatops: keys")
			assert.LessOrEqual(t, sp.Size(), guardrail.MaxSessionPolicyChars)
			_, err = guardrail.ParsePolicy([]byte(sp.Document))
			assert.NoError(t, err)
		})
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// TestSessionPolicyBlocklist: the blocklist goes to AWS as one Deny of the
// same actions, without the chatops:WithDecryption statements.
func TestSessionPolicyBlocklist(t *testing.T) {
	t.Parallel()
	sp, err := guardrail.NewSessionPolicy([]string{readOnlyARN}, nil, guardrail.SessionContext{})
	require.NoError(t, err)
	st := statementsOf(t, sp.Document)
	require.Len(t, st, 1)
	assert.Equal(t, "Deny", st[0]["Effect"])
	assert.Equal(t, "*", st[0]["Resource"])
	assert.NotContains(t, st[0], "Condition")
	actions, _ := st[0]["Action"].([]any)
	for _, a := range []string{"iam:*", "sts:*", "kms:*", "sso-oauth:*", "s3:GetObject", "ec2:GetPasswordData"} {
		assert.Contains(t, actions, a)
	}
	assert.NotContains(t, actions, "ssm:GetParameter*")
	assert.Equal(t, len(sp.Document)+len(readOnlyARN), sp.Size())
	// The blocklist alone leaves room for the channel's guardrails.
	assert.Less(t, sp.Size(), guardrail.MaxSessionPolicyChars/2+200, "blocklist size %d", sp.Size())
}

func TestNewSessionPolicyErrors(t *testing.T) {
	t.Parallel()
	many := make([]string, 11)
	for i := range many {
		many[i] = fmt.Sprintf("arn:aws:iam::123456789012:policy/guard-%d", i)
	}
	var bigActions []string
	for i := range 60 {
		bigActions = append(bigActions, fmt.Sprintf(`"cloudwatch:DescribeAlarmsForMetric%02d"`, i))
	}
	big := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[` + strings.Join(bigActions, ",") + `],"Resource":"*"}}`
	tests := []struct {
		name   string
		arns   []string
		inline string
		want   error
		msg    string
	}{
		{name: "too many ARNs", arns: many, want: guardrail.ErrSessionPolicyTooLarge, msg: "11 managed guardrail policies, AWS accepts at most 10"},
		{name: "too many characters", arns: []string{readOnlyARN}, inline: big, want: guardrail.ErrSessionPolicyTooLarge, msg: "exceed AWS's limit of 2048"},
		{name: "invalid document", inline: `{"Version":"2012-10-17","Statement":{"Effect":"Permit","Action":"*","Resource":"*"}}`,
			want: guardrail.ErrInvalidPolicy, msg: "inline guardrail #0"},
		{name: "deny on a variable the session lacks", inline: `{"Version":"2012-10-17","Statement":
			{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::${chatops:UserId}-private/*"}}`,
			want: guardrail.ErrSessionPolicyUnsupported, msg: "Statement[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var docs [][]byte
			if tt.inline != "" {
				docs = [][]byte{[]byte(tt.inline)}
			}
			sp, err := guardrail.NewSessionPolicy(tt.arns, docs, guardrail.SessionContext{Platform: "slack", ChannelID: "C01"})
			require.Error(t, err)
			assert.Nil(t, sp)
			assert.True(t, errors.Is(err, tt.want), "%v", err)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

// TestSessionPolicyDecidesLikeLocal: evaluated the way AWS evaluates a
// session (no chatops: keys in the request context; the union of the
// inline document and the managed policies), the session policy gives the
// local decision for every action, in both channels.
func TestSessionPolicyDecidesLikeLocal(t *testing.T) {
	t.Parallel()
	managed := mustParse(t, "ReadOnlyAccess", `{"Version":"2012-10-17","Statement":{"Effect":"Allow",
		"Action":["ec2:Describe*","ec2:Get*","s3:Get*","s3:List*","logs:Get*","logs:Describe*","logs:FilterLogEvents","ssm:Get*","ssm:Describe*","kms:Describe*","iam:List*"],"Resource":"*"}}`)
	inline := [][]byte{[]byte(onCallGuardrail), []byte(slackOnly)}
	var local []*guardrail.Policy
	for i, d := range inline {
		local = append(local, mustParse(t, fmt.Sprint("inline-", i), string(d)))
	}
	local = append(local, managed)
	actions := []string{"ec2:DescribeInstances", "ec2:GetConsoleOutput", "ec2:StopInstances", "ec2:TerminateInstances",
		"ecs:UpdateService", "ecs:ListServices", "s3:ListBuckets", "s3:GetObject", "s3:GetBucketPolicy", "s3:GetBucketTagging",
		"logs:FilterLogEvents", "logs:PutLogEvents", "lambda:InvokeFunction", "iam:ListUsers", "sts:GetCallerIdentity",
		"kms:DescribeKey", "sso-oauth:CreateTokenWithIAM", "ssm:DescribeParameters", "cloudwatch:GetMetricData"}
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	for _, channel := range []string{"C0ONCALL", "C0GENERAL"} {
		for _, region := range []string{"eu-west-1", "ap-south-1"} {
			cc := guardrail.CommandContext{Region: region, Time: at, Platform: "slack", WorkspaceID: "T01", ChannelID: channel, UserID: "U0SRE", ConfigurationName: "ops"}
			sp, err := guardrail.NewSessionPolicy([]string{readOnlyARN}, inline, cc.Session())
			require.NoError(t, err)
			doc, err := guardrail.ParsePolicy([]byte(sp.Document))
			require.NoError(t, err)
			// What AWS sees: its own keys only.
			awsCtx := map[string][]string{}
			for k, v := range cc.Map() {
				if !strings.HasPrefix(k, "chatops:") {
					awsCtx[k] = v
				}
			}
			for _, a := range actions {
				localD, _ := guardrail.DecideActions([]string{a}, "", cc.Map(), guardrail.Layer{Name: "guardrail", Policies: local})
				awsD := guardrail.Evaluate(guardrail.Request{Action: a, Resource: "*", Context: awsCtx}, []*guardrail.Policy{doc, managed})
				assert.Equal(t, localD == guardrail.Allow, awsD == guardrail.Allow, "%s in %s, %s: local %v, AWS %v", a, channel, region, localD, awsD)
			}
			// SecureString decryption: refused locally by the
			// chatops:WithDecryption statements, which AWS cannot have;
			// at AWS the ssm call passes but the kms:Decrypt SSM makes
			// with the session's credentials is denied.
			withDecryption := cc
			withDecryption.WithDecryption = true
			localD, _ := guardrail.DecideActions([]string{"ssm:GetParameter"}, "", withDecryption.Map(), guardrail.Layer{Name: "guardrail", Policies: local})
			assert.NotEqual(t, guardrail.Allow, localD)
			assert.Equal(t, guardrail.ExplicitDeny, guardrail.Evaluate(guardrail.Request{Action: "kms:Decrypt", Resource: "*", Context: awsCtx}, []*guardrail.Policy{doc, managed}))
		}
	}
}

func ExampleNewSessionPolicy() {
	guard := []byte(`{"Version": "2012-10-17", "Statement": [
		{"Sid": "Operate", "Effect": "Allow", "Action": ["ecs:Describe*", "ecs:UpdateService"], "Resource": "*"},
		{"Sid": "OnCallOnly", "Effect": "Deny", "Action": "ecs:UpdateService", "Resource": "*",
		 "Condition": {"StringNotEquals": {"chatops:ChannelId": "C0ONCALL"}}}
	]}`)
	cc := guardrail.CommandContext{Platform: "slack", WorkspaceID: "T01", ChannelID: "C0GENERAL", UserID: "U01", ConfigurationName: "ops"}
	sp, err := guardrail.NewSessionPolicy(nil, [][]byte{guard}, cc.Session())
	if err != nil {
		fmt.Println(err)
		return
	}
	// The channel is fixed for the session, so AWS gets the decided deny;
	// the built-in blocklist follows as the last statement.
	fmt.Println(sp.Document[:strings.Index(sp.Document, `,{"Effect":"Deny","Action":["iam:*"`)] + "…")
	fmt.Println(sp.Size() <= guardrail.MaxSessionPolicyChars)
	// Output:
	// {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecs:Describe*","ecs:UpdateService"],"Resource":"*"},{"Effect":"Deny","Action":"ecs:UpdateService","Resource":"*"}…
	// true
}

// FuzzSessionPolicy: for any valid inline guardrail, NewSessionPolicy does
// not panic, and what AWS would allow under the session policy the local
// check allows too (the AWS copy may refuse more, never allow more).
func FuzzSessionPolicy(f *testing.F) {
	for _, seed := range []string{onCallGuardrail, slackOnly,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::x/${chatops:ChannelId}/*"},{"Effect":"Deny","NotAction":"s3:List*","Resource":"*","Condition":{"ForAnyValue:StringLike":{"chatops:UserId":["U*"]}}}]}`,
		`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"chatops:Platform":"teams"},"Null":{"chatops:Foo":"true"}}}}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"},{"Effect":"Deny","Action":"ec2:*","Resource":"*","Condition":{"Bool":{"chatops:WithDecryption":"false"}}}]}`,
	} {
		f.Add([]byte(seed), "C0ONCALL", "eu-west-1")
	}
	actions := []string{"ec2:DescribeInstances", "ec2:StopInstances", "ecs:UpdateService", "s3:ListBucket", "s3:PutObject",
		"lambda:InvokeFunction", "logs:FilterLogEvents", "iam:ListUsers", "cloudwatch:GetMetricData", "sts:GetCallerIdentity"}
	f.Fuzz(func(t *testing.T, doc []byte, channel, region string) {
		if _, err := guardrail.ParsePolicy(doc); err != nil {
			return
		}
		cc := guardrail.CommandContext{Region: region, Time: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC), Platform: "slack",
			WorkspaceID: "T01", ChannelID: channel, UserID: "U0SRE", ConfigurationName: "ops"}
		sp, err := guardrail.NewSessionPolicy(nil, [][]byte{doc}, cc.Session())
		if err != nil {
			if !errors.Is(err, guardrail.ErrSessionPolicyTooLarge) && !errors.Is(err, guardrail.ErrSessionPolicyUnsupported) {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		awsDoc, err := guardrail.ParsePolicy([]byte(sp.Document))
		if err != nil {
			t.Fatalf("the session policy does not parse: %v\n%s", err, sp.Document)
		}
		local, _ := guardrail.ParsePolicy(doc)
		lctx := cc.Map()
		awsCtx := map[string][]string{}
		for k, v := range lctx {
			if !strings.HasPrefix(k, "chatops:") {
				awsCtx[k] = v
			}
		}
		for _, a := range actions {
			awsD := guardrail.Evaluate(guardrail.Request{Action: a, Resource: "*", Context: awsCtx}, []*guardrail.Policy{awsDoc})
			localD, _ := guardrail.DecideActions([]string{a}, "", lctx, guardrail.Layer{Name: "guardrail", Policies: []*guardrail.Policy{local}})
			if awsD == guardrail.Allow && localD != guardrail.Allow {
				t.Fatalf("%s: AWS would allow what the local check refuses (%v)\ninline: %s\nsession: %s", a, localD, doc, sp.Document)
			}
		}
	})
}
