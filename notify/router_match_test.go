package notify

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
)

const (
	eqTopicA = "arn:aws:sns:us-east-1:123456789012:ops"
	eqTopicB = "arn:aws:sns:eu-west-1:123456789012:ops"
)

// equivalenceSubs mixes every way a subscription meets an envelope: exact
// and wildcard topics (both at once, and a topic listed twice), none,
// patterns, body and attribute filter policies, together and alone.
func equivalenceSubs(t testing.TB) []Subscription {
	t.Helper()
	pat := func(s string) *Pattern {
		p, err := CompilePattern([]byte(s))
		require.NoError(t, err)
		return p
	}
	pol := func(s string) *FilterPolicy {
		f, err := CompileFilterPolicy([]byte(s))
		require.NoError(t, err)
		return f
	}
	conv := func(id string) chat.Conversation {
		return chat.Conversation{Platform: chat.PlatformSlack, WorkspaceID: "T1", ChannelID: id}
	}
	wild := "arn:aws:sns:*:123456789012:ops"
	return []Subscription{
		{Name: "plain", Conversation: conv("C1"), TopicARNs: []string{eqTopicA}},
		{Name: "ec2", Conversation: conv("C2"), TopicARNs: []string{eqTopicA, eqTopicB}, EventPattern: pat(`{"source":["aws.ec2"]}`)},
		{Name: "stopped", Conversation: conv("C3"), TopicARNs: []string{eqTopicA}, EventPattern: pat(`{"detail":{"state":["stopped"]}}`)},
		{Name: "wild-guardduty", Conversation: conv("C4"), TopicARNs: []string{wild}, EventPattern: pat(`{"source":["aws.guardduty"],"detail":{"severity":[{"numeric":[">=",7]}]}}`)},
		{Name: "both-ec2", Conversation: conv("C5"), TopicARNs: []string{wild, eqTopicA, eqTopicA}, EventPattern: pat(`{"detail-type":[{"prefix":"EC2"}]}`)},
		{Name: "body", Conversation: conv("C6"), TopicARNs: []string{eqTopicA}, FilterPolicyScope: ScopeMessageBody, FilterPolicy: pol(`{"source":["aws.ec2","aws.guardduty"]}`)},
		{Name: "body-and-pattern", Conversation: conv("C7"), TopicARNs: []string{wild}, FilterPolicyScope: ScopeMessageBody,
			FilterPolicy: pol(`{"account":[{"prefix":"1234"}]}`), EventPattern: pat(`{"region":["us-east-1"]}`)},
		{Name: "attrs-and-pattern", Conversation: conv("C8"), TopicARNs: []string{eqTopicA}, FilterPolicy: pol(`{"env":["prod"]}`),
			EventPattern: pat(`{"source":[{"anything-but":"aws.health"}]}`)},
		{Name: "no-topic", Conversation: conv("C9"), EventPattern: pat(`{"source":["aws.ec2"]}`)},
		{Name: "no-topic-body", Conversation: conv("C10"), FilterPolicyScope: ScopeMessageBody, FilterPolicy: pol(`{"detail":{"state":["stopped"]}}`)},
		{Name: "exists-false", Conversation: conv("C11"), TopicARNs: []string{eqTopicB}, EventPattern: pat(`{"detail":{"missing":[{"exists":false}]}}`)},
	}
}

