package awsexec

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Tokens for --starting-token. The AWS CLI (botocore) hands out tokens
// that name a place inside a page: base64 of {"NextToken": "API token",
// "boto_truncate_amount": 2}, meaning "fetch the page with that API token
// and skip its first 2 records", because --max-items can stop in the
// middle of a page. The executor reads those tokens, the deprecated
// "TOKEN___2" form and plain API tokens, and offers one of the same form
// when it cuts a page, so a token moves freely between the CLI and chat.

// truncateAmount is botocore's key for the records to skip.
const truncateAmount = "boto_truncate_amount"

// startingToken is a parsed --starting-token: the API token of the page to
// fetch ("" for the first page) and how many of its records were shown.
type startingToken struct {
	token string
	skip  int
}

// parseStartingToken reads a --starting-token. Anything that is not one of
// botocore's forms is an API token as is.
func parseStartingToken(s string) startingToken {
	if raw, err := base64.StdEncoding.DecodeString(s); err == nil && len(raw) > 0 && raw[0] == '{' {
		var m map[string]any
		if json.Unmarshal(raw, &m) == nil {
			var t startingToken
			for k, v := range m {
				switch x := v.(type) {
				case float64:
					if k == truncateAmount && x > 0 && x < 1<<31 {
						t.skip = int(x)
					}
				case string:
					if k != truncateAmount && x != "None" {
						t.token = x
					}
				}
			}
			return t
		}
	}
	if tok, n, ok := cutLast(s, "___"); ok {
		if skip, err := strconv.Atoi(n); err == nil && skip >= 0 {
			return startingToken{token: tok, skip: skip}
		}
	}
	return startingToken{token: s}
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// encode returns the token in botocore's form, keyed by the input member
// that takes the API token (NextToken, ContinuationToken, Marker, ...), so
// the AWS CLI can resume from it too. A token that skips nothing is the
// plain API token, which both read and people can recognise.
func (t startingToken) encode(inputName string) string {
	if t.skip == 0 {
		return t.token
	}
	if !utf8.ValidString(t.token) {
		return "" // JSON would change it; AWS tokens are text anyway
	}
	m := map[string]any{truncateAmount: t.skip}
	if t.token != "" {
		m[inputName] = t.token
	}
	b, err := json.Marshal(m)
	if err != nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(b)
}

// fetched is what call collected.
type fetched struct {
	out  any
	more bool // AWS has pages after the last one fetched
	// last is where the last page fetched starts: its API token and the
	// records dropped from its front (a starting token's skip); before
	// counts the records of the earlier pages.
	last   startingToken
	before int
}

// continuation returns the --starting-token that resumes right after the
// first shown records, or "" when nothing follows them (or the API's token
// is too long to be of use in chat).
func (f fetched) continuation(shown, total int, input any) string {
	if shown < total {
		if len(f.last.token) > maxChatToken {
			return ""
		}
		t := startingToken{token: f.last.token, skip: f.last.skip + shown - f.before}
		return t.encode(inputTokenName(input))
	}
	if f.more {
		return nextToken(f.out)
	}
	return ""
}

// call runs the operation, following pages until maxItems records were
// collected; the first page starts at start. more reports that AWS has more
// pages.
func (e *Executor) call(ctx context.Context, op *Operation, client, input any, maxItems int, pageSize int32, start startingToken) (fetched, error) {
	if op.pager == nil {
		out, err := op.call(ctx, client, input)
		return fetched{out: out}, err
	}
	f := fetched{last: start}
	p := op.pager(client, input, pageSize)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fetched{}, err
		}
		if f.out == nil {
			dropItems(page, start.skip)
			f.out = page
		} else {
			f.before = countItems(f.out)
			f.last = startingToken{token: apiNextToken(f.out)}
			mergePage(f.out, page)
		}
		if countItems(f.out) >= maxItems {
			break
		}
	}
	if f.out == nil {
		// A paginator with no pages at all: call once for the output shape.
		out, err := op.call(ctx, client, input)
		return fetched{out: out}, err
	}
	f.more = p.HasMorePages()
	return f, nil
}

// dropItems removes the first n elements of every list member of an output
// (the records a starting token's skip says were shown already).
func dropItems(out any, n int) {
	if n <= 0 {
		return
	}
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return
	}
	v = v.Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() == reflect.Slice && f.Type() != bytesType && f.CanSet() {
			f.Set(f.Slice(min(n, f.Len()), f.Len()))
		}
	}
}
