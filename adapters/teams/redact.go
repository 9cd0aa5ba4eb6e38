package teams

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
)

// The adapter holds the app password and caches an access token (both in
// the connector's token source, behind pointers, so even an Adapter copied
// by value and printed field by field shows only addresses). The methods
// below make a *Adapter describe itself by its app ID, whatever the
// printer: fmt verbs, slog, encoding/json.

// String describes the adapter by its app ID (not a secret: it is in every
// activity addressed to the bot); the app password is redacted.
func (a *Adapter) String() string {
	if a == nil {
		return "teams.Adapter(nil)"
	}
	return fmt.Sprintf("teams.Adapter{appID: %q, appPassword: %q, serviceURL: %q}", a.appID, "[redacted]", a.defaultServiceURL)
}

// GoString is String for %#v.
func (a *Adapter) GoString() string { return a.String() }

// Format prints String for every verb.
func (a *Adapter) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		_, _ = fmt.Fprintf(f, "%q", a.String())
		return
	}
	_, _ = io.WriteString(f, a.String())
}

// MarshalJSON describes the adapter (for a host's status page) without its
// secrets.
func (a *Adapter) MarshalJSON() ([]byte, error) {
	if a == nil {
		return []byte("null"), nil
	}
	return json.Marshal(struct {
		Platform   string `json:"platform"`
		AppID      string `json:"app_id"`
		ServiceURL string `json:"service_url,omitempty"`
	}{"teams", a.appID, a.defaultServiceURL})
}

// LogValue logs the adapter by its app ID.
func (a *Adapter) LogValue() slog.Value {
	if a == nil {
		return slog.StringValue("teams.Adapter(nil)")
	}
	return slog.GroupValue(slog.String("app_id", a.appID), slog.String("service_url", a.defaultServiceURL))
}

var (
	_ fmt.Stringer   = (*Adapter)(nil)
	_ fmt.Formatter  = (*Adapter)(nil)
	_ slog.LogValuer = (*Adapter)(nil)
)
