package chatops

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/notify/delivery"
)

// maxDigestLines bounds the list a "Show all" click posts; the rest is
// attached as a file.
const maxDigestLines = 100

// showDigest answers a digest's "Show all" button: every notification the
// alarm-storm digest stood for, most severe first, in the thread. Only the
// channel the digest was posted to may read it.
func (b *Bot) showDigest(ctx context.Context, req *request, id string) error {
	req.rec.Text = "[button show digest " + id + "]"
	data, ok, err := b.store.Get(ctx, delivery.NamespaceDigest, id)
	if err != nil {
		return b.failInternal(ctx, req, err)
	}
	var rec delivery.DigestRecord
	if ok {
		if err := json.Unmarshal(data, &rec); err != nil {
			return b.failInternal(ctx, req, fmt.Errorf("chatops: digest %q: %w", id, err))
		}
	}
	if !ok || rec.Channel != delivery.ChannelKey(req.in.Conversation.Channel()) {
		req.rec.Outcome = OutcomeInvalid
		req.rec.Reason = "unknown or expired digest"
		return b.reply(ctx, req, chat.Message{Text: "That summary has expired; the notifications it listed are no longer kept."})
	}
	var lines, all strings.Builder
	for i, it := range rec.Items {
		line := fmt.Sprintf("- %s %s", severityWord(it.Severity), it.Title)
		if i < maxDigestLines {
			lines.WriteString(line + "\n")
		}
		all.WriteString(line + "\n")
	}
	m := chat.Message{Title: fmt.Sprintf("All %d notifications of this summary", len(rec.Items)), Text: strings.TrimSpace(lines.String())}
	if len(rec.Items) > maxDigestLines {
		m.Context = []string{fmt.Sprintf("Showing %d of %d; the full list is attached.", maxDigestLines, len(rec.Items))}
		m.Files = []chat.File{{Name: "notifications.txt", ContentType: "text/plain", Data: []byte(all.String())}}
	}
	return b.answer(ctx, req, m)
}

func severityWord(s chat.Severity) string {
	if s == chat.SeverityNone {
		return ""
	}
	return "**" + strings.ToUpper(s.String()) + "**"
}
