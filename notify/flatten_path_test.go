package notify

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPathNodeChild looks up every child and many non-children of nodes
// whose names hash perfectly, collide (same length, first and last byte)
// or are too many for the slices.
func TestPathNodeChild(t *testing.T) {
	t.Parallel()
	many := make([]string, 300)
	for i := range many {
		many[i] = fmt.Sprintf("key-%d", i)
	}
	tests := []struct {
		name      string
		names     []string
		wantSlots bool
	}{
		{"one", []string{"detail"}, true},
		{"root of an event", []string{"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}, true},
		{"empty name", []string{"", "a", "ab"}, true},
		{"colliding names", []string{"axb", "ayb", "azb"}, false},
		{"guardduty detail", []string{"schemaVersion", "accountId", "region", "partition", "id", "arn", "type", "resource", "service", "severity", "createdAt", "updatedAt", "title", "description"}, true},
		// Only length and the last digit tell these apart: the map.
		{"a hundred alike", many[:100], false},
		{"too many for slots", many, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := &pathNode{children: map[string]*pathNode{}}
			for i, name := range tt.names {
				n.children[name] = &pathNode{id: int32(i + 1)}
			}
			n.freeze()
			assert.Equal(t, tt.wantSlots, n.slots != nil, "hash table")
			for _, name := range tt.names {
				got := n.child([]byte(name))
				require.NotNil(t, got, name)
				assert.Same(t, n.children[name], got, name)
			}
			for _, miss := range []string{"", "x", "detailx", "Detail", "axxb", "key-300", "key-1x", "\x00", "a\xffb"} {
				if _, ok := n.children[miss]; ok {
					continue
				}
				assert.Nil(t, n.child([]byte(miss)), "%q", miss)
			}
		})
	}
}

// TestPathNodeFreezeIsReproducible builds the same names twice.
func TestPathNodeFreezeIsReproducible(t *testing.T) {
	t.Parallel()
	build := func() *pathNode {
		n := &pathNode{children: map[string]*pathNode{}}
		for _, name := range []string{"source", "detail", "detail-type", "account", "resources"} {
			n.children[name] = &pathNode{}
		}
		n.freeze()
		return n
	}
	a, b := build(), build()
	assert.Equal(t, a.names, b.names)
	assert.Equal(t, a.slots, b.slots)
	assert.Equal(t, a.mul, b.mul)
}
