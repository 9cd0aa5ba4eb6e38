package main

import (
	"testing"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/web"
)

// BenchmarkViews measures rendering one full message in the three platform
// views (the real renderers plus the HTML drawn from their payloads): the
// cost each bot message pays once, when it is sent.
func BenchmarkViews(b *testing.B) {
	m := adaptertest.FullMessage()
	for _, v := range []web.View{slackView(), teamsView(), chimeView()} {
		b.Run(v.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := v.Render(m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
