package command

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Option configures Parse and the functions built on it.
type Option func(*config)

type config struct {
	refused       map[string]string
	defaultRegion string
	extraRegions  []string
	// placeholders: values holding $name are not converted (alias
	// definitions are checked before their values exist).
	placeholders bool
	// now is the clock of relative times ("logs tail --since 10m");
	// time.Now when nil.
	now func() time.Time
}

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithRefusedOption refuses one more option (name without dashes, such as
// "color") with the reason shown to the user, in every spelling, like the
// built-in refused options (--endpoint-url, --profile, ...).
func WithRefusedOption(name, reason string) Option {
	return func(c *config) {
		if c.refused == nil {
			c.refused = map[string]string{}
		}
		n, _, _, ok := normOption("--" + strings.TrimLeft(name, "-"))
		if ok {
			c.refused[n] = reason
		}
	}
}

// WithDefaultRegion sets Invocation.Region when the command has no
// --region (the channel's remembered region, say). It is not validated.
func WithDefaultRegion(region string) Option {
	return func(c *config) { c.defaultRegion = region }
}

// WithNow sets the clock that relative times are read against ("logs tail
// GROUP --since 10m" becomes a --start-time ten minutes before now()).
// Without it the parser reads time.Now.
func WithNow(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithRegions accepts regions missing from the built-in list (a region
// opened after this release).
func WithRegions(regions ...string) Option {
	return func(c *config) { c.extraRegions = append(c.extraRegions, regions...) }
}

// Global options, besides the refused ones.
const (
	globalRegion = "region"
	globalQuery  = "query"
	globalOutput = "output"
)

// ignoredGlobals are CLI options that change nothing for the bot; they are
// accepted so commands pasted from a terminal still work.
var ignoredGlobals = map[string]bool{"no-cli-pager": true, "no-paginate": true, "no-cli-auto-prompt": true}

// ignoredValued are CLI options with a value that change nothing for the
// bot, with the values accepted. Blobs are always taken as raw text, which
// is what "--cli-binary-format raw-in-base64-out" asks for.
var ignoredValued = map[string][]string{
	"cli-binary-format": {"raw-in-base64-out", "base64"},
	"color":             {"on", "off", "auto"},
}

// paginationOptions are the AWS CLI's options of paginated operations.
var paginationOptions = []string{"max-items", "page-size", "starting-token"}

// Parse reads a command typed in chat ("@aws ec2 describe-instances
// --instance-ids i-1 i-2 --region eu-west-1") and validates it against the
// catalog. Parameters are read as the AWS CLI reads them: see the package
// documentation. Missing required parameters are not an error: they are
// listed in Invocation.Missing for the bot to ask for.
//
// Errors are *SyntaxError or *Error and wrap one of the sentinels
// (ErrUnknownService, ErrUnknownOperation, ErrUnknownParameter,
// ErrInvalidValue, ErrRefused, ErrSyntax, ErrEmpty, ErrHelpRequested, ErrTooLong);
// their UserMessage is written for the chat user. Parse is pure and safe
// for concurrent use if the catalog is.
func Parse(text string, cat Catalog, opts ...Option) (*Invocation, error) {
	if err := checkLen(text); err != nil {
		return nil, err
	}
	cleaned := Clean(text)
	toks, err := split(cleaned)
	if err != nil {
		return nil, err
	}
	cfg := newConfig(opts)
	return parseTokens(toks, cat, &cfg)
}

// Resume parses an Invocation's Text again, as stored for a pending
// command. Unlike Parse it does not clean chat formatting, which Text no
// longer has.
func Resume(text string, cat Catalog, opts ...Option) (*Invocation, error) {
	if err := checkLen(text); err != nil {
		return nil, err
	}
	toks, err := split(text)
	if err != nil {
		return nil, err
	}
	cfg := newConfig(opts)
	return parseTokens(toks, cat, &cfg)
}

func emptyError() *Error {
	return &Error{Kind: ErrEmpty, Msg: "Send an AWS CLI command such as `cloudwatch describe-alarms`.", HelpCommand: "help"}
}

func isHelpWord(t Token) bool { return !t.Quoted && strings.EqualFold(t.Text, "help") }

func isHelpOption(t Token) bool {
	if t.Quoted {
		return false
	}
	name, _, _, ok := normOption(t.Text)
	return ok && (name == "help" || name == "h")
}

func helpError(h *Help) *Error {
	return &Error{Kind: ErrHelpRequested, Msg: h.Title, Help: h}
}

func parseTokens(toks []Token, cat Catalog, cfg *config) (*Invocation, error) {
	if len(toks) == 0 {
		return nil, emptyError()
	}
	if e := checkRefused(toks, cfg.refused); e != nil {
		return nil, e
	}
	wantHelp := false
	for _, t := range toks {
		if isHelpOption(t) {
			wantHelp = true
		}
	}
	if isHelpWord(toks[0]) || (wantHelp && looksLikeOption(toks[0])) {
		// "help", and the reversed "help ec2 describe-instances".
		var svc, op string
		if len(toks) > 1 && !looksLikeOption(toks[1]) {
			svc = toks[1].Text
			if len(toks) > 2 && !looksLikeOption(toks[2]) {
				op = toks[2].Text
			}
		}
		return nil, helpError(HelpFor(cat, svc, op))
	}
	typed := toks
	toks, display, err := highLevel(toks, cfg)
	if err != nil {
		return nil, err
	}
	svcName := strings.ToLower(toks[0].Text)
	svc, ok := cat.Service(svcName)
	if !ok {
		return nil, unknownService(cat, toks[0].Text)
	}
	if len(toks) == 1 || isHelpWord(toks[1]) || (wantHelp && looksLikeOption(toks[1])) {
		if wantHelp || len(toks) > 1 {
			return nil, helpError(HelpFor(cat, svc.Name, ""))
		}
		return nil, &Error{
			Kind: ErrUnknownOperation, Subject: "",
			Msg:         fmt.Sprintf("Which `%s` operation? Give one after the service, such as `%s %s`.", svc.Name, svc.Name, firstOr(cat.Operations(svc.Name), "OPERATION")),
			HelpCommand: svc.Name + " help",
		}
	}
	op, ok := lookupOperation(cat, svc.Name, toks[1].Text)
	if !ok {
		return nil, &Error{
			Kind: ErrUnknownOperation, Subject: toks[1].Text,
			Msg:         fmt.Sprintf("`%s` has no operation `%s`.", svc.Name, toks[1].Text),
			Suggestions: SuggestOperation(toks[1].Text, cat.Operations(svc.Name)),
			HelpCommand: svc.Name + " help",
		}
	}
	if wantHelp || (len(toks) > 2 && isHelpWord(toks[2])) {
		return nil, helpError(HelpFor(cat, svc.Name, op.Name))
	}
	inv := &Invocation{
		Service:   svc.Name,
		Operation: op.Name,
		Op:        op,
	}
	inv.Params = make(map[string]any, 4)
	p := &paramParser{cfg: cfg, inv: inv, op: op, cat: cat}
	p.order = p.orderBuf[:0]
	if err := p.run(toks[2:]); err != nil {
		return nil, err
	}
	// After the parameters: conditional actions depend on which were given.
	inv.IAMActions = iamActions(svc, op, inv.Params)
	inv.IAMAction = inv.IAMActions[0]
	if inv.Region == "" {
		inv.Region = cfg.defaultRegion
	}
	for i := range op.Params {
		if op.Params[i].Required {
			if _, given := inv.Params[op.Params[i].Name]; !given {
				inv.Missing = append(inv.Missing, op.Params[i])
			}
		}
	}
	inv.Text = p.text()
	inv.Display = display
	if display != "" || !sameWords(typed, toks) {
		inv.Typed = joinWords(typed)
	}
	return inv, nil
}

// sameWords reports whether a high-level rewrite left the tokens alone.
func sameWords(a, b []Token) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Text != b[i].Text {
			return false
		}
	}
	return true
}

// joinWords is the command as typed, for Invocation.Typed.
func joinWords(toks []Token) string {
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = t.Text
		if t.Quoted || strings.ContainsAny(t.Text, " \t\n'\"") {
			words[i] = QuoteArg(t.Text)
		}
	}
	return strings.Join(words, " ")
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}

