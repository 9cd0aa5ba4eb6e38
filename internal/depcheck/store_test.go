package depcheck

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// storeRules lists, for each durable-store package, the only modules
// outside the standard library it may import. Store packages may also use
// this module's internal helpers, but nothing else of ours: chatops depends
// on them (to wire a default), never the other way round, which is why they
// declare the Store interface locally.
var storeRules = map[string][]string{
	module + "/store/boltstore":   {"go.etcd.io/bbolt"},
	module + "/store/dynamostore": {"github.com/aws/aws-sdk-go-v2", "github.com/aws/smithy-go"},
	module + "/store/storetest":   {"github.com/stretchr/testify"},
	module + "/internal/dynalite": nil,
}

// isStdlib reports whether an import path belongs to the standard library:
// its first element has no dot.
func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// storeImportAllowed reports whether pkg (a key of storeRules) may import imp.
func storeImportAllowed(pkg, imp string) bool {
	switch {
	case isStdlib(imp):
		return true
	case within(imp, module):
		return within(imp, module+"/internal")
	}
	for _, dep := range storeRules[pkg] {
		if within(imp, dep) {
			return true
		}
	}
	return false
}

func TestStoreDependencyRule(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range listPackages(t) {
		if _, ok := storeRules[p.ImportPath]; !ok {
			if within(p.ImportPath, module+"/store") {
				t.Errorf("%s has no entry in storeRules: add the drivers it may import", p.ImportPath)
			}
			continue
		}
		seen[p.ImportPath] = true
		for _, imp := range p.Imports {
			if !storeImportAllowed(p.ImportPath, imp) {
				t.Errorf("%s imports %s: store packages may import only the standard library, their driver %v and %s/internal/...",
					p.ImportPath, imp, storeRules[p.ImportPath], module)
			}
		}
	}
	for pkg := range storeRules {
		if !seen[pkg] {
			t.Errorf("rule for %s, which does not exist", pkg)
		}
	}
}

func TestStoreImportAllowed(t *testing.T) {
	tests := []struct {
		pkg, imp string
		want     bool
	}{
		{module + "/store/boltstore", "context", true},
		{module + "/store/boltstore", "go.etcd.io/bbolt", true},
		{module + "/store/boltstore", "go.etcd.io/bbolt/errors", true},
		{module + "/store/boltstore", "github.com/aws/aws-sdk-go-v2/service/dynamodb", false},
		{module + "/store/boltstore", module + "/chatops", false},
		{module + "/store/boltstore", module + "/internal/memstore", true},
		{module + "/store/dynamostore", "github.com/aws/aws-sdk-go-v2/service/dynamodb", true},
		{module + "/store/dynamostore", "github.com/aws/smithy-go", true},
		{module + "/store/dynamostore", "go.etcd.io/bbolt", false},
		{module + "/store/storetest", "github.com/stretchr/testify/require", true},
		{module + "/store/storetest", module + "/chat", false},
		{module + "/internal/dynalite", "os/exec", true},
		{module + "/internal/dynalite", "github.com/stretchr/testify/require", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, storeImportAllowed(tt.pkg, tt.imp), "%s imports %s", tt.pkg, tt.imp)
	}
}
