// Package chime is opschat's Amazon Chime adapter: a notification-only
// chat.Sender that posts to Chime chat rooms through incoming webhooks
// (POST {"Content":"/md ..."}), as AWS Chatbot's Chime webhook
// configurations do.
//
// Amazon Chime reached end of support on 2026-02-20. The adapter is kept
// small for existing deployments; new ones should use Slack or Microsoft
// Teams.
//
// Each configuration name (chat.Conversation.ChannelID) maps to one webhook
// URL, validated in New against AWS Chatbot's WebhookUrl pattern
// (^https://hooks\.chime\.aws/incomingwebhooks/...\?token=...$). The URL
// carries the room's token, so it is never logged and never appears in an
// error. Messages are rendered as Chime Markdown (Render), with mentions
// such as @All defused, and split into posts of at most 4 KB (Split).
// HTTP 429 and 5xx are retryable *chat.SendError values; 403/404 (webhook
// regenerated or deleted) are permanent.
//
// Chime webhooks cannot receive anything: there is no Listener, and
// Capabilities().Commands is false. A command aimed at a Chime
// configuration should be answered with ErrCommandsUnsupported.
//
// Webhook URLs carry the room's token: the Adapter never logs them nor
// puts them in errors, and printing the Adapter (any fmt verb) or logging
// it (slog) shows only the configuration names.
//
// Flow: notify formatter → chat.Message → Adapter.Send → Chime webhook.
package chime
