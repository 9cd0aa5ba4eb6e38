package command

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Alias limits, as AWS Chatbot documents them.
const (
	MaxAliasNameLen    = 100
	MaxAliasCommandLen = 5000
)

// Alias is a named command with $placeholders, defined per channel
// configuration ("alias create stop ec2 stop-instances --instance-ids $id",
// then "run stop i-123"). The bot stores aliases (see MarshalJSON and
// DecodeAlias); this package validates and expands them. An Alias is a
// plain value, safe to share once built.
type Alias struct {
	// Name is what "run NAME" uses: 1–100 letters, digits, "-" or "_".
	Name string `json:"name"`
	// Command is the command text, at most 5,000 characters.
	Command string `json:"command"`
	// Placeholders are the $names of Command in order of first use; a
	// positional run assigns values in this order.
	Placeholders []string `json:"placeholders,omitempty"`
	// Action is the main IAM action the command needs
	// ("ec2:StopInstances"); Actions[0]. Kept for stored aliases and callers
	// that show one action.
	Action string `json:"action,omitempty"`
	// Actions are all the IAM actions the command as written needs (see
	// Invocation.IAMActions), so the bot can check every one against the
	// guardrails at creation. Values given at run time can add conditional
	// actions; the run is authorized again on its own invocation.
	Actions []string `json:"actions,omitempty"`
}

// NewAlias validates an alias: the name, the length, and the command,
// which must parse against the catalog with its placeholders standing in
// for values (refused options and file:// values are rejected here and
// again at run). Missing required parameters are allowed: the run prompts
// for them. The bot should also check Actions against the guardrails.
func NewAlias(name, command string, cat Catalog, opts ...Option) (*Alias, error) {
	if err := validAliasName(name); err != nil {
		return nil, err
	}
	command = strings.TrimSpace(command)
	if command == "" {
		return nil, aliasErr("The alias `"+name+"` needs a command: `alias create "+name+" ec2 describe-instances --instance-ids $id`.", name)
	}
	if n := utf8.RuneCountInString(command); n > MaxAliasCommandLen {
		return nil, aliasErr(fmt.Sprintf("An alias command can be at most %d characters; this one has %d.", MaxAliasCommandLen, n), name)
	}
	toks, err := split(command)
	if err != nil {
		return nil, err
	}
	if len(toks) > 0 && (strings.EqualFold(toks[0].Text, "run") || strings.EqualFold(toks[0].Text, "alias")) {
		return nil, aliasErr("An alias runs an AWS command, not another alias.", name)
	}
	for i, t := range toks {
		rest, dashed := trimDashes(t.Text)
		name, _, _ := strings.Cut(rest, "=")
		if i < 2 && hasPlaceholder(t.Text) || dashed && !t.Quoted && hasPlaceholder(name) {
			return nil, aliasErr(fmt.Sprintf("Placeholders stand for values; `%s` is in the place of a service, operation or option.", t.Text), name)
		}
	}
	cfg := newConfig(opts)
	cfg.placeholders = true
	inv, err := parseTokens(toks, cat, &cfg)
	if err != nil {
		return nil, err
	}
	return &Alias{Name: name, Command: command, Placeholders: placeholdersIn(command), Action: inv.IAMAction, Actions: inv.IAMActions}, nil
}

func aliasErr(msg, subject string) *Error {
	return &Error{Kind: ErrInvalidAlias, Subject: subject, Msg: msg, HelpCommand: "alias help"}
}

func validAliasName(name string) error {
	if name == "" {
		return aliasErr("An alias needs a name: `alias create NAME COMMAND`.", name)
	}
	if n := utf8.RuneCountInString(name); n > MaxAliasNameLen {
		return aliasErr(fmt.Sprintf("An alias name can be at most %d characters; this one has %d.", MaxAliasNameLen, n), name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(isLetter(c) || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return aliasErr("An alias name may use letters, digits, `-` and `_` only; `"+name+"` does not.", name)
		}
	}
	return nil
}

// placeholdersIn returns the distinct $names (or ${names}) of s, in order
// of first use. A name is a letter followed by letters, digits, "_" or
// "-", without a trailing "-".
func placeholdersIn(s string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			continue
		}
		name, n := placeholderAt(s, i)
		if n == 0 {
			continue
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
		i += n - 1
	}
	return out
}

// placeholderAt reads a placeholder at s[i] == '$' and returns its name
// and length in s, or 0 when there is none.
func placeholderAt(s string, i int) (string, int) {
	j := i + 1
	braced := j < len(s) && s[j] == '{'
	if braced {
		j++
	}
	start := j
	if j >= len(s) || !isLetter(s[j]) {
		return "", 0
	}
	for j < len(s) && (isLetter(s[j]) || s[j] >= '0' && s[j] <= '9' || s[j] == '_' || s[j] == '-') {
		j++
	}
	end := j
	for end > start && s[end-1] == '-' {
		end--
	}
	if braced {
		if end != j || j >= len(s) || s[j] != '}' {
			return "", 0
		}
		return s[start:end], j + 1 - i
	}
	return s[start:end], end - i
}

