package assist

import (
	"strings"
)

// kind is a sort of resource the planner can list: the words people use
// for it and the one read-only command that lists it.
type kind struct {
	key     string   // stable identifier, also the plural shown to users
	one     string   // singular shown to users
	nouns   []string // phrases that name it, lower case, plural or singular
	needs   []string // when set, one of these words must also appear ("services" needs "ecs")
	service string   // CLI service name
	op      string   // CLI operation name (read-only)
	list    string   // JMESPath to the list in the response
	name    string   // JMESPath of an item's name, relative to the item ("@" for plain strings)
	project string   // JMESPath projection of an item (without the leading dot), "" for the item itself
	// states maps a state word ("stopped") to how to select it.
	states map[string]selector
	// ec2Filters: the operation takes EC2-style --filters, so tags and
	// states can be filtered by AWS rather than by --query.
	ec2Filters bool
	// global resources are listed for the whole account; the summary does
	// not name a region.
	global bool
	// short renders an item's name for a summary (an ARN or URL is cut to
	// its last part).
	short func(string) string
	// extra renders the details after the name: "(t3.micro, running)".
	extra func(map[string]any) string
}

// selector is what a state word changes in the command.
type selector struct {
	label  string   // how the summary says it ("stopped", "firing")
	args   []string // extra command-line arguments (already quoted)
	filter string   // EC2 filter "Name=…,Values=…" (ec2Filters kinds)
	cond   string   // JMESPath condition on an item, when the API cannot filter
	op     string   // a different operation ("list-stacks" for failed stacks)
	list   string   // and its list path
}

func afterLast(sep string) func(string) string {
	return func(s string) string {
		if i := strings.LastIndex(s, sep); i >= 0 && i+1 < len(s) {
			return s[i+1:]
		}
		return s
	}
}

func ec2State(v string) selector {
	return selector{label: v, filter: "Name=instance-state-name,Values=" + v}
}

