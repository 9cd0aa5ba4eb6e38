// Package lambdasource runs the notification flow inside AWS Lambda: it
// provides aws-lambda-go handlers for SNS events and SQS events that turn
// each record into a notify.Envelope and hand it to a notify.Handler
// (normally a delivery.Dispatcher). The SQS handler reports partial batch
// failures so that only records that were not delivered are retried.
//
//	lambda.Start(lambdasource.SQSHandler(dispatcher))
package lambdasource
