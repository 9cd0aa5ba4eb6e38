// Package sqssource is the SQS source of the notification flow: it
// long-polls a queue subscribed to SNS topics (or targeted by EventBridge),
// turns each message into a notify.Envelope (SNS-wrapped or raw) and hands
// it to a notify.Handler, normally a delivery.Dispatcher.
//
// Messages are deleted only after the handler returned nil, which a
// delivery.Dispatcher does only when every target channel has the
// notification; one that failed for good is a dead letter in the Store and
// is still not deleted here. Failures make the message visible again after
// a growing delay, so the queue's redrive policy, not this package, decides
// when a message that keeps failing (poison) moves to the dead-letter
// queue. Visibility is extended while a message is handled; on shutdown,
// in-flight messages get a grace period and are then released to the queue
// at once, and a receive in flight is let answer (a second at most) so that
// what it got is released too rather than hidden for the visibility
// timeout. With a delivery.Dispatcher a message is released only after its
// cancelled deliveries gave back their claims, so another consumer can
// deliver it at once. Several sources or processes may consume the same
// queue.
//
// Raw messages (EventBridge → SQS, no SNS envelope) are routed by their
// TopicArn message attribute or, failing that, by the Source's default
// topic (WithDefaultTopic); with neither they are left to the redrive
// policy with an ERROR, never dropped.
//
// Trust: messages are not signature-checked here (SNS signs what it pushes
// over HTTPS, not what it puts into SQS), and a raw message's topic comes
// from its TopicArn attribute. Whoever may send to the queue can therefore
// choose what is routed where: the queue policy is the boundary. Allow
// sqs:SendMessage only to the SNS topics (aws:SourceArn) and EventBridge
// rules that should reach chat.
package sqssource
