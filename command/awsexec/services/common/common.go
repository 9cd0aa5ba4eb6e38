// Package common registers the services AWS Chatbot users reach for most:
// a convenience for hosts that do not want to pick services one by one.
// It links every listed SDK client (EC2 is the heavy one: about 50 s and
// 3 GB of memory on a cold build); hosts that care import the per-service
// packages under command/awsexec/services instead.
//
// AWS Health and AWS Support are part of AWS Chatbot's common set but are not
// included: their SDK modules are not available to this build.
package common

import (
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/autoscalingops"
	"github.com/opschat/opschat/command/awsexec/services/budgetsops"
	"github.com/opschat/opschat/command/awsexec/services/cloudformationops"
	"github.com/opschat/opschat/command/awsexec/services/cloudwatchlogsops"
	"github.com/opschat/opschat/command/awsexec/services/cloudwatchops"
	"github.com/opschat/opschat/command/awsexec/services/codepipelineops"
	"github.com/opschat/opschat/command/awsexec/services/dynamodbops"
	"github.com/opschat/opschat/command/awsexec/services/ec2ops"
	"github.com/opschat/opschat/command/awsexec/services/ecsops"
	"github.com/opschat/opschat/command/awsexec/services/elasticloadbalancingv2ops"
	"github.com/opschat/opschat/command/awsexec/services/guarddutyops"
	"github.com/opschat/opschat/command/awsexec/services/kinesisops"
	"github.com/opschat/opschat/command/awsexec/services/lambdaops"
	"github.com/opschat/opschat/command/awsexec/services/rdsops"
	"github.com/opschat/opschat/command/awsexec/services/route53ops"
	"github.com/opschat/opschat/command/awsexec/services/s3ops"
	"github.com/opschat/opschat/command/awsexec/services/securityhubops"
	"github.com/opschat/opschat/command/awsexec/services/sfnops"
	"github.com/opschat/opschat/command/awsexec/services/snsops"
	"github.com/opschat/opschat/command/awsexec/services/sqsops"
	"github.com/opschat/opschat/command/awsexec/services/ssmops"
)

// Register adds the common services to reg: cloudwatch (with alarm graphs),
// logs, ec2, lambda, s3api, ssm, kinesis, ecs, autoscaling, rds, dynamodb,
// sns, sqs, cloudformation, securityhub, guardduty, budgets, codepipeline,
// stepfunctions, elbv2 and route53. IAM and STS are not in the set (AWS
// Chatbot refuses them); register iamops or stsops explicitly to have the
// parser recognise them so the guardrails can refuse them by name.
func Register(reg *awsexec.Registry) {
	cloudwatchops.Register(reg)
	cloudwatchlogsops.Register(reg)
	ec2ops.Register(reg)
	lambdaops.Register(reg)
	s3ops.Register(reg)
	ssmops.Register(reg)
	kinesisops.Register(reg)
	ecsops.Register(reg)
	autoscalingops.Register(reg)
	rdsops.Register(reg)
	dynamodbops.Register(reg)
	snsops.Register(reg)
	sqsops.Register(reg)
	cloudformationops.Register(reg)
	securityhubops.Register(reg)
	guarddutyops.Register(reg)
	budgetsops.Register(reg)
	codepipelineops.Register(reg)
	sfnops.Register(reg)
	elasticloadbalancingv2ops.Register(reg)
	route53ops.Register(reg)
}
