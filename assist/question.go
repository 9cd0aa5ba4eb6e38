package assist

import (
	"regexp"
	"sort"
	"strings"

	"github.com/opschat/opschat/command"
)

// intent is what the planner understood of a question.
type intent struct {
	kinds   []*matchedKind
	regions []string
	// allRegions: the user asked about every region, which the planner
	// does not do (it says so).
	allRegions bool
	count      bool
	tag        [2]string // key, value; "" when none
	nameFilter string    // "named X"
	namePrefix bool      // "starting with X"
	subject    string    // a named resource to diagnose ("what's wrong with X")
	unknownSvc string    // a service the catalog lacks ("Amazon EKS")
	mutating   string    // the verb of a change request
	howTo      bool      // a general or how-to question
}

type matchedKind struct {
	k     *kind
	state *selector
}

var (
	// safeValue is what a name or tag taken from a question may hold: no
	// quote, space, backslash, comma or backtick, so it cannot break out of
	// a command-line word, a shorthand value or a JMESPath literal.
	safeValue = regexp.MustCompile(`^[A-Za-z0-9._:/@+=-]*$`)
	wordRE    = regexp.MustCompile(`[a-z0-9][a-z0-9._:/@'=-]*`)
	regionRE  = regexp.MustCompile(`\b[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d\b`)
	tagRE     = regexp.MustCompile(`\b(?:tagged(?:\s+with)?|with\s+(?:the\s+)?tag|tag)\s+([a-z0-9_.:/@+-]+)\s*[=:]\s*([a-z0-9_.:/@+-]+)`)
	kvRE      = regexp.MustCompile(`\b([a-z][a-z0-9_.-]*)=([a-z0-9_.:/@+-]+)`)
	nameRE    = regexp.MustCompile(`\b(?:named|called|containing|matching|with)\s+["']?([a-z0-9][a-z0-9._/-]*)["']?(\s+in\s+(?:the|their|its)\s+names?)?`)
	prefixRE  = regexp.MustCompile(`\b(?:starting|beginning)\s+with\s+["']?([a-z0-9][a-z0-9._/-]*)`)
	// subjectRE finds the resource of a diagnosis question.
	subjectRE = regexp.MustCompile(`^(?:(?:show\s+(?:me\s+)?|are\s+there\s+|(?:do\s+)?we\s+have\s+|any\s+|recent\s+)*(?:(?:problems|issues|errors|trouble|logs)\s+(?:with|in|on|for|of)|alarms\s+(?:for|on|of))|what(?:'s|s| is)\s+(?:wrong|going on|up|happening)\s+(?:with|in|on)|what\s+happened\s+to|(?:is|are)\s+(?:something|anything)\s+wrong\s+with|check(?:\s+on)?|status\s+of|health\s+of|diagnose|investigate|debug|troubleshoot|how\s+is|why\s+is|why\s+are|why\s+does|is)\s+(?:the\s+|my\s+|our\s+)?["']?([a-z0-9][a-z0-9._:/-]*)["']?`)
	// howToRE marks general questions the planner cannot answer from the
	// account ("how do I fix Lambda throttling?").
	howToRE = regexp.MustCompile(`^(?:how\s+(?:do|does|can|could|should|would|to)|why|what\s+(?:is|are|does)\s+(?:a|an|the\s+difference)|what's\s+(?:a|an|the\s+difference)|explain|tell\s+me\s+about|should|when\s+should|is\s+it|difference|best\s+practice|help\s+me\s+(?:understand|fix)|can\s+you\s+explain|where\s+(?:do|can|should))\b`)
)

// diagnosisWords follow a subject in a diagnosis question that starts with
// "is"/"how is"/"why is" ("is checkout-api down?").
var diagnosisWords = map[string]bool{
	"down": true, "ok": true, "okay": true, "healthy": true, "failing": true, "broken": true, "erroring": true,
	"slow": true, "working": true, "up": true, "doing": true, "throwing": true, "timing": true, "unhealthy": true,
	"alive": true, "fine": true, "crashing": true, "degraded": true,
}

// genericWords are never a resource name.
var genericWords = map[string]bool{
	"it": true, "this": true, "that": true, "there": true, "my": true, "our": true, "the": true, "everything": true,
	"anything": true, "something": true, "things": true, "aws": true, "account": true, "prod": true, "production": true,
	"staging": true, "a": true, "an": true, "me": true, "you": true, "we": true, "they": true, "i": true,
}

