// Package chat is opschat's shared vocabulary: the platform-neutral rich
// Message, the Inbound event, conversation and message references, and the
// adapter interfaces (Sender, Listener and the optional Updater and
// FileUploader).
//
// Notifications flow source → decode → route → format → chat.Message →
// Sender. Commands flow Listener → chat.Inbound → Handler → Replier. Adapters
// (Slack, Teams, Chime, console, fake) translate between these types and a
// platform; the core never sees platform types.
//
// Optional capabilities are extra interfaces checked by type assertion; a
// capability an adapter lacks yields ErrUnsupported. Delivery failures are
// *SendError values that say whether a retry may help.
//
// The package imports only the standard library.
package chat
