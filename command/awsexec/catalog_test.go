package awsexec_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/cloudwatchlogsops"
	"github.com/opschat/opschat/command/awsexec/services/cloudwatchops"
	"github.com/opschat/opschat/command/awsexec/services/dynamodbops"
	"github.com/opschat/opschat/command/awsexec/services/ecsops"
	"github.com/opschat/opschat/command/awsexec/services/lambdaops"
	"github.com/opschat/opschat/command/awsexec/services/stsops"
)

func testRegistry(t testing.TB) *awsexec.Registry {
	t.Helper()
	reg := awsexec.NewRegistry()
	cloudwatchops.Register(reg)
	cloudwatchlogsops.Register(reg)
	dynamodbops.Register(reg)
	ecsops.Register(reg)
	lambdaops.Register(reg)
	stsops.Register(reg)
	return reg
}

func TestCLIName(t *testing.T) {
	t.Parallel()
	// Expected values are botocore's xform_name(name, "-") outputs.
	cases := map[string]string{
		"DescribeDBInstances":              "describe-db-instances",
		"ListObjectsV2":                    "list-objects-v2",
		"DescribeInstances":                "describe-instances",
		"GetMetricWidgetImage":             "get-metric-widget-image",
		"DescribeVpcEndpointServiceACLs":   "describe-vpc-endpoint-service-acls",
		"ListARNs":                         "list-arns",
		"CreateDBSnapshot":                 "create-db-snapshot",
		"AssumeRoleWithSAML":               "assume-role-with-saml",
		"GetBucketACL":                     "get-bucket-acl",
		"DescribeDBClusterParameterGroups": "describe-db-cluster-parameter-groups",
		"ListTagsForResource":              "list-tags-for-resource",
		"InstanceIds":                      "instance-ids",
		"MaxRecords":                       "max-records",
		"maxResults":                       "max-results",
		"TransitGatewayCidrBlocks":         "transit-gateway-cidr-blocks",
		"already-kebab":                    "already-kebab",
	}
	for in, want := range cases {
		assert.Equal(t, want, awsexec.CLIName(in), in)
	}
}

