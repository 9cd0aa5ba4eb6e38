package shipped_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command/awsexec/services/shipped"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		name, service, pkg string
		ok                 bool
	}{
		{"CLI name differs from the SDK's", "elbv2", "elasticloadbalancingv2ops", true},
		{"s3api is the s3 table", "s3api", "s3ops", true},
		{"case-insensitive", "EKS", "eksops", true},
		{"not shipped", "no-such-service", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := shipped.Lookup(tt.service)
			require.Equal(t, tt.ok, ok)
			if ok {
				assert.True(t, strings.HasSuffix(got.Package, "/"+tt.pkg), got.Package)
			}
		})
	}
}

func TestTablesSortedAndUnique(t *testing.T) {
	all := shipped.Tables()
	require.GreaterOrEqual(t, len(all), 100, "issue 14: at least 100 services ship")
	names := make([]string, len(all))
	for i, tb := range all {
		names[i] = tb.Service
	}
	assert.True(t, sort.StringsAreSorted(names), "Lookup's binary search needs sorted names")
	for i := 1; i < len(names); i++ {
		assert.NotEqual(t, names[i-1], names[i])
	}
	all[0].Service = "changed"
	assert.NotEqual(t, "changed", shipped.Tables()[0].Service, "Tables returns a copy")
}

func TestAdvice(t *testing.T) {
	adv, ok := shipped.Advice("eks")
	require.True(t, ok)
	assert.Contains(t, adv, "`eks`")
	assert.Contains(t, adv, "command/awsexec/services/eksops")
	_, ok = shipped.Advice("nope")
	assert.False(t, ok)
}