// DecodeAlias reads an alias stored by the bot (JSON from Alias's
// encoding) and checks it again: stored data is not trusted. Use NewAlias
// to also validate the command against the catalog.
func DecodeAlias(data []byte) (*Alias, error) {
	var a Alias
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("command: decode alias: %w", err)
	}
	if err := validAliasName(a.Name); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(a.Command) > MaxAliasCommandLen || strings.TrimSpace(a.Command) == "" {
		return nil, aliasErr("The stored alias `"+a.Name+"` has an invalid command.", a.Name)
	}
	a.Placeholders = placeholdersIn(a.Command)
	// Aliases stored before Actions existed carry Action alone.
	if len(a.Actions) == 0 && a.Action != "" {
		a.Actions = []string{a.Action}
	}
	if a.Action == "" && len(a.Actions) > 0 {
		a.Action = a.Actions[0]
	}
	return &a, nil
}

// Expand substitutes placeholder values into the alias command and returns
// the command text (for Resume). Named values win; positional values fill
// the remaining placeholders in order. Each value stays one value: it
// cannot add options or words to the command, whatever it contains, and
// inside a bracketed JSON value it is JSON-escaped.
func (a *Alias) Expand(positional []string, named map[string]string) (string, error) {
	vals := make(map[string]string, len(a.Placeholders))
	for k, v := range named {
		ph := ""
		for _, p := range a.Placeholders {
			if strings.EqualFold(p, strings.TrimLeft(k, "-$")) {
				ph = p
			}
		}
		if ph == "" {
			return "", &Error{Kind: ErrUnknownParameter, Subject: k,
				Msg:         fmt.Sprintf("The alias `%s` has no placeholder `$%s`; its placeholders are %s.", a.Name, k, andList(dollar(a.Placeholders))),
				Suggestions: dollar(Suggest(k, a.Placeholders)), HelpCommand: "alias list"}
		}
		vals[ph] = v
	}
	next := 0
	for _, p := range a.Placeholders {
		if _, ok := vals[p]; ok {
			continue
		}
		if next < len(positional) {
			vals[p] = positional[next]
			next++
		}
	}
	if next < len(positional) {
		return "", &Error{Kind: ErrInvalidValue, Subject: positional[next],
			Msg: fmt.Sprintf("The alias `%s` takes %d value(s) but got more: `%s` is extra. Usage: `%s`.", a.Name, len(a.Placeholders), positional[next], a.Usage())}
	}
	var missing []string
	for _, p := range a.Placeholders {
		if _, ok := vals[p]; !ok {
			missing = append(missing, "$"+p)
		}
	}
	if len(missing) > 0 {
		return "", &Error{Kind: ErrMissingValue, Subject: missing[0],
			Msg: fmt.Sprintf("The alias `%s` needs a value for %s. Usage: `%s`.", a.Name, andList(missing), a.Usage())}
	}
	toks, err := split(a.Command)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			b.WriteByte(' ')
		}
		if _, val, hasVal, isOpt := normOption(t.Text); isOpt && !t.Quoted {
			if hasVal && strings.IndexByte(val, '$') >= 0 {
				// --option=$value: the value is filled and written as the
				// option's first value word, quoted like any value, which
				// the parser reads exactly as the inline form.
				b.WriteString(t.Text[:len(t.Text)-len(val)-1])
				b.WriteByte(' ')
				b.WriteString(QuoteArg(substitute(val, vals, t.Raw)))
				continue
			}
			b.WriteString(t.Text)
			continue
		}
		b.WriteString(QuoteArg(substitute(t.Text, vals, t.Raw)))
	}
	return b.String(), nil
}

// Usage returns how to run the alias ("run stop ID").
func (a *Alias) Usage() string {
	u := "run " + a.Name
	for _, p := range a.Placeholders {
		u += " " + strings.ToUpper(p)
	}
	return u
}

func dollar(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "$" + n
	}
	return out
}

