package guardrail

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tokLit  tokKind = iota // literal text
	tokStar                // '*': any sequence, possibly empty
	tokOne                 // '?': exactly one character
	tokVar                 // ${key} or ${key, 'default'}: replaced by the context value
)

type token struct {
	kind   tokKind
	s      string // literal text (lower-cased when the pattern folds case), or the variable's key
	key    ctxKey // the variable's key, for lookups
	def    string // default value of a variable
	hasDef bool
}

// pattern is a compiled IAM string: literals, wildcards and policy variables.
// It is immutable after compilation, so it is safe for concurrent use.
type pattern struct {
	toks      []token
	fold      bool // case-insensitive (actions, IgnoreCase operators)
	asciiFold bool // fold by ASCII only: literals are lower-cased ASCII (actions)
	// all is set when the pattern is only stars: it matches every string,
	// which is also what "needs *" means for unknown resources.
	all bool
}

// compileOptions say which IAM features a string supports where it appears.
type compileOptions struct {
	wildcards bool // * and ? are wildcards (Action, Resource, *Like); otherwise literal
	variables bool // ${...} policy variables (Resource and Condition values of 2012-10-17 policies)
	fold      bool
	asciiFold bool // with fold: ASCII-only folding, for action names
}

// compilePattern turns an IAM string into tokens. It never fails: a "${"
// that does not form a valid variable is literal text, which is what IAM does
// with text it cannot interpret as a variable.
func compilePattern(s string, o compileOptions) pattern {
	p := pattern{fold: o.fold, asciiFold: o.fold && o.asciiFold}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t := lit.String()
			if o.fold {
				t = asciiLower(t)
			}
			p.toks = append(p.toks, token{kind: tokLit, s: t})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case o.wildcards && c == '*':
			flush()
			// Consecutive stars are one star; it keeps matching linear.
			if n := len(p.toks); n == 0 || p.toks[n-1].kind != tokStar {
				p.toks = append(p.toks, token{kind: tokStar})
			}
			i++
			continue
		case o.wildcards && c == '?':
			flush()
			p.toks = append(p.toks, token{kind: tokOne})
			i++
			continue
		case o.variables && c == '$' && strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i:], '}')
			if end > 2 {
				if t, why := parseVariable(s[i+2 : i+end]); why == "" {
					if t.kind == tokLit {
						lit.WriteString(t.s)
					} else {
						flush()
						p.toks = append(p.toks, t)
					}
					i += end + 1
					continue
				}
			}
		}
		lit.WriteByte(c)
		i++
	}
	flush()
	p.all = len(p.toks) > 0
	for _, t := range p.toks {
		if t.kind != tokStar {
			p.all = false
			break
		}
	}
	return p
}

// parseVariable interprets the inside of ${...}: the escapes ${*}, ${?}, ${$}
// and keys with an optional default, ${aws:username, 'nobody'}. Spaces
// around the key and the default are not part of them (IAM's own examples
// write "${aws:username, 'nobody'}"). When in is neither, why says what is
// wrong with it.
func parseVariable(in string) (t token, why string) {
	switch in {
	case "*", "?", "$":
		return token{kind: tokLit, s: in}, ""
	}
	key, def, hasDef := strings.TrimSpace(in), "", false
	if comma := strings.IndexByte(in, ','); comma >= 0 {
		key = strings.TrimSpace(in[:comma])
		d := strings.TrimSpace(in[comma+1:])
		if len(d) < 2 || d[0] != '\'' || d[len(d)-1] != '\'' {
			return token{}, "a default is written in single quotes: ${key, 'default'}"
		}
		def, hasDef = d[1:len(d)-1], true
		// IAM does not document how it reads a quote inside a default
		// (doubled, as some clones do?), nor whether a '*' or '?' that
		// a default puts in a Resource is a wildcard: either reading
		// could be IAM's, and one of them lets a Deny apply less.
		if strings.ContainsAny(def, "'*?") {
			return token{}, "a default may not hold ', * or ?: how IAM reads them there is not documented"
		}
	}
	if key == "" || strings.ContainsAny(key, " \t${}',*?") {
		return token{}, "want ${key} or ${key, 'default'}; write ${$} for a literal \"$\""
	}
	return token{kind: tokVar, s: key, key: newCtxKey(key), def: def, hasDef: hasDef}, ""
}

