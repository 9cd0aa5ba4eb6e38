package guardrail_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/guardrail"
)

func mustParse(t testing.TB, name, doc string) *guardrail.Policy {
	t.Helper()
	p, err := guardrail.ParseNamedPolicy(name, []byte(doc))
	require.NoError(t, err)
	require.NotNil(t, p)
	return p
}

func layer(ps ...*guardrail.Policy) []*guardrail.Policy { return ps }

const adminDoc = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`

func TestDecisionString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "Allow", guardrail.Allow.String())
	assert.Equal(t, "ExplicitDeny", guardrail.ExplicitDeny.String())
	assert.Equal(t, "ImplicitDeny", guardrail.ImplicitDeny.String())
	assert.Equal(t, "Decision(7)", guardrail.Decision(7).String())
	var zero guardrail.Decision
	assert.Equal(t, guardrail.ImplicitDeny, zero, "the zero Decision must deny")
}

func TestEvaluateLayers(t *testing.T) {
	t.Parallel()
	admin := mustParse(t, "Admin", adminDoc)
	readOnly := mustParse(t, "ReadOnly", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["ec2:Describe*","s3:List*"],"Resource":"*"}]}`)
	denyStop := mustParse(t, "DenyStop", `{"Version":"2012-10-17","Statement":[
		{"Sid":"DenyStop","Effect":"Deny","Action":"ec2:StopInstances","Resource":"*"}]}`)
	allowStop := mustParse(t, "AllowStop", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"}]}`)

	req := func(a string) guardrail.Request {
		return guardrail.Request{Action: a, Resource: "arn:aws:ec2:us-east-1:123456789012:instance/i-1"}
	}
	tests := []struct {
		name   string
		action string
		layers [][]*guardrail.Policy
		want   guardrail.Decision
	}{
		{"no layers denies", "ec2:DescribeInstances", nil, guardrail.ImplicitDeny},
		{"empty layer denies", "ec2:DescribeInstances", [][]*guardrail.Policy{{}}, guardrail.ImplicitDeny},
		{"nil policy never allows", "ec2:DescribeInstances", [][]*guardrail.Policy{{nil}}, guardrail.ImplicitDeny},
		{"nil policy skipped beside a real one", "ec2:DescribeInstances", [][]*guardrail.Policy{{nil, admin}}, guardrail.Allow},
		{"single layer allows", "ec2:DescribeInstances", [][]*guardrail.Policy{layer(readOnly)}, guardrail.Allow},
		{"single layer does not allow", "ec2:StopInstances", [][]*guardrail.Policy{layer(readOnly)}, guardrail.ImplicitDeny},
		{"intersection: both allow", "ec2:DescribeInstances", [][]*guardrail.Policy{layer(admin), layer(readOnly)}, guardrail.Allow},
		{"intersection: guardrail does not allow", "ec2:StopInstances", [][]*guardrail.Policy{layer(admin), layer(readOnly)}, guardrail.ImplicitDeny},
		{"intersection: role does not allow", "ec2:StopInstances", [][]*guardrail.Policy{layer(readOnly), layer(admin)}, guardrail.ImplicitDeny},
		{"deny wins in same policy set", "ec2:StopInstances", [][]*guardrail.Policy{layer(admin, denyStop)}, guardrail.ExplicitDeny},
		{"deny in another layer wins", "ec2:StopInstances", [][]*guardrail.Policy{layer(admin), layer(admin), layer(denyStop, allowStop)}, guardrail.ExplicitDeny},
		{"deny wins even when another layer does not allow", "ec2:StopInstances", [][]*guardrail.Policy{layer(readOnly), layer(denyStop)}, guardrail.ExplicitDeny},
		{"deny-only layer gives implicit deny", "ec2:DescribeInstances", [][]*guardrail.Policy{layer(admin), layer(denyStop)}, guardrail.ImplicitDeny},
		{"allow in a layer is per layer", "ec2:StopInstances", [][]*guardrail.Policy{layer(allowStop), layer(admin)}, guardrail.Allow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, guardrail.Evaluate(req(tc.action), tc.layers...))
			// Explain must agree with Evaluate.
			var ls []guardrail.Layer
			for i, l := range tc.layers {
				ls = append(ls, guardrail.Layer{Name: fmt.Sprint("l", i), Policies: l})
			}
			assert.Equal(t, tc.want, guardrail.Explain(req(tc.action), ls...).Decision)
		})
	}
}

