// Package depcheck holds the test that enforces opschat's dependency rule:
// arrows point inward, so the vocabulary and the pure packages never depend
// on the wiring.
package depcheck

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/opschat/opschat"

type pkg struct {
	ImportPath string
	Imports    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json", module+"/...")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	dec := json.NewDecoder(out)
	var pkgs []pkg
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else {
			require.NoError(t, err)
		}
		pkgs = append(pkgs, p)
	}
	require.NoError(t, cmd.Wait())
	require.NotEmpty(t, pkgs)
	return pkgs
}

// within reports whether path is pkg or below it.
func within(path, pkg string) bool {
	return path == pkg || strings.HasPrefix(path, pkg+"/")
}

// TestDependencyRule checks non-test imports: chat, command and guardrail
// import no package of this module (their sub-packages may import their
// parent); notify and adapters import nothing of chatops.
func TestDependencyRule(t *testing.T) {
	leaves := []string{module + "/chat", module + "/command", module + "/guardrail"}
	// leafDeps may be imported by leaves: they import nothing of ours
	// either (internal/jmespath is the vendored --query engine).
	leafDeps := []string{module + "/internal/jmespath"}
	leaves = append(leaves, leafDeps...)
	noCore := []string{module + "/notify", module + "/adapters"}
	for _, p := range listPackages(t) {
		for _, imp := range p.Imports {
			if !within(imp, module) {
				continue
			}
			for _, leaf := range leaves {
				// A leaf package itself (not its sub-packages, such as
				// command/awsexec) must not import anything of ours.
				if p.ImportPath == leaf && !slices.Contains(leafDeps, imp) {
					t.Errorf("%s imports %s: %s must import no package of this module", p.ImportPath, imp, leaf)
				}
			}
			for _, area := range noCore {
				if within(p.ImportPath, area) && within(imp, module+"/chatops") {
					t.Errorf("%s imports %s: packages under %s must not import chatops", p.ImportPath, imp, area)
				}
			}
		}
	}
}

func TestWithin(t *testing.T) {
	require.True(t, within(module+"/chat", module+"/chat"))
	require.True(t, within(module+"/adapters/slack", module+"/adapters"))
	require.False(t, within(module+"/chatops", module+"/chat"))
}
