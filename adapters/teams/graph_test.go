package teams_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/teams"
	"github.com/opschat/opschat/chat"
)

// TestRenderAlarmGraphWithinBudget checks that an alarm's graph is inlined
// only when the whole card, data URI included, stays within the card
// budget, and is otherwise left out with a note rather than cutting the
// alarm's text.
func TestRenderAlarmGraphWithinBudget(t *testing.T) {
	tests := []struct {
		name    string
		sizes   []int // bytes of each graph
		inlined int
		omitted []string
	}{
		// awssim's 600×300 graph is about 3 KB; CloudWatch's are 15–40 KB.
		{name: "simulator-sized graph", sizes: []int{3 * 1024}, inlined: 1},
		{name: "15 KB graph", sizes: []int{15 * 1024}, inlined: 1},
		{name: "30 KB graph", sizes: []int{30 * 1024}, omitted: []string{"g0.png"}},
		{name: "the first fits, the second not", sizes: []int{12 * 1024, 12 * 1024}, inlined: 1, omitted: []string{"g1.png"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := adaptertest.AlarmGraphMessage()
			m.Images = nil
			for i, n := range tt.sizes {
				data := append(adaptertest.GraphPNG(), make([]byte, n)...)[:n]
				m.Images = append(m.Images, chat.Image{Data: data, ContentType: "image/png", Name: fmt.Sprintf("g%d.png", i), AltText: "graph"})
			}
			c := teams.Render(m, teams.RenderOptions{})
			s := cardJSON(t, c)
			assert.Equal(t, tt.inlined, strings.Count(s, `"url":"data:image/png;base64,`))
			for _, name := range tt.omitted {
				assert.Contains(t, s, "Image "+name+" omitted: too large for a Teams message")
			}
			if len(tt.omitted) == 0 {
				assert.NotContains(t, s, "omitted")
			}
			assert.LessOrEqual(t, len(s), teams.DefaultMaxCardBytes, "the whole card, images included, fits")
			assert.Contains(t, s, "Threshold crossed", "the alarm's text is never cut for a picture")
			assert.NotContains(t, s, "truncated")
			require.NoError(t, adaptertest.CheckAdaptiveCard([]byte(s)))
			t.Logf("card: %d bytes", len(s))
		})
	}
}
