package common_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/cloudwatchlogsops"
	"github.com/opschat/opschat/command/awsexec/services/common"
	"github.com/opschat/opschat/command/awsexec/services/iamops"
	"github.com/opschat/opschat/command/awsexec/services/lambdaops"
	"github.com/opschat/opschat/command/awsexec/services/s3ops"
	"github.com/opschat/opschat/command/awsexec/services/sfnops"
	"github.com/opschat/opschat/command/awsexec/services/stsops"
)

// newerThanReference: the API has the operation, but the Service
// Authorization Reference snapshot in cmd/opschat-gen (iam-data
// 0.21.202609261) names no action for it yet, and neither the SDK's
// documentation nor iam-dataset says which action AWS checks. The tables
// keep the name-derived action (what AWS names new actions after, in the
// cases above) and the access level Unknown, so the command asks for
// confirmation and only a guardrail that grants that action (or a wildcard)
// allows it.
const newerThanReference = "no action in the Service Authorization Reference snapshot yet"

// noReferenceAction lists every operation with an action missing from the
// reference, with the reason. The test fails on an operation missing here,
// and on an entry that no longer applies, so the list stays exact.
var noReferenceAction = map[string]string{
	"cloudwatch associate-dataset-kms-key":                    newerThanReference,
	"cloudwatch create-resource-metrics-configuration":        newerThanReference,
	"cloudwatch delete-resource-metrics-configuration":        newerThanReference,
	"cloudwatch describe-alarm-contributors":                  newerThanReference,
	"cloudwatch disassociate-dataset-kms-key":                 newerThanReference,
	"cloudwatch get-resource-metrics-configuration":           newerThanReference,
	"cloudwatch update-o-tel-enrichment":                      newerThanReference,
	"cloudwatch update-resource-metrics-configuration":        newerThanReference,
	"logs get-log-object":                                     newerThanReference,
	"dynamodb cancel-bulk-operation":                          newerThanReference,
	"dynamodb describe-bulk-operation":                        newerThanReference,
	"dynamodb list-bulk-operations":                           newerThanReference,
	"dynamodb start-bulk-put-items":                           newerThanReference,
	"ec2 create-capacity-reservation-date-change-quote":       newerThanReference,
	"ec2 delete-client-vpn-endpoint-authorization-policy":     newerThanReference,
	"ec2 describe-capacity-reservation-date-change-quotes":    newerThanReference,
	"ec2 get-capacity-manager-supportability-scores":          newerThanReference,
	"ec2 get-client-vpn-endpoint-authorization-policy":        newerThanReference,
	"ec2 get-image-findings":                                  newerThanReference,
	"ec2 get-transit-gateway-attachment-nat-configuration":    newerThanReference,
	"ec2 modify-client-vpn-endpoint-authorization-policy":     newerThanReference,
	"ec2 modify-transit-gateway-attachment-nat-configuration": newerThanReference,
	"ecs associate-gateway-with-cluster":                      newerThanReference,
	"ecs create-gateway":                                      newerThanReference,
	"ecs delete-gateway":                                      newerThanReference,
	"ecs describe-gateway":                                    newerThanReference,
	"ecs describe-gateway-resources":                          newerThanReference,
	"ecs describe-gateway-route":                              newerThanReference,
	"ecs disassociate-gateway-from-cluster":                   newerThanReference,
	"ecs list-gateway-cluster-associations":                   newerThanReference,
	"ecs list-gateway-routes":                                 newerThanReference,
	"ecs list-gateways":                                       newerThanReference,
	"ecs update-gateway":                                      newerThanReference,
	"iam acquire-role":                                        newerThanReference,
	"iam update-delegation-request":                           newerThanReference,
	"rds cancel-db-capacity-reservation":                      newerThanReference,
	"rds create-db-capacity-reservation":                      newerThanReference,
	"rds describe-db-capacity-reservations":                   newerThanReference,
	"rds describe-serverless-v2-platform-versions":            newerThanReference,
	"rds modify-db-capacity-reservation":                      newerThanReference,
	// The API reference describes it as "Grants permission to complete the
	// authorization based on input parameters" without naming an action.
	"securityhub register-connector-v2": newerThanReference,
}

// allTables registers every shipped table.
func allTables() *awsexec.Registry {
	reg := awsexec.NewRegistry()
	common.Register(reg)
	iamops.Register(reg)
	stsops.Register(reg)
	return reg
}

type iamReference map[string]map[string]string

func loadIAMReference(t *testing.T) iamReference {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "cmd", "opschat-gen", "reference.json"))
	require.NoError(t, err)
	var f struct {
		Actions iamReference `json:"actions"`
	}
	require.NoError(t, json.Unmarshal(data, &f))
	require.NotEmpty(t, f.Actions)
	return f.Actions
}

