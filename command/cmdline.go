package command

import (
	"strings"
)

// text renders the normalised command line: canonical option spellings,
// values quoted so that Resume reads back the same values.
func (p *paramParser) text() string {
	var b strings.Builder
	n := len(p.inv.Service) + len(p.inv.Operation) + 1
	for _, g := range p.order {
		n += len(g.name) + 6
		for _, v := range g.values {
			n += len(v) + 3
		}
	}
	b.Grow(n)
	b.WriteString(p.inv.Service)
	b.WriteByte(' ')
	b.WriteString(p.inv.Operation)
	for _, g := range p.order {
		b.WriteString(" --")
		if g.flag < 0 {
			b.WriteString("no-")
		}
		b.WriteString(g.name)
		for _, v := range g.values {
			b.WriteByte(' ')
			b.WriteString(QuoteArg(v))
		}
	}
	return b.String()
}

// QuoteArg returns s as one word of a command line: unchanged when it is
// plain, else single-quoted (JSON is left bare when that reads back the
// same), so that Tokenize returns exactly s.
func QuoteArg(s string) string {
	if s == "" {
		return "''"
	}
	plain := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isLetter(c) || c >= '0' && c <= '9' || strings.IndexByte("-_.,:/=@+%^*?!~#$]}", c) >= 0) {
			plain = false
			break
		}
	}
	if plain {
		if _, dashed := trimDashes(s); !dashed {
			return s
		}
	}
	if (s[0] == '{' || s[0] == '[') && !strings.ContainsAny(s, "\n`") {
		if toks, err := split(s); err == nil && len(toks) == 1 && toks[0].Text == s && toks[0].Pos == 0 && toks[0].End == len(s) {
			return s
		}
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
