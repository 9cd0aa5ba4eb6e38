package slack

import (
	"fmt"
	"log/slog"
)

// Format prints the adapter without its tokens and signing secret, whatever
// the verb: hosts dump their components in debug logs.
func (a *Adapter) Format(f fmt.State, verb rune) {
	if a == nil {
		fmt.Fprint(f, "slack.Adapter(nil)")
		return
	}
	fmt.Fprintf(f, "slack.Adapter{command: %q, oauth: %t, botToken: %s, appToken: %s, signingSecret: %s}",
		a.command, a.oauth != nil, redacted(a.botToken), redacted(a.appToken), redacted(a.signingSecret))
}

// LogValue logs the adapter without its secrets.
func (a *Adapter) LogValue() slog.Value {
	if a == nil {
		return slog.StringValue("slack.Adapter(nil)")
	}
	return slog.GroupValue(
		slog.String("command", a.command),
		slog.Bool("oauth", a.oauth != nil),
		slog.Bool("bot_token", a.botToken != ""),
		slog.Bool("app_token", a.appToken != ""),
		slog.Bool("signing_secret", a.signingSecret != ""),
	)
}

// Format prints the OAuth configuration without its client secret.
func (c OAuthConfig) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "slack.OAuthConfig{ClientID: %q, ClientSecret: %s, RedirectURL: %q, Scopes: %q, AuthorizeURL: %q, SuccessURL: %q}",
		c.ClientID, redacted(c.ClientSecret), c.RedirectURL, c.Scopes, c.AuthorizeURL, c.SuccessURL)
}

// LogValue logs the OAuth configuration without its client secret.
func (c OAuthConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("client_id", c.ClientID),
		slog.Bool("client_secret", c.ClientSecret != ""),
		slog.String("redirect_url", c.RedirectURL),
	)
}

func redacted(s string) string {
	if s == "" {
		return `""`
	}
	return "[redacted]"
}
