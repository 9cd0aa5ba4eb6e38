package command

import (
	"fmt"
	"strings"
)

// Answer completes a pending invocation (one with Missing parameters) with
// a user's reply and parses the command again. The reply is either a value
// for the first missing parameter ("my-fn", or "i-1 i-2" for a list), or
// options in AWS Chatbot's way ("@aws --function-name my-fn"), which may
// give any parameter and replace one given before. The result may still lack parameters: ask again.
//
// The pending state to keep in a Store is inv.Text: Resume(inv.Text, cat)
// returns the same invocation.
func Answer(inv *Invocation, reply string, cat Catalog, opts ...Option) (*Invocation, error) {
	if err := checkLen(reply); err != nil {
		return nil, err
	}
	cleaned := Clean(reply)
	toks, err := split(cleaned)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, &Error{Kind: ErrMissingValue, Msg: "Reply with a value, or `cancel`."}
	}
	if e := checkRefused(toks, newConfig(opts).refused); e != nil {
		return nil, e
	}
	var b strings.Builder
	b.WriteString(withoutOptions(inv.Text, toks))
	if !looksLikeOption(toks[0]) {
		if inv.Complete() {
			return nil, &Error{Kind: ErrNothingPending, Msg: "This command lacks nothing; it can run as it is."}
		}
		b.WriteString(" --")
		b.WriteString(inv.Missing[0].Name)
	}
	for _, t := range toks {
		b.WriteByte(' ')
		if looksLikeOption(t) {
			b.WriteString(t.Text)
		} else {
			b.WriteString(QuoteArg(t.Text))
		}
	}
	return Resume(b.String(), cat, opts...)
}

// withoutOptions drops from text the options the reply gives again, so a
// reply can correct a value ("@aws --region us-west-2").
func withoutOptions(text string, reply []Token) string {
	given := map[string]bool{}
	for _, t := range reply {
		if name, _, _, ok := normOption(t.Text); ok && !t.Quoted {
			given[strings.TrimPrefix(name, "no-")] = true
		}
	}
	if len(given) == 0 {
		return text
	}
	toks, err := split(text)
	if err != nil {
		return text
	}
	var b strings.Builder
	skip := false
	for _, t := range toks {
		if name, _, _, ok := normOption(t.Text); ok && !t.Quoted {
			skip = given[strings.TrimPrefix(name, "no-")]
		}
		if skip {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(text[t.Pos:t.End])
	}
	return b.String()
}

// IsCancel reports whether a reply to a prompt cancels the pending
// command ("cancel", "stop", "abort", "no", in any case, mention removed).
func IsCancel(reply string) bool {
	switch strings.ToLower(strings.Trim(Clean(reply), " .!`")) {
	case "cancel", "stop", "abort", "no", "quit", "exit":
		return true
	}
	return false
}

// Prompt returns the question to ask for a missing parameter, in neutral
// Markdown: "Which `--function-name`? Reply with a value (string, like
// `value`), or `cancel`."
func Prompt(p Param) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Which `--%s`?", p.Name)
	if p.Doc != "" {
		b.WriteString(" (" + strings.TrimSuffix(firstLine(p.Doc), ".") + ")")
	}
	switch {
	case len(p.Enum) > 0:
		b.WriteString(" Reply with one of " + orList(p.Enum) + ", or `cancel`.")
	case p.Type == TypeList:
		fmt.Fprintf(&b, " Reply with one or more values separated by spaces (like `%s`), or `cancel`.", example(&p))
	default:
		fmt.Fprintf(&b, " Reply with %s (like `%s`), or `cancel`.", typeName(&p), example(&p))
	}
	return b.String()
}