// normalize lower-cases the question, straightens quotes and drops the
// trailing punctuation people type.
func normalize(s string) string {
	s = strings.TrimSpace(s)
	s = strings.NewReplacer("’", "'", "‘", "'", "“", `"`, "”", `"`, "`", "").Replace(s)
	return strings.TrimRight(s, "?!. ")
}

func words(s string) []string { return wordRE.FindAllString(s, -1) }

// stem reduces a word to a crude singular so "function" and "functions",
// "policy" and "policies" compare equal.
func stem(w string) string {
	w = strings.Trim(w, "'\".,;:")
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"):
		return w[:len(w)-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && len(w) > 3:
		return w[:len(w)-1]
	}
	return w
}

// phrase is a noun phrase of some kind, stemmed word by word.
type phrase struct {
	words []string
	k     *kind
}

// allPhrases are the noun phrases of every kind, stemmed, longest first so
// the longest match wins. Computed once and never changed.
var allPhrases = func() []phrase {
	var out []phrase
	for i := range kinds {
		k := &kinds[i]
		for _, n := range k.nouns {
			ws := strings.Fields(n)
			for j := range ws {
				ws[j] = stem(ws[j])
			}
			out = append(out, phrase{words: ws, k: k})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].words) > len(out[j].words) })
	return out
}()

// phrases returns the phrases of the kinds whose operation the catalog
// has, read-only, longest first.
func phrases(cat command.Catalog) []phrase {
	ok := make(map[*kind]bool, len(kinds))
	for i := range kinds {
		k := &kinds[i]
		op, found := cat.Operation(k.service, k.op)
		ok[k] = found && op.ReadOnly
	}
	out := make([]phrase, 0, len(allPhrases))
	for _, p := range allPhrases {
		if ok[p.k] {
			out = append(out, p)
		}
	}
	return out
}

// understand reads a question. It is pure: the catalog decides which
// kinds exist.
func understand(text string, cat command.Catalog) intent {
	var in intent
	orig := normalize(text)
	s := strings.ToLower(orig)
	// keepCase returns the span [i, j) of the lower-cased question as it
	// was typed: resource names are case-sensitive.
	keepCase := func(i, j int) string {
		// Lower-casing may change byte lengths (non-ASCII), and then the
		// spans do not line up: fall back to the lower-case text unless
		// the typed span is plainly a name. The values end up in command
		// lines and JMESPath string literals, so they must stay within
		// safeValue either way.
		if len(orig) == len(s) && safeValue.MatchString(orig[i:j]) {
			return orig[i:j]
		}
		return s[i:j]
	}
	ws := words(s)
	if len(ws) == 0 {
		in.howTo = true
		return in
	}
	// A change request: the first word after polite lead-ins is a verb
	// that changes something.
	for _, w := range ws {
		if politeLead[w] {
			continue
		}
		if mutatingVerbs[w] {
			in.mutating = w
		}
		break
	}
	in.count = strings.HasPrefix(s, "how many") || strings.Contains(s, "number of") || strings.HasPrefix(s, "count")
	in.regions, in.allRegions = regionsIn(s)
	if m := tagRE.FindStringSubmatchIndex(s); m != nil {
		in.tag = [2]string{keepCase(m[2], m[3]), keepCase(m[4], m[5])}
	} else if m := kvRE.FindStringSubmatchIndex(s); m != nil {
		in.tag = [2]string{keepCase(m[2], m[3]), keepCase(m[4], m[5])}
	}
	if m := prefixRE.FindStringSubmatchIndex(s); m != nil {
		in.nameFilter, in.namePrefix = keepCase(m[2], m[3]), true
	} else if m := nameRE.FindStringSubmatchIndex(s); m != nil && (m[4] >= 0 || !strings.HasPrefix(s[m[0]:], "with")) {
		in.nameFilter = keepCase(m[2], m[3])
	}
	// Names and tag values are the user's words, not service names
	// ("functions starting with cost").
	var plain []string
	for _, w := range ws {
		if !strings.EqualFold(w, in.nameFilter) && !strings.EqualFold(w, in.tag[0]) && !strings.EqualFold(w, in.tag[1]) {
			plain = append(plain, w)
		}
	}
	for _, w := range sortedKeys(unsupported) {
		svc := unsupported[w]
		if _, has := cat.Service(svc[0]); !has && containsPhrase(plain, strings.Fields(w)) {
			in.unknownSvc = svc[1]
			break
		}
	}
	ps := phrases(cat)
	in.kinds = kindsIn(ws, ps)
	if m := subjectRE.FindStringSubmatchIndex(s); m != nil && !genericWords[s[m[2]:m[3]]] && !isKindWord(s[m[2]:m[3]], ps) && !isStateWord(s[m[2]:m[3]]) {
		lead := strings.Fields(s[m[0]:m[1]])[0]
		// "is X …" and "how is X …" must go on with a health word
		// ("is checkout-api down"), or "is" questions such as "is there a
		// stopped instance" would be taken as names.
		rest := strings.Fields(s[m[1]:])
		if (lead != "is" && lead != "how" && lead != "why") || (len(rest) > 0 && diagnosisWords[rest[0]]) {
			in.subject = keepCase(m[2], m[3])
		}
	}
	if in.subject == "" && howToRE.MatchString(s) && !strings.HasPrefix(s, "how many") {
		in.howTo = true
	}
	return in
}

