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
	rc := newReqContext(reqContext)
	return decide(actions, &req, &rc, layerList{named: layers}, true)
}

// chunkSize is the number of actions decided together, a bit each; their
// index keys live in a fixed array on the stack. Real operations need one
// to three actions.
const chunkSize = 4

// chunkState.policy reads per[0..3] without a loop: fail to compile if
// chunkSize changes.
var (
	_ [chunkSize - 4]struct{}
	_ [4 - chunkSize]struct{}
)

// decide is the allocation-free decision behind Evaluate (one action, no
// blocklist) and DecideActions. Actions are taken in chunks; within a chunk
// every policy's action index is asked once per action for the statements
// that cover it (see actionBlock), and a statement's Resource and Condition
// elements, which do not depend on the action, are evaluated once for all
// the chunk's actions it covers. The result is the per-action loop's: the
// lowest-indexed explicit deny, else the lowest-indexed action some layer
// does not allow; no layer that must allow means ImplicitDeny at 0.
//
// rc is req.Context as read for this decision (built on its first lookup).
func decide(actions []string, req *Request, rc *reqContext, layers layerList, builtin bool) (Decision, int) {
	unknown := req.unknownResource()
	mustAllow := 0
	for li := range layers.len() {
		if _, denyOnly := layers.at(li); !denyOnly {
			mustAllow++
		}
	}
	firstMissing := -1
	var keys [chunkSize]actionKey
	for start := 0; start < len(actions); start += chunkSize {
		chunk := actions[start:min(start+chunkSize, len(actions))]
		c := chunkState{keys: keys[:len(chunk)], req: req, ctx: rc, unknown: unknown, all: 1<<len(chunk) - 1}
		for i, a := range chunk {
			c.keys[i] = makeActionKey(a)
			if builtin && !c.keys[i].valid {
				c.denied |= 1 << i
			}
		}
		groupServices(c.keys)
		if builtin {
			c.policy(blocklist(), true)
		}
		for li := range layers.len() {
			pols, denyOnly := layers.at(li)
			c.allowed = 0
			for _, pol := range pols {
				if pol != nil {
					c.policy(pol, denyOnly)
				}
			}
			if !denyOnly {
				c.missing |= c.all &^ c.allowed
			}
		}
		if c.denied != 0 {
			// Earlier chunks denied nothing, so this is the lowest index.
			return ExplicitDeny, start + bits.TrailingZeros(c.denied)
		}
		if c.missing != 0 && firstMissing < 0 {
			firstMissing = start + bits.TrailingZeros(c.missing)
		}
	}
	switch {
	case mustAllow == 0:
		return ImplicitDeny, 0
	case firstMissing >= 0:
		return ImplicitDeny, firstMissing
	}
	return Allow, -1
}

// chunkState is the decision of up to chunkSize actions in progress, a bit
// per action.
type chunkState struct {
	keys    []actionKey
	req     *Request
	ctx     *reqContext // req.Context, read once for every chunk
	unknown bool
	all     uint
	denied  uint // by any layer so far
	allowed uint // by the current layer
	missing uint // not allowed by some earlier layer
	// per is the scratch of policy: per action, the statements of the
	// current block that cover it.
	per [chunkSize]uint64
}

// policy applies the statements of pol that cover the chunk's actions.
// Work already decided is skipped: a denied action needs no more checks,
// and an Allow statement matters only for actions that this layer does not
// allow yet and that no earlier layer left unallowed.
func (c *chunkState) policy(pol *Policy, denyOnly bool) {
	for bi := range pol.index {
		b := &pol.index[bi]
		union := b.matchKeys(c.keys, c.denied, &c.per)
		if denyOnly {
			union &= b.deny
		}
		for ; union != 0; union &= union - 1 {
			s := bits.TrailingZeros64(union)
			want := c.all &^ c.denied
			if b.deny&(1<<s) == 0 {
				want &^= c.allowed | c.missing
			}
			// The actions that statement s covers, one bit each (per is
			// zero past the chunk's actions, so this needs no loop).
			p := &c.per
			m := uint(p[0]>>s&1) | uint(p[1]>>s&1)<<1 | uint(p[2]>>s&1)<<2 | uint(p[3]>>s&1)<<3
			if m &= want; m == 0 {
				continue
			}
			if b.always&(1<<s) == 0 && !pol.statements[b.base+s].appliesBeyondAction(c.req, c.ctx, c.unknown) {
				continue
			}
			if b.deny&(1<<s) != 0 {
				c.denied |= m
			} else {
				c.allowed |= m
			}
		}
	}
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

// layerList is the layers of a decision: named ones (DecideActions) or plain
// policy lists (Evaluate), without an indirect call per layer.
type layerList struct {
	named []Layer
	plain [][]*Policy
}

func (l layerList) len() int { return len(l.named) + len(l.plain) }

func (l layerList) at(i int) ([]*Policy, bool) {
	if l.named != nil {
		return l.named[i].Policies, l.named[i].DenyOnly
	}
	return l.plain[i], false
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
