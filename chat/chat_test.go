package chat_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
)

func TestParseMarkdown(t *testing.T) {
	tests := []struct {
		in   string
		want []chat.Span
	}{
		{"plain", []chat.Span{{Kind: chat.SpanText, Text: "plain"}}},
		{"a **b** c", []chat.Span{{Kind: chat.SpanText, Text: "a "}, {Kind: chat.SpanBold, Text: "b"}, {Kind: chat.SpanText, Text: " c"}}},
		{"_i_ and *j*", []chat.Span{{Kind: chat.SpanItalic, Text: "i"}, {Kind: chat.SpanText, Text: " and "}, {Kind: chat.SpanItalic, Text: "j"}}},
		{"snake_case_name", []chat.Span{{Kind: chat.SpanText, Text: "snake_case_name"}}},
		{"run `ls -l` now", []chat.Span{{Kind: chat.SpanText, Text: "run "}, {Kind: chat.SpanCode, Text: "ls -l"}, {Kind: chat.SpanText, Text: " now"}}},
		{"[docs](https://example.com/a_b)", []chat.Span{{Kind: chat.SpanLink, Text: "docs", URL: "https://example.com/a_b"}}},
		{"[x](javascript:alert(1))", []chat.Span{{Kind: chat.SpanText, Text: "[x](javascript:alert(1))"}}},
		{"[x](https://a b)", []chat.Span{{Kind: chat.SpanText, Text: "[x](https://a b)"}}},
		{"**unclosed", []chat.Span{{Kind: chat.SpanText, Text: "**unclosed"}}},
		{`\*not italic\*`, []chat.Span{{Kind: chat.SpanText, Text: "*not italic*"}}},
		{"<!channel> & <@U1>", []chat.Span{{Kind: chat.SpanText, Text: "<!channel> & <@U1>"}}},
		{"``", []chat.Span{{Kind: chat.SpanText, Text: "``"}}},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, chat.ParseMarkdown(tt.in))
		})
	}
}

func TestEscapeMarkdownRoundTrips(t *testing.T) {
	for _, s := range []string{"a*b_c`d[e](f)", `back\slash`, "**x**", "[a](https://b)", "plain", ""} {
		spans := chat.ParseMarkdown(chat.EscapeMarkdown(s))
		if s == "" {
			assert.Empty(t, spans)
			continue
		}
		require.Len(t, spans, 1, s)
		assert.Equal(t, chat.SpanText, spans[0].Kind)
		assert.Equal(t, s, spans[0].Text)
	}
}

func FuzzParseMarkdown(f *testing.F) {
	for _, s := range []string{"a **b** _c_ `d` [e](https://f)", `\*`, "[", "**", "_a_b_", "[a](mailto:x@y)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spans := chat.ParseMarkdown(s)
		for _, sp := range spans {
			if sp.Kind == chat.SpanLink {
				require.True(t, chat.SafeURL(sp.URL), "unsafe link %q", sp.URL)
			}
		}
		// Escaped text always comes back as one literal span.
		esc := chat.ParseMarkdown(chat.EscapeMarkdown(s))
		if s != "" {
			require.Len(t, esc, 1)
			require.Equal(t, s, esc[0].Text)
		}
	})
}

func TestSendErrorClassification(t *testing.T) {
	rl := chat.ClassifyHTTP(chat.PlatformSlack, 429, 3*time.Second, nil)
	assert.ErrorIs(t, rl, chat.ErrRateLimited)
	ok, after := chat.Retryable(fmt.Errorf("wrapped: %w", rl))
	assert.True(t, ok)
	assert.Equal(t, 3*time.Second, after)
	assert.Equal(t, "slack: send failed (HTTP 429), retryable after 3s: HTTP status 429", rl.Error())

	for status, want := range map[int]bool{500: true, 502: true, 503: true, 504: true, 412: true, 408: true, 400: false, 401: false, 403: false, 404: false} {
		err := chat.ClassifyHTTP(chat.PlatformTeams, status, 0, nil)
		ok, _ := chat.Retryable(err)
		assert.Equal(t, want, ok, "HTTP %d", status)
		assert.False(t, errors.Is(err, chat.ErrRateLimited))
	}
	assert.NoError(t, chat.ClassifyHTTP(chat.PlatformSlack, 200, 0, nil))

	ok, _ = chat.Retryable(context.Canceled)
	assert.False(t, ok)
	ok, _ = chat.Retryable(fmt.Errorf("post: %w", context.DeadlineExceeded))
	assert.False(t, ok, "the caller's own deadline is not retryable")
	ok, _ = chat.Retryable(&net.OpError{Op: "dial", Err: timeoutErr{}})
	assert.True(t, ok, "network timeouts are retryable")
	ok, _ = chat.Retryable(errors.New("boom"))
	assert.False(t, ok)
}