func looksLikeOption(t Token) bool {
	if t.Quoted {
		return false
	}
	_, _, _, ok := normOption(t.Text)
	return ok
}

// lookupOperation finds an operation by CLI name, case-insensitively, or by
// its API name ("DescribeInstances"), which users copy from documentation.
func lookupOperation(cat Catalog, svc, name string) (*Operation, bool) {
	if op, ok := cat.Operation(svc, strings.ToLower(name)); ok {
		return op, true
	}
	if strings.ContainsRune(name, '-') {
		return nil, false
	}
	for _, n := range cat.Operations(svc) {
		op, ok := cat.Operation(svc, n)
		if ok && strings.EqualFold(op.APIName, name) {
			return op, true
		}
	}
	return nil, false
}

// paramParser reads the options after SERVICE OPERATION.
type paramParser struct {
	cfg      *config
	inv      *Invocation
	op       *Operation
	cat      Catalog
	next     *Token       // the word after the current option's values
	order    []givenParam // for the normalised text, in the order given
	orderBuf [6]givenParam
}

type givenParam struct {
	name   string
	values []string // as typed, unquoted
	flag   int      // 1: --flag, -1: --no-flag, 0: takes values
}

func (p *paramParser) helpCmd() string { return p.inv.Service + " " + p.inv.Operation + " help" }