// level returns the reference's level of a full action, exact spelling.
func (r iamReference) level(t *testing.T, action string) (command.AccessLevel, bool) {
	prefix, name, ok := strings.Cut(action, ":")
	if !ok {
		return command.AccessUnknown, false
	}
	s, ok := r[prefix][name]
	if !ok {
		return command.AccessUnknown, false
	}
	best := command.AccessUnknown
	for _, part := range strings.Split(s, ",") {
		l, err := command.ParseAccessLevel(strings.TrimSpace(part))
		require.NoError(t, err, "%s: level %q", action, s)
		best = max(best, l)
	}
	return best, true
}

// TestEveryOperationMapsToReferenceActions proves that every operation of
// every shipped table names IAM actions that exist in the Service
// Authorization Reference, that its access level is the reference's
// (the highest of its actions; a conditional action raises a read-only
// operation it could make mutating) and that ReadOnly follows the level.
func TestEveryOperationMapsToReferenceActions(t *testing.T) {
	t.Parallel()
	ref := loadIAMReference(t)
	reg := allTables()
	require.Len(t, reg.Services(), 23, "every shipped table")
	var total, differs, multi, conditional, unknown int
	stillMissing := map[string]bool{}
	for _, svcName := range reg.Services() {
		svc, ok := reg.Service(svcName)
		require.True(t, ok)
		for _, opName := range reg.Operations(svcName) {
			op, ok := reg.Operation(svcName, opName)
			require.True(t, ok)
			key := svcName + " " + opName
			total++
			require.NotEmpty(t, op.Actions, key)
			if !slices.Equal(op.Actions, []string{svc.IAMPrefix + ":" + op.APIName}) {
				differs++
			}
			if len(op.Actions) > 1 {
				multi++
			}
			if len(op.ConditionalActions) > 0 {
				conditional++
			}
			assert.Equal(t, op.Access.ReadOnly(), op.ReadOnly, "%s: ReadOnly must follow the access level", key)

			want, known := command.AccessUnknown, true
			for _, a := range op.Actions {
				l, ok := ref.level(t, a)
				if !ok {
					known = false
					continue
				}
				want = max(want, l)
			}
			for _, c := range op.ConditionalActions {
				assert.True(t, slices.ContainsFunc(op.Params, func(p command.Param) bool { return p.Name == c.Param }),
					"%s: conditional action %s names --%s, which is not a parameter", key, c.Action, c.Param)
				l, ok := ref.level(t, c.Action)
				if !ok {
					known = false
					continue
				}
				if want.ReadOnly() && !l.ReadOnly() {
					want = l
				}
			}
			if !known {
				unknown++
				stillMissing[key] = true
				if _, listed := noReferenceAction[key]; !listed {
					t.Errorf("%s: %v (conditional %v) has an action missing from the reference: fix it in cmd/opschat-gen/iamfix.go citing the AWS documentation, or list it in noReferenceAction", key, op.Actions, op.ConditionalActions)
				}
				assert.Equal(t, command.AccessUnknown, op.Access, "%s: an unresolved action must leave the level Unknown", key)
				assert.False(t, op.ReadOnly, "%s: an unresolved operation must ask for confirmation", key)
				continue
			}
			assert.Equal(t, want, op.Access, "%s: %v", key, op.Actions)
		}
	}
	for key := range noReferenceAction {
		assert.True(t, stillMissing[key], "%s is listed in noReferenceAction but resolves now: remove the entry", key)
	}
	t.Logf("%d operations: %d with actions other than the name-derived one, %d with several actions, %d with conditional actions, %d without a reference action",
		total, differs, multi, conditional, unknown)
}

