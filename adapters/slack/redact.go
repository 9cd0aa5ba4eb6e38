package slack

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
)

// Secret holds a credential (a token, a signing or client secret) so that
// it cannot be printed by accident: every fmt verb, slog, and encoding/json
// (or any encoder using encoding.TextMarshaler) show "[redacted]". The value
// sits behind a pointer, so a Secret nested in an unexported field, which
// fmt prints through reflection without calling its methods, shows only an
// address. Decoding (UnmarshalText) still works, so configuration files can
// carry secrets in; encoding never carries them out, so a configuration
// re-encoded loses them by design. The zero Secret is empty. A Secret is
// immutable and safe for concurrent use.
type Secret struct{ p *string }

// NewSecret returns a Secret holding s.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{p: &s}
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.p == nil || *s.p == "" }

// reveal returns the secret itself, for the one place that needs it (a
// request to Slack).
func (s Secret) reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

const redactedText = "[redacted]"

// String returns "[redacted]", or "" for an empty secret (so a missing
// secret is still visible in a configuration dump).
func (s Secret) String() string {
	if s.IsZero() {
		return ""
	}
	return redactedText
}

// GoString is String for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("slack.Secret(%q)", s.String()) }

// Format prints String for every verb (%x of the secret would otherwise
// be its hex).
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, s.GoString())
	case verb == 'q':
		_, _ = fmt.Fprintf(f, "%q", s.String())
	default:
		_, _ = io.WriteString(f, s.String())
	}
}

// LogValue logs the redacted form.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText encodes the redacted form, never the secret.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText sets the secret, so configurations decode into a Secret.
func (s *Secret) UnmarshalText(b []byte) error {
	*s = NewSecret(string(b))
	return nil
}

var (
	_ fmt.Formatter  = Secret{}
	_ fmt.Stringer   = Secret{}
	_ fmt.GoStringer = Secret{}
	_ slog.LogValuer = Secret{}
)

// The Adapter's secrets are Secrets, so even an Adapter copied by value and
// printed field by field (fmt cannot call methods on a value it cannot
// address, and Adapter holds locks, so its methods take a pointer) shows
// nothing but addresses. The methods below describe a *Adapter.

// String describes the adapter without its tokens and signing secret.
func (a *Adapter) String() string {
	if a == nil {
		return "slack.Adapter(nil)"
	}
	return fmt.Sprintf("slack.Adapter{command: %q, oauth: %t, botToken: %q, appToken: %q, signingSecret: %q}",
		a.command, a.oauth != nil, a.botToken.String(), a.appToken.String(), a.signingSecret.String())
}

// GoString is String for %#v.
func (a *Adapter) GoString() string { return a.String() }

// Format prints String whatever the verb: hosts dump their components in
// debug logs.
func (a *Adapter) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		_, _ = fmt.Fprintf(f, "%q", a.String())
		return
	}
	_, _ = io.WriteString(f, a.String())
}

// MarshalJSON describes the adapter (for a host's status page) without
// its secrets.
func (a *Adapter) MarshalJSON() ([]byte, error) {
	if a == nil {
		return []byte("null"), nil
	}
	// Only whether each secret is set, never its value.
	return json.Marshal(struct {
		Platform      string `json:"platform"`
		Command       string `json:"command"`
		OAuth         bool   `json:"oauth"`
		BotToken      bool   `json:"bot_token"`
		AppToken      bool   `json:"app_token"`
		SigningSecret bool   `json:"signing_secret"`
	}{"slack", a.command, a.oauth != nil, !a.botToken.IsZero(), !a.appToken.IsZero(), !a.signingSecret.IsZero()})
}

// LogValue logs the adapter without its secrets.
func (a *Adapter) LogValue() slog.Value {
	if a == nil {
		return slog.StringValue("slack.Adapter(nil)")
	}
	return slog.GroupValue(
		slog.String("command", a.command),
		slog.Bool("oauth", a.oauth != nil),
		slog.Bool("bot_token", !a.botToken.IsZero()),
		slog.Bool("app_token", !a.appToken.IsZero()),
		slog.Bool("signing_secret", !a.signingSecret.IsZero()),
	)
}

// LogValue logs the OAuth configuration without its client secret.
func (c OAuthConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("client_id", c.ClientID),
		slog.Bool("client_secret", !c.ClientSecret.IsZero()),
		slog.String("redirect_url", c.RedirectURL),
	)
}

var (
	_ fmt.Formatter  = (*Adapter)(nil)
	_ slog.LogValuer = (*Adapter)(nil)
	_ slog.LogValuer = OAuthConfig{}
)
