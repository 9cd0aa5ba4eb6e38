package command

import (
	"slices"
	"strings"

	"github.com/agnivade/levenshtein"
)

// maxSuggestions bounds "did you mean": more than three stops helping.
const maxSuggestions = 3

// Suggest returns the candidates nearest to word, best first, at most three:
// candidates that start with word (or that word starts with) come first,
// then those within a small edit distance, which grows with the length of
// the word so that "describe-instnaces" still finds "describe-instances"
// while "ls" does not match everything. Comparison ignores case, "_" versus
// "-" and leading dashes. Suggest is pure and safe for concurrent use.
func Suggest(word string, candidates []string) []string {
	w := suggestKey(word)
	if w == "" || len(candidates) == 0 {
		return nil
	}
	type scored struct {
		c     string
		score int
	}
	limit := 1 + len(w)/4
	var best []scored
	for _, c := range candidates {
		k := suggestKey(c)
		var score int
		switch {
		case k == w:
			score = 0
		case strings.HasPrefix(k, w) && len(w) >= 2:
			score = 1 + (len(k)-len(w))/8
		case strings.HasPrefix(w, k) && len(k) >= 3:
			score = 1 + (len(w)-len(k))/8
		default:
			d := levenshtein.ComputeDistance(w, k)
			if d > limit {
				// Containment catches "instances" for "describe-instances".
				if len(w) >= 4 && strings.Contains(k, w) {
					score = limit + 1
					break
				}
				continue
			}
			score = 1 + d
		}
		best = append(best, scored{c, score})
	}
	slices.SortStableFunc(best, func(a, b scored) int {
		if a.score != b.score {
			return a.score - b.score
		}
		return strings.Compare(a.c, b.c)
	})
	out := make([]string, 0, min(len(best), maxSuggestions))
	for _, s := range best {
		// A much worse candidate next to a close one is noise.
		if len(out) == maxSuggestions || s.score > best[0].score+2 {
			break
		}
		out = append(out, s.c)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func suggestKey(s string) string {
	s, _ = trimDashes(s)
	return strings.ReplaceAll(strings.ToLower(s), "_", "-")
}