// regionNamesLongestFirst orders the keys of regionNames longest first, so
// "n. virginia" is not read as "virginia" and "northern california" not as
// "california" as well. It is computed once and never changed.
var regionNamesLongestFirst = func() []string {
	names := make([]string, 0, len(regionNames))
	for n := range regionNames {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if len(names[i]) != len(names[j]) {
			return len(names[i]) > len(names[j])
		}
		return names[i] < names[j]
	})
	return names
}()

func regionsIn(s string) (regions []string, all bool) {
	seen := map[string]bool{}
	add := func(r string) {
		if !seen[r] && command.PartitionOf(r) != "" {
			seen[r] = true
			regions = append(regions, r)
		}
	}
	for _, r := range regionRE.FindAllString(s, -1) {
		add(r)
	}
	rest := " " + s + " "
	for _, n := range regionNamesLongestFirst {
		key := " " + n + " "
		if i := strings.Index(rest, key); i >= 0 {
			add(regionNames[n])
			rest = rest[:i] + " " + rest[i+len(key):]
		}
	}
	all = strings.Contains(s, "all regions") || strings.Contains(s, "every region") || strings.Contains(s, "each region") ||
		strings.Contains(s, "any region")
	return regions, all
}

func containsPhrase(ws, p []string) bool {
	for i := 0; i+len(p) <= len(ws); i++ {
		match := true
		for j := range p {
			if ws[i+j] != p[j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

func isStateWord(w string) bool {
	for i := range kinds {
		if _, ok := kinds[i].states[w]; ok {
			return true
		}
	}
	return false
}

func isKindWord(w string, ps []phrase) bool {
	w = stem(w)
	for _, p := range ps {
		if len(p.words) == 1 && p.words[0] == w {
			return true
		}
	}
	return false
}

// kindsIn finds the kinds a question names, each with the state word
// that qualifies it, in the order they appear.
func kindsIn(ws []string, ps []phrase) []*matchedKind {
	stemmed := make([]string, len(ws))
	for i, w := range ws {
		stemmed[i] = stem(w)
	}
	used := make([]bool, len(ws))
	type hit struct {
		pos int
		k   *kind
	}
	var hits []hit
	for _, p := range ps {
		for i := 0; i+len(p.words) <= len(stemmed); i++ {
			ok := true
			for j := range p.words {
				if used[i+j] || stemmed[i+j] != p.words[j] {
					ok = false
					break
				}
			}
			if !ok || (len(p.k.needs) > 0 && !anyWord(ws, p.k.needs)) {
				continue
			}
			for j := range p.words {
				used[i+j] = true
			}
			hits = append(hits, hit{i, p.k})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].pos < hits[j].pos })
	var out []*matchedKind
	seen := map[*kind]bool{}
	for _, h := range hits {
		if seen[h.k] {
			continue
		}
		seen[h.k] = true
		out = append(out, &matchedKind{k: h.k, state: stateIn(ws, h.k)})
	}
	return out
}

func anyWord(ws, want []string) bool {
	for _, w := range ws {
		for _, x := range want {
			if stem(w) == stem(x) {
				return true
			}
		}
	}
	return false
}

// stateIn finds a state word of k in the question ("stopped", "in alarm").
func stateIn(ws []string, k *kind) *selector {
	keys := make([]string, 0, len(k.states))
	for w := range k.states {
		keys = append(keys, w)
	}
	// Longest first, then alphabetical, so the result does not depend on
	// map order.
	sort.Slice(keys, func(i, j int) bool {
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) > len(keys[j])
		}
		return keys[i] < keys[j]
	})
	for _, w := range keys {
		if containsPhrase(ws, strings.Fields(w)) {
			s := k.states[w]
			return &s
		}
	}
	return nil
}
