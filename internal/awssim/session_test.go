package awssim_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/guardrail"
	"github.com/opschat/opschat/internal/awssim"
)

const simRole = "arn:aws:iam::123456789012:role/opschat-ops"

// assume returns an aws.Config signed with a role session started with the
// given session policies.
func assume(t *testing.T, s *awssim.Server, policy string, arns ...string) (aws.Config, error) {
	t.Helper()
	in := &sts.AssumeRoleInput{RoleArn: aws.String(simRole), RoleSessionName: aws.String("opschat-U0SRE"),
		Tags: []ststypes.Tag{{Key: aws.String("channel"), Value: aws.String("C0ONCALL")}}}
	if policy != "" {
		in.Policy = aws.String(policy)
	}
	for _, a := range arns {
		in.PolicyArns = append(in.PolicyArns, ststypes.PolicyDescriptorType{Arn: aws.String(a)})
	}
	out, err := sts.NewFromConfig(s.Config()).AssumeRole(context.Background(), in)
	if err != nil {
		return aws.Config{}, err
	}
	cfg := s.Config()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(out.Credentials.AccessKeyId),
		aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))
	return cfg, nil
}

func apiError(t *testing.T, err error) smithy.APIError {
	t.Helper()
	require.Error(t, err)
	var ae smithy.APIError
	require.Truef(t, errors.As(err, &ae), "not an API error: %v", err)
	return ae
}

const who = "User: arn:aws:sts::123456789012:assumed-role/opschat-ops/opschat-U0SRE is not authorized to perform: "

