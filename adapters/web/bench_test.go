package web_test

import (
	"context"
	"testing"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/web"
)

// BenchmarkSend measures a send of a full message: rendering the web view
// and publishing to the history (no page connected).
func BenchmarkSend(b *testing.B) {
	a, err := web.New()
	if err != nil {
		b.Fatal(err)
	}
	m := adaptertest.FullMessage()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Send(ctx, a.Conversation(), m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderHTML(b *testing.B) {
	m := adaptertest.FullMessage()
	b.ReportAllocs()
	for b.Loop() {
		_ = web.RenderHTML(m, "m1")
	}
}
