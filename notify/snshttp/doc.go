// Package snshttp is the SNS HTTPS endpoint source of the notification
// flow: an http.Handler that SNS posts to. It verifies each message's
// signature (SignatureVersion 1, SHA1withRSA, and 2, SHA256withRSA) with the
// standard library against a certificate fetched once from an https SNS
// host of the topic's region and partition, rejects stale, unsigned,
// oversized or unknown messages with a 4xx, confirms subscriptions only by
// fetching https SNS URLs (optionally after explicit approval), and hands
// notifications to a notify.Handler, answering 5xx so SNS retries when the
// handler could not deliver yet.
//
// The certificate policy, HTTP clients and clock are injectable so that
// tests and emulators (goaws signs with a self-signed certificate served
// over http) can be verified too; production uses DefaultPolicy.
package snshttp
