package common_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCommonSet(t *testing.T) {
	t.Parallel()
	reg := registry()
	assert.Equal(t, []string{"autoscaling", "budgets", "cloudformation", "cloudwatch", "codepipeline", "dynamodb", "ec2", "ecs",
		"elbv2", "guardduty", "kinesis", "lambda", "logs", "rds", "route53", "s3api", "securityhub", "sns", "sqs", "ssm",
		"stepfunctions", "sts"}, reg.Services())
	for name, prefix := range map[string]string{"elbv2": "elasticloadbalancing", "stepfunctions": "states", "s3api": "s3", "logs": "logs", "ec2": "ec2"} {
		s, ok := reg.Service(name)
		require.True(t, ok, name)
		assert.Equal(t, prefix, s.IAMPrefix, name)
	}
	for _, c := range []struct {
		service, op, api string
		readOnly         bool
	}{
		{"ec2", "describe-instances", "DescribeInstances", true},
		{"ec2", "stop-instances", "StopInstances", false},
		{"s3api", "list-objects-v2", "ListObjectsV2", true},
		{"s3api", "head-object", "HeadObject", true},
		{"rds", "describe-db-instances", "DescribeDBInstances", true},
		{"rds", "reboot-db-instance", "RebootDBInstance", false},
		{"elbv2", "describe-load-balancers", "DescribeLoadBalancers", true},
		{"stepfunctions", "start-execution", "StartExecution", false},
		{"lambda", "invoke", "Invoke", false},
		{"logs", "filter-log-events", "FilterLogEvents", true},
		{"dynamodb", "scan", "Scan", true},
		{"cloudformation", "validate-template", "ValidateTemplate", true},
	} {
		op, ok := reg.Operation(c.service, c.op)
		require.True(t, ok, "%s %s", c.service, c.op)
		assert.Equal(t, c.api, op.APIName)
		assert.Equal(t, c.readOnly, op.ReadOnly, "%s %s", c.service, c.op)
	}
}
