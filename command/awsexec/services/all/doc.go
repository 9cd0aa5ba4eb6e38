// Package all registers every operation table opschat ships: 132 AWS
// services chosen by operational use. Hosts that want a smaller binary or a
// faster cold build register the per-service packages they need instead
// (common.Register is a small default set).
//
// Categories: compute (ec2, autoscaling, application-autoscaling, batch,
// lightsail, elasticbeanstalk, imagebuilder, compute-optimizer,
// ec2-instance-connect); containers (ecs, eks, ecr, ecr-public, apprunner,
// servicediscovery, appmesh); serverless (lambda, stepfunctions, events,
// scheduler, pipes, apigateway, apigatewayv2, appsync, serverlessrepo); data
// stores (s3api, s3control, dynamodb, dynamodbstreams, dax, rds, rds-data,
// docdb, neptune, elasticache, memorydb, redshift, redshift-data,
// redshift-serverless, efs, fsx, opensearch, es, keyspaces,
// timestream-query, qldb, glacier, storagegateway); networking and CDN
// (elbv2, elb, route53, route53resolver, route53-recovery-readiness,
// cloudfront, globalaccelerator, directconnect, network-firewall,
// networkmanager, transfer, acm, acm-pca, wafv2, shield); observability
// (cloudwatch, logs, xray, synthetics, rum, oam, application-insights,
// cloudtrail, devops-guru, amp, grafana); security findings (securityhub,
// guardduty, inspector2, macie2, detective, accessanalyzer, config, fms,
// securitylake, auditmanager); cost (budgets, ce, cur, pricing,
// savingsplans); backup (backup, dlm, drs); CI/CD (codepipeline, codebuild,
// codedeploy, codecommit, codeartifact, cloudformation,
// codestar-notifications, codestar-connections, amplify); analytics (athena,
// glue, emr, emr-serverless, emr-containers, kinesis, firehose,
// kinesisanalyticsv2, kafka, lakeformation, datasync, dms); messaging (sqs,
// sns, mq, ses, sesv2); management (ssm, ssm-incidents, ssm-contacts,
// service-quotas, resource-groups, resourcegroupstaggingapi, cloudcontrol,
// appconfig, servicecatalog, license-manager, ram, organizations); and iam
// and sts, which the guardrails refuse by name but which the parser then
// recognises.
//
// Left out because the Go module proxy does not serve their aws-sdk-go-v2
// module: health (AWS Health), support (AWS Support), pi (Performance
// Insights) and proton (AWS Proton, retired). Left out for build cost:
// sagemaker (13 MB of SDK source, the second largest client after EC2).
// Any other of the AWS CLI's 339
// services can be generated into a host's own module with
// cmd/opschat-gen.
//
// Build cost (measured in BENCHMARKS.md): a cold build compiles every SDK
// client; warm rebuilds only link. Operations whose IAM action is not in
// the Service Authorization Reference slice have the access level Unknown
// and ask for confirmation before they run.
package all