// kinds are tried longest phrase first, so "step functions" is a state
// machine and "db instances" a database, not a Lambda or EC2 resource.
var kinds = []kind{
	{key: "functions", one: "function", service: "lambda", op: "list-functions",
		nouns: []string{"functions", "lambdas", "lambda functions", "lambda", "serverless functions"},
		list:  "Functions", name: "FunctionName", project: "{name:FunctionName,runtime:Runtime}",
		states: map[string]selector{
			"python": {label: "Python", cond: "starts_with(Runtime || '', 'python')"},
			"node":   {label: "Node.js", cond: "starts_with(Runtime || '', 'nodejs')"},
			"nodejs": {label: "Node.js", cond: "starts_with(Runtime || '', 'nodejs')"},
			"java":   {label: "Java", cond: "starts_with(Runtime || '', 'java')"},
			"ruby":   {label: "Ruby", cond: "starts_with(Runtime || '', 'ruby')"},
			"dotnet": {label: ".NET", cond: "starts_with(Runtime || '', 'dotnet')"},
		},
		extra: func(m map[string]any) string { return str(m["runtime"]) }},
	{key: "alarms", one: "alarm", service: "cloudwatch", op: "describe-alarms",
		nouns: []string{"alarms", "cloudwatch alarms", "alerts"},
		list:  "MetricAlarms", name: "AlarmName", project: "{name:AlarmName,state:StateValue,since:StateUpdatedTimestamp}",
		// The state is shown with its time ("OK since 09:12 UTC").
		extra: func(map[string]any) string { return "" },
		states: map[string]selector{
			"firing":       {label: "firing", args: []string{"--state-value", "ALARM"}},
			"alarming":     {label: "firing", args: []string{"--state-value", "ALARM"}},
			"triggered":    {label: "firing", args: []string{"--state-value", "ALARM"}},
			"breaching":    {label: "firing", args: []string{"--state-value", "ALARM"}},
			"active":       {label: "firing", args: []string{"--state-value", "ALARM"}},
			"in alarm":     {label: "firing", args: []string{"--state-value", "ALARM"}},
			"ok":           {label: "OK", args: []string{"--state-value", "OK"}},
			"insufficient": {label: "with insufficient data", args: []string{"--state-value", "INSUFFICIENT_DATA"}},
		}},
	{key: "instances", one: "instance", service: "ec2", op: "describe-instances", ec2Filters: true,
		nouns: []string{"instances", "ec2 instances", "ec2", "servers", "vms", "virtual machines", "machines", "hosts", "boxes"},
		list:  "Reservations[].Instances[]", name: "InstanceId",
		project: "{id:InstanceId,type:InstanceType,state:State.Name,name:Tags[?Key=='Name'].Value|[0]}",
		states: map[string]selector{
			"running": ec2State("running"), "stopped": ec2State("stopped"), "pending": ec2State("pending"),
			"stopping": ec2State("stopping"), "terminated": ec2State("terminated"),
			"shutting-down": ec2State("shutting-down"),
		}},
	{key: "volumes", one: "volume", service: "ec2", op: "describe-volumes", ec2Filters: true,
		nouns: []string{"volumes", "ebs volumes", "disks"},
		list:  "Volumes", name: "VolumeId", project: "{id:VolumeId,size:Size,state:State}",
		states: map[string]selector{
			"unattached": {label: "unattached", filter: "Name=status,Values=available"},
			"available":  {label: "unattached", filter: "Name=status,Values=available"},
			"attached":   {label: "attached", filter: "Name=status,Values=in-use"},
		}},
	{key: "VPCs", one: "VPC", service: "ec2", op: "describe-vpcs", ec2Filters: true,
		nouns: []string{"vpcs", "networks"}, list: "Vpcs", name: "VpcId",
		project: "{id:VpcId,cidr:CidrBlock,name:Tags[?Key=='Name'].Value|[0]}"},
	{key: "security groups", one: "security group", service: "ec2", op: "describe-security-groups", ec2Filters: true,
		nouns: []string{"security groups", "sgs", "firewall rules"}, list: "SecurityGroups", name: "GroupName",
		project: "{name:GroupName,id:GroupId}"},
	{key: "subnets", one: "subnet", service: "ec2", op: "describe-subnets", ec2Filters: true,
		nouns: []string{"subnets"}, list: "Subnets", name: "SubnetId",
		project: "{id:SubnetId,cidr:CidrBlock,az:AvailabilityZone}"},
	{key: "buckets", one: "bucket", service: "s3api", op: "list-buckets", global: true,
		nouns: []string{"buckets", "s3 buckets", "s3"}, list: "Buckets", name: "Name", project: "Name"},
	{key: "queues", one: "queue", service: "sqs", op: "list-queues",
		nouns: []string{"queues", "sqs queues", "sqs"}, list: "QueueUrls", name: "@", short: afterLast("/")},
	{key: "tables", one: "table", service: "dynamodb", op: "list-tables",
		nouns: []string{"tables", "dynamodb tables", "dynamo tables", "dynamodb"}, list: "TableNames", name: "@"},
	{key: "stacks", one: "stack", service: "cloudformation", op: "describe-stacks",
		nouns: []string{"stacks", "cloudformation stacks", "cfn stacks", "cloudformation"},
		list:  "Stacks", name: "StackName", project: "{name:StackName,status:StackStatus}",
		states: map[string]selector{
			"failed": {label: "failed", op: "list-stacks", list: "StackSummaries", args: []string{"--stack-status-filter",
				"CREATE_FAILED", "ROLLBACK_FAILED", "ROLLBACK_COMPLETE", "DELETE_FAILED", "UPDATE_FAILED",
				"UPDATE_ROLLBACK_FAILED", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_ROLLBACK_FAILED", "IMPORT_ROLLBACK_COMPLETE"}},
			"broken": {label: "failed", op: "list-stacks", list: "StackSummaries", args: []string{"--stack-status-filter",
				"CREATE_FAILED", "ROLLBACK_FAILED", "ROLLBACK_COMPLETE", "DELETE_FAILED", "UPDATE_FAILED",
				"UPDATE_ROLLBACK_FAILED", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_ROLLBACK_FAILED", "IMPORT_ROLLBACK_COMPLETE"}},
			"in progress": {label: "in progress", cond: "ends_with(StackStatus, 'IN_PROGRESS')"},
		},
		extra: func(m map[string]any) string { return str(m["status"]) }},
	{key: "log groups", one: "log group", service: "logs", op: "describe-log-groups",
		nouns: []string{"log groups", "cloudwatch log groups", "loggroups"}, list: "logGroups", name: "logGroupName", project: "logGroupName"},
	{key: "ECS clusters", one: "ECS cluster", service: "ecs", op: "list-clusters",
		nouns: []string{"clusters", "ecs clusters", "fargate clusters"}, list: "clusterArns", name: "@", short: afterLast("/")},
	{key: "ECS services", one: "ECS service", service: "ecs", op: "list-services",
		nouns: []string{"ecs services", "fargate services", "services", "containers"}, needs: []string{"ecs", "fargate", "cluster", "containers"},
		list: "serviceArns", name: "@", short: afterLast("/")},
	{key: "databases", one: "database", service: "rds", op: "describe-db-instances",
		nouns: []string{"databases", "db instances", "rds instances", "rds databases", "database instances", "rds", "dbs"},
		list:  "DBInstances", name: "DBInstanceIdentifier", project: "{id:DBInstanceIdentifier,engine:Engine,status:DBInstanceStatus}",
		states: map[string]selector{
			"stopped":   {label: "stopped", cond: "DBInstanceStatus == 'stopped'"},
			"available": {label: "available", cond: "DBInstanceStatus == 'available'"},
			"running":   {label: "available", cond: "DBInstanceStatus == 'available'"},
		}},
	{key: "DB clusters", one: "DB cluster", service: "rds", op: "describe-db-clusters",
		nouns: []string{"db clusters", "aurora clusters", "rds clusters", "database clusters", "aurora"},
		list:  "DBClusters", name: "DBClusterIdentifier", project: "{id:DBClusterIdentifier,engine:Engine,status:Status}"},
	{key: "load balancers", one: "load balancer", service: "elbv2", op: "describe-load-balancers",
		nouns: []string{"load balancers", "loadbalancers", "albs", "nlbs", "elbs", "lbs", "elb", "alb"},
		list:  "LoadBalancers", name: "LoadBalancerName", project: "{name:LoadBalancerName,type:Type,state:State.Code}"},
	{key: "state machines", one: "state machine", service: "stepfunctions", op: "list-state-machines",
		nouns: []string{"state machines", "step functions", "stepfunctions", "workflows", "sfn"},
		list:  "stateMachines", name: "name", project: "name"},
	{key: "topics", one: "topic", service: "sns", op: "list-topics",
		nouns: []string{"topics", "sns topics", "sns"}, list: "Topics", name: "TopicArn", project: "TopicArn", short: afterLast(":")},
	{key: "streams", one: "stream", service: "kinesis", op: "list-streams",
		nouns: []string{"streams", "kinesis streams", "kinesis", "data streams"}, list: "StreamNames", name: "@"},
	{key: "Auto Scaling groups", one: "Auto Scaling group", service: "autoscaling", op: "describe-auto-scaling-groups",
		nouns: []string{"auto scaling groups", "autoscaling groups", "asgs", "scaling groups"},
		list:  "AutoScalingGroups", name: "AutoScalingGroupName",
		project: "{name:AutoScalingGroupName,desired:DesiredCapacity,running:length(Instances)}"},
	{key: "pipelines", one: "pipeline", service: "codepipeline", op: "list-pipelines",
		nouns: []string{"pipelines", "codepipelines", "codepipeline pipelines", "codepipeline"}, list: "pipelines", name: "name", project: "name"},
	{key: "parameters", one: "parameter", service: "ssm", op: "describe-parameters",
		nouns: []string{"parameters", "ssm parameters", "parameter store"}, list: "Parameters", name: "Name", project: "Name"},
	{key: "hosted zones", one: "hosted zone", service: "route53", op: "list-hosted-zones", global: true,
		nouns: []string{"hosted zones", "dns zones", "route53 zones", "route 53 zones", "domains"}, list: "HostedZones", name: "Name", project: "Name"},
	{key: "GuardDuty detectors", one: "GuardDuty detector", service: "guardduty", op: "list-detectors",
		nouns: []string{"detectors", "guardduty detectors", "guardduty"}, list: "DetectorIds", name: "@"},
	{key: "IAM users", one: "IAM user", service: "iam", op: "list-users", global: true,
		nouns: []string{"users", "iam users"}, list: "Users", name: "UserName", project: "UserName"},
	{key: "IAM roles", one: "IAM role", service: "iam", op: "list-roles", global: true,
		nouns: []string{"roles", "iam roles"}, list: "Roles", name: "RoleName", project: "RoleName"},
}

// unsupported maps words for services people ask about that the shipped
// catalog lacks to the service's CLI name and display name, so the planner
// can say so instead of guessing a neighbour ("eks clusters" are not ECS
// clusters). A host whose catalog has the service gets no such answer.
var unsupported = map[string][2]string{
	"eks": {"eks", "Amazon EKS"}, "kubernetes": {"eks", "Amazon EKS"}, "redshift": {"redshift", "Amazon Redshift"}, "elasticache": {"elasticache", "Amazon ElastiCache"},
	"redis": {"elasticache", "Amazon ElastiCache"}, "opensearch": {"opensearch", "Amazon OpenSearch Service"}, "elasticsearch": {"opensearch", "Amazon OpenSearch Service"},
	"emr": {"emr", "Amazon EMR"}, "msk": {"kafka", "Amazon MSK"}, "kafka": {"kafka", "Amazon MSK"}, "glue": {"glue", "AWS Glue"}, "athena": {"athena", "Amazon Athena"},
	"ecr": {"ecr", "Amazon ECR"}, "cloudfront": {"cloudfront", "Amazon CloudFront"}, "apigateway": {"apigateway", "Amazon API Gateway"}, "api gateway": {"apigateway", "Amazon API Gateway"},
	"secrets": {"secretsmanager", "AWS Secrets Manager"}, "kms": {"kms", "AWS KMS"}, "certificates": {"acm", "AWS Certificate Manager"}, "acm": {"acm", "AWS Certificate Manager"},
	"cognito": {"cognito-idp", "Amazon Cognito"}, "bedrock": {"bedrock", "Amazon Bedrock"}, "sagemaker": {"sagemaker", "Amazon SageMaker"}, "costs": {"ce", "AWS Cost Explorer"},
	"cost": {"ce", "AWS Cost Explorer"}, "billing": {"billing", "AWS Billing"},
}

// regionNames maps how people name regions to region codes.
var regionNames = map[string]string{
	"n. virginia": "us-east-1", "n virginia": "us-east-1", "north virginia": "us-east-1", "northern virginia": "us-east-1",
	"virginia": "us-east-1", "ohio": "us-east-2", "n. california": "us-west-1", "n california": "us-west-1",
	"northern california": "us-west-1", "north california": "us-west-1", "california": "us-west-1", "oregon": "us-west-2",
	"ireland": "eu-west-1", "dublin": "eu-west-1", "london": "eu-west-2", "paris": "eu-west-3", "frankfurt": "eu-central-1",
	"zurich": "eu-central-2", "stockholm": "eu-north-1", "milan": "eu-south-1", "spain": "eu-south-2",
	"tokyo": "ap-northeast-1", "seoul": "ap-northeast-2", "osaka": "ap-northeast-3", "singapore": "ap-southeast-1",
	"sydney": "ap-southeast-2", "jakarta": "ap-southeast-3", "melbourne": "ap-southeast-4", "malaysia": "ap-southeast-5",
	"mumbai": "ap-south-1", "hyderabad": "ap-south-2", "hong kong": "ap-east-1", "canada": "ca-central-1",
	"montreal": "ca-central-1", "calgary": "ca-west-1", "sao paulo": "sa-east-1", "são paulo": "sa-east-1",
	"bahrain": "me-south-1", "uae": "me-central-1", "tel aviv": "il-central-1", "israel": "il-central-1",
	"cape town": "af-south-1", "mexico": "mx-central-1", "beijing": "cn-north-1", "ningxia": "cn-northwest-1",
}

// mutatingVerbs start a request to change something. The planner never
// changes anything, so a question starting with one is declined.
var mutatingVerbs = map[string]bool{
	"create": true, "delete": true, "remove": true, "stop": true, "start": true, "reboot": true, "restart": true,
	"terminate": true, "kill": true, "scale": true, "resize": true, "update": true, "modify": true, "change": true,
	"deploy": true, "redeploy": true, "invoke": true, "trigger": true, "run": true, "execute": true, "launch": true,
	"enable": true, "disable": true, "attach": true, "detach": true, "purge": true, "rollback": true, "roll": true,
	"increase": true, "decrease": true, "set": true, "put": true, "add": true, "publish": true, "send": true,
	"shutdown": true, "shut": true, "upgrade": true, "rotate": true, "drain": true, "cancel": true, "make": true,
	"spin": true, "provision": true, "destroy": true, "erase": true, "empty": true, "tag": true, "untag": true,
	"mute": true, "silence": true, "acknowledge": true, "ack": true, "reset": true, "raise": true, "lower": true,
}

// politeLead are words that may come before the verb of a request.
var politeLead = map[string]bool{
	"please": true, "pls": true, "can": true, "could": true, "would": true, "will": true, "you": true, "kindly": true,
	"i": true, "want": true, "to": true, "need": true, "we": true, "let's": true, "lets": true, "go": true, "and": true,
	"i'd": true, "like": true, "help": true, "me": true, "aws": true, "hey": true, "hi": true, "now": true,
}

// verbOps maps a mutating verb to the CLI verb of the operation it most
// likely means, to point the user at the right help page.
var verbOps = map[string]string{
	"shut": "stop", "shutdown": "stop", "kill": "stop", "destroy": "delete", "erase": "delete", "remove": "delete",
	"restart": "reboot", "launch": "run", "spin": "run", "provision": "create", "change": "modify", "resize": "modify",
}