func (p *paramParser) run(toks []Token) error {
	for i := 0; i < len(toks); {
		t := toks[i]
		name, inline, hasInline, isOpt := normOption(t.Text)
		if t.Quoted || !isOpt {
			return p.stray(t)
		}
		i++
		// Values run to the next option.
		start := i
		for i < len(toks) && !looksLikeOption(toks[i]) {
			i++
		}
		vals := toks[start:i:i]
		if hasInline {
			vals = append([]Token{{Text: inline, Pos: t.Pos, End: t.End, Quoted: true}}, vals...)
		}
		p.next = nil
		if i < len(toks) {
			p.next = &toks[i]
		}
		if err := p.option(t, name, vals); err != nil {
			return err
		}
	}
	return nil
}

func (p *paramParser) stray(t Token) error {
	msg := fmt.Sprintf("I don't know what `%s` is for: values go after the option they belong to (`--name value`).", t.Text)
	if len(p.inv.Params) == 0 && len(p.order) == 0 {
		if req := p.requiredNames(); len(req) > 0 {
			msg += fmt.Sprintf(" Perhaps `--%s %s`?", req[0], t.Text)
		}
	}
	return &Error{Kind: ErrUnknownParameter, Subject: t.Text, Msg: msg, HelpCommand: p.helpCmd()}
}

func (p *paramParser) requiredNames() []string {
	var out []string
	for _, prm := range p.op.Params {
		if prm.Required {
			out = append(out, prm.Name)
		}
	}
	return out
}

func (p *paramParser) optionNames() []string {
	names := make([]string, 0, len(p.op.Params)+6)
	for _, prm := range p.op.Params {
		names = append(names, prm.Name)
	}
	names = append(names, globalRegion, globalQuery, globalOutput)
	if p.op.Paginated {
		names = append(names, paginationOptions...)
	}
	return names
}

func (p *paramParser) seen(name string) bool {
	for _, g := range p.order {
		if g.name == name {
			return true
		}
	}
	return false
}

