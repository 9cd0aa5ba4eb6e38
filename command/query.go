package command

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/opschat/opschat/internal/jmespath"
)

// fixLiterals rewrites JMESPath literals that are not JSON (`running`)
// into JSON strings (`"running"`). The AWS CLI's Python JMESPath accepts
// them as deprecated string literals and AWS documentation uses them;
// go-jmespath rejects them.
func fixLiterals(q string) string {
	if strings.IndexByte(q, '`') < 0 {
		return q
	}
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if q[i] != '`' {
			b.WriteByte(q[i])
			continue
		}
		j := i + 1
		for j < len(q) && q[j] != '`' {
			if q[j] == '\\' && j+1 < len(q) && q[j+1] == '`' {
				j++
			}
			j++
		}
		if j >= len(q) {
			b.WriteString(q[i:])
			break
		}
		lit := strings.ReplaceAll(q[i+1:j], "\\`", "`")
		if json.Valid([]byte(lit)) {
			b.WriteString(q[i : j+1])
		} else if cand := `"` + strings.TrimLeft(lit, " \t\n\r") + `"`; json.Valid([]byte(cand)) {
			// Like Python's jmespath: the text becomes the inside of a
			// JSON string.
			b.WriteByte('`')
			b.WriteString(strings.ReplaceAll(cand, "`", "\\`"))
			b.WriteByte('`')
		} else {
			b.WriteString(q[i : j+1])
		}
		i = j
	}
	return b.String()
}

// compileQuery checks a JMESPath expression. The parser is guarded: a
// panic on a strange expression must not take the bot down.
//
// --query means what it means in the AWS CLI: the executor
// (command/awsexec) evaluates it with internal/jmespath, go-jmespath v0.4.0
// changed to evaluate as the CLI's jmespath.py does: <, <=, >, >= compare
// two strings by code point as well as two numbers
// ([?LaunchTime > '2026-11-01']), any other pair is null (the CLI 2.9
// fails with a TypeError there); keys(@), values(@) and * list an
// object's members in sorted key order, the same on every run (the CLI
// uses the API model's member order, which the Go SDK does not keep). The
// query runs on every record collected (up to --max-items) before the
// reply is cut to fit the chat message. Validation here uses the same
// engine, so what parses here evaluates there.
func compileQuery(q string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &Error{Kind: ErrInvalidValue, Subject: q,
				Msg: fmt.Sprintf("`--query %s` is not a JMESPath expression I can read.", q)}
		}
	}()
	if _, cerr := jmespath.Compile(q); cerr != nil {
		e := &Error{Kind: ErrInvalidValue, Subject: q,
			Msg: "`--query` is not a valid JMESPath expression (see https://jmespath.org)."}
		if se, ok := cerr.(jmespath.SyntaxError); ok {
			msg := strings.TrimPrefix(se.Error(), "SyntaxError: ")
			e.Err = &SyntaxError{Input: q, Pos: min(max(se.Offset, 0), len(q)), Msg: msg}
		} else {
			e.Err = cerr
		}
		return e
	}
	return nil
}