// malformedVariable returns the first "${" of s that starts neither a
// policy variable nor an escape, as compilePattern reads them, and why.
// IAM cannot resolve such text, which would quietly make a Deny not
// apply, so the parser refuses it in documents where ${...} are variables.
func malformedVariable(s string) (bad, why string) {
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "${")
		if j < 0 {
			return "", ""
		}
		i += j
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return s[i:], "no closing \"}\"; write ${$} for a literal \"$\""
		}
		if _, why := parseVariable(s[i+2 : i+end]); why != "" {
			return s[i : i+end+1], why
		}
		i += end + 1
	}
	return "", ""
}

// resolve returns the value a variable token stands for. Multi-valued keys
// cannot be used as variables (IAM), and neither a missing key without a
// default nor a key the context spells several ways has a value: the
// variable does not resolve, and what that means is the caller's rule
// (matchVars, condition.eval).
func (t *token) resolve(ctx *reqContext) (string, bool) {
	vals, ok, ambiguous := ctx.lookup(&t.key)
	if ambiguous {
		return "", false
	}
	if ok && len(vals) == 1 {
		return vals[0], true
	}
	// A key with no values is absent (see Request).
	if (!ok || len(vals) == 0) && t.hasDef {
		return t.def, true
	}
	return "", false
}

// match reports whether s matches the pattern for certain: false when a
// policy variable in it does not resolve (see matchVars).
func (p *pattern) match(s string, ctx *reqContext) bool {
	m, unresolved := p.matchVars(s, ctx)
	return m && !unresolved
}

// matchVars reports whether s matches the pattern, where a policy variable
// that does not resolve stands for every value it could take, as a star:
// a false match is then certain (no value could make s match), and a true
// one is undecided when unresolved is set (some value could). It is the
// classic glob algorithm with backtracking to the last star only, which is
// correct because every other token has a fixed length once resolved; it
// runs in O(len(toks)*len(s)) and does not allocate.
func (p *pattern) matchVars(s string, ctx *reqContext) (match, unresolved bool) {
	if p.all {
		return true, false
	}
	toks := p.toks
	if len(toks) == 1 && toks[0].kind == tokLit {
		// Exact strings (most actions and condition values): no loop.
		switch {
		case !p.fold:
			return s == toks[0].s, false
		case p.asciiFold:
			return len(s) == len(toks[0].s) && prefixLen(s, toks[0].s, true, true) >= 0, false
		}
		// Unicode folding can change the length in bytes ("K", the
		// Kelvin sign, is 3 bytes and folds to "k"), so no length test.
		return strings.EqualFold(s, toks[0].s), false
	}
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case tokVar:
				if v, ok := t.resolve(ctx); ok {
					if n := prefixLen(s[si:], v, p.fold, false); n >= 0 {
						si += n
						ti++
						continue
					}
					break
				}
				// Unresolved: a star. Every token is passed on the way
				// to a match, so a match through this one is undecided.
				unresolved = true
				fallthrough
			case tokStar:
				if ti == len(toks)-1 {
					// A final star takes whatever is left ("instance/*"),
					// without stepping through it rune by rune.
					return true, unresolved
				}
				starTi, starSi = ti, si
				ti++
				continue
			case tokOne:
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
					ti++
					continue
				}
			case tokLit:
				if n := prefixLen(s[si:], t.s, p.fold, p.asciiFold); n >= 0 {
					si += n
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true, unresolved
		}
		if starTi < 0 || starSi >= len(s) {
			return false, false
		}
		_, n := utf8.DecodeRuneInString(s[starSi:])
		starSi += n
		si = starSi
		ti = starTi + 1
	}
}

// literal reports whether the pattern is plain text and returns it.
func (p *pattern) literal() (string, bool) {
	switch len(p.toks) {
	case 0:
		return "", true
	case 1:
		if p.toks[0].kind == tokLit {
			return p.toks[0].s, true
		}
	}
	return "", false
}

