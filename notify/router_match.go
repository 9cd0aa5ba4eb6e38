package notify

import (
	"fmt"
	"strconv"
	"strings"
	"unsafe"
)

// subSet holds the body filter policies and event patterns of one group of
// subscriptions (those of one exact topic, those with wildcard topics, or
// those without topics) as two PatternSets, so that an envelope is matched
// against all of a group's subscriptions in one pass per kind instead of
// one pass per subscription. Pattern numbers map back to subscriptions.
type subSet struct {
	patterns, bodies      *PatternSet
	patternSubs, bodySubs []int
	last                  int // 1 + the last subscription added
}

// add adds subscription i's body filter and pattern, once however many
// times it lists the topic.
func (g *subSet) add(i int, s *Subscription) {
	if g.last == i+1 {
		return
	}
	g.last = i + 1
	if s.EventPattern != nil {
		if g.patterns == nil {
			g.patterns = NewPatternSet()
		}
		g.patterns.addBranches(strconv.Itoa(len(g.patternSubs)), s.EventPattern.branches)
		g.patternSubs = append(g.patternSubs, i)
	}
	if s.FilterPolicy != nil && s.FilterPolicyScope == ScopeMessageBody {
		if g.bodies == nil {
			g.bodies = NewPatternSet()
		}
		g.bodies.addBranches(strconv.Itoa(len(g.bodySubs)), s.FilterPolicy.branches)
		g.bodySubs = append(g.bodySubs, i)
	}
}

// buildSets groups the subscriptions that match the message body. Called
// once by NewRouter; the sets are immutable afterwards.
func (r *Router) buildSets() {
	r.topicSets = map[string]*subSet{}
	r.wildSet, r.noTopicSet = &subSet{}, &subSet{}
	for i, s := range r.subs {
		if s.EventPattern == nil && (s.FilterPolicy == nil || s.FilterPolicyScope != ScopeMessageBody) {
			continue
		}
		if len(s.TopicARNs) == 0 {
			r.noTopicSet.add(i, s)
		}
		wild := false
		for _, t := range s.TopicARNs {
			if strings.Contains(t, "*") {
				wild = true
				continue
			}
			g := r.topicSets[t]
			if g == nil {
				g = &subSet{}
				r.topicSets[t] = g
			}
			g.add(i, s)
		}
		if wild {
			r.wildSet.add(i, s)
		}
	}
}

// Bits of envMatch.marks.
const (
	markPattern uint8 = 1 << iota // the event pattern matched
	markBody                      // the body filter policy matched
)

// envMatch is one envelope's matching against the claimed subscriptions:
// each group and kind is matched at most once, on first need.
type envMatch struct {
	r     *Router
	topic string
	msg   []byte
	marks []uint8 // per subscription
	// ran[g][k]: group g (0: the exact topic's, 1: wildcard or no-topic)
	// was matched for kind k (0: patterns, 1: bodies); errs[k] is the
	// message's error, the same for every group.
	ran  [2][2]bool
	errs [2]error
}

func newEnvMatch(r *Router, env *Envelope) envMatch {
	// The message is read, never written or kept past the match (the
	// flattener only reads its input; a leaf is a capacity-capped
	// sub-slice of it that lives in pooled state until the next match
	// resets it), so it is matched in place rather than copied once per
	// subscription as []byte(env.Message) did.
	msg := unsafe.Slice(unsafe.StringData(env.Message), len(env.Message))
	return envMatch{r: r, topic: env.TopicARN, msg: msg}
}

// verdict reports whether subscription i's pattern (kind 0) or body
// filter (kind 1) matches, matching its group first if needed.
func (m *envMatch) verdict(i, kind int) (bool, error) {
	g, gi := m.group(i)
	if !m.ran[gi][kind] {
		m.ran[gi][kind] = true
		if m.marks == nil {
			m.marks = make([]uint8, len(m.r.subs))
		}
		set, subs, bit := g.patterns, g.patternSubs, markPattern
		if kind == 1 {
			set, subs, bit = g.bodies, g.bodySubs, markBody
		}
		if set != nil {
			nums, err := set.appendMatchedNums(nil, m.msg)
			if err != nil {
				m.errs[kind] = err
			}
			for _, n := range nums {
				m.marks[subs[n]] |= bit
			}
		}
	}
	bit := markPattern
	if kind == 1 {
		bit = markBody
	}
	return m.marks[i]&bit != 0, m.errs[kind]
}

// group returns the set subscription i is matched in for this envelope:
// its exact topic's when it lists the topic, else the wildcard or
// no-topic set that claimed it.
func (m *envMatch) group(i int) (*subSet, int) {
	if m.topic == "" {
		return m.r.noTopicSet, 1
	}
	for _, t := range m.r.subs[i].TopicARNs {
		if t == m.topic {
			return m.r.topicSets[t], 0
		}
	}
	return m.r.wildSet, 1
}

// accepts applies subscription i's filter policy and event pattern, with
// the same outcome and reason as Subscription.accepts.
func (m *envMatch) accepts(i int, env *Envelope) (bool, string) {
	s := m.r.subs[i]
	if s.FilterPolicy != nil {
		if s.FilterPolicyScope == ScopeMessageBody {
			ok, err := m.verdict(i, 1)
			if err != nil {
				return false, fmt.Errorf("notify: filter policy: %w", err).Error()
			}
			if !ok {
				return false, "filter policy (message body) did not match"
			}
		} else if !s.FilterPolicy.MatchAttributes(env.MessageAttributes) {
			return false, "filter policy (message attributes) did not match"
		}
	}
	if s.EventPattern != nil {
		ok, err := m.verdict(i, 0)
		if err != nil {
			return false, "event pattern: " + err.Error()
		}
		if !ok {
			return false, "event pattern did not match"
		}
	}
	return true, ""
}
