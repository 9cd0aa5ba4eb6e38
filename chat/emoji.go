package chat

import "strings"

// emoji maps the Slack-style shortcodes that notifications and severity
// prefixes use (Severity.Emoji, ":white_check_mark: Deployed") to Unicode.
// It is never written to.
var emoji = map[string]string{
	"warning": "⚠️", "white_check_mark": "✅", "heavy_check_mark": "✔️", "x": "❌", "rotating_light": "🚨",
	"fire": "🔥", "information_source": "ℹ️", "large_green_circle": "🟢", "red_circle": "🔴",
	"large_yellow_circle": "🟡", "large_orange_circle": "🟠", "large_blue_circle": "🔵", "white_circle": "⚪",
	"no_entry": "⛔", "no_entry_sign": "🚫", "bell": "🔔", "rocket": "🚀", "tada": "🎉", "hourglass": "⌛",
	"hourglass_flowing_sand": "⏳", "stopwatch": "⏱️", "clock1": "🕐", "lock": "🔒", "unlock": "🔓", "key": "🔑",
	"shield": "🛡️", "mag": "🔍", "bulb": "💡", "memo": "📝", "clipboard": "📋", "chart_with_upwards_trend": "📈",
	"chart_with_downwards_trend": "📉", "bar_chart": "📊", "gear": "⚙️", "wrench": "🔧", "hammer_and_wrench": "🛠️",
	"package": "📦", "cloud": "☁️", "zap": "⚡", "boom": "💥", "construction": "🚧", "stop_sign": "🛑",
	"heavy_exclamation_mark": "❗", "exclamation": "❗", "question": "❓", "grey_question": "❔",
	"arrow_right": "➡️", "arrow_up": "⬆️", "arrow_down": "⬇️", "repeat": "🔁", "arrows_counterclockwise": "🔄",
	"moneybag": "💰", "money_with_wings": "💸", "dollar": "💵", "calendar": "📅", "link": "🔗", "eyes": "👀",
	"thumbsup": "👍", "+1": "👍", "thumbsdown": "👎", "-1": "👎", "skull": "💀", "bug": "🐛", "robot_face": "🤖",
	"frame_with_picture": "🖼️", "green_heart": "💚", "broken_heart": "💔", "sos": "🆘", "new": "🆕",
	"heavy_minus_sign": "➖", "heavy_plus_sign": "➕", "white_circle_check": "✅", "checkered_flag": "🏁",
}

// ReplaceEmojiShortcodes turns the common Slack-style ":shortcode:" emoji
// (":warning:", ":white_check_mark:", ":rotating_light:", ":fire:", …) into
// Unicode, for platforms that show shortcodes literally (Teams, Chime). Text
// that is not a known code (a time "10:00:00", an ARN, ":unknown:") is left
// as it is.
func ReplaceEmojiShortcodes(s string) string {
	if strings.Count(s, ":") < 2 {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, ':')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+1:], ':')
		if j < 0 {
			break
		}
		if e, ok := emoji[s[i+1:i+1+j]]; ok && j > 0 {
			b.WriteString(s[:i])
			b.WriteString(e)
			s = s[i+2+j:]
			continue
		}
		// Not a code: keep up to the first colon, retry from the second.
		b.WriteString(s[:i+1])
		s = s[i+1:]
	}
	b.WriteString(s)
	return b.String()
}