// prefixLen compares the start of s with prefix, folding case when asked,
// and returns how many bytes of s the prefix took, or -1 if s does not start
// with it. prefix is already lower-case when fold is set, except for
// resolved variable values, so both sides are folded.
//
// asciiFold says prefix is lower-case ASCII-folded text compared against
// ASCII text (IAM action names), which allows a byte loop instead of
// Unicode case folding. Otherwise folding is strings.EqualFold's, rune by
// rune: the two sides may differ in length ("K" is 3 bytes, "k" one), so
// an IgnoreCase Deny matches whatever strings.EqualFold calls equal.
func prefixLen(s, prefix string, fold, asciiFold bool) int {
	if !fold {
		if len(s) < len(prefix) || s[:len(prefix)] != prefix {
			return -1
		}
		return len(prefix)
	}
	if asciiFold {
		if len(s) < len(prefix) {
			return -1
		}
		for i := 0; i < len(prefix); i++ {
			c := s[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != prefix[i] {
				return -1
			}
		}
		return len(prefix)
	}
	return foldPrefixLen(s, prefix)
}

// foldPrefixLen is prefixLen under Unicode simple case folding, the
// relation strings.EqualFold uses: foldPrefixLen(s, p) == len(s) exactly
// when strings.EqualFold(s, p).
func foldPrefixLen(s, prefix string) int {
	i, j := 0, 0
	for j < len(prefix) {
		if i >= len(s) {
			return -1
		}
		a, b := s[i], prefix[j]
		if a < utf8.RuneSelf && b < utf8.RuneSelf {
			if a != b && lowerASCII(a) != lowerASCII(b) {
				return -1
			}
			i, j = i+1, j+1
			continue
		}
		ra, n := utf8.DecodeRuneInString(s[i:])
		rb, m := utf8.DecodeRuneInString(prefix[j:])
		if !runesFoldEqual(ra, rb) {
			return -1
		}
		i, j = i+n, j+m
	}
	return i
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// runesFoldEqual reports whether a and b are equal under simple case
// folding: one is in the other's unicode.SimpleFold orbit.
func runesFoldEqual(a, b rune) bool {
	if a == b {
		return true
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// arnPattern matches ARNs the way IAM does: the first five colon-separated
// segments (arn, partition, service, region, account) are matched one by one,
// so a wildcard never crosses a segment boundary there; the sixth segment, the
// resource, may itself contain colons and its wildcards may cross them.
// A pattern that is not an ARN (e.g. "*") is matched as a whole string.
type arnPattern struct {
	whole pattern   // used when segs is nil
	segs  []pattern // exactly 6 when the pattern is an ARN
	src   string
}

func compileARN(s string, o compileOptions) arnPattern {
	ap := arnPattern{src: s}
	if strings.HasPrefix(s, "arn:") {
		if parts := splitARN(s, o.variables); len(parts) == 6 {
			ap.segs = make([]pattern, 6)
			for i, part := range parts {
				ap.segs[i] = compilePattern(part, o)
			}
			return ap
		}
	}
	ap.whole = compilePattern(s, o)
	return ap
}

// matchesEverything reports whether the pattern is "*" (or only stars).
func (ap *arnPattern) matchesEverything() bool { return ap.segs == nil && ap.whole.all }

// match reports whether s matches for certain (see matchVars).
func (ap *arnPattern) match(s string, ctx *reqContext) bool {
	m, unresolved := ap.matchVars(s, ctx)
	return m && !unresolved
}

// matchVars is pattern.matchVars for an ARN pattern: a segment that does
// not match decides "no" whatever the variables of the others would be.
func (ap *arnPattern) matchVars(s string, ctx *reqContext) (match, unresolved bool) {
	if ap.segs == nil {
		return ap.whole.matchVars(s, ctx)
	}
	rest := s
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return false, false
		}
		m, u := ap.segs[i].matchVars(rest[:j], ctx)
		if !m {
			return false, false
		}
		unresolved = unresolved || u
		rest = rest[j+1:]
	}
	m, u := ap.segs[5].matchVars(rest, ctx)
	return m, unresolved || u
}

// splitARN splits an ARN pattern into at most six segments at colons, except
// colons inside policy variables ("${aws:PrincipalAccount}"), which belong to
// the variable's key.
func splitARN(s string, variables bool) []string {
	parts := make([]string, 0, 6)
	start, depth := 0, 0
	for i := 0; i < len(s) && len(parts) < 5; i++ {
		switch {
		case variables && s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			depth++
			i++
		case variables && s[i] == '}' && depth > 0:
			depth--
		case s[i] == ':' && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}
