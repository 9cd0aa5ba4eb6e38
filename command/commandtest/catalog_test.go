package commandtest_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/commandtest"
)

// TestCatalogConsistent checks the sample catalog the way Parse relies on
// it: sorted names, lookups that agree, unique parameter names, elements
// for every list and map, IAM actions.
func TestCatalogConsistent(t *testing.T) {
	t.Parallel()
	cat := commandtest.Catalog()
	services := cat.Services()
	require.True(t, slices.IsSorted(services))
	require.Contains(t, services, "ec2")
	for _, s := range services {
		svc, ok := cat.Service(s)
		require.True(t, ok, s)
		assert.NotEmpty(t, svc.IAMPrefix, s)
		ops := cat.Operations(s)
		require.True(t, slices.IsSorted(ops), s)
		for _, o := range ops {
			op, ok := cat.Operation(s, o)
			require.True(t, ok, o)
			assert.Equal(t, o, op.Name)
			assert.NotEmpty(t, op.APIName)
			seen := map[string]bool{}
			for _, p := range op.Params {
				assert.False(t, seen[p.Name], "%s %s: --%s twice", s, o, p.Name)
				seen[p.Name] = true
				checkParam(t, s+" "+o+" --"+p.Name, p)
			}
		}
	}
	_, ok := cat.Service("nosuch")
	assert.False(t, ok)
	assert.Nil(t, cat.Operations("nosuch"))
	_, ok = cat.Operation("ec2", "nosuch")
	assert.False(t, ok)
	svc, _ := cat.Service("stepfunctions")
	assert.Equal(t, "states", svc.IAMPrefix)
}

func checkParam(t *testing.T, path string, p command.Param) {
	t.Helper()
	switch p.Type {
	case command.TypeList, command.TypeMap:
		if assert.NotNil(t, p.Elem, path) {
			checkParam(t, path+"[]", *p.Elem)
		}
	case command.TypeStructure:
		assert.NotEmpty(t, p.Members, path)
		for _, m := range p.Members {
			checkParam(t, path+"."+m.Name, m)
		}
	}
}

func TestCatalogIsACopy(t *testing.T) {
	t.Parallel()
	a := commandtest.Catalog()
	s := a.Services()
	s[0] = "changed"
	assert.NotEqual(t, "changed", a.Services()[0])
}