func substitute(s string, vals map[string]string, raw bool) string {
	if strings.IndexByte(s, '$') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '$' {
			if name, n := placeholderAt(s, i); n > 0 {
				v := vals[name]
				if raw {
					v = jsonEscape(v)
				}
				b.WriteString(v)
				i += n - 1
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func jsonEscape(s string) string {
	q, _ := json.Marshal(s)
	return string(q[1 : len(q)-1])
}

// Invocation expands the alias and parses the result like any command, so
// refused options and file:// values are caught again at run time.
func (a *Alias) Invocation(positional []string, named map[string]string, cat Catalog, opts ...Option) (*Invocation, error) {
	text, err := a.Expand(positional, named)
	if err != nil {
		return nil, err
	}
	return Resume(text, cat, opts...)
}

// AliasAction is what an alias command asks for.
type AliasAction int

// Alias actions.
const (
	AliasHelp AliasAction = iota + 1
	AliasCreate
	AliasList
	AliasDelete
	AliasRun
)

var aliasActionNames = [...]string{"", "help", "create", "list", "delete", "run"}

// String returns the sub-command ("create").
func (a AliasAction) String() string {
	if a <= 0 || int(a) >= len(aliasActionNames) {
		return "unknown"
	}
	return aliasActionNames[a]
}

// AliasCommand is a parsed alias chat command.
type AliasCommand struct {
	Action AliasAction
	// Name of the alias (create, delete, run).
	Name string
	// Command is the alias command as typed (create); NewAlias validates it.
	Command string
	// Args are the positional values and Named the --placeholder values
	// (run).
	Args  []string
	Named map[string]string
}

var aliasSubcommands = []string{"create", "list", "delete", "run", "help"}

// ParseAliasCommand reads "alias create NAME COMMAND", "alias list",
// "alias delete NAME", "alias help", "alias run NAME ..." and "run NAME
// v1 v2" or "run NAME --placeholder v". It checks the syntax only; the bot
// looks the alias up and calls NewAlias or Alias.Invocation.
func ParseAliasCommand(text string) (*AliasCommand, error) {
	if err := checkLen(text); err != nil {
		return nil, err
	}
	cleaned := Clean(text)
	toks, err := split(cleaned)
	if err != nil {
		return nil, err
	}
	return parseAliasTokens(cleaned, toks)
}

func isWord(t Token, w string) bool { return !t.Quoted && strings.EqualFold(t.Text, w) }

func parseAliasTokens(cleaned string, toks []Token) (*AliasCommand, error) {
	if len(toks) == 0 || !(isWord(toks[0], "alias") || isWord(toks[0], "run")) {
		return nil, aliasErr("Alias commands start with `alias` or `run`.", "")
	}
	if isWord(toks[0], "run") {
		return parseRun(toks[1:])
	}
	if len(toks) == 1 || isWord(toks[1], "help") || isHelpOption(toks[1]) {
		return &AliasCommand{Action: AliasHelp}, nil
	}
	sub := strings.ToLower(toks[1].Text)
	switch sub {
	case "list":
		return &AliasCommand{Action: AliasList}, nil
	case "delete", "remove":
		if len(toks) != 3 {
			return nil, aliasErr("Usage: `alias delete NAME`.", sub)
		}
		if err := validAliasName(toks[2].Text); err != nil {
			return nil, err
		}
		return &AliasCommand{Action: AliasDelete, Name: toks[2].Text}, nil
	case "create":
		if len(toks) < 4 {
			return nil, aliasErr("Usage: `alias create NAME COMMAND`, for example `alias create stop ec2 stop-instances --instance-ids $id`.", sub)
		}
		if err := validAliasName(toks[2].Text); err != nil {
			return nil, err
		}
		return &AliasCommand{Action: AliasCreate, Name: toks[2].Text, Command: strings.TrimSpace(cleaned[toks[3].Pos:])}, nil
	case "run":
		return parseRun(toks[2:])
	}
	return nil, &Error{Kind: ErrInvalidAlias, Subject: toks[1].Text,
		Msg:         fmt.Sprintf("`alias %s` is not an alias command.", toks[1].Text),
		Suggestions: Suggest(toks[1].Text, aliasSubcommands), HelpCommand: "alias help"}
}

func parseRun(toks []Token) (*AliasCommand, error) {
	if len(toks) == 0 {
		return nil, aliasErr("Which alias? Usage: `run NAME VALUE...`; `alias list` shows the aliases.", "")
	}
	if err := validAliasName(toks[0].Text); err != nil {
		return nil, err
	}
	if e := checkRefused(toks[1:], nil); e != nil {
		return nil, e
	}
	ac := &AliasCommand{Action: AliasRun, Name: toks[0].Text}
	for i := 1; i < len(toks); i++ {
		t := toks[i]
		if name, v, hasV, ok := normOption(t.Text); ok && !t.Quoted {
			if !hasV {
				if i+1 >= len(toks) {
					return nil, &Error{Kind: ErrMissingValue, Subject: t.Text,
						Msg: fmt.Sprintf("`--%s` needs a value: `run %s --%s VALUE`.", name, ac.Name, name)}
				}
				i++
				v = toks[i].Text
			}
			if ac.Named == nil {
				ac.Named = map[string]string{}
			}
			ac.Named[name] = v
			continue
		}
		ac.Args = append(ac.Args, t.Text)
	}
	return ac, nil
}

// AliasHelpText returns the help about aliases.
func AliasHelpText() *Help {
	return &Help{Title: "Aliases", Text: strings.Join([]string{
		"Aliases are shortcuts for commands, shared by everyone in this channel.",
		"• `alias create NAME COMMAND` – `$words` in the command are placeholders, e.g. `alias create stop ec2 stop-instances --instance-ids $id`",
		"• `run NAME VALUE...` – values fill the placeholders in order: `run stop i-0abc`",
		"• `run NAME --placeholder VALUE` – by name: `run stop --id i-0abc`",
		"• `alias list`, `alias delete NAME`",
		fmt.Sprintf("Names: up to %d letters, digits, `-` or `_`; commands up to %d characters.", MaxAliasNameLen, MaxAliasCommandLen),
	}, "\n")}
}
