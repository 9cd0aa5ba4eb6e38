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
// 5xx and Slack's transient errors are retryable). Prepare (notify/delivery's
// Preparer) does all of a send but chat.postMessage before the delivery
// layer takes a rate slot: token lookup, inline image uploads, rendering;
// Send is Prepare followed by the post.
//
// Layout (checked by adaptertest.CheckBlockKit): a message with a severity
// keeps its first block (the title) at top level and the rest in the
// coloured attachment, so the top-level text is only the notification
// fallback and is not shown again above the bar. Limits are measured on the
// text as sent, after escaping (an '&' counts five): sections of 3,000
// characters are split or cut with a marker, a linked title whose URL leaves
// no room for a label loses the link, a button whose value is over 2,000
// characters is left out with a note. Image blocks need https (an http
// image becomes a link). Buttons sharing an ID get unique action_ids ("id",
// "id#2", …; ButtonID maps them back) so they sit on one row.
//
// Inline images (an alarm's graph) are uploaded unshared before the post
// and shown by an image block; each such upload is named
// InlineUploadPrefix + a key + the image's name and recorded in the Store
// until a posted message shows it. SweepUploads, or WithUploadSweep(every,
// olderThan) while Listen runs (off by default), deletes the bot's recorded,
// unshared uploads older than olderThan (default an hour): the copies left
// when the process died between an upload and its post. It needs the
// files:read scope besides files:write (missing, the sweep fails with
// ErrMissingScope and nothing is deleted) and a durable Store to find
// uploads across restarts.
//
// Every interaction is acknowledged before any Web API lookup (the
// channel's privacy from conversations.info), in HTTP mode as in Socket
// Mode: Slack shows the user an error after 3 seconds.
//
// Inbound, Listen receives events over Socket Mode (with an app-level token)
// and HTTPHandler over the Events API, slash commands and interactivity
// (verified with the signing secret; a signed request, keyed by the digest of
// its timestamp and body, is accepted once); both feed the same
// chat.Handler: app mentions, direct messages, the /aws slash command, replies
// in threads the bot posted in, button clicks and modal submissions.
//
// The Replier given with each event answers where the user looks: a mention
// in its thread (the thread it was in, or a new one under it); a thread reply
// in that thread; a direct message in the DM (in its thread when it was in
// one); a slash command as a new message in the channel, falling back to the
// command's response_url where the bot cannot post (not a member); a button
// click or a form submission in the thread of the message that carried the
// button. A channel's privacy (Conversation.Private) comes from the event or
// conversations.info; when Slack cannot say, the channel counts as private.
// Form values reach Action.Values exactly as submitted. Replies in threads
// the bot posted in (channels and DMs) come back
// as KindThreadReply; the bot's own messages and Slack's redeliveries of an
// event already handled are dropped.
//
// Tokens come from a single bot token or from the OAuth v2 install flow,
// which keeps one bot token per workspace in a Store. Tokens and secrets are
// held as Secret values: never logged nor put in errors, and an Adapter or
// OAuthConfig printed, logged or JSON-encoded by the host shows none of
// them.
package slack
