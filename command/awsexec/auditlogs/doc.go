// Package auditlogs sends the bot's audit log to CloudWatch Logs, as AWS
// Chatbot does: one log group per channel configuration
// (/aws/chatbot/<configuration>), one JSON record per log event.
//
// A Sink is an io.Writer: give it to the audit log (which writes one JSON
// record per Write) alongside or instead of a file. Records are buffered and
// sent with PutLogEvents in batches that respect the API's limits; the log
// group and stream are created on first use. Call Flush to send what is
// buffered and Close when done. A record over the 256 KiB event limit is
// shortened, not cut: it stays valid JSON with its decision fields whole,
// the free text (the command as typed, errors) gives way, and the record
// says so ("truncated", "original_bytes", "truncated_fields").
package auditlogs
