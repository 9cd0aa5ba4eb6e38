package chat_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/opschat/opschat/chat"
)

func TestReplaceEmojiShortcodes(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{":warning: disk", "⚠️ disk"},
		{":white_check_mark::x:", "✅❌"},
		{"at 10:00:00 UTC", "at 10:00:00 UTC"},
		{"arn:aws:sns:us-east-1:123:topic", "arn:aws:sns:us-east-1:123:topic"},
		{":unknown_code: :fire:", ":unknown_code: 🔥"},
		{"::", "::"},
		{"a :rotating_light", "a :rotating_light"},
		{"", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, chat.ReplaceEmojiShortcodes(tt.in), tt.in)
	}
	for _, s := range []chat.Severity{chat.SeverityInfo, chat.SeveritySuccess, chat.SeverityWarning, chat.SeverityCritical} {
		assert.NotContains(t, chat.ReplaceEmojiShortcodes(s.Emoji()), ":", "every severity emoji is known")
	}
}
