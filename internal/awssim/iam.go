package awssim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/opschat/opschat/guardrail"
)

// ActionMapper returns the IAM actions AWS checks for one API call of a
// service (its SigV4 signing name, "monitoring" for CloudWatch) and
// operation ("DescribeAlarms"). An empty result means the call cannot be
// authorized, and a session with session policies is refused.
type ActionMapper func(service, apiName string) []string

// DefaultActionMapper maps a call to "prefix:APIName", the IAM prefix being
// the signing name except for CloudWatch ("cloudwatch"), with the known
// exceptions of the operations this account serves with data (lambda
// Invoke is lambda:InvokeFunction, s3 ListObjectsV2 is s3:ListBucket, s3
// HeadObject is s3:GetObject, ...). A mapper built from the command
// catalog's per-operation actions covers every operation (WithActionMapper).
func DefaultActionMapper(service, apiName string) []string {
	if service == "" || apiName == "" {
		return nil
	}
	if a, ok := apiActions[service+":"+apiName]; ok {
		return a
	}
	return []string{iamPrefix(service) + ":" + apiName}
}

// apiActions are the IAM actions of operations whose action is not named
// after the API (Service Authorization Reference).
var apiActions = map[string][]string{
	"lambda:Invoke":         {"lambda:InvokeFunction"},
	"s3:ListBuckets":        {"s3:ListAllMyBuckets"},
	"s3:ListObjects":        {"s3:ListBucket"},
	"s3:ListObjectsV2":      {"s3:ListBucket"},
	"s3:ListObjectVersions": {"s3:ListBucketVersions"},
	"s3:HeadBucket":         {"s3:ListBucket"},
	"s3:HeadObject":         {"s3:GetObject"},
	"s3:CopyObject":         {"s3:GetObject", "s3:PutObject"},
	"s3:DeleteObjects":      {"s3:DeleteObject"},
}

// WithActionMapper sets how requests are mapped to IAM actions when a role
// session's session policies are checked (default DefaultActionMapper).
func WithActionMapper(m ActionMapper) Option {
	return func(s *Server) {
		if m != nil {
			s.actions = m
		}
	}
}

// AWS managed policies the account knows, as session policy ARNs.
const (
	AdministratorAccessARN = "arn:aws:iam::aws:policy/AdministratorAccess"
	ReadOnlyAccessARN      = "arn:aws:iam::aws:policy/ReadOnlyAccess"
)

// readOnlyAccessDoc approximates the AWS managed ReadOnlyAccess policy for
// the services the simulated account serves: their Describe/Get/List
// actions and the few read actions with other names (DynamoDB Query and
// Scan, CloudWatch Logs queries). Like the real policy, it reads Secrets
// Manager metadata but not secret values, and it includes s3:GetObject
// (the blocklist denies it to chat sessions) but no mutating action.
const readOnlyAccessDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*","Action":[
 "autoscaling:Describe*","budgets:Describe*","budgets:View*",
 "cloudformation:Describe*","cloudformation:Detect*","cloudformation:Estimate*","cloudformation:Get*","cloudformation:List*","cloudformation:Validate*",
 "cloudwatch:Describe*","cloudwatch:Get*","cloudwatch:List*",
 "codepipeline:Get*","codepipeline:List*",
 "dynamodb:BatchGet*","dynamodb:Describe*","dynamodb:Get*","dynamodb:List*","dynamodb:Query","dynamodb:Scan","dynamodb:PartiQLSelect",
 "ec2:Describe*","ec2:Get*","ecs:Describe*","ecs:List*","elasticloadbalancing:Describe*",
 "guardduty:Describe*","guardduty:Get*","guardduty:List*",
 "iam:Generate*","iam:Get*","iam:List*","iam:Simulate*",
 "kinesis:Describe*","kinesis:Get*","kinesis:List*","kms:Describe*","kms:Get*","kms:List*",
 "lambda:Get*","lambda:List*",
 "logs:Describe*","logs:Get*","logs:List*","logs:FilterLogEvents","logs:StartQuery","logs:StopQuery","logs:TestMetricFilter",
 "rds:Describe*","rds:List*","route53:Get*","route53:List*","route53:Test*",
 "s3:Describe*","s3:Get*","s3:List*",
 "secretsmanager:Describe*","secretsmanager:GetResourcePolicy","secretsmanager:List*",
 "securityhub:BatchGet*","securityhub:Describe*","securityhub:Get*","securityhub:List*",
 "sns:Check*","sns:Get*","sns:List*","sqs:Get*","sqs:List*",
 "ssm:Describe*","ssm:Get*","ssm:List*","states:Describe*","states:GetExecutionHistory","states:List*",
 "sts:GetAccessKeyInfo","sts:GetCallerIdentity","sts:GetSessionToken"]}]}`

const administratorAccessDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

func builtinManagedPolicies() map[string]*guardrail.Policy {
	m := map[string]*guardrail.Policy{}
	for arn, doc := range map[string]string{AdministratorAccessARN: administratorAccessDoc, ReadOnlyAccessARN: readOnlyAccessDoc} {
		p, err := guardrail.ParseNamedPolicy(arn[strings.LastIndexByte(arn, '/')+1:], []byte(doc))
		if err != nil {
			panic("awssim: built-in managed policy " + arn + ": " + err.Error()) // a constant
		}
		m[arn] = p
	}
	return m
}

var customerPolicyARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):policy/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,128}$`)