func (p *paramParser) option(t Token, name string, vals []Token) error {
	if ignoredGlobals[name] {
		if len(vals) > 0 {
			return p.tooMany(name, "no value", vals[0])
		}
		return nil
	}
	if allowed, ok := ignoredValued[name]; ok {
		v, err := p.single(name, vals, allowed[0])
		if err != nil {
			return err
		}
		if !slices.Contains(allowed, strings.ToLower(v)) {
			return &Error{Kind: ErrInvalidValue, Subject: v,
				Msg: fmt.Sprintf("`--%s` must be %s; you gave `%s`.", name, orList(allowed), v)}
		}
		return nil
	}
	if p.seen(name) || p.seen(strings.TrimPrefix(name, "no-")) {
		return &Error{Kind: ErrInvalidValue, Subject: t.Text,
			Msg: fmt.Sprintf("`--%s` is given twice; give it once (lists take several values after one option).", name), HelpCommand: p.helpCmd()}
	}
	switch name {
	case globalRegion, globalQuery, globalOutput:
		return p.global(name, vals)
	}
	if p.op.Paginated {
		for _, po := range paginationOptions {
			if name == po {
				return p.pagination(name, vals)
			}
		}
	}
	prm := findParam(p.op.Params, name)
	if prm == nil && strings.HasPrefix(name, "no-") {
		if b := findParam(p.op.Params, name[3:]); b != nil && b.Type == TypeBoolean {
			if len(vals) > 0 {
				return p.tooMany(name, "no value", vals[0])
			}
			p.setParam(b.Name, false, givenParam{name: b.Name, flag: -1})
			return nil
		}
	}
	if prm == nil {
		msg := fmt.Sprintf("`%s %s` has no option `--%s`.", p.inv.Service, p.inv.Operation, name)
		if singleHyphen(t.Text) && len(p.order) > 0 {
			msg += fmt.Sprintf(" If `%s` is a value, quote it: '%s'.", t.Text, t.Text)
		}
		return &Error{Kind: ErrUnknownParameter, Subject: t.Text,
			Msg:         msg,
			Suggestions: prefixed(Suggest(name, p.optionNames())),
			HelpCommand: p.helpCmd()}
	}
	if prm.Type == TypeBoolean {
		switch {
		case len(vals) == 0:
			p.setParam(prm.Name, true, givenParam{name: prm.Name, flag: 1})
			return nil
		case len(vals) == 1 && (strings.EqualFold(vals[0].Text, "true") || strings.EqualFold(vals[0].Text, "false")):
			b := strings.EqualFold(vals[0].Text, "true")
			flag := 1
			if !b {
				flag = -1
			}
			p.setParam(prm.Name, b, givenParam{name: prm.Name, flag: flag})
			return nil
		default:
			return p.tooMany(name, "no value (`--"+name+"` for true, `--no-"+name+"` for false)", vals[0])
		}
	}
	if len(vals) == 0 {
		msg := fmt.Sprintf("`--%s` needs a value, like `--%s %s`.", name, name, example(prm))
		if p.next != nil && singleHyphen(p.next.Text) {
			msg += fmt.Sprintf(" If `%s` is the value, quote it: '%s'.", p.next.Text, p.next.Text)
		}
		return &Error{Kind: ErrMissingValue, Subject: t.Text, Msg: msg, HelpCommand: p.helpCmd()}
	}
	v, err := convertArg(prm, vals, p.cfg)
	if err != nil {
		return err
	}
	g := givenParam{name: prm.Name, values: make([]string, 0, len(vals))}
	for i, t := range vals {
		text := t.Text
		// Echo enum values as the API spells them ("alarm" → "ALARM").
		if s, ok := v.(string); ok && prm.Type == TypeString {
			text = s
		} else if l, ok := v.([]any); ok && prm.Type == TypeList && len(l) == len(vals) {
			if s, ok := l[i].(string); ok {
				text = s
			}
		}
		g.values = append(g.values, text)
	}
	p.setParam(prm.Name, v, g)
	return nil
}

