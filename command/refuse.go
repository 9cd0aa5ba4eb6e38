package command

import (
	"fmt"
	"strings"
)

// refusedOptions are the AWS CLI options a chat user may never give, with
// the reason shown to them. Each would make the bot read a file on its host,
// weaken TLS, leak signed requests, or use credentials other than the
// channel's role.
var refusedOptions = map[string]string{
	"endpoint-url":          "it would send requests, signed with the channel's credentials, to another endpoint",
	"profile":               "it would use credentials from the bot's host instead of the channel's role",
	"ca-bundle":             "it reads a certificate file on the bot's host and changes which servers are trusted",
	"no-verify-ssl":         "it turns off TLS certificate verification",
	"debug":                 "it would write request details, including signed headers, to the bot's logs",
	"cli-input-json":        "it reads parameters from a file on the bot's host; give them as options instead",
	"cli-input-yaml":        "it reads parameters from a file on the bot's host; give them as options instead",
	"generate-cli-skeleton": "it prints an input template instead of running the command; see the operation's help instead",
}

// normOption turns an option as typed ("--Endpoint_URL=x", "-profile",
// "—debug") into its canonical name ("endpoint-url") and the inline value
// after "=", if any. ok is false when tok does not look like an option.
func normOption(tok string) (name, value string, hasValue, ok bool) {
	rest, dashed := trimDashes(tok)
	if !dashed || rest == "" || !isLetter(rest[0]) {
		return "", "", false, false
	}
	if i := strings.IndexByte(rest, '='); i >= 0 {
		value, hasValue = rest[i+1:], true
		rest = rest[:i]
	}
	return strings.ReplaceAll(strings.ToLower(rest), "_", "-"), value, hasValue, true
}

// trimDashes removes the leading run of dashes chat clients may produce for
// "--": ASCII hyphens, en and em dashes, the minus sign and the hyphen
// characters of U+2010..U+2012.
func trimDashes(s string) (string, bool) {
	dashed := false
	for {
		switch {
		case strings.HasPrefix(s, "-"):
			s = s[1:]
		case strings.HasPrefix(s, "\u2014"), strings.HasPrefix(s, "\u2013"), strings.HasPrefix(s, "\u2212"),
			strings.HasPrefix(s, "\u2010"), strings.HasPrefix(s, "\u2011"), strings.HasPrefix(s, "\u2012"):
			s = s[3:]
		default:
			return s, dashed
		}
		dashed = true
	}
}

func singleHyphen(s string) bool { return len(s) > 1 && s[0] == '-' && s[1] != '-' }

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// hasFilePrefix reports whether v would make the AWS CLI read a local file.
func hasFilePrefix(v string) bool {
	v = strings.TrimLeft(v, " \t\r\n")
	return len(v) >= 7 && strings.EqualFold(v[:7], "file://") ||
		len(v) >= 8 && strings.EqualFold(v[:8], "fileb://")
}

func refusedValue(v string) *Error {
	return &Error{
		Kind:    ErrRefused,
		Subject: v,
		Msg: "Values starting with `file://` or `fileb://` are not allowed from chat: the AWS CLI would read a file " +
			"on the bot's host. Paste the content itself (JSON works inline).",
	}
}

func refusedOption(typed, name, reason string) *Error {
	return &Error{
		Kind:    ErrRefused,
		Subject: typed,
		Msg:     "The option `--" + name + "` is not allowed from chat: " + reason + ".",
	}
}

// checkRefused returns the first refused option or file value among the
// words, whatever their spelling or position.
func checkRefused(words []Token, extra map[string]string) *Error {
	for _, w := range words {
		if name, v, hasV, ok := normOption(w.Text); ok {
			reason, bad := refusedOptions[name]
			if !bad {
				reason, bad = extra[name]
			}
			// A quoted word is a value to us, but a shell would hand
			// '--debug' to the CLI as an option: refuse those too. A quoted
			// '-debug' is only ever a value (a log filter pattern).
			if bad && (!w.Quoted || !singleHyphen(w.Text)) {
				e := refusedOption(w.Text, name, reason)
				if singleHyphen(w.Text) {
					e.Msg += fmt.Sprintf(" If you meant the value `%s`, quote it: '%s'.", w.Text, w.Text)
				}
				return e
			}
			if hasV && hasFilePrefix(v) {
				return refusedValue(v)
			}
			continue
		}
		if hasFilePrefix(w.Text) {
			return refusedValue(w.Text)
		}
	}
	return nil
}
