// Package replica holds the end-to-end tests of several opschat bots
// sharing real engines: one SQS queue (goaws, competing consumers) and one
// DynamoDB table (dynalite) as the Store. They check what an SRE running
// three replicas relies on: every notification is posted once per channel
// (within the documented window), a confirmation clicked on one replica
// runs once, and state made on one replica is seen by all.
package replica
