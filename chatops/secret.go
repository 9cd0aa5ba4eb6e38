package chatops

import (
	"fmt"
	"log/slog"
)

// Secret is a string that must never reach a log, an error, an audit record
// or a chat message: a Chime webhook URL carries its token in the path. It
// prints as "[redacted]" under every fmt verb, JSON and slog; Reveal returns
// the value for the one place that needs it (the HTTP request).
type Secret string

const redacted = "[redacted]"

// Reveal returns the secret value.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer without the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v (and so %#v of any struct holding a Secret) free of the value.
func (s Secret) GoString() string { return fmt.Sprintf("chatops.Secret(%q)", s.String()) }

// Format covers every verb, including %x and %q, which would otherwise print
// the underlying bytes.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = fmt.Fprint(f, s.GoString())
		return
	}
	_, _ = fmt.Fprint(f, s.String())
}

// MarshalJSON writes the redacted form: a configuration serialised for a
// status page or a debug dump must not carry tokens.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(fmt.Sprintf("%q", s.String())), nil }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
