// Package snshttp is the SNS HTTPS endpoint source of the notification
// flow: an http.Handler that SNS posts to. It verifies each message's
// signature (SignatureVersion 1, SHA1withRSA, and 2, SHA256withRSA) with the
// standard library against a certificate fetched once from an https SNS
// host of the topic's region and partition, rejects stale, unsigned,
// oversized or unknown messages with a 4xx, confirms subscriptions only by
// fetching https SNS URLs (optionally after explicit approval), and hands
// notifications to a notify.Handler. It answers 200 only when the handler
// returned nil (delivered to every channel); otherwise 5xx, so SNS retries
// under its delivery policy: 500 when delivery failed (it is then also a
// dead letter), 503 when the wait ran out. The wait is bounded (WithMaxWait,
// default 12 s) because SNS abandons an attempt after 15 s; pair the
// endpoint with a delivery.Dispatcher made with Detached so that the
// delivery continues past the answer and SNS's retry finds it done.
// Confirmation failures are logged with the topic and host only, never the
// SubscribeURL's token.
//
// The certificate policy, HTTP clients and clock are injectable so that
// tests and emulators (goaws signs with a self-signed certificate served
// over http) can be verified too; production uses DefaultPolicy.
package snshttp
