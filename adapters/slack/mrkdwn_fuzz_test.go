package slack

import (
	"regexp"
	"strings"
	"testing"

	"github.com/opschat/opschat/chat"
)

var (
	linkRE     = regexp.MustCompile(`<([^>]*)>`)
	safeLinkRE = regexp.MustCompile(`^(https?://|mailto:)[^<|\s]*(\|[^<]*)?$`)
)

// FuzzMrkdwn checks that no input, however hostile, yields a Slack control
// sequence other than a link to an http, https or mailto URL, and that
// cutting never splits an entity or a link.
func FuzzMrkdwn(f *testing.F) {
	for _, s := range []string{
		"<!channel>", "<@U123>", "[x](https://a.b/?q=1&r=2|z)", "**<!here>**", "`<#C1>`",
		"[a](javascript:x)", "- item\n- <b>", "&amp;lt;", "\\[x\\](https://a)", "_<!everyone>_",
		"[label with many spaces](https://example.com/x) tail",
	} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		out := mrkdwn(s)
		if strings.Count(out, "<") != strings.Count(out, ">") {
			t.Fatalf("unbalanced <> in %q → %q", s, out)
		}
		for _, m := range linkRE.FindAllStringSubmatch(out, -1) {
			if !safeLinkRE.MatchString(m[1]) {
				t.Fatalf("unsafe control sequence %q in %q → %q", m[0], s, out)
			}
		}
		for _, sp := range chat.ParseMarkdown(s) {
			_ = sp // ParseMarkdown must not panic either
		}
		if n < 0 || n > 1<<16 {
			return
		}
		cut := cutRunes(out, n)
		if !strings.HasPrefix(out, cut) || runeLen(cut) > n {
			t.Fatalf("cutRunes(%q, %d) = %q", out, n, cut)
		}
		if lt := strings.LastIndexByte(cut, '<'); lt >= 0 && strings.LastIndexByte(cut, '>') < lt {
			t.Fatalf("cut splits a link: %q", cut)
		}
		for _, chunk := range splitLines(out, max(n, 8)) {
			if runeLen(chunk) > max(n, 8) {
				t.Fatalf("chunk longer than %d: %q", n, chunk)
			}
		}
	})
}

func FuzzPlainMarkdown(f *testing.F) {
	f.Add("**a** [b](https://c)")
	f.Fuzz(func(t *testing.T, s string) {
		_ = plainMarkdown(s)
		_ = escapeText(s)
		_ = truncatePlain(s, 5)
	})
}

func TestCutNeverSplitsALink(t *testing.T) {
	s := mrkdwn("[label with many spaces](https://example.com/x) tail")
	for n := 1; n < runeLen(s); n++ {
		cut := cutRunes(s, n)
		if lt := strings.LastIndexByte(cut, '<'); lt >= 0 && strings.LastIndexByte(cut, '>') < lt {
			t.Fatalf("cutRunes(%q, %d) = %q splits the link", s, n, cut)
		}
	}
}

func TestLongerThanAndPrefixRunes(t *testing.T) {
	for _, s := range []string{"", "a", "ab", "héllo", "日本語テキスト", strings.Repeat("é", 10)} {
		for n := 0; n <= 12; n++ {
			if got, want := longerThan(s, n), runeLen(s) > n; got != want {
				t.Errorf("longerThan(%q, %d) = %v", s, n, got)
			}
			want := s
			if r := []rune(s); len(r) > n {
				want = string(r[:n])
			}
			if got := prefixRunes(s, n); got != want {
				t.Errorf("prefixRunes(%q, %d) = %q, want %q", s, n, got, want)
			}
		}
	}
}
