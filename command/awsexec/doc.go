// Package awsexec runs AWS CLI-style commands from chat through
// aws-sdk-go-v2: it is the executor at the end of the inbound flow (parse →
// guardrails → confirmation → execute → render).
//
// A host builds a Registry and registers the services it wants from the
// generated tables under services/ (or all common ones with
// services/common); each table lists every operation of one SDK client with
// its CLI name, typed call and paginator, and its IAM data: the access level
// the IAM Service Authorization Reference gives its actions (List and Read
// operations run without confirmation) and, where AWS checks other actions
// than the name-derived prefix:APIName, those actions (.IAM) and the ones a
// parameter adds (.IAMIf). cmd/opschat-gen writes the tables, so that no method
// is looked up by name at run time; cmd/opschat-gen/reference.json holds the reference slice
// every table is tested against. The Registry is the command.Catalog the parser validates against:
// parameters, their types, enums and required members come from the SDK
// input structs by reflection.
//
// The Executor (a chatops.Executor) turns a command.Invocation into the SDK
// input, assumes the channel's or user's role with STS (session policies and
// tags from the request, credentials cached until shortly before expiry),
// calls the operation within a timeout, follows pages up to an item limit,
// applies --query to the CLI-shaped JSON result and renders it for chat: a
// table of records, key/value text or JSON, cut to the adapter's size with
// the full result attached as a file. The auditlogs sub-package sends the
// audit log to CloudWatch Logs.
package awsexec
