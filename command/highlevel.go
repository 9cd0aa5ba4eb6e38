package command

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file maps the AWS CLI's high-level commands that people type every
// day, and AWS Chatbot's simplified Lambda syntax, onto the API operation
// they run:
//
//	s3 ls                        → s3api list-buckets
//	s3 ls s3://bucket[/prefix]   → s3api list-objects-v2 --bucket bucket [--prefix prefix] --delimiter /
//	logs tail GROUP [--since 10m] [--filter-pattern P]
//	                             → logs filter-log-events --log-group-name GROUP --start-time MS [--filter-pattern P]
//	invoke FN [--payload P]      → lambda invoke --function-name FN [--payload P]
//	lambda invoke FN [outfile]   → lambda invoke --function-name FN
//
// The rewrite happens on tokens, before the catalog is consulted, so the
// result is an ordinary invocation of the underlying operation: the
// guardrails check that operation's IAM actions, Invocation.Text is the full
// command that runs (and what a pending confirmation stores and resumes),
// and Invocation.Typed keeps what the user wrote.

// Display styles of Invocation.Display.
const (
	// DisplayS3Ls asks the renderer for the AWS CLI's "s3 ls" listing
	// (dates, sizes, "PRE" for common prefixes) instead of a table.
	DisplayS3Ls = "s3-ls"
	// DisplayLogsTail asks for the AWS CLI's "logs tail" lines
	// ("TIMESTAMP STREAM MESSAGE") instead of a table of events.
	DisplayLogsTail = "logs-tail"
)

// defaultTailSince is how far back "logs tail" reads without --since, as
// the AWS CLI does.
const defaultTailSince = 10 * time.Minute

// highLevel rewrites a high-level command into the tokens of the API
// operation it stands for. It returns the tokens unchanged (and display
// "") for anything else.
func highLevel(toks []Token, cfg *config) (out []Token, display string, err error) {
	if len(toks) == 0 || toks[0].Quoted {
		return toks, "", nil
	}
	first := strings.ToLower(toks[0].Text)
	second := ""
	if len(toks) > 1 && !toks[1].Quoted {
		second = strings.ToLower(toks[1].Text)
	}
	switch {
	case first == "s3" && second == "ls":
		return s3Ls(toks)
	case first == "logs" && second == "tail":
		out, err := logsTail(toks, cfg)
		return out, DisplayLogsTail, err
	case first == "invoke" && len(toks) > 1 && !looksLikeOption(toks[1]) && !isWord(toks[1], "help"):
		// AWS Chatbot's "invoke my-function --payload {...}".
		return lambdaInvoke(toks[0], toks[1:]), "", nil
	case first == "lambda" && second == "invoke" && len(toks) > 2 && !looksLikeOption(toks[2]) && !isWord(toks[2], "help"):
		return lambdaInvoke(toks[0], toks[2:]), "", nil
	case first == "lambda" && second == "invoke":
		return dropOutfile(toks), "", nil
	}
	return toks, "", nil
}

// word makes a synthetic token at the position of the token it replaces,
// so that an error about it points at what the user typed.
func word(at Token, text string) Token {
	return Token{Text: text, Pos: at.Pos, End: at.End}
}

func s3Ls(toks []Token) ([]Token, string, error) {
	var target *Token
	var rest []Token
	for i := 2; i < len(toks); i++ {
		t := toks[i]
		if target == nil && !looksLikeOption(t) && (i == 2 || !looksLikeOption(toks[i-1])) {
			target = &toks[i]
			continue
		}
		if !t.Quoted && (t.Text == "--recursive" || t.Text == "--human-readable" || t.Text == "--summarize") {
			return nil, "", &Error{Kind: ErrInvalidValue, Subject: t.Text,
				Msg:         fmt.Sprintf("`s3 ls %s` is not supported in chat: list one level at a time (`s3 ls s3://bucket/prefix/`), or use `s3api list-objects-v2`.", t.Text),
				HelpCommand: "s3api list-objects-v2 help"}
		}
		rest = append(rest, t)
	}
	svc, op := word(toks[0], "s3api"), word(toks[1], "list-buckets")
	if target == nil {
		return append([]Token{svc, op}, rest...), DisplayS3Ls, nil
	}
	path, ok := strings.CutPrefix(target.Text, "s3://")
	if !ok {
		path = target.Text
	}
	bucket, prefix, _ := strings.Cut(path, "/")
	if bucket == "" {
		return nil, "", &Error{Kind: ErrInvalidValue, Subject: target.Text,
			Msg:         fmt.Sprintf("`%s` names no bucket: write `s3 ls s3://BUCKET/PREFIX`.", target.Text),
			HelpCommand: "s3api list-objects-v2 help"}
	}
	op = word(toks[1], "list-objects-v2")
	out := []Token{svc, op, word(*target, "--bucket"), quotedWord(*target, bucket)}
	if prefix != "" {
		out = append(out, word(*target, "--prefix"), quotedWord(*target, prefix))
	}
	out = append(out, word(*target, "--delimiter"), quotedWord(*target, "/"))
	return append(out, rest...), DisplayS3Ls, nil
}