// TestRouterMatchesOncePerGroupAsPerSubscription routes the same envelopes
// through the grouped sets and through each subscription on its own: the
// deliveries, the counters and every logged reason must be the same.
func TestRouterMatchesOncePerGroupAsPerSubscription(t *testing.T) {
	t.Parallel()
	var messages []string
	for _, f := range []string{"eventbridge-ec2-state.json", "eventbridge-guardduty.json", "eventbridge-alarm-state-change.json", "eventbridge-health.json"} {
		b, err := os.ReadFile("testdata/samples/" + f)
		require.NoError(t, err)
		messages = append(messages, string(b))
	}
	messages = append(messages,
		`not json`, `[1,2]`, `{"source":"aws.ec2"`, `{"source":"aws.ec2","source":"aws.guardduty"}`,
		`{"source":"aws.ec2","detail":{"state":"stopped"},"account":"123456789012","region":"us-east-1"}`, `{}`, ``)
	attrs := []map[string]MessageAttribute{nil, {"env": {Type: "String", Value: "prod"}}}

	route := func(perSubscription bool) (string, RouterStats) {
		subs := equivalenceSubs(t)
		for i := range subs {
			subs[i].LoggingLevel = LogInfo
		}
		var log bytes.Buffer
		h := slog.NewTextHandler(&log, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}})
		r, err := NewRouter(subs, WithLogger(slog.New(h)))
		require.NoError(t, err)
		r.perSubscription = perSubscription
		var got strings.Builder
		for _, topic := range []string{eqTopicA, eqTopicB, "arn:aws:sns:ap-south-1:123456789012:ops", ""} {
			for mi, msg := range messages {
				for ai, a := range attrs {
					env := &Envelope{Type: TypeNotification, MessageID: fmt.Sprint(mi, "-", ai), TopicARN: topic, Message: msg, MessageAttributes: a}
					if topic == "" {
						env.Raw = true
					}
					ds, err := r.Route(context.Background(), env)
					require.NoError(t, err)
					fmt.Fprintf(&got, "%s %d %d:", topic, mi, ai)
					for _, d := range ds {
						fmt.Fprintf(&got, " %s", d.DedupKey)
					}
					got.WriteString("\n")
				}
			}
		}
		return got.String() + log.String(), r.Stats()
	}
	want, wantStats := route(true)
	got, gotStats := route(false)
	assert.Equal(t, want, got)
	assert.Equal(t, wantStats, gotStats)
	// The comparison means something only if every path was taken.
	for _, reason := range []string{
		"event pattern did not match", "filter policy (message body) did not match",
		"filter policy (message attributes) did not match", "event pattern: notify: match:", "notify: filter policy: notify: match:",
	} {
		assert.Contains(t, want, reason)
	}
	assert.Positive(t, wantStats.Delivered)
}

// BenchmarkRouteOneTopic routes a GuardDuty finding to N subscriptions of
// one topic, each with its own event pattern (the fleet of
// BenchmarkMatchFleet; 3 match at every size) and no formatter work
// beyond the matches: engine=set matches the topic's patterns in one
// pass, engine=per-subscription once per subscription as before.
func BenchmarkRouteOneTopic(b *testing.B) {
	event := compactSample(b, "eventbridge-guardduty.json")
	env := &Envelope{Type: TypeNotification, MessageID: "m-1", TopicARN: eqTopicA, Message: string(event)}
	for _, n := range []int{100, 1000} {
		subs := make([]Subscription, n)
		for i := range subs {
			p, err := CompilePattern([]byte(fleetPattern(i, true)))
			if err != nil {
				b.Fatal(err)
			}
			subs[i] = Subscription{Name: fmt.Sprint("cfg-", i), Conversation: chat.Conversation{Platform: chat.PlatformSlack, WorkspaceID: "T1", ChannelID: fmt.Sprint("C", i)},
				TopicARNs: []string{eqTopicA}, EventPattern: p}
		}
		for _, engine := range []string{"set", "per-subscription"} {
			b.Run(fmt.Sprintf("subs=%d/engine=%s", n, engine), func(b *testing.B) {
				r, err := NewRouter(subs)
				if err != nil {
					b.Fatal(err)
				}
				r.perSubscription = engine == "per-subscription"
				if ds, err := r.Route(context.Background(), env); err != nil || len(ds) != 3 {
					b.Fatal("routed", len(ds), err)
				}
				b.ReportAllocs()
				reportCPU(b, func() {
					for b.Loop() {
						if ds, err := r.Route(context.Background(), env); err != nil || len(ds) != 3 {
							b.Fatal("routed", len(ds), err)
						}
					}
				})
			})
		}
	}
}