func TestSessionPoliciesAreEnforced(t *testing.T) {
	t.Parallel()
	s := awssim.New(awssim.WithClock(func() time.Time { return fixedNow }), awssim.WithActionMapper(func(service, api string) []string {
		if service == "lambda" && api == "Invoke" {
			return []string{"lambda:InvokeFunction"} // the IAM action of the Invoke API
		}
		return awssim.DefaultActionMapper(service, api)
	}))
	t.Cleanup(s.Close)
	ctx := context.Background()
	// The channel's guardrails as the bot sends them: ReadOnlyAccess plus
	// an inline policy that also allows stopping instances in one region,
	// and the blocklist.
	guard := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}},
		{"Effect":"Allow","Action":"ec2:StartInstances","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/channel":"C0ONCALL"}}}]}`
	sp, err := guardrail.NewSessionPolicy([]string{awssim.ReadOnlyAccessARN}, [][]byte{[]byte(guard)}, guardrail.SessionContext{ChannelID: "C0ONCALL"})
	require.NoError(t, err)
	cfg, err := assume(t, s, sp.Document, sp.ManagedARNs...)
	require.NoError(t, err)
	calls := s.AssumeRoleCalls()
	require.Len(t, calls, 1)
	assert.Equal(t, sp.Document, calls[0].Policy)

	euCfg := cfg.Copy()
	euCfg.Region = "eu-west-1"
	tests := []struct {
		name string
		call func() error
		code string // "" = allowed
		msg  string
		then string // the instance's state after the call, when it matters
	}{
		{name: "read allowed by ReadOnlyAccess", call: func() error {
			_, err := ec2.NewFromConfig(cfg).DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
			return err
		}},
		{name: "stop outside the allowed region", code: "UnauthorizedOperation", call: func() error {
			_, err := ec2.NewFromConfig(cfg).StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{awssim.RunningInstance}})
			return err
		}, msg: "You are not authorized to perform this operation. " + who + "ec2:StopInstances because no session policy allows the ec2:StopInstances action. Encoded authorization failure message: ",
			then: "running"}, // refused calls have no effect
		{name: "stop in the allowed region", call: func() error {
			_, err := ec2.NewFromConfig(euCfg).StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{awssim.RunningInstance}})
			return err
		}, then: "stopped"},
		{name: "session tags are principal tags", call: func() error {
			_, err := ec2.NewFromConfig(cfg).StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{awssim.RunningInstance}})
			return err
		}},
		{name: "blocklist deny wins over ReadOnlyAccess (REST-XML)", code: "AccessDenied", call: func() error {
			_, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("k")})
			return err
		}, msg: who + "s3:GetObject with an explicit deny in a session policy"},
		{name: "mapped action not allowed (REST-JSON)", code: "AccessDeniedException", call: func() error {
			_, err := lambda.NewFromConfig(cfg).Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(awssim.AlarmingFunction)})
			return err
		}, msg: who + "lambda:InvokeFunction because no session policy allows the lambda:InvokeFunction action"},
		{name: "CBOR", code: "AccessDenied", call: func() error {
			_, err := cloudwatch.NewFromConfig(cfg).SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("a"), StateValue: "OK", StateReason: aws.String("r")})
			return err
		}, msg: who + "cloudwatch:SetAlarmState because no session policy allows the cloudwatch:SetAlarmState action"},
		{name: "sts is blocked (query)", code: "AccessDenied", call: func() error {
			_, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(simRole), RoleSessionName: aws.String("again")})
			return err
		}, msg: who + "sts:AssumeRole with an explicit deny in a session policy"},
		{name: "GetCallerIdentity needs no permission", call: func() error {
			_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}},
	}
	for _, tt := range tests {
		err := tt.call()
		if tt.then != "" {
			assert.Equal(t, tt.then, s.InstanceState(awssim.RunningInstance), tt.name)
		}
		if tt.code == "" {
			assert.NoError(t, err, tt.name)
			continue
		}
		ae := apiError(t, err)
		assert.Equal(t, tt.code, ae.ErrorCode(), tt.name)
		assert.True(t, strings.HasPrefix(ae.ErrorMessage(), tt.msg), "%s: %s", tt.name, ae.ErrorMessage())
	}
}

func TestSessionWithoutPoliciesIsTheRole(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	cfg, err := assume(t, s, "")
	require.NoError(t, err)
	_, err = ec2.NewFromConfig(cfg).StopInstances(context.Background(), &ec2.StopInstancesInput{InstanceIds: []string{awssim.RunningInstance}})
	require.NoError(t, err)
	assert.Equal(t, "stopped", s.InstanceState(awssim.RunningInstance))
}

func TestAssumeRoleSessionPolicyErrors(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	custom := "arn:aws:iam::123456789012:policy/chat/OpsGuardrail"
	tests := []struct {
		name   string
		policy string
		arns   []string
		code   string
		msg    string
	}{
		{name: "unknown managed policy", arns: []string{custom}, code: "MalformedPolicyDocument", msg: "Policy " + custom + " does not exist or is not attachable."},
		{name: "malformed inline policy", policy: `{"Version":"2012-10-17","Statement":{"Effect":"Permit","Action":"*","Resource":"*"}}`, code: "MalformedPolicyDocument", msg: "Statement.Effect"},
		{name: "inline policy too long", policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}` + strings.Repeat(" ", 2048), code: "ValidationError", msg: "2048"},
		{name: "plaintext with ARNs too long", policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"` + strings.Repeat("x", 1960) + `"}}`,
			arns: []string{awssim.ReadOnlyAccessARN, awssim.AdministratorAccessARN}, code: "PackedPolicyTooLarge", msg: "% of allotted space"},
	}
	for _, tt := range tests {
		_, err := assume(t, s, tt.policy, tt.arns...)
		ae := apiError(t, err)
		assert.Equal(t, tt.code, ae.ErrorCode(), tt.name)
		assert.Contains(t, ae.ErrorMessage(), tt.msg, tt.name)
	}
	assert.Empty(t, s.AssumeRoleCalls(), "refused sessions are not issued")

	// Once created, the customer managed policy is a valid session policy.
	require.NoError(t, s.PutManagedPolicy(custom, []byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}}`)))
	cfg, err := assume(t, s, "", custom)
	require.NoError(t, err)
	_, err = ec2.NewFromConfig(cfg).DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{})
	require.NoError(t, err)
	_, err = ec2.NewFromConfig(cfg).StopInstances(context.Background(), &ec2.StopInstancesInput{InstanceIds: []string{awssim.RunningInstance}})
	assert.Equal(t, "UnauthorizedOperation", apiError(t, err).ErrorCode())

	assert.Error(t, s.PutManagedPolicy("arn:aws:iam::999999999999:policy/x", []byte(`{}`)), "another account")
	assert.ErrorIs(t, s.PutManagedPolicy(custom, []byte(`{"Statement":[]}`)), guardrail.ErrInvalidPolicy)
}

func TestDefaultActionMapper(t *testing.T) {
	t.Parallel()
	tests := []struct {
		service, api string
		want         []string
	}{
		{"ec2", "StopInstances", []string{"ec2:StopInstances"}},
		{"monitoring", "DescribeAlarms", []string{"cloudwatch:DescribeAlarms"}},
		{"lambda", "Invoke", []string{"lambda:InvokeFunction"}},
		{"s3", "ListObjectsV2", []string{"s3:ListBucket"}},
		{"s3", "HeadObject", []string{"s3:GetObject"}},
		{"s3", "CopyObject", []string{"s3:GetObject", "s3:PutObject"}},
		{"s3", "", nil},
		{"", "Invoke", nil},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, awssim.DefaultActionMapper(tt.service, tt.api), "%s %s", tt.service, tt.api)
	}
	// An operation that cannot be mapped is refused to a session with
	// session policies: AWS always knows what it authorizes.
	s := awssim.New(awssim.WithActionMapper(func(string, string) []string { return nil }))
	t.Cleanup(s.Close)
	cfg, err := assume(t, s, "", awssim.AdministratorAccessARN)
	require.NoError(t, err)
	_, err = ec2.NewFromConfig(cfg).DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{})
	assert.Equal(t, "UnauthorizedOperation", apiError(t, err).ErrorCode())
}