// quotedWord is a synthetic value token: quoted, so that a value starting
// with "-" is never read as an option.
func quotedWord(at Token, text string) Token {
	t := word(at, text)
	t.Quoted = true
	return t
}

func logsTail(toks []Token, cfg *config) ([]Token, error) {
	if len(toks) < 3 || looksLikeOption(toks[2]) {
		return nil, &Error{Kind: ErrInvalidValue, Subject: "logs tail",
			Msg:         "Which log group? Write `logs tail GROUP [--since 10m] [--filter-pattern PATTERN]`.",
			HelpCommand: "logs filter-log-events help"}
	}
	since := defaultTailSince
	out := []Token{word(toks[0], "logs"), word(toks[1], "filter-log-events"), word(toks[2], "--log-group-name"), quotedWord(toks[2], toks[2].Text)}
	sinceAt := toks[2]
	for i := 3; i < len(toks); i++ {
		t := toks[i]
		name, value, hasValue, ok := normOption(t.Text)
		if t.Quoted || !ok {
			out = append(out, t)
			continue
		}
		switch name {
		case "since":
			if !hasValue {
				if i+1 >= len(toks) {
					return nil, &Error{Kind: ErrInvalidValue, Subject: t.Text, Msg: "`--since` needs a value such as `10m`, `2h` or `1d`.", HelpCommand: "logs filter-log-events help"}
				}
				i++
				value = toks[i].Text
			}
			d, err := parseSince(value)
			if err != nil {
				return nil, &Error{Kind: ErrInvalidValue, Subject: value, Msg: fmt.Sprintf("`--since %s`: %v.", value, err), HelpCommand: "logs filter-log-events help", Err: err}
			}
			since, sinceAt = d, t
		case "follow", "f":
			return nil, &Error{Kind: ErrInvalidValue, Subject: t.Text,
				Msg:         "`logs tail --follow` cannot stream into chat: run `logs tail GROUP --since 5m` again to see newer events.",
				HelpCommand: "logs filter-log-events help"}
		case "format":
			// The CLI's output format of tail; the bot renders events its own way.
			if !hasValue && i+1 < len(toks) {
				i++
			}
		default:
			out = append(out, t)
		}
	}
	now := time.Now
	if cfg.now != nil {
		now = cfg.now
	}
	start := now().Add(-since).UnixMilli()
	return append(out, word(sinceAt, "--start-time"), word(sinceAt, strconv.FormatInt(start, 10))), nil
}

// parseSince reads the CLI's --since: a number and a unit (s, m, h, d, w).
func parseSince(s string) (time.Duration, error) {
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	if len(s) < 2 {
		return 0, fmt.Errorf("%w: give a number and a unit (s, m, h, d or w), such as 10m", ErrInvalidValue)
	}
	unit, ok := units[s[len(s)-1]]
	n, err := strconv.ParseInt(s[:len(s)-1], 10, 32)
	if !ok || err != nil || n <= 0 {
		return 0, fmt.Errorf("%w: give a number and a unit (s, m, h, d or w), such as 10m", ErrInvalidValue)
	}
	// A year bounds the arithmetic; CloudWatch Logs keeps nothing older
	// that filter-log-events would page through in chat anyway.
	if d := time.Duration(n) * unit; d <= 366*24*time.Hour {
		return d, nil
	}
	return 0, fmt.Errorf("%w: at most a year (366d)", ErrInvalidValue)
}

// lambdaInvoke turns "FN [args...]" after "invoke" or "lambda invoke" into
// "lambda invoke --function-name FN args...", dropping a positional outfile.
func lambdaInvoke(at Token, args []Token) []Token {
	out := []Token{word(at, "lambda"), word(at, "invoke"), word(args[0], "--function-name"), quotedWord(args[0], args[0].Text)}
	return append(out, dropOutfile(append([]Token{{}, {}}, args[1:]...))[2:]...)
}

// dropOutfile removes the positional outfile of "lambda invoke ... out.json":
// the AWS CLI writes the response payload there, the bot shows it in chat
// and never writes a file on its host. The outfile is the one word that is
// neither an option nor an option's value; the options of lambda invoke
// that take no value are flags (--no-...), and every other option takes
// exactly one value.
func dropOutfile(toks []Token) []Token {
	out := toks[:2:2]
	dropped := false
	for i := 2; i < len(toks); i++ {
		t := toks[i]
		if looksLikeOption(t) {
			out = append(out, t)
			if _, _, hasValue, _ := normOption(t.Text); !hasValue && i+1 < len(toks) && !looksLikeOption(toks[i+1]) && !isFlagOption(t.Text) {
				i++
				out = append(out, toks[i])
			}
			continue
		}
		if isWord(t, "help") || dropped {
			// A second positional word is an error the parser reports.
			out = append(out, t)
			continue
		}
		dropped = true // the outfile
	}
	return out
}

func isFlagOption(s string) bool {
	name, _, _, ok := normOption(s)
	return ok && (strings.HasPrefix(name, "no-") || name == "debug" || name == "help")
}