// decide evaluates one statement body (without Effect) as an Allow in a
// single layer and reports whether it allowed.
func decide(t *testing.T, version, stmt string, req guardrail.Request) guardrail.Decision {
	t.Helper()
	doc := `{"Version":"` + version + `","Statement":{"Effect":"Allow",` + stmt + `}}`
	return guardrail.Evaluate(req, layer(mustParse(t, "p", doc)))
}

func TestActionMatching(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, action string
		want            bool
	}{
		{`"ec2:DescribeInstances"`, "ec2:DescribeInstances", true},
		{`"ec2:DescribeInstances"`, "EC2:describeinstances", true}, // case-insensitive
		{`"EC2:DESCRIBE*"`, "ec2:DescribeInstances", true},
		{`"ec2:Describe*"`, "ec2:StopInstances", false},
		{`"ec2:*"`, "ec2:StopInstances", true},
		{`"s3:*"`, "s3express:CreateSession", false},
		{`"*"`, "anything:AtAll", true},
		{`"ec2:?topInstances"`, "ec2:StopInstances", true},
		{`"ec2:?topInstances"`, "ec2:StartInstances", false},
		{`"ec2:*Instances"`, "ec2:DescribeInstances", true},
		{`"ec2:*Instances"`, "ec2:DescribeInstanceStatus", false},
		{`"ec2:Describe*Status"`, "ec2:DescribeInstanceStatus", true},
		{`["s3:Get*","ec2:Describe*"]`, "ec2:DescribeVolumes", true},
		{`"ec2:Describe"`, "ec2:DescribeInstances", false}, // no implicit prefix match
		{`"lambda:Invoke*"`, "lambda:InvokeFunction", true},
		{`"*:Get*"`, "s3:GetObject", true},
	}
	for _, tc := range tests {
		t.Run(tc.pattern+"~"+tc.action, func(t *testing.T) {
			t.Parallel()
			got := decide(t, "2012-10-17", `"Action":`+tc.pattern+`,"Resource":"*"`, guardrail.Request{Action: tc.action, Resource: "arn:aws:ec2:us-east-1:1:instance/i"})
			assert.Equal(t, tc.want, got == guardrail.Allow)
		})
	}
}