// PutManagedPolicy creates (or replaces) a customer managed policy that
// AssumeRole then accepts as a session policy ARN, as if created with IAM
// CreatePolicy. The ARN must be a policy of this account.
func (s *Server) PutManagedPolicy(arn string, doc []byte) error {
	m := customerPolicyARN.FindStringSubmatch(arn)
	if m == nil || m[1] != s.account {
		return fmt.Errorf("awssim: put managed policy: %q is not a policy ARN of account %s", arn, s.account)
	}
	p, err := guardrail.ParseNamedPolicy(arn[strings.LastIndexByte(arn, '/')+1:], doc)
	if err != nil {
		return fmt.Errorf("awssim: put managed policy %s: %w", arn, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data.managed[arn] = p
	return nil
}

// sessionPolicies parses the session policies of an AssumeRole request
// (s.mu held). nil means the session has none: only the role's policies
// apply, and the simulated roles allow everything.
func (s *Server) sessionPolicies(inline string, arns []string) ([]*guardrail.Policy, error) {
	if inline == "" && len(arns) == 0 {
		return nil, nil
	}
	if len(inline) > guardrail.MaxSessionPolicyChars {
		return nil, apiErr(http.StatusBadRequest, "ValidationError",
			"1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to %d", guardrail.MaxSessionPolicyChars)
	}
	size := len(inline)
	var out []*guardrail.Policy
	if inline != "" {
		p, err := guardrail.ParseNamedPolicy("session policy", []byte(inline))
		if err != nil {
			return nil, apiErr(http.StatusBadRequest, "MalformedPolicyDocument", "%v", err)
		}
		out = append(out, p)
	}
	for _, arn := range arns {
		p, ok := s.data.managed[arn]
		if !ok {
			return nil, apiErr(http.StatusBadRequest, "MalformedPolicyDocument", "Policy %s does not exist or is not attachable.", arn)
		}
		size += len(arn)
		out = append(out, p)
	}
	if size > guardrail.MaxSessionPolicyChars {
		pct := size * 100 / guardrail.MaxSessionPolicyChars
		return nil, apiErr(http.StatusBadRequest, "PackedPolicyTooLarge", "Packed policy consumes %d%% of allotted space, please use smaller policy.", pct)
	}
	return out, nil
}

// authorize applies the session policies of the role session that signed r,
// as AWS does: the role allows everything in this account, so the session
// policies (one union) decide, and an explicit deny in any of them wins.
// GetCallerIdentity needs no permission, as in AWS.
func (s *Server) authorize(r *Request) error {
	if r.Key() == "sts:GetCallerIdentity" {
		return nil
	}
	s.mu.Lock()
	a, ok := s.data.issued[r.AccessKeyID]
	s.mu.Unlock()
	if !ok || a.policies == nil {
		return nil
	}
	actions := s.actions(r.Service, r.Operation)
	ctx := map[string][]string{
		"aws:RequestedRegion":  {r.Region},
		"aws:CurrentTime":      {s.now().UTC().Format("2006-01-02T15:04:05Z")},
		"aws:EpochTime":        {strconv.FormatInt(s.now().Unix(), 10)},
		"aws:SecureTransport":  {"true"}, // AWS endpoints are HTTPS; loopback is a stand-in
		"aws:PrincipalAccount": {s.account},
		"aws:PrincipalArn":     {a.roleArn},
		"aws:userid":           {roleIDFor(a.roleArn) + ":" + a.session},
		"aws:PrincipalType":    {"AssumedRole"},
		"aws:TokenIssueTime":   {a.issued},
		"aws:ViaAWSService":    {"false"},
	}
	for k, v := range a.tags {
		ctx["aws:PrincipalTag/"+k] = []string{v}
	}
	if len(actions) == 0 {
		return accessDenied(r, a, s.account, r.Service+":"+r.Operation, guardrail.ImplicitDeny)
	}
	for _, action := range actions {
		// The resource is not derived from the request: evaluation uses
		// guardrail's unknown-resource rule (an Allow needs Resource "*",
		// a Deny matches whatever it names), stricter than AWS.
		d := guardrail.Evaluate(guardrail.Request{Action: action, Resource: guardrail.UnknownResource, Context: ctx}, a.policies)
		if d != guardrail.Allow {
			return accessDenied(r, a, s.account, action, d)
		}
	}
	return nil
}

// accessDenied is AWS's refusal of a call by a role session, in the code
// and wording of the request's protocol.
func accessDenied(r *Request, a assumed, account, action string, d guardrail.Decision) *APIError {
	who := fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", account, roleName(a.roleArn), a.session)
	why := "because no session policy allows the " + action + " action"
	if d == guardrail.ExplicitDeny {
		why = "with an explicit deny in a session policy"
	}
	msg := "User: " + who + " is not authorized to perform: " + action + " " + why
	code := accessDeniedCode(r.Service)
	if r.Service == "ec2" {
		// EC2's message ends with an opaque token (sts
		// decode-authorization-message); this one only encodes the action.
		msg = "You are not authorized to perform this operation. " + msg + ". Encoded authorization failure message: " +
			base64.RawURLEncoding.EncodeToString([]byte("awssim:"+action))
	}
	return &APIError{Code: code, Message: msg, Status: http.StatusForbidden}
}

// accessDeniedCode is the error code a service answers a refused call with.
func accessDeniedCode(service string) string {
	switch service {
	case "ec2":
		return "UnauthorizedOperation"
	case "lambda", "logs", "ssm", "kinesis", "dynamodb", "sqs", "ecs", "states", "guardduty", "securityhub", "codepipeline":
		return "AccessDeniedException"
	}
	return "AccessDenied"
}

func roleName(roleArn string) string {
	if m := roleArnRE.FindStringSubmatch(roleArn); m != nil {
		return m[2]
	}
	return roleArn
}
