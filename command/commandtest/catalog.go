// Package commandtest provides a small static command.Catalog with a few
// real AWS operations, for tests and for a quickstart that runs before the
// SDK-backed catalog of command/awsexec is wired in.
package commandtest

import "github.com/opschat/opschat/command"

func str(name, doc string) command.Param {
	return command.Param{Name: name, Type: command.TypeString, Doc: doc}
}

func req(p command.Param) command.Param { p.Required = true; return p }

func enum(name, doc string, values ...string) command.Param {
	return command.Param{Name: name, Type: command.TypeString, Doc: doc, Enum: values}
}

func typed(name string, t command.ParamType, doc string) command.Param {
	return command.Param{Name: name, Type: t, Doc: doc}
}

func list(name, doc string, elem command.Param) command.Param {
	return command.Param{Name: name, Type: command.TypeList, Doc: doc, Elem: &elem}
}

func structure(name, doc string, members ...command.Param) command.Param {
	return command.Param{Name: name, Type: command.TypeStructure, Doc: doc, Members: members}
}

var (
	stateValues    = []string{"OK", "ALARM", "INSUFFICIENT_DATA"}
	statistics     = []string{"SampleCount", "Average", "Sum", "Minimum", "Maximum"}
	queueAttrNames = []string{"All", "Policy", "VisibilityTimeout", "MaximumMessageSize", "MessageRetentionPeriod",
		"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "CreatedTimestamp", "LastModifiedTimestamp",
		"QueueArn", "ApproximateNumberOfMessagesDelayed", "DelaySeconds", "ReceiveMessageWaitTimeSeconds", "RedrivePolicy",
		"FifoQueue", "ContentBasedDeduplication"}
)

func filters() command.Param {
	return list("filters", "The filters, as Name=...,Values=...",
		structure("Filter", "", str("Name", "The filter name."), list("Values", "The filter values.", str("Value", ""))))
}

