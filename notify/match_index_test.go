package notify

import (
	"strings"
	"testing"
)

// FuzzGlob holds the run-based wildcard matcher to the token-by-token one
// it replaced (kept as legacyGlobMatch).
func FuzzGlob(f *testing.F) {
	for _, s := range [][2]string{
		{"Unauthorized*SSH*", "UnauthorizedAccess:EC2/SSHBruteForce"},
		{"a*b*a", "aba"}, {"*", ""}, {`x\*y*`, "x*yz"}, {`dir\\*`, `dir\file`}, {"ab*ab*ab", "ababab"}, {`tail\`, `tail\`},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if got, want := globMatch(pattern, s), legacyGlobMatch(pattern, s); got != want {
			t.Fatalf("globMatch(%q, %q) = %v, legacy %v", pattern, s, got, want)
		}
	})
}

// FuzzAppendLower holds the lowering of equals-ignore-case values to
// strings.ToLower, appended after existing bytes.
func FuzzAppendLower(f *testing.F) {
	for _, s := range []string{"GuardDuty Finding", "", "ÀÉÎ mixed ASCII", "K\u212a", "\xff\xfeAB", "İstanbul"} {
		f.Add("prefix:", s)
	}
	f.Fuzz(func(t *testing.T, prefix, s string) {
		got := string(appendLower([]byte(prefix), []byte(s)))
		if want := prefix + strings.ToLower(s); got != want {
			t.Fatalf("appendLower(%q, %q) = %q, want %q", prefix, s, got, want)
		}
	})
}
