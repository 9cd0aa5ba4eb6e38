// Package chatops is where a host program starts: it wires chat adapters,
// AWS Chatbot-style channel configurations, the command path and the
// notification path into one Bot.
//
// # Its place in the flows
//
// Inbound (commands): an adapter's listener hands each chat event to
// Bot.HandleMessage. The bot finds the channel configuration (Config.Lookup;
// a channel configured in several accounts asks each member which one),
// answers its own words (help, alias, run, switch-role, set default-account,
// notifications, cancel, forget) and interprets everything else as an AWS
// CLI command with package command. The Authorizer (GuardrailAuthorizer:
// organisation policy, built-in blocklist, the channel's guardrails, every
// IAM action of the operation) decides; a mutating operation (IAM access
// level Write, Permissions management or Tagging) asks for confirmation; the
// Executor (command/awsexec) runs it under the channel's or the user's role,
// with the guardrails and the blocklist as AssumeRole session policies so
// that AWS enforces them too. Every attempt writes one AuditRecord.
//
// Outbound (notifications): NotificationPipeline builds the router
// (package notify: decode, route by topic, filter, format) and the reliable
// delivery (package notify/delivery: per-channel queues, rate limits,
// retries, dedup, digests, dead letters) over the bot's adapters and Store.
// Sources (notify/snshttp, notify/sqssource, notify/lambdasource) feed it and
// are told when a notification could not be delivered, so it is never
// acknowledged as a success; FailedNotifications and RetryNotifications (and
// the "notifications failed|retry" chat command) list and replay what failed.
//
// # State
//
// The Store holds what must survive a restart and be shared by replicas:
// pending confirmations, aliases, role and account choices, remembered
// regions, dedup records, thread anchors and dead letters. The default is in
// memory; use store/boltstore (one durable file) for one process and
// store/dynamostore (one table) for several. Forget deletes a user's or a
// workspace's state on request.
//
// # Safety
//
// New fails closed: a bot with an executor needs an Authorizer (or the
// explicit WithUnsafeAllowAll). Configuration errors are reported together,
// each with its path, and a configuration whose guardrails AWS could not
// enforce as session policies does not load. Secrets (webhook tokens) print
// as [redacted]; secret-looking parameter values are redacted in audit
// records and echoes.
package chatops
