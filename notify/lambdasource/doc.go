// Package lambdasource runs the notification flow inside AWS Lambda: it
// provides aws-lambda-go handlers for SNS events, SQS events and
// EventBridge events (a rule invoking the function directly) that turn each
// record into a notify.Envelope and hand it to a notify.Handler (normally a
// delivery.Dispatcher). A record that was not delivered to every channel is
// never reported as a success: the SQS handler lists it in the batch item
// failures (only those records are retried, then moved to the queue's
// dead-letter queue), and the SNS and EventBridge handlers return an error
// (Lambda's asynchronous retries and on-failure destination apply). Raw
// records with no topic are routed by a configured default topic
// (WithDefaultTopic; required for EventBridgeHandler), never dropped. The
// handlers stop waiting a margin before the invocation's deadline so that
// their answer is always returned.
//
//	lambda.Start(lambdasource.SQSHandler(dispatcher, lambdasource.WithDefaultTopic(topicARN)))
package lambdasource
