package assist

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opschat/opschat/command"
)

// ReadmeSection is the README section that explains how to enable a model;
// the planner points users (and their administrators) to it.
const ReadmeSection = "Ask questions in plain language"

// Planner answers questions about the account without a model: it finds
// the resource nouns, regions, states and filters in an English question,
// runs one or a few READ-ONLY commands from the catalog through Tools.Run
// and summarises their results. It never proposes or runs a mutating
// command; a question it cannot map (a how-to question, a request to change
// something) is Declined with a plain explanation.
//
// A Planner is immutable and safe for concurrent use; Answer blocks while
// the commands run.
type Planner struct {
	now       func() time.Time
	logWindow time.Duration
	maxKinds  int
	logger    *slog.Logger
}

// PlannerOption configures a Planner.
type PlannerOption func(*Planner)

// WithClock sets the clock used for relative times ("errors in the last
// hour", "since 09:12"); tests pass a fixed one. The default is time.Now.
func WithClock(now func() time.Time) PlannerOption { return func(p *Planner) { p.now = now } }

// WithLogWindow sets how far back a diagnosis looks for errors in logs
// (default one hour).
func WithLogWindow(d time.Duration) PlannerOption { return func(p *Planner) { p.logWindow = d } }

// WithPlannerLogger sets the logger (default: discard). Commands are
// logged at debug level; results never are.
func WithPlannerLogger(l *slog.Logger) PlannerOption { return func(p *Planner) { p.logger = l } }

// NewPlanner returns a Planner.
func NewPlanner(opts ...PlannerOption) (*Planner, error) {
	p := &Planner{now: time.Now, logWindow: time.Hour, maxKinds: 3, logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(p)
	}
	if p.now == nil || p.logger == nil {
		return nil, fmt.Errorf("assist: planner: nil clock or logger: %w", ErrInvalidOption)
	}
	if p.logWindow <= 0 {
		return nil, fmt.Errorf("assist: planner: log window %v: %w", p.logWindow, ErrInvalidOption)
	}
	return p, nil
}

var _ Assistant = (*Planner)(nil)

// Answer implements Assistant. It returns an error only when ctx ends; a
// question it cannot answer is a Declined Answer, and a command that fails
// or is denied is reported in the Answer's text.
func (p *Planner) Answer(ctx context.Context, q Question, tools Tools) (*Answer, error) {
	cat := tools.Catalog()
	in := understand(q.Text, cat)
	if prev, ok := lastUserTurn(q.History); ok {
		in = followUp(in, q.Text, understand(prev, cat))
	}
	switch {
	case in.mutating != "":
		return p.declineChange(in, cat), nil
	case in.subject != "":
		return p.diagnose(ctx, q, in, tools)
	case in.howTo:
		return declineGeneral("That looks like a general question."), nil
	case in.unknownSvc != "":
		// Checked before the kinds: "EKS clusters" are not ECS clusters.
		return declineGeneral(fmt.Sprintf("This bot has no %s commands, so I can't look that up.", in.unknownSvc)), nil
	case len(in.kinds) == 0:
		return declineGeneral("I couldn't tell which resources you mean."), nil
	}
	return p.list(ctx, q, in, tools)
}

// lastUserTurn returns the latest question in the thread before this one.
func lastUserTurn(history []Turn) (string, bool) {
	for i := len(history) - 1; i >= 0; i-- {
		if history[i].Role == RoleUser && strings.TrimSpace(history[i].Text) != "" {
			return history[i].Text, true
		}
	}
	return "", false
}