type timeoutErr struct{}

func (timeoutErr) Error() string { return "i/o timeout" }
func (timeoutErr) Timeout() bool { return true }

func TestRefThreadAndConversation(t *testing.T) {
	c := chat.Conversation{Platform: chat.PlatformSlack, WorkspaceID: "T1", ChannelID: "C1"}
	r := chat.Ref{Conversation: c, MessageID: "1.2"}
	assert.Equal(t, "1.2", r.Thread().ThreadID, "a new thread roots at the message")
	inThread := chat.Ref{Conversation: c.InThread("0.9"), MessageID: "1.2"}
	assert.Equal(t, "0.9", inThread.Thread().ThreadID, "replies stay in the existing thread")
	assert.Equal(t, "slack:T1/C1#0.9", c.InThread("0.9").String())
	assert.Equal(t, "", c.InThread("x").Channel().ThreadID)
}

func TestMessageHelpers(t *testing.T) {
	assert.True(t, chat.Message{}.IsZero())
	assert.False(t, chat.Message{Form: &chat.Form{}}.IsZero())
	assert.Equal(t, "first", chat.Message{Text: "  first\nsecond"}.PlainSummary())
	assert.Equal(t, "t", chat.Message{Title: "t", Text: "x"}.PlainSummary())
	assert.Equal(t, "s", chat.Message{Summary: "s", Title: "t"}.PlainSummary())
	assert.Equal(t, "critical", chat.SeverityCritical.String())
	assert.Equal(t, "unknown", chat.Severity(99).String())
	assert.Equal(t, "#D93F0B", chat.SeverityCritical.Color())
	assert.Equal(t, "danger", chat.ButtonDanger.String())
}

func TestChainOrder(t *testing.T) {
	var order []string
	mw := func(name string) chat.Middleware {
		return func(next chat.Handler) chat.Handler {
			return chat.HandlerFunc(func(ctx context.Context, in chat.Inbound, r chat.Replier) error {
				order = append(order, name)
				return next.HandleMessage(ctx, in, r)
			})
		}
	}
	h := chat.Chain(chat.HandlerFunc(func(context.Context, chat.Inbound, chat.Replier) error {
		order = append(order, "handler")
		return nil
	}), mw("outer"), mw("inner"))
	require.NoError(t, h.HandleMessage(context.Background(), chat.Inbound{}, nil))
	assert.Equal(t, []string{"outer", "inner", "handler"}, order)
}

type senderOnly struct{}

func (senderOnly) Send(context.Context, chat.Conversation, chat.Message) (chat.Ref, error) {
	return chat.Ref{}, nil
}

func TestCapabilitiesOfDerivesFromInterfaces(t *testing.T) {
	assert.Equal(t, chat.Capabilities{}, chat.CapabilitiesOf(senderOnly{}))
}

func ExampleParseMarkdown() {
	for _, sp := range chat.ParseMarkdown("**ALARM** in `us-east-1`: see [runbook](https://example.com/rb)") {
		if sp.URL != "" {
			fmt.Printf("%d %q %s\n", sp.Kind, sp.Text, sp.URL)
			continue
		}
		fmt.Printf("%d %q\n", sp.Kind, sp.Text)
	}
	// Output:
	// 1 "ALARM"
	// 0 " in "
	// 3 "us-east-1"
	// 0 ": see "
	// 4 "runbook" https://example.com/rb
}

func ExampleEscapeMarkdown() {
	name := "prod_*_alarm" // from an AWS payload: show it literally
	fmt.Println(chat.EscapeMarkdown(name))
	// Output: prod\_\*\_alarm
}
