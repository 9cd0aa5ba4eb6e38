package depcheck

import "testing"

// assistAllowed lists what packages under assist may import of this
// module: the vocabulary (chat), the command grammar (command itself, not
// command/awsexec, which imports chatops) and assist. chatops imports
// assist to answer questions, so assist must never import chatops or
// anything that does; the bot gives it what it needs through assist.Tools.
var assistAllowed = []string{module + "/chat", module + "/command", module + "/assist"}

func assistImportAllowed(imp string) bool {
	if !within(imp, module) {
		return true
	}
	for _, a := range assistAllowed {
		if imp == a || (a == module+"/assist" && within(imp, a)) {
			return true
		}
	}
	return false
}

// TestAssistDependencyRule checks non-test imports of assist and of the
// Bedrock simulator (which awssim may embed, so it imports nothing of ours).
func TestAssistDependencyRule(t *testing.T) {
	for _, p := range listPackages(t) {
		for _, imp := range p.Imports {
			switch {
			case within(p.ImportPath, module+"/assist") && !assistImportAllowed(imp):
				t.Errorf("%s imports %s: assist may import only chat, command and assist of this module", p.ImportPath, imp)
			case within(p.ImportPath, module+"/internal/bedrocksim") && within(imp, module):
				t.Errorf("%s imports %s: bedrocksim imports nothing of this module", p.ImportPath, imp)
			}
		}
	}
}

func TestAssistImportAllowed(t *testing.T) {
	for imp, want := range map[string]bool{
		module + "/chat":                   true,
		module + "/command":                true,
		module + "/assist":                 true,
		module + "/assist/agents":          true,
		module + "/command/awsexec":        false,
		module + "/chatops":                false,
		module + "/internal/awssim":        false,
		"github.com/aws/aws-sdk-go-v2/aws": true,
	} {
		if got := assistImportAllowed(imp); got != want {
			t.Errorf("assistImportAllowed(%s) = %v, want %v", imp, got, want)
		}
	}
}