// followUp completes a follow-up in a thread from the previous question:
// "and in Ireland?" after "how many stopped instances in us-east-1?" asks
// the same in eu-west-1, "what about running ones?" changes the state. A
// question that names its own resources, or is not a follow-up, is
// returned unchanged.
func followUp(in intent, text string, prev intent) intent {
	if len(in.kinds) > 0 || in.subject != "" || in.mutating != "" || in.howTo || in.unknownSvc != "" {
		return in
	}
	if len(prev.kinds) == 0 && prev.subject == "" {
		return in
	}
	lower := strings.ToLower(normalize(text))
	ws := words(lower)
	var states []*selector
	hasState := false
	for _, m := range prev.kinds {
		st := stateIn(ws, m.k)
		states = append(states, st)
		hasState = hasState || st != nil
	}
	cue := strings.HasPrefix(lower, "and ") || strings.HasPrefix(lower, "what about") || strings.HasPrefix(lower, "how about") ||
		strings.HasPrefix(lower, "same ")
	if !cue && !hasState && len(in.regions) == 0 && in.tag[0] == "" && in.nameFilter == "" {
		return in
	}
	out := prev
	if len(in.regions) > 0 || in.allRegions {
		out.regions, out.allRegions = in.regions, in.allRegions
	}
	if in.tag[0] != "" {
		out.tag = in.tag
	}
	if in.nameFilter != "" {
		out.nameFilter, out.namePrefix = in.nameFilter, in.namePrefix
	}
	out.count = in.count || prev.count
	out.kinds = nil
	for i, m := range prev.kinds {
		st := m.state
		if states[i] != nil {
			st = states[i]
		}
		out.kinds = append(out.kinds, &matchedKind{k: m.k, state: st})
	}
	return out
}

// run calls Tools.Run and records the command for Answer.Ran. A command
// the guardrails refused or that needs confirmation is not "ran".
func (p *Planner) run(ctx context.Context, tools Tools, a *Answer, line string) ToolResult {
	p.logger.DebugContext(ctx, "assist: planner runs a command", "command", line)
	r := tools.Run(ctx, line)
	if r.Command == "" {
		r.Command = line
	}
	if r.NeedsConfirmation {
		// The catalog said read-only; a Tools that disagrees wins, and the
		// planner never proposes changes.
		r.Denied = "it would change something, and I only read when answering questions"
		r.NeedsConfirmation = false
	}
	if r.Denied == "" && r.Err == nil {
		a.Ran = append(a.Ran, r.Command)
	}
	return r
}

// list answers "what/how many X do I have [in R] [state] [tagged k=v]".
func (p *Planner) list(ctx context.Context, q Question, in intent, tools Tools) (*Answer, error) {
	a := &Answer{}
	var lines []string
	regions := in.regions
	if len(regions) == 0 {
		regions = []string{q.Region}
	}
	if len(regions) > 3 {
		lines = append(lines, fmt.Sprintf("_I look in at most 3 regions per question; I skipped %s._", strings.Join(regions[3:], ", ")))
		regions = regions[:3]
	}
	if in.allRegions {
		lines = append(lines, fmt.Sprintf("_I don't search every region; I looked in %s. Name the regions you want (up to 3)._", regionList(regions)))
	}
	mk := in.kinds
	if len(mk) > p.maxKinds {
		mk = mk[:p.maxKinds]
	}
	for _, m := range mk {
		regs := regions
		if m.k.global {
			regs = regs[:1]
		}
		for _, region := range regs {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("assist: planner: %w", err)
			}
			line, note := buildList(m, in, region)
			r := p.run(ctx, tools, a, line)
			lines = append(lines, summarizeList(m, in, region, r, note, p.now()))
		}
	}
	a.Text = strings.Join(lines, "\n")
	return a.finish(), nil
}

