package teams

import (
	"net/url"
	"strings"
)

// NormalizeChannelID returns the canonical (decoded) form of a Teams channel
// ID. AWS Chatbot's TeamsChannelId and the "Get link to channel" URL carry it
// URL-encoded ("19%3a1a2b...%40thread.tacv2"); the Bot Framework sends it
// decoded ("19:1a2b...@thread.tacv2"). Both forms name the same channel, so
// configuration matching must compare normalised IDs. An ID that does not
// decode is returned unchanged (trimmed).
func NormalizeChannelID(id string) string {
	id = strings.TrimSpace(id)
	if !strings.Contains(id, "%") {
		return id
	}
	dec, err := url.PathUnescape(id)
	if err != nil {
		return id
	}
	return dec
}

// threadConversationID is the conversation ID that addresses a reply chain
// (thread) of a channel: "<channel>;messageid=<root activity id>". Posting an
// activity to that conversation puts it in the thread.
func threadConversationID(channelID, rootID string) string {
	return channelID + ";messageid=" + rootID
}

// splitConversationID splits a channel conversation ID of the reply-chain
// form into the channel and the root message ID; a plain ID has no root.
func splitConversationID(id string) (channel, root string) {
	channel, rest, ok := strings.Cut(id, ";")
	if !ok {
		return id, ""
	}
	for _, part := range strings.Split(rest, ";") {
		if v, found := strings.CutPrefix(part, "messageid="); found {
			root = v
		}
	}
	return channel, root
}

// escapePathSegment escapes s like JavaScript's encodeURIComponent, which is
// how the Bot Framework SDKs put conversation IDs (with ':', '@', ';', '=')
// into connector URLs.
func escapePathSegment(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
