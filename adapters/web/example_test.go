package web_test

import (
	"fmt"

	"github.com/opschat/opschat/adapters/web"
	"github.com/opschat/opschat/chat"
)

func ExampleRenderHTML() {
	m := chat.Message{
		Title:   "Stop instances?",
		Text:    "This will **stop** `i-0a1b` <b>now</b>",
		Buttons: []chat.Button{{ID: "confirm", Label: "Run", Value: "tok", Style: chat.ButtonPrimary}},
	}
	fmt.Println(web.RenderHTML(m, "m1"))
	// Output:
	// <div class="card sev-none"><div class="title">Stop instances?</div><div class="text">This will <strong>stop</strong> <code>i-0a1b</code> &lt;b&gt;now&lt;/b&gt;</div><div class="buttons"><button type="button" class="btn primary" data-message="m1" data-button="0">Run</button></div></div>
}