// buildList returns the command line for one kind in one region, and a note
// for a filter the API cannot apply.
func buildList(m *matchedKind, in intent, region string) (line, note string) {
	k, st := m.k, m.state
	op, list := k.op, k.list
	var args, filters, conds []string
	if st != nil {
		if st.op != "" {
			op, list = st.op, st.list
		}
		args = append(args, st.args...)
		if st.filter != "" {
			filters = append(filters, st.filter)
		}
		if st.cond != "" {
			conds = append(conds, st.cond)
		}
	}
	if in.tag[0] != "" {
		if k.ec2Filters {
			filters = append(filters, "Name=tag:"+in.tag[0]+",Values="+in.tag[1])
		} else {
			note = fmt.Sprintf("_The %s API can't filter by tag, so this is not limited to %s=%s._",
				k.service, chatEscape(in.tag[0]), chatEscape(in.tag[1]))
		}
	}
	if in.nameFilter != "" {
		fn := "contains"
		if in.namePrefix {
			fn = "starts_with"
		}
		conds = append(conds, fmt.Sprintf("%s(%s, '%s')", fn, k.name, in.nameFilter))
	}
	parts := []string{k.service, op}
	parts = append(parts, args...)
	if len(filters) > 0 {
		parts = append(parts, "--filters")
		parts = append(parts, filters...)
	}
	parts = append(parts, "--query", dq(query(list, conds, k.project)))
	if region != "" && !k.global {
		parts = append(parts, "--region", region)
	}
	return strings.Join(parts, " "), note
}

// query builds LIST[?conds].PROJECT.
func query(list string, conds []string, project string) string {
	q := list
	if len(conds) > 0 {
		q += " | [?" + strings.Join(conds, " && ") + "]"
	} else {
		q += "[]"
	}
	if project != "" {
		q += "." + project
	}
	return q
}

// dq double-quotes a value for the command line. The planner's values hold
// no double quote, backslash, dollar or backtick (names are matched by
// wordRE), so no escaping is needed; it is checked anyway.
func dq(s string) string {
	if strings.ContainsAny(s, "\"\\$`") {
		return command.QuoteArg(s)
	}
	return `"` + s + `"`
}

func regionList(regions []string) string {
	var named []string
	for _, r := range regions {
		if r != "" {
			named = append(named, r)
		}
	}
	if len(named) == 0 {
		return "the channel's region"
	}
	return strings.Join(named, ", ")
}

// declineChange answers a request to change something.
func (p *Planner) declineChange(in intent, cat command.Catalog) *Answer {
	text := "I only read from your account when I answer a question; I never change anything."
	if hint := opHint(in, cat); hint != "" {
		text += fmt.Sprintf(" To do it yourself, send the command (see `%s help`); a change always asks for confirmation first.", hint)
	} else {
		text += " To do it yourself, send the AWS CLI command (for example `@aws ec2 stop-instances --instance-ids i-…`); a change always asks for confirmation first."
	}
	return (&Answer{Text: text, Declined: true}).finish()
}

// opHint guesses the operation a change request means ("stop instances" →
// "ec2 stop-instances") when it exists in the catalog, to point to its
// help. It is only a pointer: nothing is proposed or run.
func opHint(in intent, cat command.Catalog) string {
	if len(in.kinds) == 0 {
		return ""
	}
	k := in.kinds[0].k
	verb := in.mutating
	if v, ok := verbOps[verb]; ok {
		verb = v
	}
	noun := strings.ToLower(strings.ReplaceAll(k.key, " ", "-"))
	for _, name := range []string{verb + "-" + noun, verb + "-" + strings.ReplaceAll(strings.ToLower(k.one), " ", "-")} {
		if _, ok := cat.Operation(k.service, name); ok {
			return k.service + " " + name
		}
	}
	return ""
}

// declineGeneral answers a question the planner cannot map to commands.
func declineGeneral(why string) *Answer {
	text := why + " Without a model I can only answer questions about the resources in your account, such as " +
		"“what lambda functions do I have in us-west-1?”, “how many instances are stopped?” or " +
		"“what's wrong with checkout-api?”. To answer general questions, the bot's administrator can enable " +
		"Amazon Bedrock (`assist.NewBedrock` with a model ID; see the README section “" + ReadmeSection + "”)."
	return (&Answer{Text: text, Declined: true}).finish()
}

// epochMillis formats t for --start-time of logs filter-log-events.
func epochMillis(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// sortedKeys returns m's keys in order, for output that does not depend on
// map order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
