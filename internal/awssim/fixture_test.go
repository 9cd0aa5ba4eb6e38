package awssim_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/internal/awssim"
)

// TestAccountAnswers reads the simulated account with the Go SDK: each
// case is one read a chat user runs, with what the answer must say, and
// names that do not exist fail with the service's own error code.
func TestAccountAnswers(t *testing.T) {
	sim := awssim.New()
	defer sim.Close()
	cfg := sim.Config()
	ctx := context.Background()
	arn := func(s string) string { return "arn:aws:states:us-east-1:123456789012:" + s }
	cases := []struct {
		name    string
		call    func() (any, error)
		check   func(t *testing.T, out any)
		errCode string
	}{
		{name: "lambda get-function", call: func() (any, error) {
			return lambda.NewFromConfig(cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(awssim.AlarmingFunction)})
		}, check: func(t *testing.T, out any) {
			o := out.(*lambda.GetFunctionOutput)
			assert.Equal(t, awssim.AlarmingFunction, aws.ToString(o.Configuration.FunctionName))
			assert.Equal(t, awssim.LambdaLogGroup, aws.ToString(o.Configuration.LoggingConfig.LogGroup))
		}},
		{name: "lambda get-function unknown", errCode: "ResourceNotFoundException", call: func() (any, error) {
			return lambda.NewFromConfig(cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("checkout-handler")})
		}},
		{name: "logs describe-log-groups prefix", call: func() (any, error) {
			return cloudwatchlogs.NewFromConfig(cfg).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/lambda/checkout")})
		}, check: func(t *testing.T, out any) {
			o := out.(*cloudwatchlogs.DescribeLogGroupsOutput)
			require.Len(t, o.LogGroups, 1)
			assert.Equal(t, awssim.LambdaLogGroup, aws.ToString(o.LogGroups[0].LogGroupName))
		}},
		{name: "logs describe-log-streams", call: func() (any, error) {
			return cloudwatchlogs.NewFromConfig(cfg).DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String(awssim.LambdaLogGroup)})
		}, check: func(t *testing.T, out any) {
			// Today's stream and the sample alarm's.
			assert.Len(t, out.(*cloudwatchlogs.DescribeLogStreamsOutput).LogStreams, 2)
		}},
		{name: "logs describe-log-streams unknown", errCode: "ResourceNotFoundException", call: func() (any, error) {
			return cloudwatchlogs.NewFromConfig(cfg).DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/aws/lambda/nope")})
		}},
		{name: "ec2 describe-vpcs", call: func() (any, error) {
			return ec2.NewFromConfig(cfg).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
		}, check: func(t *testing.T, out any) {
			o := out.(*ec2.DescribeVpcsOutput)
			require.Len(t, o.Vpcs, 1)
			assert.Equal(t, "vpc-0c0ffee", aws.ToString(o.Vpcs[0].VpcId))
			assert.Equal(t, ec2types.VpcStateAvailable, o.Vpcs[0].State)
		}},
		{name: "dynamodb describe-table", call: func() (any, error) {
			return dynamodb.NewFromConfig(cfg).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")})
		}, check: func(t *testing.T, out any) {
			o := out.(*dynamodb.DescribeTableOutput)
			assert.Equal(t, int64(184223), aws.ToInt64(o.Table.ItemCount))
			assert.False(t, o.Table.CreationDateTime.IsZero())
		}},
		{name: "dynamodb describe-table unknown", errCode: "ResourceNotFoundException", call: func() (any, error) {
			return dynamodb.NewFromConfig(cfg).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("nope")})
		}},
		{name: "sqs get-queue-attributes", call: func() (any, error) {
			return sqs.NewFromConfig(cfg).GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String("http://sqs.us-east-1.localhost/123456789012/orders")})
		}, check: func(t *testing.T, out any) {
			assert.Equal(t, "1342", out.(*sqs.GetQueueAttributesOutput).Attributes["ApproximateNumberOfMessages"])
		}},
		{name: "sqs get-queue-url unknown", errCode: "QueueDoesNotExist", call: func() (any, error) {
			return sqs.NewFromConfig(cfg).GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("nope")})
		}},
		{name: "sns get-topic-attributes", call: func() (any, error) {
			return sns.NewFromConfig(cfg).GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String("arn:aws:sns:us-east-1:123456789012:ops-alerts")})
		}, check: func(t *testing.T, out any) {
			assert.Equal(t, "Ops alerts", out.(*sns.GetTopicAttributesOutput).Attributes["DisplayName"])
		}},
		{name: "cloudformation describe-stacks failed", call: func() (any, error) {
			return cloudformation.NewFromConfig(cfg).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("data-pipeline")})
		}, check: func(t *testing.T, out any) {
			o := out.(*cloudformation.DescribeStacksOutput)
			require.Len(t, o.Stacks, 1)
			assert.Equal(t, "UPDATE_ROLLBACK_COMPLETE", string(o.Stacks[0].StackStatus))
		}},
		{name: "cloudformation describe-stacks unknown", errCode: "ValidationError", call: func() (any, error) {
			return cloudformation.NewFromConfig(cfg).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("nope")})
		}},
		{name: "ecs describe-services", call: func() (any, error) {
			return ecs.NewFromConfig(cfg).DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("storefront"), Services: []string{"web"}})
		}, check: func(t *testing.T, out any) {
			o := out.(*ecs.DescribeServicesOutput)
			require.Len(t, o.Services, 1)
			assert.Equal(t, int32(3), o.Services[0].RunningCount)
		}},
		{name: "rds describe-db-instances", call: func() (any, error) {
			return rds.NewFromConfig(cfg).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{})
		}, check: func(t *testing.T, out any) {
			o := out.(*rds.DescribeDBInstancesOutput)
			require.Len(t, o.DBInstances, 2)
			assert.Equal(t, "orders-db", aws.ToString(o.DBInstances[0].DBInstanceIdentifier))
			assert.Equal(t, int32(5432), aws.ToInt32(o.DBInstances[0].Endpoint.Port))
		}},
		{name: "rds describe-db-instances unknown", errCode: "DBInstanceNotFound", call: func() (any, error) {
			return rds.NewFromConfig(cfg).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("nope")})
		}},
		{name: "elbv2 describe-target-health", call: func() (any, error) {
			return elasticloadbalancingv2.NewFromConfig(cfg).DescribeTargetHealth(ctx, &elasticloadbalancingv2.DescribeTargetHealthInput{
				TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/73e2d6bc24d8a067")})
		}, check: func(t *testing.T, out any) {
			o := out.(*elasticloadbalancingv2.DescribeTargetHealthOutput)
			require.Len(t, o.TargetHealthDescriptions, 2)
			assert.Equal(t, "unhealthy", string(o.TargetHealthDescriptions[1].TargetHealth.State))
		}},
		{name: "kinesis describe-stream-summary", call: func() (any, error) {
			return kinesis.NewFromConfig(cfg).DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("clickstream")})
		}, check: func(t *testing.T, out any) {
			assert.Equal(t, int32(4), aws.ToInt32(out.(*kinesis.DescribeStreamSummaryOutput).StreamDescriptionSummary.OpenShardCount))
		}},
		{name: "ssm get-parameter unknown", errCode: "ParameterNotFound", call: func() (any, error) {
			return ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/nope")})
		}},
		{name: "ssm get-parameters-by-path", call: func() (any, error) {
			return ssm.NewFromConfig(cfg).GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/storefront/prod")})
		}, check: func(t *testing.T, out any) {
			o := out.(*ssm.GetParametersByPathOutput)
			require.Len(t, o.Parameters, 3)
			for _, p := range o.Parameters {
				assert.NotEqual(t, "SecureString", string(p.Type), "the account holds no secret")
			}
		}},
		{name: "stepfunctions list-executions failed", call: func() (any, error) {
			return sfn.NewFromConfig(cfg).ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(arn("stateMachine:order-fulfilment")), StatusFilter: sfntypes.ExecutionStatusFailed})
		}, check: func(t *testing.T, out any) {
			o := out.(*sfn.ListExecutionsOutput)
			require.Len(t, o.Executions, 1)
			assert.Equal(t, "order-1042", aws.ToString(o.Executions[0].Name))
		}},
		{name: "stepfunctions describe-execution unknown", errCode: "ExecutionDoesNotExist", call: func() (any, error) {
			return sfn.NewFromConfig(cfg).DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn("execution:order-fulfilment:nope"))})
		}},
		{name: "route53 list-hosted-zones", call: func() (any, error) {
			return route53.NewFromConfig(cfg).ListHostedZones(ctx, &route53.ListHostedZonesInput{})
		}, check: func(t *testing.T, out any) {
			o := out.(*route53.ListHostedZonesOutput)
			require.Len(t, o.HostedZones, 2)
			assert.Equal(t, "example.com.", aws.ToString(o.HostedZones[0].Name))
		}},
		{name: "route53 list-resource-record-sets", call: func() (any, error) {
			return route53.NewFromConfig(cfg).ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String("Z0123456789ABCDEFGHIJ")})
		}, check: func(t *testing.T, out any) {
			o := out.(*route53.ListResourceRecordSetsOutput)
			require.Len(t, o.ResourceRecordSets, 4)
			assert.Len(t, o.ResourceRecordSets[1].ResourceRecords, 2)
		}},
		{name: "codepipeline get-pipeline-state", call: func() (any, error) {
			return codepipeline.NewFromConfig(cfg).GetPipelineState(ctx, &codepipeline.GetPipelineStateInput{Name: aws.String("data-pipeline-deploy")})
		}, check: func(t *testing.T, out any) {
			o := out.(*codepipeline.GetPipelineStateOutput)
			require.Len(t, o.StageStates, 2)
			assert.Equal(t, "Failed", string(o.StageStates[1].LatestExecution.Status))
		}},
		{name: "guardduty list-detectors", call: func() (any, error) {
			return guardduty.NewFromConfig(cfg).ListDetectors(ctx, &guardduty.ListDetectorsInput{})
		}, check: func(t *testing.T, out any) {
			assert.Equal(t, []string{"12abc34d567e8fa901bc2d34e56789f0"}, out.(*guardduty.ListDetectorsOutput).DetectorIds)
		}},
		{name: "guardduty list-findings", call: func() (any, error) {
			return guardduty.NewFromConfig(cfg).ListFindings(ctx, &guardduty.ListFindingsInput{DetectorId: aws.String("12abc34d567e8fa901bc2d34e56789f0")})
		}, check: func(t *testing.T, out any) {
			assert.Len(t, out.(*guardduty.ListFindingsOutput).FindingIds, 2)
		}},
		{name: "securityhub get-findings", call: func() (any, error) {
			return securityhub.NewFromConfig(cfg).GetFindings(ctx, &securityhub.GetFindingsInput{})
		}, check: func(t *testing.T, out any) {
			o := out.(*securityhub.GetFindingsOutput)
			require.Len(t, o.Findings, 2)
			assert.Equal(t, "HIGH", string(o.Findings[0].Severity.Label))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := c.call()
			if c.errCode != "" {
				var ae smithy.APIError
				require.True(t, errors.As(err, &ae), "want %s, got %v", c.errCode, err)
				assert.Equal(t, c.errCode, ae.ErrorCode())
				return
			}
			require.NoError(t, err)
			c.check(t, out)
		})
	}
}
