package command

import (
	"fmt"
	"strings"
)

// Help is help text generated from the catalog, for the bot to render.
type Help struct {
	// Title is a short heading ("ec2 describe-instances").
	Title string
	// Text is the body in neutral Markdown (**bold**, `code`, one item per
	// line), which chat.ParseMarkdown reads.
	Text string
}

// maxListedOperations bounds the per-operation lines of service help; a
// service with more (ec2 has hundreds) lists names only.
const maxListedOperations = 40

// HelpFor returns help about the catalog (service and operation empty),
// a service (its operations) or an operation (its parameters, required
// ones first, with types and allowed values). An unknown service or
// operation gives the help one level up, with a note. HelpFor is pure.
func HelpFor(cat Catalog, service, operation string) *Help {
	if service == "" {
		return catalogHelp(cat)
	}
	svc, ok := cat.Service(strings.ToLower(service))
	if !ok {
		h := catalogHelp(cat)
		e := unknownService(cat, service)
		h.Text = fmt.Sprintf("%s%s\n\n%s", e.Msg, didYouMean(e.Suggestions), h.Text)
		return h
	}
	if operation == "" {
		return serviceHelp(cat, svc)
	}
	op, ok := lookupOperation(cat, svc.Name, operation)
	if !ok {
		h := serviceHelp(cat, svc)
		h.Text = fmt.Sprintf("`%s` has no operation `%s`.%s\n\n%s", svc.Name, operation,
			didYouMean(SuggestOperation(operation, cat.Operations(svc.Name))), h.Text)
		return h
	}
	return operationHelp(svc, op)
}

func didYouMean(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return " Did you mean " + orList(s) + "?"
}

func catalogHelp(cat Catalog) *Help {
	var b strings.Builder
	b.WriteString("Run AWS CLI commands here: `SERVICE OPERATION --option value`, for example `cloudwatch describe-alarms --state-value ALARM --region us-east-1`.\n")
	b.WriteString("Lists take several values (`--instance-ids i-1 i-2`); structures take shorthand (`Name=tag:env,Values=prod`) or JSON.\n")
	b.WriteString("Options for every command: `--region`, `--query` (JMESPath), `--output json|table|text`.\n")
	b.WriteString("**Services:** ")
	b.WriteString(codeList(cat.Services()))
	b.WriteString("\nSend `SERVICE help` for its operations, `SERVICE OPERATION help` for its options, `alias help` for aliases.")
	return &Help{Title: "AWS commands", Text: b.String()}
}

func codeList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = "`" + s + "`"
	}
	return strings.Join(q, ", ")
}

func serviceHelp(cat Catalog, svc Service) *Help {
	var b strings.Builder
	if svc.Doc != "" {
		b.WriteString(svc.Doc)
		b.WriteString("\n")
	}
	ops := cat.Operations(svc.Name)
	b.WriteString("**Operations:**")
	if len(ops) > maxListedOperations {
		b.WriteString(" ")
		b.WriteString(codeList(ops))
	} else {
		for _, name := range ops {
			b.WriteString("\n• `" + name + "`")
			if op, ok := cat.Operation(svc.Name, name); ok && op.Doc != "" {
				b.WriteString(" – " + firstLine(op.Doc))
			}
		}
	}
	fmt.Fprintf(&b, "\nSend `%s OPERATION help` for the options of one operation.", svc.Name)
	return &Help{Title: svc.Name, Text: b.String()}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

func operationHelp(svc Service, op *Operation) *Help {
	var b strings.Builder
	if op.Doc != "" {
		b.WriteString(firstLine(op.Doc))
		b.WriteString("\n")
	}
	usage := svc.Name + " " + op.Name
	var req, opt []*Param
	for i := range op.Params {
		if op.Params[i].Required {
			req = append(req, &op.Params[i])
			usage += " --" + op.Params[i].Name + " " + example(&op.Params[i])
		} else {
			opt = append(opt, &op.Params[i])
		}
	}
	b.WriteString("**Usage:** `" + usage + "`")
	if len(req) > 0 {
		b.WriteString("\n**Required:**")
		for _, p := range req {
			b.WriteString("\n" + paramLine(p))
		}
	}
	if len(opt) > 0 {
		b.WriteString("\n**Optional:**")
		for _, p := range opt {
			b.WriteString("\n" + paramLine(p))
		}
	}
	b.WriteString("\n**Also:** `--region`, `--query`, `--output json|table|text`")
	if op.Paginated {
		b.WriteString(", `--max-items`, `--page-size`, `--starting-token`")
	}
	actions := op.Actions
	if len(actions) == 0 {
		actions = []string{iamPrefixOf(svc) + ":" + op.APIName}
	}
	if len(actions) == 1 {
		b.WriteString("\n**IAM action:** " + codeList(actions))
	} else {
		b.WriteString("\n**IAM actions:** " + codeList(actions))
	}
	if op.Access != AccessUnknown {
		b.WriteString(" (" + op.Access.String())
		if op.ReadOnly {
			b.WriteString(", read-only")
		} else {
			b.WriteString(", asks for confirmation")
		}
		b.WriteString(")")
	} else if op.ReadOnly {
		b.WriteString(" (read-only)")
	}
	// One line per extra action, naming every parameter that adds it.
	var extra []string
	params := map[string][]string{}
	for _, c := range op.ConditionalActions {
		if _, seen := params[c.Action]; !seen {
			extra = append(extra, c.Action)
		}
		params[c.Action] = append(params[c.Action], "--"+c.Param)
	}
	for _, a := range extra {
		b.WriteString(fmt.Sprintf("\n• with %s: also `%s`", orList(params[a]), a))
	}
	return &Help{Title: svc.Name + " " + op.Name, Text: b.String()}
}

func iamPrefixOf(svc Service) string {
	if svc.IAMPrefix != "" {
		return svc.IAMPrefix
	}
	return IAMPrefix(svc.Name)
}

func paramLine(p *Param) string {
	var b strings.Builder
	b.WriteString("• `--" + p.Name + "`")
	if p.Type == TypeBoolean {
		b.WriteString(" / `--no-" + p.Name + "`")
	}
	b.WriteString(" (" + typeLabel(p) + ")")
	if p.Doc != "" {
		b.WriteString(" " + firstLine(p.Doc))
	}
	switch {
	case len(p.Enum) > 0:
		b.WriteString(" One of: " + codeList(p.Enum) + ".")
	case p.Type == TypeStructure || p.Type == TypeMap || p.Type == TypeList && isComplex(elemOf(p).Type):
		b.WriteString(" Shorthand: `" + example(p) + "`")
	}
	return b.String()
}

func typeLabel(p *Param) string {
	if p.Type == TypeList {
		return "list of " + typeLabel(elemOf(p))
	}
	if p.Type == TypeMap {
		return "map of " + typeLabel(elemOf(p))
	}
	return p.Type.String()
}
