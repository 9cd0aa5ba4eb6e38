package guardrail

import (
	"strings"
	"unicode/utf8"
)

// referenceResourceMatch is IAM's Resource matching written from the
// documentation, sharing no code with arnPattern, compilePattern or
// parseVariable: the pattern's policy variables (2012-10-17 documents
// only) are replaced by their values, escapes by their characters; an ARN
// pattern is matched component by component (a wildcard never crosses
// one of the first five colons); '*' is any run of characters, '?' one.
// A variable without a value (key absent or without values and no
// default, several values, or spelled in several letter cases in the
// context) stands for any text: if the pattern cannot match even so, the
// answer is resNoMatch, else resUndecided. Patterns, resources and
// values are valid UTF-8.
func referenceResourceMatch(pat string, variables bool, resource string, ctx map[string][]string) resOutcome {
	items := referenceExpand(pat, variables, ctx)
	var patParts [][]refItem
	if strings.HasPrefix(pat, "arn:") {
		cur := []refItem{}
		for _, it := range items {
			if len(patParts) < 5 && it.kind == refLit && it.text == ":" && it.fromPattern {
				patParts = append(patParts, cur)
				cur = []refItem{}
				continue
			}
			cur = append(cur, it)
		}
		patParts = append(patParts, cur)
	}
	unresolved := false
	for _, it := range items {
		unresolved = unresolved || it.kind == refUnresolved
	}
	if len(patParts) != 6 {
		if !referenceGlob(items, resource) {
			return resNoMatch
		}
	} else {
		resParts := strings.SplitN(resource, ":", 6)
		if len(resParts) != 6 {
			return resNoMatch
		}
		for i := range patParts {
			if !referenceGlob(patParts[i], resParts[i]) {
				return resNoMatch
			}
		}
	}
	if unresolved {
		return resUndecided
	}
	return resMatch
}

type refKind int

const (
	refLit refKind = iota
	refStar
	refOne
	refUnresolved
)

// refItem is one piece of an expanded pattern; fromPattern marks text
// written in the pattern itself (not a variable's value or an escape),
// the only colons that separate ARN components.
type refItem struct {
	kind        refKind
	text        string
	fromPattern bool
}

func referenceExpand(pat string, variables bool, ctx map[string][]string) []refItem {
	var out []refItem
	for i := 0; i < len(pat); {
		if variables && strings.HasPrefix(pat[i:], "${") {
			if end := strings.Index(pat[i:], "}"); end > 0 {
				inner := pat[i+2 : i+end]
				i += end + 1
				switch inner {
				case "*", "?", "$":
					out = append(out, refItem{kind: refLit, text: inner})
					continue
				}
				if v, ok := referenceVariable(inner, ctx); ok {
					out = append(out, refItem{kind: refLit, text: v})
				} else {
					out = append(out, refItem{kind: refUnresolved})
				}
				continue
			}
		}
		r, n := utf8.DecodeRuneInString(pat[i:])
		switch r {
		case '*':
			out = append(out, refItem{kind: refStar})
		case '?':
			out = append(out, refItem{kind: refOne})
		default:
			out = append(out, refItem{kind: refLit, text: pat[i : i+n], fromPattern: true})
		}
		i += n
	}
	return out
}

// referenceVariable gives the value of "key" or "key, 'default'", the key
// found in ctx ignoring letter case (strings.EqualFold).
func referenceVariable(inner string, ctx map[string][]string) (string, bool) {
	key, def, hasDef := inner, "", false
	if k, d, found := strings.Cut(inner, ","); found {
		key, def, hasDef = k, strings.Trim(strings.TrimSpace(d), "'"), true
	}
	key = strings.TrimSpace(key)
	var vals []string
	spellings := 0
	for k, v := range ctx {
		if strings.EqualFold(k, key) {
			spellings++
			vals = v
		}
	}
	switch {
	case spellings > 1 || len(vals) > 1:
		return "", false
	case len(vals) == 1:
		return vals[0], true
	}
	return def, hasDef
}

// referenceGlob reports whether items match all of s, by dynamic
// programming over the rune boundaries of s (no backtracking, so no
// pattern can make it slow): reach[j] says whether the items so far can
// match s up to its j-th boundary. An unresolved variable is any text.
func referenceGlob(items []refItem, s string) bool {
	var bounds []int // byte offset of each rune boundary, len(s) included
	at := make([]int, len(s)+1)
	for i := range at {
		at[i] = -1
	}
	for i := 0; ; {
		at[i] = len(bounds)
		bounds = append(bounds, i)
		if i == len(s) {
			break
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	reach := make([]bool, len(bounds))
	reach[0] = true
	for _, it := range items {
		next := make([]bool, len(bounds))
		for j := range bounds {
			switch it.kind {
			case refStar, refUnresolved:
				next[j] = reach[j] || j > 0 && next[j-1]
			case refOne:
				next[j] = j > 0 && reach[j-1]
			default:
				if reach[j] && strings.HasPrefix(s[bounds[j]:], it.text) {
					if k := at[bounds[j]+len(it.text)]; k >= 0 {
						next[k] = true
					}
				}
			}
		}
		reach = next
	}
	return reach[len(bounds)-1]
}
