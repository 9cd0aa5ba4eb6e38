package command

// RequestKind says what a chat message asks for.
type RequestKind int

// Request kinds.
const (
	// KindCommand: an AWS command; Request.Invocation is set (it may have
	// Missing parameters to ask for).
	KindCommand RequestKind = iota + 1
	// KindHelp: help; Request.Help is set.
	KindHelp
	// KindAlias: an alias command (alias create/list/delete/help, run);
	// Request.Alias is set.
	KindAlias
	// KindParams: options alone ("@aws --function-name my-fn"), to add to
	// the pending command of the conversation with Answer(pending,
	// Request.Text, ...).
	KindParams
)

var requestKindNames = [...]string{"", "command", "help", "alias", "params"}

// String returns the kind's name ("command").
func (k RequestKind) String() string {
	if k <= 0 || int(k) >= len(requestKindNames) {
		return "unknown"
	}
	return requestKindNames[k]
}

// Request is a chat message read by Interpret.
type Request struct {
	Kind       RequestKind
	Invocation *Invocation   // KindCommand
	Help       *Help         // KindHelp
	Alias      *AliasCommand // KindAlias
	// Text is the cleaned message (mention and chat formatting removed).
	Text string
}

// Interpret reads any message addressed to the bot: an AWS command, help
// ("help", "ec2 help", "ec2 describe-instances --help", "alias help"), an
// alias command, or options to add to a pending command. It is the bot's
// entry point; Parse is the strict AWS-command parser under it. Errors are
// those of Parse and ParseAliasCommand.
func Interpret(text string, cat Catalog, opts ...Option) (*Request, error) {
	// First, before any work: the parser's allocations grow with the text.
	if err := checkLen(text); err != nil {
		return nil, err
	}
	cleaned := Clean(text)
	toks, err := split(cleaned)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, emptyError()
	}
	req := &Request{Text: cleaned}
	switch {
	case isWord(toks[0], "alias") || isWord(toks[0], "run"):
		ac, err := parseAliasTokens(cleaned, toks)
		if err != nil {
			return nil, err
		}
		if ac.Action == AliasHelp {
			req.Kind, req.Help = KindHelp, AliasHelpText()
			return req, nil
		}
		req.Kind, req.Alias = KindAlias, ac
		return req, nil
	case looksLikeOption(toks[0]) && !isHelpOption(toks[0]):
		cfg := newConfig(opts)
		if e := checkRefused(toks, cfg.refused); e != nil {
			return nil, e
		}
		req.Kind = KindParams
		return req, nil
	}
	cfg := newConfig(opts)
	inv, err := parseTokens(toks, cat, &cfg)
	if err != nil {
		if e, ok := err.(*Error); ok && e.Help != nil {
			req.Kind, req.Help = KindHelp, e.Help
			return req, nil
		}
		return nil, err
	}
	req.Kind, req.Invocation = KindCommand, inv
	return req, nil
}