func TestKnownIAMMappings(t *testing.T) {
	t.Parallel()
	reg := allTables()
	tests := []struct {
		service, op string
		actions     []string
		conditional []command.ConditionalAction // nil: not checked
		access      command.AccessLevel
	}{
		{"lambda", "invoke", []string{"lambda:InvokeFunction"}, nil, command.AccessWrite},
		{"lambda", "invoke-with-response-stream", []string{"lambda:InvokeFunction"}, nil, command.AccessWrite},
		{"lambda", "get-layer-version-by-arn", []string{"lambda:GetLayerVersion"}, nil, command.AccessRead},
		{"s3api", "list-objects-v2", []string{"s3:ListBucket"}, nil, command.AccessList},
		{"s3api", "list-objects", []string{"s3:ListBucket"}, nil, command.AccessList},
		{"s3api", "list-buckets", []string{"s3:ListAllMyBuckets"}, nil, command.AccessList},
		{"s3api", "head-object", []string{"s3:GetObject"}, []command.ConditionalAction{{Action: "s3:GetObjectVersion", Param: "version-id"}}, command.AccessRead},
		{"s3api", "get-object", []string{"s3:GetObject"}, []command.ConditionalAction{{Action: "s3:GetObjectVersion", Param: "version-id"}}, command.AccessRead},
		{"s3api", "select-object-content", []string{"s3:GetObject"}, nil, command.AccessRead},
		{"s3api", "copy-object", []string{"s3:GetObject", "s3:PutObject"}, nil, command.AccessWrite},
		{"s3api", "delete-object", []string{"s3:DeleteObject"}, []command.ConditionalAction{{Action: "s3:DeleteObjectVersion", Param: "version-id"}}, command.AccessWrite},
		{"s3api", "delete-bucket-cors", []string{"s3:PutBucketCORS"}, nil, command.AccessWrite},
		{"elbv2", "describe-target-health", []string{"elasticloadbalancing:DescribeTargetHealth"}, nil, command.AccessRead},
		{"elbv2", "register-targets", []string{"elasticloadbalancing:RegisterTargets"}, nil, command.AccessWrite},
		{"stepfunctions", "start-execution", []string{"states:StartExecution"}, nil, command.AccessWrite},
		{"stepfunctions", "list-executions", []string{"states:ListExecutions"}, nil, command.AccessList},
		{"dynamodb", "transact-write-items", []string{"dynamodb:ConditionCheckItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}, nil, command.AccessWrite},
		{"dynamodb", "transact-get-items", []string{"dynamodb:GetItem"}, nil, command.AccessRead},
		{"logs", "start-query", []string{"logs:StartQuery"}, nil, command.AccessRead},
		{"logs", "filter-log-events", []string{"logs:FilterLogEvents"}, nil, command.AccessRead},
		{"budgets", "describe-budgets", []string{"budgets:ViewBudget"}, nil, command.AccessRead},
		{"sqs", "delete-message-batch", []string{"sqs:DeleteMessage"}, nil, command.AccessWrite},
		{"sns", "publish-batch", []string{"sns:Publish"}, nil, command.AccessWrite},
		{"securityhub", "get-findings-v2", []string{"securityhub:GetFindings"}, nil, command.AccessRead},
		{"ec2", "run-instances", []string{"ec2:RunInstances"}, nil, command.AccessWrite},
		{"ec2", "describe-instances", []string{"ec2:DescribeInstances"}, nil, command.AccessList},
		{"iam", "attach-role-policy", []string{"iam:AttachRolePolicy"}, nil, command.AccessPermissions},
		{"cloudformation", "estimate-template-cost", []string{"cloudformation:EstimateTemplateCost"}, nil, command.AccessRead},
	}
	for _, tt := range tests {
		t.Run(tt.service+" "+tt.op, func(t *testing.T) {
			t.Parallel()
			op, ok := reg.Operation(tt.service, tt.op)
			require.True(t, ok)
			assert.Equal(t, tt.actions, op.Actions)
			if tt.conditional != nil {
				assert.Equal(t, tt.conditional, op.ConditionalActions)
			}
			assert.Equal(t, tt.access, op.Access)
			assert.Equal(t, tt.access.ReadOnly(), op.ReadOnly)
		})
	}

	// A role is passed only when the command names one.
	op, ok := reg.Operation("ec2", "run-instances")
	require.True(t, ok)
	assert.Contains(t, op.ConditionalActions, command.ConditionalAction{Action: "iam:PassRole", Param: "iam-instance-profile"})

	// Parse turns the conditional actions of the given parameters into the
	// invocation's actions.
	inv, err := command.Parse("s3api put-object --bucket b --key k --acl private --tagging a=b", reg)
	require.NoError(t, err)
	assert.Equal(t, []string{"s3:PutObject", "s3:PutObjectTagging", "s3:PutObjectAcl"}, inv.IAMActions)
	inv, err = command.Parse("s3api head-object --bucket b --key k", reg)
	require.NoError(t, err)
	assert.Equal(t, []string{"s3:GetObject"}, inv.IAMActions)
	assert.True(t, inv.Op.ReadOnly)
}

// The read-only tables hold exactly the List and Read operations.
func TestReadOnlyTablesFollowAccessLevels(t *testing.T) {
	t.Parallel()
	for _, pair := range []struct{ full, ro func() *awsexec.Service }{
		{lambdaops.Service, lambdaops.ReadOnlyService},
		{cloudwatchlogsops.Service, cloudwatchlogsops.ReadOnlyService},
		{s3ops.Service, s3ops.ReadOnlyService},
		{sfnops.Service, sfnops.ReadOnlyService},
	} {
		full, ro := awsexec.NewRegistry(), awsexec.NewRegistry()
		full.Add(pair.full())
		ro.Add(pair.ro())
		svc := full.Services()[0]
		var want []string
		for _, name := range full.Operations(svc) {
			op, _ := full.Operation(svc, name)
			if op.ReadOnly {
				want = append(want, name)
			}
		}
		require.NotEmpty(t, want, svc)
		assert.Equal(t, want, ro.Operations(svc), svc)
		if svc == "lambda" {
			_, ok := ro.Operation(svc, "invoke")
			assert.False(t, ok, "lambda:InvokeFunction is Write")
		}
		if svc == "logs" {
			_, ok := ro.Operation(svc, "start-query")
			assert.True(t, ok, "logs:StartQuery is Read")
		}
	}
}