// Catalog returns a new catalog of these services and operations:
//
//	cloudwatch  describe-alarms, get-metric-statistics, set-alarm-state
//	dynamodb    update-table
//	ec2         describe-instances, stop-instances, modify-instance-attribute
//	elbv2       describe-target-health
//	iam         list-users
//	kinesis     update-shard-count
//	lambda      get-function, invoke, list-functions
//	logs        filter-log-events
//	s3api       get-object, list-objects-v2
//	sqs         get-queue-attributes
//	ssm         get-parameter, start-automation-execution
//	stepfunctions list-executions
func Catalog() *command.StaticCatalog {
	return command.NewStaticCatalog(
		command.StaticService{
			Service: command.Service{Name: "cloudwatch", Doc: "Amazon CloudWatch metrics and alarms."},
			Operations: []command.Operation{
				{Name: "describe-alarms", Doc: "Describes alarms.", Access: command.AccessRead, Paginated: true, Params: []command.Param{
					list("alarm-names", "The names of the alarms.", str("AlarmName", "")),
					str("alarm-name-prefix", "Alarm names that start with this prefix."),
					list("alarm-types", "The alarm types.", enum("AlarmType", "", "CompositeAlarm", "MetricAlarm")),
					enum("state-value", "Only alarms in this state.", stateValues...),
					str("action-prefix", "Alarms with actions starting with this prefix."),
					typed("max-records", command.TypeInteger, "The maximum number of alarms per call."),
				}},
				{Name: "get-metric-statistics", Doc: "Gets statistics for a metric.", Access: command.AccessRead, Params: []command.Param{
					req(str("namespace", "The metric namespace.")),
					req(str("metric-name", "The metric name.")),
					list("dimensions", "The metric's dimensions.", structure("Dimension", "", req(str("Name", "")), req(str("Value", "")))),
					req(typed("start-time", command.TypeTimestamp, "The first data point.")),
					req(typed("end-time", command.TypeTimestamp, "The end of the period.")),
					req(typed("period", command.TypeInteger, "The granularity, in seconds.")),
					list("statistics", "The statistics.", enum("Statistic", "", statistics...)),
					enum("unit", "The unit.", "Seconds", "Bytes", "Percent", "Count"),
				}},
				{Name: "set-alarm-state", Doc: "Temporarily sets the state of an alarm.", Access: command.AccessWrite, Params: []command.Param{
					req(str("alarm-name", "The alarm.")),
					req(enum("state-value", "The new state.", stateValues...)),
					req(str("state-reason", "Why, in words.")),
				}},
			},
		},
		command.StaticService{
			Service: command.Service{Name: "dynamodb", Doc: "Amazon DynamoDB."},
			Operations: []command.Operation{
				{Name: "update-table", Doc: "Modifies a table.", Access: command.AccessWrite, Params: []command.Param{
					req(str("table-name", "The table.")),
					structure("provisioned-throughput", "The new capacity.",
						req(typed("ReadCapacityUnits", command.TypeInteger, "")), req(typed("WriteCapacityUnits", command.TypeInteger, ""))),
				}},
			},
		},
		command.StaticService{
			Service: command.Service{Name: "ec2", Doc: "Amazon Elastic Compute Cloud."},
			Operations: []command.Operation{
				{Name: "describe-instances", Doc: "Describes instances.", Access: command.AccessList, Paginated: true, Params: []command.Param{
					list("instance-ids", "The instance IDs.", str("InstanceId", "")),
					filters(),
					typed("dry-run", command.TypeBoolean, "Checks permissions without running."),
					typed("max-results", command.TypeInteger, "Results per call."),
				}},
				{Name: "stop-instances", Doc: "Stops instances.", Access: command.AccessWrite, Params: []command.Param{
					{Name: "instance-ids", Type: command.TypeList, Required: true, Doc: "The instance IDs.", Elem: &command.Param{Name: "InstanceId", Type: command.TypeString}},
					typed("hibernate", command.TypeBoolean, "Hibernates the instances."),
					typed("force", command.TypeBoolean, "Forces the instances to stop."),
					typed("dry-run", command.TypeBoolean, "Checks permissions without running."),
				}},
				{Name: "modify-instance-attribute", Doc: "Modifies an attribute of an instance.", Access: command.AccessWrite, Params: []command.Param{
					req(str("instance-id", "The instance.")),
					structure("instance-initiated-shutdown-behavior", "stop or terminate.", str("Value", "")),
				}},
			},
		},
		command.StaticService{
			Service: command.Service{Name: "elbv2", Doc: "Elastic Load Balancing v2."},
			Operations: []command.Operation{
				{Name: "describe-target-health", Doc: "Describes the health of targets.", Access: command.AccessRead, Params: []command.Param{
					req(str("target-group-arn", "The target group.")),
				}},
			},
		},
		command.StaticService{
			Service: command.Service{Name: "iam", Doc: "AWS Identity and Access Management."},
			Operations: []command.Operation{
				{Name: "list-users", Doc: "Lists IAM users.", Access: command.AccessList, Paginated: true, Params: []command.Param{
					str("path-prefix", "Users whose path starts with this."),
				}},
			},
		},
		command.StaticService{
			Service: command.Service{Name: "kinesis", Doc: "Amazon Kinesis Data Streams."},
			Operations: []command.Operation{
				{Name: "update-shard-count", Doc: "Updates the shard count of a stream.", Access: command.AccessWrite, Params: []command.Param{
					str("stream-name", "The stream."),
					req(typed("target-shard-count", command.TypeInteger, "The new number of shards.")),
					req(enum("scaling-type", "The scaling type.", "UNIFORM_SCALING")),
					str("stream-arn", "The stream's ARN."),
				}},
			},
		},
		command.StaticService{
			Service: command.Service{Name: "lambda", Doc: "AWS Lambda."},
			Operations: []command.Operation{
				{Name: "get-function", Doc: "Returns a function's configuration.", Access: command.AccessRead, Params: []command.Param{
					req(str("function-name", "The function name or ARN.")),
					str("qualifier", "A version or alias."),
				}},
				{Name: "invoke", Doc: "Invokes a function.", Actions: []string{"lambda:InvokeFunction"}, Access: command.AccessWrite, Params: []command.Param{
					req(str("function-name", "The function name or ARN.")),
					enum("invocation-type", "How to invoke.", "Event", "RequestResponse", "DryRun"),
					enum("log-type", "Tail returns the end of the log.", "None", "Tail"),
					typed("payload", command.TypeBlob, "The JSON input."),
					str("qualifier", "A version or alias."),
				}},
				{Name: "list-functions", Doc: "Lists functions.", Access: command.AccessList, Paginated: true, Params: []command.Param{
					str("master-region", "For Lambda@Edge."),
					enum("function-version", "ALL lists every version.", "ALL"),
				}},
			},
		},
		command.StaticService{
			Service: command.Service{Name: "logs", Doc: "Amazon CloudWatch Logs."},
			Operations: []command.Operation{
				{Name: "filter-log-events", Doc: "Lists log events matching a pattern.", Access: command.AccessRead, Paginated: true, Params: []command.Param{
					req(str("log-group-name", "The log group.")),
					list("log-stream-names", "Only these streams.", str("LogStreamName", "")),
					typed("start-time", command.TypeInteger, "Start, in milliseconds since the epoch."),
					typed("end-time", command.TypeInteger, "End, in milliseconds since the epoch."),
					str("filter-pattern", "The filter pattern."),
					typed("limit", command.TypeInteger, "The maximum number of events."),
				}},
			},
		},
		command.StaticService{
			Service: command.Service{Name: "s3api", Doc: "Amazon S3 (the API-level commands)."},
			Operations: []command.Operation{
				{Name: "get-object", APIName: "GetObject", Doc: "Retrieves an object.", Access: command.AccessRead,
					Actions: []string{"s3:GetObject"},
					// A specific version is authorized as its own action.
					ConditionalActions: []command.ConditionalAction{{Action: "s3:GetObjectVersion", Param: "version-id"}},
					Params: []command.Param{
						req(str("bucket", "The bucket.")),
						req(str("key", "The object key.")),
						str("version-id", "A version of the object."),
						str("range", "Bytes to read, like bytes=0-9."),
					}},
				{Name: "list-objects-v2", APIName: "ListObjectsV2", Doc: "Lists the objects of a bucket.", Access: command.AccessList, Paginated: true,
					// IAM names the permission after the bucket, not the API.
					Actions: []string{"s3:ListBucket"},
					Params: []command.Param{
						req(str("bucket", "The bucket.")),
						str("prefix", "Only keys starting with this prefix."),
					}},
			},
		},
		command.StaticService{
			Service: command.Service{Name: "sqs", Doc: "Amazon Simple Queue Service."},
			Operations: []command.Operation{
				{Name: "get-queue-attributes", Doc: "Gets a queue's attributes.", Access: command.AccessRead, Params: []command.Param{
					req(str("queue-url", "The queue URL.")),
					list("attribute-names", "The attributes.", enum("QueueAttributeName", "", queueAttrNames...)),
				}},
			},
		},
		command.StaticService{
			Service: command.Service{Name: "ssm", Doc: "AWS Systems Manager."},
			Operations: []command.Operation{
				{Name: "get-parameter", Doc: "Gets a parameter.", Access: command.AccessRead, Params: []command.Param{
					req(str("name", "The parameter name.")),
					typed("with-decryption", command.TypeBoolean, "Decrypts SecureString values."),
				}},
				{Name: "start-automation-execution", Doc: "Starts an Automation runbook.", Access: command.AccessWrite, Params: []command.Param{
					req(str("document-name", "The runbook.")),
					{Name: "parameters", Type: command.TypeMap, Doc: "The runbook parameters.",
						Elem: &command.Param{Name: "AutomationParameterValueList", Type: command.TypeList, Elem: &command.Param{Name: "AutomationParameterValue", Type: command.TypeString}}},
				}},
			},
		},
		command.StaticService{
			Service: command.Service{Name: "stepfunctions", Doc: "AWS Step Functions."},
			Operations: []command.Operation{
				{Name: "list-executions", Doc: "Lists executions of a state machine.", Access: command.AccessList, Paginated: true, Params: []command.Param{
					str("state-machine-arn", "The state machine."),
					enum("status-filter", "Only executions in this status.", "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"),
				}},
			},
		},
	)
}
