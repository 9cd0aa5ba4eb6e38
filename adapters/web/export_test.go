package web

import "encoding/hex"

// KeyHex exposes the CSRF key to the conformance suite's secret check.
func KeyHex(a *Adapter) string { return hex.EncodeToString(a.key.b[:]) }

// LastHTML returns the markup of the latest message, as the page gets it.
func LastHTML(a *Adapter) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.msgs) == 0 {
		return ""
	}
	return string(a.renderEntry(a.msgs[len(a.msgs)-1]))
}
