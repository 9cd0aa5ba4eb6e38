package delivery

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/opschat/opschat/chat"
	"go.opentelemetry.io/otel/attribute"
)

// DigestButtonID is the Button ID of a digest's "show all" button; its
// Value is the digest ID, to read with (*Deliverer).Digest.
const DigestButtonID = "opschat.digest.show"

// digestListed is how many items a digest message lists by name.
const digestListed = 10

// DigestItem is one notification folded into a digest.
type DigestItem struct {
	DedupKey string        `json:"dedupKey,omitempty"`
	Title    string        `json:"title"`
	Severity chat.Severity `json:"severity"`
	Kind     string        `json:"kind,omitempty"`
	State    string        `json:"state,omitempty"`
}

// DigestRecord is a posted digest with every notification it stands for,
// kept in the Store (namespace "digest").
type DigestRecord struct {
	ID      string       `json:"id"`
	Channel string       `json:"channel"`
	Items   []DigestItem `json:"items"`
}

func attrKV(k, v string) attribute.KeyValue { return attribute.String(k, v) }

func itemTitle(m chat.Message) string {
	if m.Title != "" {
		return m.Title
	}
	if s := m.PlainSummary(); s != "" {
		return chat.EscapeMarkdown(s)
	}
	return "(untitled notification)"
}

// BuildDigest returns the message standing for items: counts by kind and
// state, the most severe items first, and a button to list them all. It is
// exported so hosts can preview or golden-test the layout.
func BuildDigest(id string, items []DigestItem) chat.Message {
	sorted := slices.Clone(items)
	slices.SortStableFunc(sorted, func(a, b DigestItem) int { return cmp.Compare(b.Severity, a.Severity) })
	type group struct {
		name string
		n    int
	}
	counts := map[string]int{}
	var order []string
	sev := chat.SeverityNone
	for _, it := range sorted {
		sev = max(sev, it.Severity)
		name := cmp.Or(it.Kind, "Notification")
		if it.State != "" {
			name += " " + it.State
		}
		if counts[name] == 0 {
			order = append(order, name)
		}
		counts[name]++
	}
	groups := make([]group, 0, len(order))
	for _, n := range order {
		groups = append(groups, group{n, counts[n]})
	}
	slices.SortStableFunc(groups, func(a, b group) int { return cmp.Compare(b.n, a.n) })
	m := chat.Message{
		Title:    fmt.Sprintf("%d notifications arrived faster than this channel can take them", len(items)),
		Summary:  fmt.Sprintf("Digest of %d notifications", len(items)),
		Severity: sev,
	}
	for _, g := range groups {
		m.Fields = append(m.Fields, chat.Field{Name: g.name, Value: fmt.Sprint(g.n), Short: true})
	}
	var b strings.Builder
	b.WriteString("Most severe first:\n")
	for i, it := range sorted {
		if i == digestListed {
			fmt.Fprintf(&b, "- …and %d more\n", len(sorted)-digestListed)
			break
		}
		fmt.Fprintf(&b, "- %s %s\n", strings.ToUpper(it.Severity.String()), it.Title)
	}
	m.Text = strings.TrimSuffix(b.String(), "\n")
	m.Context = []string{"Digest " + chat.EscapeMarkdown(id)}
	m.Buttons = []chat.Button{{ID: DigestButtonID, Label: fmt.Sprintf("Show all %d", len(items)), Value: id}}
	return m
}

// deliverDigest posts one digest for batch, once each task's claim (made
// at enqueue) is settled: tasks already delivered, or held elsewhere, drop
// out.
func (d *Deliverer) deliverDigest(key string, batch []*task) {
	var claimed []*task
	for _, t := range batch {
		<-t.claimDone
		if !t.finishedEarly {
			claimed = append(claimed, t)
		}
	}
	switch len(claimed) {
	case 0:
		return
	case 1:
		// A lone survivor goes out as itself, thread and all.
		d.deliverOne(claimed[0])
		return
	}
	id := fmt.Sprintf("%020d-%s", d.clock.Now().UnixNano(), randomID())
	rec := DigestRecord{ID: id, Channel: key}
	for _, t := range claimed {
		rec.Items = append(rec.Items, DigestItem{DedupKey: t.job.DedupKey, Title: itemTitle(t.job.Message),
			Severity: t.job.Message.Severity, Kind: t.job.Kind, State: t.job.State})
	}
	lead := claimed[0]
	// The digest is sent for all its notifications: it is cancelled only
	// when every one of their contexts is.
	ctx, cancel := allDone(claimed)
	defer cancel()
	b, err := json.Marshal(rec)
	if err == nil {
		err = d.store.Put(ctx, NamespaceDigest, id, b, d.keepTTL)
	}
	if err != nil {
		for _, t := range claimed {
			d.release(t)
			t.fail(fmt.Errorf("store digest: %w", err), "")
		}
		return
	}
	msg := BuildDigest(id, rec.Items)
	ref, err := d.send(ctx, lead.job.Conversation.Channel(), msg)
	if err != nil {
		for _, t := range claimed {
			// A failed digest does not fail the storm as one lump: each
			// notification gets its own dead letter (with its own message,
			// replayable on its own) and its own source is told.
			d.failed(t, err)
		}
		return
	}
	d.inst.digests.Add(ctx, 1, d.attrsOf(lead))
	d.log.log(ctx, lead.job.LogLevel, slog.LevelInfo, "storm: posted digest",
		"configuration", lead.job.Configuration, "channel", key, "digest", id, "notifications", len(claimed))
	for _, t := range claimed {
		d.markAsync(t, ref, false, nil)
	}
}

// ErrNoDigest is returned by Digest for an unknown or expired digest ID.
var ErrNoDigest = errors.New("delivery: no such digest")

// Digest returns the digest with the given ID (the Value of its button).
func (d *Deliverer) Digest(ctx context.Context, id string) (*DigestRecord, error) {
	b, ok, err := d.store.Get(ctx, NamespaceDigest, id)
	if err != nil {
		return nil, fmt.Errorf("delivery: read digest %q: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoDigest, id)
	}
	var rec DigestRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("delivery: digest %q: %w", id, err)
	}
	return &rec, nil
}

// allDone returns a context cancelled when all tasks' contexts are done.
func allDone(tasks []*task) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(tasks[0].ctx))
	var mu sync.Mutex
	left := len(tasks)
	stops := make([]func() bool, 0, len(tasks))
	for _, t := range tasks {
		stops = append(stops, context.AfterFunc(t.ctx, func() {
			mu.Lock()
			defer mu.Unlock()
			if left--; left == 0 {
				cancel()
			}
		}))
	}
	return ctx, func() {
		for _, s := range stops {
			s()
		}
		cancel()
	}
}