func TestRegistryCatalog(t *testing.T) {
	t.Parallel()
	reg := testRegistry(t)
	assert.Equal(t, []string{"cloudwatch", "dynamodb", "ecs", "lambda", "logs", "sts"}, reg.Services())

	svc, ok := reg.Service("logs")
	require.True(t, ok)
	assert.Equal(t, "logs", svc.IAMPrefix)
	_, ok = reg.Service("ec2")
	assert.False(t, ok)

	ops := reg.Operations("cloudwatch")
	assert.Contains(t, ops, "describe-alarms")
	assert.Contains(t, ops, "get-metric-widget-image")
	assert.IsNonDecreasing(t, ops)

	op, ok := reg.Operation("cloudwatch", "describe-alarms")
	require.True(t, ok)
	assert.Equal(t, "DescribeAlarms", op.APIName)
	assert.True(t, op.ReadOnly)
	assert.True(t, op.Paginated)
	assert.NotEmpty(t, op.Doc)
	byName := map[string]command.Param{}
	for _, p := range op.Params {
		byName[p.Name] = p
	}
	assert.Equal(t, command.TypeList, byName["alarm-names"].Type)
	assert.Equal(t, command.TypeString, byName["alarm-names"].Elem.Type)
	assert.Equal(t, command.TypeInteger, byName["max-records"].Type)
	assert.Contains(t, byName["state-value"].Enum, "ALARM")
	assert.Equal(t, []string{"OK", "ALARM", "INSUFFICIENT_DATA"}, byName["state-value"].Enum)

	op, ok = reg.Operation("cloudwatch", "put-metric-alarm")
	require.True(t, ok)
	assert.False(t, op.ReadOnly)
	for _, p := range op.Params {
		switch p.Name {
		case "alarm-name":
			assert.True(t, p.Required)
		case "threshold":
			assert.Equal(t, command.TypeFloat, p.Type)
		case "actions-enabled":
			assert.Equal(t, command.TypeBoolean, p.Type)
		case "dimensions":
			require.Equal(t, command.TypeList, p.Type)
			require.Equal(t, command.TypeStructure, p.Elem.Type)
			require.Len(t, p.Elem.Members, 2)
			assert.Equal(t, "Name", p.Elem.Members[0].Name)
			assert.True(t, p.Elem.Members[0].Required, "nested required members come from the SDK validators")
		}
	}

	op, ok = reg.Operation("cloudwatch", "get-metric-statistics")
	require.True(t, ok)
	for _, p := range op.Params {
		if p.Name == "start-time" {
			assert.Equal(t, command.TypeTimestamp, p.Type)
			assert.True(t, p.Required)
		}
	}

	op, ok = reg.Operation("lambda", "invoke")
	require.True(t, ok)
	assert.False(t, op.ReadOnly)
	for _, p := range op.Params {
		if p.Name == "payload" {
			assert.Equal(t, command.TypeBlob, p.Type)
		}
	}

	// DynamoDB's AttributeValue is a union: a structure with one member set.
	op, ok = reg.Operation("dynamodb", "get-item")
	require.True(t, ok)
	for _, p := range op.Params {
		if p.Name == "key" {
			require.Equal(t, command.TypeMap, p.Type)
			assert.Equal(t, command.TypeStructure, p.Elem.Type)
			var names []string
			for _, m := range p.Elem.Members {
				names = append(names, m.Name)
			}
			assert.Contains(t, names, "S")
			assert.Contains(t, names, "N")
		}
	}
	for _, name := range []string{"query", "scan", "batch-get-item"} {
		op, ok := reg.Operation("dynamodb", name)
		require.True(t, ok, name)
		assert.True(t, op.ReadOnly, name)
	}
	op, ok = reg.Operation("dynamodb", "put-item")
	require.True(t, ok)
	assert.False(t, op.ReadOnly)

	_, ok = reg.Operation("cloudwatch", "no-such-op")
	assert.False(t, ok)
	_, ok = reg.Operation("nope", "describe-alarms")
	assert.False(t, ok)
	assert.Nil(t, reg.Operations("nope"))
}

// Every operation of every registered table must describe without panicking
// and name its parameters in kebab case.
func TestEveryOperationDescribes(t *testing.T) {
	t.Parallel()
	reg := testRegistry(t)
	for _, s := range reg.Services() {
		for _, name := range reg.Operations(s) {
			op, ok := reg.Operation(s, name)
			require.True(t, ok)
			for _, p := range op.Params {
				assert.Regexp(t, `^[a-z0-9]+(-[a-z0-9]+)*$`, p.Name, "%s %s", s, name)
			}
		}
	}
}

// Members the Go SDK capitalised keep the API's spelling, as the AWS CLI's
// shorthand and JSON use them (STS's PolicyDescriptorType member is "arn";
// CloudWatch Logs members are camelCase).
func TestMemberNamesAsTheAPISpellsThem(t *testing.T) {
	t.Parallel()
	reg := testRegistry(t)
	op, ok := reg.Operation("sts", "assume-role")
	require.True(t, ok)
	for _, p := range op.Params {
		switch p.Name {
		case "policy-arns":
			require.Len(t, p.Elem.Members, 1)
			assert.Equal(t, "arn", p.Elem.Members[0].Name)
		case "tags":
			assert.Equal(t, "Key", p.Elem.Members[0].Name)
		}
	}
	op, ok = reg.Operation("logs", "put-log-events")
	require.True(t, ok)
	for _, p := range op.Params {
		if p.Name == "log-events" {
			var names []string
			for _, m := range p.Elem.Members {
				names = append(names, m.Name)
			}
			assert.ElementsMatch(t, []string{"timestamp", "message"}, names)
			assert.True(t, p.Elem.Members[0].Required)
		}
	}
}
