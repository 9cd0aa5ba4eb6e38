package chime

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
)

// webhookURL returns one webhook URL. It is a closure rather than a string
// so that where fmt cannot call the Adapter's own methods (an Adapter in an
// unexported field of a host's struct, printed through reflection with any
// verb), all it can print is a function's address: the URL's token is out
// of reflection's reach.
type webhookURL func() string

func newWebhookURL(u string) webhookURL { return func() string { return u } }

// The methods below use value receivers so that both Adapter and *Adapter
// have them: fmt and slog would otherwise print a dereferenced Adapter
// field by field, webhook URLs included.

// names returns the configuration names, sorted.
func (a Adapter) names() []string {
	names := make([]string, 0, len(a.hooks))
	for n := range a.hooks {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// String describes the adapter by its configuration names; the webhook
// URLs (which carry the rooms' tokens) are redacted.
func (a Adapter) String() string {
	return fmt.Sprintf("chime.Adapter{webhooks: %s}", a.redactedHooks())
}

// GoString is String for %#v.
func (a Adapter) GoString() string {
	return fmt.Sprintf("chime.Adapter{hooks: map[string]string%s}", a.redactedHooks())
}

func (a Adapter) redactedHooks() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range a.names() {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q: %q", n, "REDACTED")
	}
	b.WriteByte('}')
	return b.String()
}

// Format makes every fmt verb (%v, %+v, %#v, %s, %q, %x, ...) print the
// redacted description instead of the adapter's fields.
func (a Adapter) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, a.GoString())
	case verb == 'q':
		_, _ = fmt.Fprintf(f, "%q", a.String())
	default:
		_, _ = io.WriteString(f, a.String())
	}
}

// LogValue logs the adapter as its configuration names, without the
// webhook URLs.
func (a Adapter) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("webhooks", a.names()),
		slog.String("urls", "REDACTED"),
	)
}

// MarshalJSON describes the adapter (for a host's status page) by its
// configuration names, without the webhook URLs.
func (a Adapter) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Platform string   `json:"platform"`
		Webhooks []string `json:"webhooks"`
	}{"chime", a.names()})
}

var (
	_ json.Marshaler = Adapter{}
	_ fmt.Stringer   = Adapter{}
	_ fmt.GoStringer = Adapter{}
	_ fmt.Formatter  = Adapter{}
	_ slog.LogValuer = Adapter{}
)