func TestNotActionAndNotResource(t *testing.T) {
	t.Parallel()
	admin := mustParse(t, "Admin", adminDoc)
	allowAllButIAM := mustParse(t, "PowerUser", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}}`)
	denyAllButEC2 := mustParse(t, "OnlyEC2", `{"Version":"2012-10-17","Statement":{"Sid":"OnlyEC2","Effect":"Deny","NotAction":"ec2:*","Resource":"*"}}`)
	allowNotSecret := mustParse(t, "NotSecret", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","NotResource":["arn:aws:s3:::secret","arn:aws:s3:::secret/*"]}}`)
	denyOutsidePublic := mustParse(t, "OnlyPublic", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::public/*"}}`)

	tests := []struct {
		name   string
		req    guardrail.Request
		layers [][]*guardrail.Policy
		want   guardrail.Decision
	}{
		{"NotAction allow covers other services", guardrail.Request{Action: "ec2:RunInstances", Resource: "*"}, [][]*guardrail.Policy{layer(allowAllButIAM)}, guardrail.Allow},
		{"NotAction allow excludes listed", guardrail.Request{Action: "iam:CreateUser", Resource: "*"}, [][]*guardrail.Policy{layer(allowAllButIAM)}, guardrail.ImplicitDeny},
		{"NotAction allow excludes listed, any case", guardrail.Request{Action: "IAM:createuser", Resource: "*"}, [][]*guardrail.Policy{layer(allowAllButIAM)}, guardrail.ImplicitDeny},
		{"NotAction deny denies everything else", guardrail.Request{Action: "s3:ListAllMyBuckets", Resource: "*"}, [][]*guardrail.Policy{layer(admin, denyAllButEC2)}, guardrail.ExplicitDeny},
		{"NotAction deny spares listed", guardrail.Request{Action: "ec2:DescribeInstances", Resource: "*"}, [][]*guardrail.Policy{layer(admin, denyAllButEC2)}, guardrail.Allow},
		{"NotResource allow other bucket", guardrail.Request{Action: "s3:ListBucket", Resource: "arn:aws:s3:::logs"}, [][]*guardrail.Policy{layer(allowNotSecret)}, guardrail.Allow},
		{"NotResource allow excludes bucket", guardrail.Request{Action: "s3:ListBucket", Resource: "arn:aws:s3:::secret"}, [][]*guardrail.Policy{layer(allowNotSecret)}, guardrail.ImplicitDeny},
		{"NotResource allow excludes objects", guardrail.Request{Action: "s3:PutObject", Resource: "arn:aws:s3:::secret/a/b"}, [][]*guardrail.Policy{layer(allowNotSecret)}, guardrail.ImplicitDeny},
		{"NotResource deny outside", guardrail.Request{Action: "s3:PutObject", Resource: "arn:aws:s3:::private/x"}, [][]*guardrail.Policy{layer(admin, denyOutsidePublic)}, guardrail.ExplicitDeny},
		{"NotResource deny spares listed", guardrail.Request{Action: "s3:PutObject", Resource: "arn:aws:s3:::public/x"}, [][]*guardrail.Policy{layer(admin, denyOutsidePublic)}, guardrail.Allow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, guardrail.Evaluate(tc.req, tc.layers...))
		})
	}
}

func TestResourceMatching(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, resource string
		want              bool
	}{
		{"*", "arn:aws:ec2:us-east-1:123456789012:instance/i-1", true},
		{"arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:us-east-1:123456789012:instance/i-1", true},
		{"arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:us-east-1:123456789012:volume/vol-1", false},
		{"arn:aws:ec2:us-east-1:123456789012:instance/i-1", "arn:aws:ec2:us-east-1:123456789012:instance/i-1", true},
		{"arn:aws:ec2:us-east-1:123456789012:instance/i-?", "arn:aws:ec2:us-east-1:123456789012:instance/i-1", true},
		{"arn:aws:ec2:us-east-1:123456789012:instance/i-?", "arn:aws:ec2:us-east-1:123456789012:instance/i-12", false},
		// Resource ARNs are case-sensitive.
		{"arn:aws:s3:::Bucket", "arn:aws:s3:::bucket", false},
		// * in the resource part crosses "/" and ":".
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c", true},
		{"arn:aws:logs:*:*:log-group:app:*", "arn:aws:logs:us-east-1:1:log-group:app:log-stream:x", true},
		// * in the first five segments does not cross a colon.
		{"arn:aws:ec2:us-*:123456789012:instance/i-1", "arn:aws:ec2:us-east-1:extra:123456789012:instance/i-1", false},
		{"arn:aws:ec2:us-*:123456789012:instance/i-1", "arn:aws:ec2:us-west-2:123456789012:instance/i-1", true},
		{"arn:aws:s3:::bucket", "arn:aws:s3:::bucket/key", false},
		{"arn:aws:s3:::bucket*", "arn:aws:s3:::bucket/key", true},
		{"arn:aws:ec2:*:*:*", "not-an-arn", false},
		{"arn:aws:ec2:*:*:*", "arn:aws:ec2:only:four", false},
		{"arn:*:ec2:*:*:*", "arn:aws-cn:ec2:cn-north-1:1:instance/i", true},
	}
	for _, tc := range tests {
		t.Run(tc.pattern+"~"+tc.resource, func(t *testing.T) {
			t.Parallel()
			got := decide(t, "2012-10-17", `"Action":"*","Resource":"`+tc.pattern+`"`, guardrail.Request{Action: "ec2:X", Resource: tc.resource})
			assert.Equal(t, tc.want, got == guardrail.Allow)
		})
	}
}

func TestUnknownResourceFailsClosed(t *testing.T) {
	t.Parallel()
	admin := mustParse(t, "Admin", adminDoc)
	allowOne := mustParse(t, "One", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"arn:aws:ec2:*:*:instance/i-1"}}`)
	allowNot := mustParse(t, "Not", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:*","NotResource":"arn:aws:ec2:*:*:instance/prod-*"}}`)
	denyProd := mustParse(t, "DenyProd", `{"Version":"2012-10-17","Statement":{"Sid":"NoProd","Effect":"Deny","Action":"ec2:StopInstances","Resource":"arn:aws:ec2:*:*:instance/prod-*"}}`)
	denyNotStar := mustParse(t, "DenyNothing", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"ec2:*","NotResource":"*"}}`)
	denyNotSome := mustParse(t, "DenyNotSome", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"ec2:*","NotResource":"arn:aws:ec2:*:*:instance/dev-*"}}`)

	for _, res := range []string{"", guardrail.UnknownResource} {
		req := guardrail.Request{Action: "ec2:StopInstances", Resource: res}
		assert.Equal(t, guardrail.Allow, guardrail.Evaluate(req, layer(admin)), "Allow with Resource * covers an unknown resource")
		assert.Equal(t, guardrail.ImplicitDeny, guardrail.Evaluate(req, layer(allowOne)), "Allow on one resource cannot cover an unknown one")
		assert.Equal(t, guardrail.ImplicitDeny, guardrail.Evaluate(req, layer(allowNot)), "Allow with NotResource cannot cover an unknown one")
		assert.Equal(t, guardrail.ExplicitDeny, guardrail.Evaluate(req, layer(admin, denyProd)), "a Deny on specific resources may match")
		assert.Equal(t, guardrail.ExplicitDeny, guardrail.Evaluate(req, layer(admin, denyNotSome)), "a Deny with NotResource may match")
		assert.Equal(t, guardrail.Allow, guardrail.Evaluate(req, layer(admin, denyNotStar)), "NotResource * excludes everything")
	}
	// With a known resource the same policies behave normally.
	known := guardrail.Request{Action: "ec2:StopInstances", Resource: "arn:aws:ec2:us-east-1:1:instance/dev-1"}
	assert.Equal(t, guardrail.Allow, guardrail.Evaluate(known, layer(admin, denyProd)))
}

func TestPolicyVariables(t *testing.T) {
	t.Parallel()
	ctx := map[string][]string{
		"aws:username":          {"alice"},
		"aws:PrincipalTag/team": {"blue"},
		"multi":                 {"a", "b"},
	}
	tests := []struct {
		name, version, resource, req string
		ctx                          map[string][]string
		want                         bool
	}{
		{"username", "2012-10-17", "arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/alice/x", ctx, true},
		{"username other user", "2012-10-17", "arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/bob/x", ctx, false},
		{"key lookup is case-insensitive", "2012-10-17", "arn:aws:s3:::home/${AWS:UserName}/*", "arn:aws:s3:::home/alice/x", ctx, true},
		{"value is literal, not a wildcard", "2012-10-17", "arn:aws:s3:::home/${aws:username}", "arn:aws:s3:::home/alice", map[string][]string{"aws:username": {"*"}}, false},
		{"missing key never matches", "2012-10-17", "arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/alice/x", nil, false},
		{"default when missing", "2012-10-17", "arn:aws:s3:::home/${aws:username, 'guest'}/*", "arn:aws:s3:::home/guest/x", nil, true},
		{"default unused when present", "2012-10-17", "arn:aws:s3:::home/${aws:username, 'guest'}/*", "arn:aws:s3:::home/guest/x", ctx, false},
		{"multi-valued key cannot be a variable", "2012-10-17", "arn:aws:s3:::home/${multi}/*", "arn:aws:s3:::home/a/x", ctx, false},
		{"principal tag", "2012-10-17", "arn:aws:s3:::team-${aws:PrincipalTag/team}/*", "arn:aws:s3:::team-blue/x", ctx, true},
		{"escape star is literal", "2012-10-17", "arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*", ctx, true},
		{"escape star does not wildcard", "2012-10-17", "arn:aws:s3:::b/${*}", "arn:aws:s3:::b/x", ctx, false},
		{"escape question mark", "2012-10-17", "arn:aws:s3:::b/${?}", "arn:aws:s3:::b/?", ctx, true},
		{"escape question mark does not wildcard", "2012-10-17", "arn:aws:s3:::b/${?}", "arn:aws:s3:::b/x", ctx, false},
		{"escape dollar", "2012-10-17", "arn:aws:s3:::b/${$}x", "arn:aws:s3:::b/$x", ctx, true},
		{"variable with a colon in a segment", "2012-10-17", "arn:aws:s3:${aws:RequestedRegion}:${aws:PrincipalAccount}:b/*", "arn:aws:s3:eu-west-1:123456789012:b/x",
			ctxMap{"aws:RequestedRegion": {"eu-west-1"}, "aws:PrincipalAccount": {"123456789012"}}, true},
		{"variable with a colon in a segment, other account", "2012-10-17", "arn:aws:s3:${aws:RequestedRegion}:${aws:PrincipalAccount}:b/*", "arn:aws:s3:eu-west-1:999999999999:b/x",
			ctxMap{"aws:RequestedRegion": {"eu-west-1"}, "aws:PrincipalAccount": {"123456789012"}}, false},
		{"2008 version: variables are literal", "2008-10-17", "arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/${aws:username}/x", ctx, true},
		{"2008 version: no substitution", "2008-10-17", "arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/alice/x", ctx, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := decide(t, tc.version, `"Action":"s3:GetObject","Resource":"`+tc.resource+`"`, guardrail.Request{Action: "s3:GetObject", Resource: tc.req, Context: tc.ctx})
			assert.Equal(t, tc.want, got == guardrail.Allow)
		})
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	role := mustParse(t, "AdminRole", adminDoc)
	readOnly := mustParse(t, "ReadOnly", `{"Version":"2012-10-17","Statement":[
		{"Sid":"Read","Effect":"Allow","Action":["ec2:Describe*"],"Resource":"*"},
		{"Sid":"DenyStop","Effect":"Deny","Action":"ec2:StopInstances","Resource":"*"},
		{"Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*"}]}`)
	layers := []guardrail.Layer{
		{Name: "role", Policies: layer(role)},
		{Name: "guardrail", Policies: layer(readOnly)},
	}
	req := func(a string) guardrail.Request { return guardrail.Request{Action: a, Resource: "*"} }

	e := guardrail.Explain(req("ec2:StopInstances"), layers...)
	assert.Equal(t, guardrail.ExplicitDeny, e.Decision)
	assert.Equal(t, guardrail.Match{LayerIndex: 1, Layer: "guardrail", PolicyIndex: 0, Policy: "ReadOnly", StatementIndex: 1, Sid: "DenyStop"}, e.By)
	assert.Equal(t, "`ec2:StopInstances` denied by guardrail `ReadOnly`, statement `DenyStop`", e.String())

	assert.Empty(t, e.Grants, "the role's grant does not survive a deny")

	e = guardrail.Explain(req("ec2:TerminateInstances"), layers...)
	assert.Equal(t, "#2", e.By.Statement())
	assert.Contains(t, e.String(), "statement `#2`")

	e = guardrail.Explain(req("ec2:DescribeInstances"), layers...)
	assert.Equal(t, guardrail.Allow, e.Decision)
	require.Len(t, e.Grants, 2)
	assert.Equal(t, "Read", e.Grants[1].Sid)
	assert.Equal(t, "`ec2:DescribeInstances` is allowed by role `AdminRole`, statement `#0` and guardrail `ReadOnly`, statement `Read`", e.String())
	assert.NoError(t, e.Err())

	e = guardrail.Explain(req("s3:ListBuckets"), layers...)
	assert.Equal(t, guardrail.ImplicitDeny, e.Decision)
	assert.Equal(t, 1, e.By.LayerIndex)
	assert.Equal(t, -1, e.By.PolicyIndex)
	assert.Empty(t, e.Grants)
	assert.Equal(t, "`s3:ListBuckets` is not allowed: no statement in the guardrail policies (`ReadOnly`) allows it (the resource is not known in advance, so only statements with Resource \"*\" can allow it)", e.String())

	e = guardrail.Explain(req("s3:ListBuckets"))
	assert.Equal(t, guardrail.ImplicitDeny, e.Decision)
	assert.Contains(t, e.String(), "no policies are configured")

	e = guardrail.Explain(req("s3:ListBuckets"), guardrail.Layer{Name: "guardrail"})
	assert.Contains(t, e.String(), "the guardrail layer has no policies")
}

func TestAuthorizeBlocklist(t *testing.T) {
	t.Parallel()
	admin := []guardrail.Layer{{Name: "role", Policies: layer(mustParse(t, "Admin", adminDoc))}, {Name: "guardrail", Policies: layer(mustParse(t, "AdministratorAccess", adminDoc))}}
	withDecryption := func(v string) map[string][]string {
		if v == "" {
			return nil
		}
		return map[string][]string{guardrail.KeyWithDecryption: {v}}
	}
	tests := []struct {
		action string
		ctx    map[string][]string
		sid    string // "" = allowed
	}{
		{"iam:CreateUser", nil, guardrail.SidBlockCredentialServices},
		{"IAM:ListUsers", nil, guardrail.SidBlockCredentialServices},
		{"sts:AssumeRole", nil, guardrail.SidBlockCredentialServices},
		{"kms:Decrypt", nil, guardrail.SidBlockCredentialServices},
		{"secretsmanager:GetSecretValue", nil, guardrail.SidBlockCredentialServices},
		{"cognito-idp:ListUsers", nil, guardrail.SidBlockCredentialServices},
		{"sdb:Select", nil, guardrail.SidBlockCredentialServices},
		{"sso:ListAccounts", nil, guardrail.SidBlockCredentialServices},
		{"sso:ListInstances", nil, guardrail.SidBlockCredentialServices},
		{"identitystore:ListUsers", nil, guardrail.SidBlockCredentialServices},
		{"chatbot:DescribeSlackChannelConfigurations", nil, guardrail.SidBlockCredentialServices},
		{"s3:GetObject", nil, guardrail.SidBlockSecretReads},
		{"cognito-identity:GetCredentialsForIdentity", nil, guardrail.SidBlockCredentialServices},
		{"sso-oauth:CreateTokenWithIAM", nil, guardrail.SidBlockCredentialServices},
		{"sso-directory:ListUsers", nil, guardrail.SidBlockCredentialServices},
		{"identitystore-auth:ListSessions", nil, guardrail.SidBlockCredentialServices},
		{"signin:CreateOAuth2Token", nil, guardrail.SidBlockCredentialServices},
		{"redshift:GetClusterCredentialsWithIAM", nil, guardrail.SidBlockSecretReads},
		{"codeartifact:GetAuthorizationToken", nil, guardrail.SidBlockSecretReads},
		{"s3:HeadObject", nil, ""}, // an API name, not an IAM action: HeadObject is authorized as s3:GetObject
		{"s3:GetBucketPolicy", nil, guardrail.SidBlockSecretReads},
		{"dynamodb:GetItem", nil, guardrail.SidBlockSecretReads},
		{"ec2:GetPasswordData", nil, guardrail.SidBlockSecretReads},
		{"lightsail:GetKeyPairs", nil, guardrail.SidBlockSecretReads},
		{"snowball:GetJobUnlockCode", nil, guardrail.SidBlockSecretReads},
		{"ssm:GetParameter", withDecryption("true"), guardrail.SidBlockSSMDecryption},
		{"ssm:GetParameters", withDecryption("TRUE"), guardrail.SidBlockSSMDecryption},
		{"ssm:GetParametersByPath", withDecryption("true"), guardrail.SidBlockSSMDecryption},
		{"ssm:GetParameter", nil, guardrail.SidBlockSSMDecryption}, // not said: fail closed
		{"ssm:GetParameter", withDecryption("false"), ""},
		{"ssm:GetParameters", withDecryption("false"), ""},
		{"ssm:DescribeParameters", withDecryption("true"), ""},
		{"s3:ListBucket", nil, ""},
		{"s3:GetObjectTagging", nil, ""},
		{"dynamodb:Query", nil, ""},
		{"ec2:DescribeInstances", nil, ""},
		{"iamx:Anything", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.action+fmt.Sprint(tc.ctx), func(t *testing.T) {
			t.Parallel()
			req := guardrail.Request{Action: tc.action, Resource: "*", Context: tc.ctx}
			e, err := guardrail.Authorize(req, admin...)
			reason, blocked := guardrail.Blocked(req)
			if tc.sid == "" {
				require.NoError(t, err)
				assert.Equal(t, guardrail.Allow, e.Decision)
				assert.False(t, blocked)
				return
			}
			require.ErrorIs(t, err, guardrail.ErrDenied)
			var de *guardrail.DeniedError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, guardrail.ExplicitDeny, e.Decision)
			assert.True(t, e.Builtin)
			assert.Equal(t, tc.sid, e.By.Sid)
			assert.Equal(t, guardrail.BlocklistName, e.By.Policy)
			assert.Equal(t, -1, e.By.LayerIndex)
			assert.NotEmpty(t, e.Reason)
			assert.Contains(t, err.Error(), "blocked for everyone")
			assert.True(t, blocked)
			assert.Equal(t, e.Reason, reason)
		})
	}
}

func TestAuthorizeLayerIndexesAreTheCallers(t *testing.T) {
	t.Parallel()
	role := guardrail.Layer{Name: "role", Policies: layer(mustParse(t, "Admin", adminDoc))}
	gr := guardrail.Layer{Name: "guardrail", Policies: layer(mustParse(t, "RO", `{"Version":"2012-10-17","Statement":{"Sid":"NoStop","Effect":"Deny","Action":"ec2:Stop*","Resource":"*"}}`))}
	e, err := guardrail.Authorize(guardrail.Request{Action: "ec2:StopInstances"}, role, gr)
	require.ErrorIs(t, err, guardrail.ErrDenied)
	assert.False(t, e.Builtin)
	assert.Equal(t, 1, e.By.LayerIndex)
	assert.Equal(t, "guardrail: `ec2:StopInstances` denied by guardrail `RO`, statement `NoStop`", err.Error())

	e, err = guardrail.Authorize(guardrail.Request{Action: "ec2:DescribeInstances"}, role)
	require.NoError(t, err)
	require.Len(t, e.Grants, 1)
	assert.Equal(t, 0, e.Grants[0].LayerIndex)

	e, err = guardrail.Authorize(guardrail.Request{Action: "ec2:DescribeInstances"})
	require.ErrorIs(t, err, guardrail.ErrDenied)
	assert.Equal(t, guardrail.ImplicitDeny, e.Decision)
	assert.Equal(t, -1, e.By.LayerIndex)
	assert.True(t, strings.Contains(err.Error(), "no policies are configured"), err.Error())
}

// Policies are shared by every goroutine that handles a chat command; run
// with -race.
func TestConcurrentEvaluation(t *testing.T) {
	t.Parallel()
	ps := benchLayers(t)
	layers := []guardrail.Layer{{Name: "role", Policies: ps[0]}, {Name: "guardrail", Policies: ps[1]}, {Name: "organization", Policies: ps[2]}}
	done := make(chan struct{})
	for g := 0; g < 8; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 200; i++ {
				req := benchRequest()
				if guardrail.Evaluate(req, ps...) != guardrail.Allow {
					t.Error("Evaluate changed its mind")
					return
				}
				if _, err := guardrail.Authorize(req, layers...); err != nil {
					t.Error(err)
					return
				}
				_, _ = guardrail.Blocked(guardrail.Request{Action: "iam:ListUsers"})
			}
		}()
	}
	for g := 0; g < 8; g++ {
		<-done
	}
}
