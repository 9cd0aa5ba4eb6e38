// Package web is a chat adapter whose platform is a browser page: the chat
// pane of the opschat playground, and a way to try a bot with no chat
// workspace, like the console adapter but with buttons, forms, threads and
// files as a real chat client shows them.
//
// The Adapter is an http.Handler. It serves one self-contained page (plain
// HTML, CSS and JavaScript embedded in the binary: no build step, no
// external asset, works offline), a Server-Sent Events stream of the bot's
// messages, and an endpoint for what the user does: typed text, thread
// replies, button clicks and form submissions. Those become chat.Inbound
// events for the handler given to Listen, exactly as the Slack or Teams
// adapters deliver them, so the bot under test runs its production path.
//
// Every request must name a loopback host (or one allowed with
// WithAllowedHosts), which defeats DNS rebinding; state-changing requests
// must also come from the page itself (Origin / Sec-Fetch-Site) and carry
// the per-page CSRF token the page was served with; bodies are capped.
// ListenLoopback refuses to bind anything but a loopback address.
//
// Views (WithViews) let a host show each message as other platforms would:
// the playground renders the Slack, Teams and Chime payloads the real
// adapters produce, and the page switches between them.
package web
