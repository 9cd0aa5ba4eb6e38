package teams

import (
	"strings"
	"unicode/utf8"

	"github.com/opschat/opschat/chat"
)

func cloneForTruncation(m chat.Message) chat.Message {
	m.Fields = append([]chat.Field(nil), m.Fields...)
	m.CodeBlocks = append([]chat.CodeBlock(nil), m.CodeBlocks...)
	m.Context = append([]string(nil), m.Context...)
	return m
}

const cutMark = "\n… (truncated)"

// shrink removes about excess bytes from the largest shrinkable part of m
// and reports whether it could.
func shrink(m *chat.Message, excess int) bool {
	// Code blocks first: command output is the usual culprit and the full
	// output can be fetched again or attached elsewhere.
	best, bestLen := -1, 0
	for i, cb := range m.CodeBlocks {
		if len(cb.Content) > bestLen {
			best, bestLen = i, len(cb.Content)
		}
	}
	if best >= 0 && bestLen > 64 {
		m.CodeBlocks[best].Content = cut(m.CodeBlocks[best].Content, excess)
		return true
	}
	if len(m.Text) > 256 {
		m.Text = cut(m.Text, excess)
		return true
	}
	if len(m.Fields) > 1 {
		m.Fields = m.Fields[:len(m.Fields)/2]
		return true
	}
	// Only report progress when something was removed: five or fewer
	// buttons stay, and claiming progress for them would keep the loop from
	// ever reaching the last resort (a card too big for Teams).
	if len(m.Context) > 0 || len(m.Images) > 0 || len(m.Buttons) > 5 {
		m.Context, m.Images = nil, nil
		if len(m.Buttons) > 5 {
			m.Buttons = m.Buttons[:5]
		}
		return true
	}
	if len(m.Text) > 0 {
		m.Text = ""
		return true
	}
	return false
}

// lastResort keeps the title, a summary, and the title link and buttons
// when they are small: a confirmation keeps its buttons, but a button or
// link of many kilobytes (it would keep the card over the limit for ever)
// is dropped. bare drops them whatever their size, for when even that card
// is too big (JSON escaping can multiply their size).
func lastResort(m chat.Message, bare bool) chat.Message {
	const maxKept = 2048
	out := chat.Message{Title: truncateRunes(m.Title, 200), Summary: truncateRunes(m.PlainSummary(), 200), Severity: m.Severity}
	if bare {
		return out
	}
	if len(m.TitleLink) <= maxKept {
		out.TitleLink = m.TitleLink
	}
	size := 0
	for _, b := range m.Buttons {
		size += len(b.ID) + len(b.Label) + len(b.Value)
	}
	if size <= maxKept {
		out.Buttons = m.Buttons
	}
	return out
}

// cut shortens s by at least n bytes at a line or rune boundary and marks it.
func cut(s string, n int) string {
	s = strings.TrimSuffix(s, cutMark)
	keep := len(s) - n - len(cutMark)
	if keep <= 0 {
		return strings.TrimPrefix(cutMark, "\n")
	}
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	if nl := strings.LastIndexByte(s[:keep], '\n'); nl > keep*3/4 {
		keep = nl
	}
	return s[:keep] + cutMark
}
