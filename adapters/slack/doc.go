// Package slack is opschat's Slack adapter, built on github.com/slack-go/slack.
//
// Outbound, it renders a neutral chat.Message as Block Kit (header, mrkdwn
// sections, fields, code blocks, images, context, buttons, a button opening
// a modal for a Form, severity as an attachment colour bar), keeps within
// Slack's limits by truncating and attaching the full text as a file, and
// posts with chat.postMessage, chat.update and files.uploadV2. Every piece of
// text is escaped so that content from AWS or from users can never ping
// <!channel>, <!here> or a user, or forge a link. Web API failures come back
// as *chat.SendError classified for the delivery layer (429 with Retry-After,
// 5xx and Slack's transient errors are retryable).
//
// Inbound, Listen receives events over Socket Mode (with an app-level token)
// and HTTPHandler over the Events API, slash commands and interactivity
// (verified with the signing secret, replays refused); both feed the same
// chat.Handler: app mentions, direct messages, the /aws slash command, replies
// in threads the bot posted in, button clicks and modal submissions.
//
// Tokens come from a single bot token or from the OAuth v2 install flow,
// which keeps one bot token per workspace in a Store. Tokens and secrets are
// never logged nor put in errors.
package slack
