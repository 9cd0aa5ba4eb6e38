package command_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
)

func texts(toks []command.Token) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Text
	}
	return out
}

func TestClean(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"@aws ec2 describe-instances", "ec2 describe-instances"},
		{"@AWS   ec2 x", "ec2 x"},
		{"aws ec2 x", "ec2 x"},
		{"@aws aws ec2 x", "ec2 x"},
		{"awsconfig x", "awsconfig x"},
		{"<@U123ABC> ec2 x", "ec2 x"},
		{"<@U123ABC|opschat> ec2 x", "ec2 x"},
		{"<at>aws</at> ec2 x", "ec2 x"},
		{"<at>AWS Bot</at>\u00a0ec2 x", "ec2 x"},
		{"@aws", ""},
		{"sqs get-queue-attributes --queue-url <https://sqs.us-east-1.amazonaws.com/1/q|sqs.us-east-1.amazonaws.com/1/q>", "sqs get-queue-attributes --queue-url sqs.us-east-1.amazonaws.com/1/q"},
		{"x --url <https://example.com/a>", "x --url https://example.com/a"},
		{"x --email <mailto:a@b.c|a@b.c>", "x --email a@b.c"},
		{"x <#C123|general>", "x <#C123|general>"},
		{"x --query a&amp;&amp;b --f &lt;tag&gt;", "x --query a&&b --f <tag>"},
		{"x --name &quot;a b&quot;", `x --name "a b"`},
		{"x --name \u201ca b\u201d --o \u2018c\u2019", `x --name "a b" --o 'c'`},
		{"```ec2 describe-instances```", "ec2 describe-instances"},
		{"```aws ec2 describe-instances --region eu-west-1```", "ec2 describe-instances --region eu-west-1"},
		{"@aws ```aws ec2 describe-instances```", "ec2 describe-instances"},
		{"```\naws ec2 describe-instances\n```", "ec2 describe-instances"},
		{"```bash\naws s3 ls\n```", "s3 ls"},
		{"`aws sqs list-queues`", "sqs list-queues"},
		{"<@U1> `aws sqs list-queues`", "sqs list-queues"},
		{"ec2 describe-instances --query 'x[?a==`1`]'", "ec2 describe-instances --query 'x[?a==`1`]'"},
		{"`awsconfig x`", "awsconfig x"},
		{"lambda invoke --payload ```json\n{\"a\": 1}\n```", "lambda invoke --payload  \n{\"a\": 1}"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, command.Clean(tt.in))
		})
	}
}

func TestTokenize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"ec2 describe-instances --instance-ids i-1 i-2", []string{"ec2", "describe-instances", "--instance-ids", "i-1", "i-2"}},
		{"a 'b c' \"d e\"", []string{"a", "b c", "d e"}},
		{`a 'it'\''s' "say \"hi\"" x\ y`, []string{"a", "it's", `say "hi"`, "x y"}},
		{`a 'no \escape' "keep \n"`, []string{"a", `no \escape`, `keep \n`}},
		{"a pre'mid'post", []string{"a", "premidpost"}},
		{"a ''", []string{"a", ""}},
		{"a\nb\r\n\tc", []string{"a", "b", "c"}},
		{"a \\\nb", []string{"a", "b"}},
		{`--payload {"a": "b c", "d": [1, 2]}`, []string{"--payload", `{"a": "b c", "d": [1, 2]}`}},
		{`--payload {"a": "}"} x`, []string{"--payload", `{"a": "}"}`, "x"}},
		{`--filters Name=x,Values=[a, b] Name=y,Values=c`, []string{"--filters", "Name=x,Values=[a, b]", "Name=y,Values=c"}},
		{"--query Reservations[?State=='running'].Id", []string{"--query", "Reservations[?State=='running'].Id"}},
		{"--name x[ y", []string{"--name", "x[", "y"}},
		{"`ec2 describe-instances --instance-ids i-1`", []string{"ec2", "describe-instances", "--instance-ids", "i-1"}},
		{"--payload `{\"a\": 1}`", []string{"--payload", `{"a": 1}`}},
		{"--query a[?b==`c`]", []string{"--query", "a[?b==`c`]"}},
		{"@aws \u2014state-value ALARM", []string{"\u2014state-value", "ALARM"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, toks, err := command.Tokenize(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, texts(toks))
		})
	}
}

