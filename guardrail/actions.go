package guardrail

import (
	"math/bits"
	"strings"
)

// An AWS API operation can need several IAM actions: s3api copy-object is
// authorized as s3:GetObject on the source and s3:PutObject on the target,
// and AWS refuses the call if any one of them is not allowed. The functions
// below decide such an operation: every action must be allowed by every
// layer, and a Deny of any one action denies the operation.

// DecideActions is the allocation-free decision for an operation that needs
// every action in actions, with the built-in blocklist applied first (as in
// Authorize). resource and reqContext are shared by every action (see
// Request). It returns the decision and the index in actions of the action
// that decided a denial (-1 for Allow). An empty actions list is refused
// (ExplicitDeny at index -1): an operation that needs nothing cannot be
// checked, so it must not run.
//
// Actions are decided in order, and an explicit Deny of a later action wins
// over an implicit deny of an earlier one, as in IAM, where an explicit deny
// is final. It is safe for concurrent use.
func DecideActions(actions []string, resource string, reqContext map[string][]string, layers ...Layer) (Decision, int) {
	if len(actions) == 0 {
		return ExplicitDeny, -1
	}
	req := Request{Resource: resource, Context: reqContext}
	if len(actions) <= 64 {
		return decideMasked(actions, &req, layers)
	}
	implicit := -1
	for i, a := range actions {
		req.Action = a
		if !validRequestAction(a) || blockedBy(&req) != nil {
			return ExplicitDeny, i
		}
		switch evaluate(&req, layers, layerPolicies, nil) {
		case ExplicitDeny:
			return ExplicitDeny, i
		case ImplicitDeny:
			if implicit < 0 {
				implicit = i
			}
		}
	}
	if implicit >= 0 {
		return ImplicitDeny, implicit
	}
	return Allow, -1
}

// decideMasked decides up to 64 actions in one pass over the statements,
// with a bit per action: a statement's resource and conditions do not
// depend on the action, so they are evaluated once for all the actions its
// Action element matches, instead of once per action. The result is the
// per-action loop's: the lowest-indexed explicit deny, else the
// lowest-indexed action some layer does not allow.
func decideMasked(actions []string, req *Request, layers []Layer) (Decision, int) {
	all := uint64(1)<<len(actions) - 1
	if len(actions) == 64 {
		all = ^uint64(0)
	}
	var denied, missing uint64
	for i, a := range actions {
		if !validRequestAction(a) {
			denied |= 1 << i
		}
	}
	unknown := req.unknownResource()
	bl := blocklist()
	for si := range bl.statements {
		st := &bl.statements[si]
		if m := st.matchActions(actions, all&^denied); m != 0 && st.appliesBeyondAction(req, unknown) {
			denied |= m
		}
	}
	mustAllow := 0
	for li := range layers {
		l := &layers[li]
		var allowed uint64
		for _, pol := range l.Policies {
			if pol == nil {
				continue
			}
			for si := range pol.statements {
				st := &pol.statements[si]
				want := all &^ denied // an action already denied needs no more checks
				if st.Effect == EffectAllow {
					if l.DenyOnly {
						continue
					}
					want &^= allowed
				}
				m := st.matchActions(actions, want)
				if m == 0 || !st.appliesBeyondAction(req, unknown) {
					continue
				}
				if st.Effect == EffectDeny {
					denied |= m
				} else {
					allowed |= m
				}
			}
		}
		if !l.DenyOnly {
			mustAllow++
			missing |= all &^ allowed
		}
	}
	switch {
	case denied != 0:
		return ExplicitDeny, bits.TrailingZeros64(denied)
	case mustAllow == 0:
		return ImplicitDeny, 0
	case missing != 0:
		return ImplicitDeny, bits.TrailingZeros64(missing)
	}
	return Allow, -1
}

// AuthorizeActions is Authorize for an operation that needs every action in
// actions (command.Invocation.IAMActions). The operation is allowed only if
// each action is; otherwise the explanation is the one of the deciding
// action (an explicit Deny first, else the first action not allowed), so a
// chat reply names the action that was refused:
//
//	this command needs `s3:GetObject` and `s3:PutObject`; `s3:GetObject` denied by guardrail `NoReads`, statement `DenyGet`
//
// For Allow, Explanation.Actions lists every action and Grants the allowing
// statements of all of them (each statement once). An empty actions list is
// refused by the blocklist layer (SidInvalidAction). The error is nil for
// Allow and a *DeniedError (errors.Is(err, ErrDenied)) otherwise.
//
// With one action it decides exactly as Authorize. The decision itself does
// not allocate (see DecideActions); building the explanation does.
func AuthorizeActions(actions []string, resource string, reqContext map[string][]string, layers ...Layer) (Explanation, error) {
	d, at := DecideActions(actions, resource, reqContext, layers...)
	if at < 0 && d != Allow {
		exp := invalidActionExplanation("", resource)
		return exp, exp.Err()
	}
	if d != Allow {
		exp, _ := Authorize(Request{Action: actions[at], Resource: resource, Context: reqContext}, layers...)
		if len(actions) > 1 {
			exp.Actions = append([]string(nil), actions...)
		}
		return exp, exp.Err()
	}
	var exp Explanation
	for i, a := range actions {
		e, err := Authorize(Request{Action: a, Resource: resource, Context: reqContext}, layers...)
		if err != nil {
			// Cannot happen: the decision above allowed a; fail closed anyway.
			return e, err
		}
		if i == 0 {
			exp = e
			continue
		}
		for _, g := range e.Grants {
			if !containsMatch(exp.Grants, g) {
				exp.Grants = append(exp.Grants, g)
			}
		}
	}
	if len(actions) > 1 {
		exp.Actions = append([]string(nil), actions...)
	}
	return exp, nil
}

func layerPolicies(l *Layer) ([]*Policy, bool) { return l.Policies, l.DenyOnly }

// blockedBy returns the blocklist statement that denies req, or nil.
func blockedBy(req *Request) *Statement {
	unknown := req.unknownResource()
	bl := blocklist()
	for i := range bl.statements {
		if st := &bl.statements[i]; st.applies(req, unknown) {
			return st
		}
	}
	return nil
}

func invalidActionExplanation(action, resource string) Explanation {
	return Explanation{Decision: ExplicitDeny, Action: action, Resource: resource, Builtin: true,
		By:     Match{LayerIndex: -1, Layer: BlocklistLayer().Name, PolicyIndex: -1, Policy: BlocklistName, StatementIndex: -1, Sid: SidInvalidAction},
		Reason: blockReasons[SidInvalidAction]}
}

func containsMatch(ms []Match, m Match) bool {
	for _, x := range ms {
		if x.Layer == m.Layer && x.PolicyIndex == m.PolicyIndex && x.StatementIndex == m.StatementIndex && x.Policy == m.Policy {
			return true
		}
	}
	return false
}

// actionsPrefix renders "this command needs `a` and `b`; " for explanations
// of operations with several actions.
func actionsPrefix(actions []string) string {
	if len(actions) < 2 {
		return ""
	}
	var b strings.Builder
	b.WriteString("this command needs ")
	for i, a := range actions {
		switch {
		case i == 0:
		case i == len(actions)-1:
			b.WriteString(" and ")
		default:
			b.WriteString(", ")
		}
		b.WriteString("`" + a + "`")
	}
	b.WriteString("; ")
	return b.String()
}
