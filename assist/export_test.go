package assist

import "sort"

// KindCommands returns, for tests, the listing command of every kind in
// region and of every state of every kind, without a catalog.
func KindCommands(region string) []string {
	var out []string
	for i := range kinds {
		k := &kinds[i]
		line, _ := buildList(&matchedKind{k: k}, intent{}, region)
		out = append(out, line)
		for _, w := range sortedKeys(k.states) {
			st := k.states[w]
			line, _ := buildList(&matchedKind{k: k, state: &st}, intent{}, region)
			out = append(out, line)
		}
	}
	sort.Strings(out)
	return out
}

// RegionsIn exposes regionsIn to tests.
func RegionsIn(s string) ([]string, bool) { return regionsIn(s) }