func prefixed(names []string) []string {
	for i, n := range names {
		names[i] = "--" + n
	}
	return names
}

func (p *paramParser) setParam(name string, v any, g givenParam) {
	if p.inv.Params == nil {
		p.inv.Params = make(map[string]any, 4)
	}
	p.inv.Params[name] = v
	p.order = append(p.order, g)
}

func (p *paramParser) tooMany(name, want string, extra Token) error {
	return &Error{Kind: ErrInvalidValue, Subject: extra.Text,
		Msg:         fmt.Sprintf("`--%s` takes %s, but `%s` follows it. Quote a value that contains spaces.", name, want, extra.Text),
		HelpCommand: p.helpCmd()}
}

func (p *paramParser) single(name string, vals []Token, what string) (string, error) {
	if len(vals) == 0 {
		return "", &Error{Kind: ErrMissingValue, Subject: "--" + name,
			Msg: fmt.Sprintf("`--%s` needs a value, like `--%s %s`.", name, name, what), HelpCommand: p.helpCmd()}
	}
	if len(vals) > 1 {
		return "", p.tooMany(name, "one value", vals[1])
	}
	return vals[0].Text, nil
}

func (p *paramParser) global(name string, vals []Token) error {
	switch name {
	case globalRegion:
		r, err := p.single(name, vals, "us-east-1")
		if err != nil {
			return err
		}
		r = strings.ToLower(strings.TrimSpace(r))
		if PartitionOf(r) == "" && !slices.Contains(p.cfg.extraRegions, r) {
			if p.cfg.placeholders && hasPlaceholder(r) {
				p.inv.Region = r
				break
			}
			return &Error{Kind: ErrInvalidValue, Subject: vals[0].Text,
				Msg:         fmt.Sprintf("`%s` is not an AWS region.", vals[0].Text),
				Suggestions: Suggest(r, append(allRegions(), p.cfg.extraRegions...))}
		}
		p.inv.Region = r
	case globalQuery:
		q, err := p.single(name, vals, "'Reservations[].Instances[].InstanceId'")
		if err != nil {
			return err
		}
		q = fixLiterals(q)
		if err := compileQuery(q); err != nil && !(p.cfg.placeholders && hasPlaceholder(q)) {
			return err
		}
		p.inv.Query = q
	case globalOutput:
		o, err := p.single(name, vals, "table")
		if err != nil {
			return err
		}
		o = strings.ToLower(o)
		if o != "json" && o != "table" && o != "text" {
			return &Error{Kind: ErrInvalidValue, Subject: vals[0].Text,
				Msg:         fmt.Sprintf("`--output` must be `json`, `table` or `text`; you gave `%s`.", vals[0].Text),
				Suggestions: Suggest(o, []string{"json", "table", "text"})}
		}
		p.inv.Output = o
	}
	v := vals[0].Text
	switch name {
	case globalRegion:
		v = p.inv.Region
	case globalOutput:
		v = p.inv.Output
	}
	p.order = append(p.order, givenParam{name: name, values: []string{v}})
	return nil
}

func (p *paramParser) pagination(name string, vals []Token) error {
	v, err := p.single(name, vals, "50")
	if err != nil {
		return err
	}
	if name == "starting-token" {
		p.inv.StartingToken = v
	} else {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n <= 0 {
			if !(p.cfg.placeholders && hasPlaceholder(v)) {
				return &Error{Kind: ErrInvalidValue, Subject: v,
					Msg: fmt.Sprintf("`--%s` expects a positive whole number, like `--%s 50`; you gave `%s`.", name, name, v)}
			}
		}
		if name == "max-items" {
			p.inv.MaxItems = n
		} else {
			p.inv.PageSize = n
		}
	}
	p.order = append(p.order, givenParam{name: name, values: []string{v}})
	return nil
}

func findParam(params []Param, name string) *Param {
	for i := range params {
		if params[i].Name == name {
			return &params[i]
		}
	}
	return nil
}
