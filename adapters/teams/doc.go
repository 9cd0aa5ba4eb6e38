// Package teams is opschat's Microsoft Teams adapter, built on the Bot
// Framework (github.com/infracloudio/msbotbuilder-go for the activity schema
// and adapter, with our own token validator and connector client).
//
// Inbound: Adapter is the http.Handler for the bot's messaging endpoint.
// Every request's JWT is validated by Validator (signature against the Bot
// Framework's published keys, issuer, audience = app ID, expiry, serviceurl
// claim, channel endorsement); the activity then becomes a chat.Inbound:
// a channel or group-chat message that mentions the bot is KindMention with
// the bot's mention removed from Text, a personal chat is KindDirectMessage
// (ConversationDirect), and Action.Submit data from our cards is
// KindButtonClick or KindFormSubmit. Every authenticated activity (bot
// installed in a team, channel created, messages) stores a ConversationRef
// per channel in the Store so notifications can later be posted proactively.
// An activity redelivered or replayed (same conversation and activity ID)
// within DefaultDedupWindow is acknowledged and not handled again; the IDs
// are kept in the Store given to WithStore (shared by replicas), else in
// bounded memory. Form values reach Action.Values exactly as submitted.
//
// Addressing, as AWS Chatbot's MicrosoftTeamsChannelConfiguration names it:
// Conversation.WorkspaceID is the tenant ID (TeamsTenantId); TeamID is the
// team's Microsoft 365 group ID (TeamId, the UUID in "Get link to team" as
// groupId=..., sent by Teams as channelData.team.aadGroupId); ChannelID is
// the decoded channel ID "19:...@thread.tacv2" (TeamsChannelId is the
// URL-encoded form; see NormalizeChannelID); ThreadID is the ID of the root
// message of a reply chain.
//
// Outbound: Send renders chat.Message as an Adaptive Card (Render) and posts
// it through the Bot Connector: a new conversation (post) in the channel, a
// reply in a reply chain (conversation "<channel>;messageid=<root>"), or a
// message in a personal chat. HTTP 429, 412 and 5xx are retryable
// *chat.SendError values carrying Retry-After. The bot's access token is
// only ever sent to https service URLs (ErrInsecureServiceURL); tests and
// local emulators on plain-HTTP loopback opt in with
// WithInsecureLoopbackServiceURL. Prepare (notify/delivery's Preparer) does
// all of a send but the connector request before the delivery layer takes
// a rate slot (reference lookup, card, encoding, access token); Send is
// Prepare followed by the request.
//
// Rendering (schema 1.5, checked by adaptertest.CheckAdaptiveCard): command
// output in the aligned layout awsexec writes (header, dash line, padded
// rows) becomes a native Table when it fits (at most 6 columns, 50 rows, 64
// characters a cell); other code blocks and JSON stay monospace with runs of
// spaces, leading spaces and tabs turned into no-break spaces, because Teams
// collapses white space as HTML does. Slack-style ":shortcode:" emoji in
// text and fields become Unicode. Teams shows six actions: with more, the
// first five stay buttons and a "More…" Action.ShowCard holds the rest, so
// no button is lost (the 1.5 overflow mode is not honoured by every client,
// and the official validator counts secondary actions against the limit).
//
// Thread replies: Teams delivers a channel message to a bot only when it
// mentions the bot, unless the app holds the resource-specific consent
// ChannelMessage.Read.Group. Confirmations and prompts ask for a reply in
// their thread, so the example manifest (examples/teamsbot/manifest.json)
// declares it, and an unmentioned reply in a reply chain is KindThreadReply
// (unmentioned root posts are ignored). Without that consent, and in group
// chats (which have no threads), the card's buttons and form do the same.
//
// Flow: Teams → Adapter.ServeHTTP → Listen's chat.Handler (the bot core) →
// chat.Replier → Adapter.Send → Bot Connector.
package teams
