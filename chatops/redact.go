package chatops

import (
	"regexp"
	"strings"
)

// secretFlag matches CLI parameters whose values are secrets by name:
// --master-user-password, --secret-string, --private-key, --auth-token,
// --client-secret, --credentials ... Pagination tokens are not secrets and
// stay readable (see notSecret).
var secretFlag = regexp.MustCompile(`(?i)--[a-z0-9-]*(?:password|passwd|secret|private-key|privatekey|passphrase|credential|token|api-key|apikey|access-key)[a-z0-9-]*`)

// notSecret lists suffixes of matching names that carry no secret.
var notSecret = []string{"next-token", "starting-token", "continuation-token", "pagination-token", "client-token", "idempotency-token", "secret-id", "secret-arn", "token-type"}

// RedactSecrets returns text with the values of secret-looking parameters
// (--password X, --secret-string=X, --private-key "...") replaced by
// "****". The bot applies it to every audit record and to every echo of a
// command in chat; the command itself still runs with the real value. It is
// a name heuristic: a secret in a parameter with an innocent name (a JSON
// payload's field) is not found, which is why credential services and
// secret-returning operations are blocked outright.
func RedactSecrets(text string) string {
	locs := secretFlag.FindAllStringIndex(text, -1)
	if locs == nil {
		return text
	}
	var b strings.Builder
	last := 0
	for _, loc := range locs {
		if loc[0] < last {
			continue // inside a value already redacted
		}
		name := strings.ToLower(text[loc[0]:loc[1]])
		if hasAnySuffix(name, notSecret) || loc[1] < len(text) && !isFlagEnd(text[loc[1]]) {
			continue
		}
		start, end, ok := valueAfter(text, loc[1])
		if !ok {
			continue
		}
		b.WriteString(text[last:start])
		b.WriteString("****")
		last = end
	}
	b.WriteString(text[last:])
	return b.String()
}

func isFlagEnd(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '=' }

func hasAnySuffix(s string, suffixes []string) bool {
	for _, suf := range suffixes {
		if strings.HasSuffix(s, suf) {
			return true
		}
	}
	return false
}

// valueAfter finds the value of the flag ending at i: "=value" or
// whitespace then a token that is not itself a flag. Quoted values (ASCII
// or typographic quotes, as chat clients send them) run to the closing
// quote, or to the end of the text when unclosed.
func valueAfter(text string, i int) (start, end int, ok bool) {
	if i < len(text) && text[i] == '=' {
		i++
	} else {
		j := i
		for j < len(text) && (text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r') {
			j++
		}
		if j == i || j >= len(text) || strings.HasPrefix(text[j:], "--") {
			return 0, 0, false
		}
		i = j
	}
	if i >= len(text) {
		return 0, 0, false
	}
	for _, q := range [][2]string{{`"`, `"`}, {`'`, `'`}, {"“", "”"}, {"‘", "’"}, {"`", "`"}} {
		if strings.HasPrefix(text[i:], q[0]) {
			rest := text[i+len(q[0]):]
			if k := strings.Index(rest, q[1]); k >= 0 {
				return i, i + len(q[0]) + k + len(q[1]), true
			}
			return i, len(text), true
		}
	}
	end = i
	for end < len(text) && !strings.ContainsRune(" \t\n\r", rune(text[end])) {
		end++
	}
	return i, end, true
}
