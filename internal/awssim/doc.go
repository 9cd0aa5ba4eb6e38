// Package awssim is a simulated AWS account on a loopback HTTP server, for
// offline runs (the quickstart uses it when no AWS credentials are configured)
// and for tests that must prove what goes over the wire.
//
// The server speaks the wire protocols the current aws-sdk-go-v2 clients and
// the AWS CLI use: Smithy RPCv2 CBOR (CloudWatch from the Go SDK), awsJson 1.0
// and 1.1 (SQS, DynamoDB, Logs, SSM, Kinesis, ...), the query protocol (STS,
// SNS, and CloudWatch as the AWS CLI 2.9 sends it), ec2query, REST-JSON
// (Lambda, GuardDuty, Security Hub) and REST-XML (S3, Route 53). Every
// request is named by its operation: REST requests through a route table
// generated from the SDK's serializers and schemas (zz_routes.go, by
// internal/routegen), tested for every operation of the shipped tables.
//
// Stateful operations have Go handlers: monitoring DescribeAlarms (filters,
// MaxRecords/NextToken pages) and GetMetricWidgetImage (a PNG drawn with
// image/png, cached per widget), ec2 DescribeInstances (filters, ids,
// pages), StopInstances and StartInstances (state changes stick), lambda
// ListFunctions, GetFunction(Configuration) and Invoke (AlarmingFunction
// fails with FunctionError Unhandled, others echo their payload; LogType
// Tail), logs DescribeLogGroups, DescribeLogStreams, GetLogEvents and
// FilterLogEvents (time range, streams, term filter patterns, pages; the
// sample alarm's minute at SampleAlarmTime included), sts AssumeRole
// (validated; issues credentials recorded in AssumeRoleCalls) and
// GetCallerIdentity, s3 ListBuckets and ListObjectsV2 (prefix, delimiter,
// pages). Reads of the account's other resources come from data,
// account/account.json: collections of DynamoDB tables, SQS queues, SNS
// topics, CloudFormation stacks, ECS, RDS, load balancers and target
// health, Auto Scaling groups, Kinesis streams, SSM parameters (no
// secrets), Step Functions, Route 53, CodePipeline, GuardDuty, Security
// Hub, Budgets and VPCs, answered by a generic responder (a list with
// request filters, or one resource by key with the service's own
// not-found error). Every other operation gets an empty but valid
// response for its protocol, so any command completes. Inject adds
// faults: AccessDenied, Throttle, Slow, or any code and status.
//
// Session policies are enforced as in AWS: AssumeRole parses the inline
// Policy (with package guardrail) and resolves PolicyArns (ReadOnlyAccess
// and AdministratorAccess, approximated, and customer policies created with
// PutManagedPolicy; an unknown ARN is refused), and every later request
// signed with the issued key is mapped to its IAM actions (WithActionMapper)
// and refused with the protocol's access-denied error unless the session
// policies allow each action. The simulated roles themselves allow
// everything, so the session policies alone decide. Requests are evaluated
// without their resource ARN, so an Allow counts only with Resource "*".
//
// Every request is recorded normalised: service (the SigV4 signing name),
// operation and the decoded parameter set, independent of protocol encoding.
// Normalize and Diff compare two recordings in meaning, not bytes, which is
// what the differential harness needs: RunCLI runs the real AWS CLI
// (/usr/bin/aws) against the server, and Commands lists the commands whose
// CLI recordings the tests compare with the Go SDK's requests.
//
// In the outbound/inbound data flow of opschat this package sits where AWS
// sits: behind command/awsexec's SDK clients.
package awssim
