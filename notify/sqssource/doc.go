// Package sqssource is the SQS source of the notification flow: it
// long-polls a queue subscribed to SNS topics (or targeted by EventBridge),
// turns each message into a notify.Envelope (SNS-wrapped or raw) and hands
// it to a notify.Handler, normally a delivery.Dispatcher.
//
// Messages are deleted only after the handler returned nil. Failures make
// the message visible again after a growing delay, so the queue's redrive
// policy, not this package, decides when a message that keeps failing
// (poison) moves to the dead-letter queue. Visibility is extended while a
// message is handled; on shutdown, in-flight messages get a grace period and
// are then released to the queue at once. Several sources or processes may
// consume the same queue.
package sqssource
