package chime_test

import (
	"strings"
	"testing"

	"github.com/opschat/opschat/adapters/chime"
	"github.com/opschat/opschat/chat"
)

func BenchmarkRenderSplitAlarm(b *testing.B) {
	m := alarm()
	b.ReportAllocs()
	for b.Loop() {
		chime.Split(chime.Render(m), chime.DefaultMaxContentBytes, chime.DefaultMaxParts)
	}
}

func BenchmarkRenderSplitLarge(b *testing.B) {
	m := chat.Message{Title: "logs", CodeBlocks: []chat.CodeBlock{{Content: strings.Repeat("2026-11-24T10:00:00Z ERROR order_id=42 failed\n", 2000)}}}
	b.ReportAllocs()
	for b.Loop() {
		chime.Split(chime.Render(m), chime.DefaultMaxContentBytes, chime.DefaultMaxParts)
	}
}