func TestTokenizePositions(t *testing.T) {
	t.Parallel()
	cleaned, toks, err := command.Tokenize(`@aws ec2  'a b' x`)
	require.NoError(t, err)
	require.Len(t, toks, 3)
	assert.Equal(t, "ec2", cleaned[toks[0].Pos:toks[0].End])
	assert.Equal(t, "'a b'", cleaned[toks[1].Pos:toks[1].End])
	assert.True(t, toks[1].Quoted)
	assert.False(t, toks[2].Quoted)
}

func TestTokenizeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		pos   int
		caret string
	}{
		{"ec2 x --name 'abc", 13, "ec2 x --name 'abc\n             ^"},
		{`ec2 x --name "abc`, 13, "ec2 x --name \"abc\n             ^"},
		{`lambda invoke --payload {"a": 1`, 24, "lambda invoke --payload {\"a\": 1\n                        ^"},
		{"ec2 x\n--name 'é", 13, "--name 'é\n       ^"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, _, err := command.Tokenize(tt.in)
			require.ErrorIs(t, err, command.ErrSyntax)
			var se *command.SyntaxError
			require.True(t, errors.As(err, &se))
			assert.Equal(t, tt.pos, se.Pos)
			assert.Equal(t, tt.caret, se.Caret())
			assert.Contains(t, se.UserMessage(), "never closed")
		})
	}
}

func TestQuoteArgRoundTrip(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", "a b", "it's", `"q"`, `back\slash`, "-dash", "--opt", "\u2014x", `{"a": 1}`, "[a, b]",
		"{unbalanced", "tab\there", "new\nline", "`tick`", "$x", "é", "a'b\"c"} {
		q := command.QuoteArg(s)
		toks := mustSplit(t, q)
		require.Len(t, toks, 1, "QuoteArg(%q) = %q", s, q)
		assert.Equal(t, s, toks[0].Text, "QuoteArg(%q) = %q", s, q)
	}
}

// mustSplit tokenizes text that has no mention or chat formatting.
func mustSplit(t *testing.T, s string) []command.Token {
	t.Helper()
	_, toks, err := command.Tokenize("x " + s)
	require.NoError(t, err)
	return toks[1:]
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{
		"@aws ec2 describe-instances --instance-ids i-1 i-2",
		`<@U1> lambda invoke --payload {"a": "b c"} --x 'y z' "q\"r"`,
		"<at>aws</at> logs filter-log-events &lt;x&gt; <https://a|b> ```json\n{}\n```",
		"--query a[?b==`c`] `x` \\\n y",
		"\u201cquoted\u201d \u2014opt [unclosed",
		"'", "\"", "{", "`", "\\", "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cleaned, toks, err := command.Tokenize(s)
		if err != nil {
			var se *command.SyntaxError
			if !errors.As(err, &se) || se.Pos < 0 || se.Pos > len(cleaned) {
				t.Fatalf("bad error %#v for cleaned %q", err, cleaned)
			}
			_ = se.Caret()
			return
		}
		for _, tok := range toks {
			if tok.Pos < 0 || tok.End > len(cleaned) || tok.Pos > tok.End {
				t.Fatalf("token %+v outside %q", tok, cleaned)
			}
			if !utf8.ValidString(s) {
				continue
			}
			// Every word survives quoting for the normalised text.
			q := command.QuoteArg(tok.Text)
			_, back, err := command.Tokenize("x " + q)
			if err != nil || len(back) != 2 || back[1].Text != tok.Text {
				if strings.ContainsAny(tok.Text, "\u201c\u201d\u2018\u2019\u201a\u201b\u201e\u201f&<") {
					continue // Clean rewrites these on the way back in
				}
				t.Fatalf("QuoteArg(%q) = %q reads back as %+v, %v", tok.Text, q, back, err)
			}
		}
	})
}
