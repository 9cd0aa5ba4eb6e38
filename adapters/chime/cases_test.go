package chime_test

import (
	"flag"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/chat"
)

var update = flag.Bool("update", false, "rewrite golden files")

type goldenCase struct {
	name string
	msg  chat.Message
}

// goldenCases are the shared renderer inputs (adaptertest.GoldenCases), the
// same messages the Slack goldens render.
func goldenCases() []goldenCase {
	var out []goldenCase
	for _, c := range adaptertest.GoldenCases() {
		out = append(out, goldenCase{name: c.Name, msg: c.Msg})
	}
	return out
}

// alarm is the shared alarm-like notification.
func alarm() chat.Message { return goldenCases()[0].msg }
