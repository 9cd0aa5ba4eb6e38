package teams_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/teams"
	"github.com/opschat/opschat/chat"
)

func BenchmarkRenderAlarm(b *testing.B) {
	m := alarm()
	b.ReportAllocs()
	for b.Loop() {
		teams.Render(m, teams.RenderOptions{})
	}
}

// A message far over the budget: the truncation loop re-renders.
func BenchmarkRenderTruncated(b *testing.B) {
	var m = goldenCases()[0].msg
	for _, tc := range goldenCases() {
		if tc.name == "truncated_large" {
			m = tc.msg
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		teams.Render(m, teams.RenderOptions{})
	}
}

// Validating an inbound token with the key set cached (the per-request
// cost on the messaging endpoint).
func BenchmarkValidate(b *testing.B) {
	t := &testing.T{}
	ti := newTestIssuer(t)
	defer ti.srv.Close()
	now := fixedNow
	v, err := teams.NewValidator(testAppID, teams.WithOpenIDMetadataURL(ti.MetadataURL()),
		teams.WithValidatorHTTPClient(ti.srv.Client()), teams.WithValidatorClock(func() time.Time { return now }))
	if err != nil {
		b.Fatal(err)
	}
	header := "Bearer " + ti.token(t, now, tokenSpec{ServiceURL: testServiceURL})
	if _, err := v.Validate(context.Background(), header, testServiceURL, "msteams"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Validate(context.Background(), header, testServiceURL, "msteams"); err != nil {
			b.Fatal(err)
		}
	}
}

// Command output of 50 rows × 5 columns, the largest that becomes a native
// Table: parsing the layout plus the cells' elements.
func BenchmarkRenderTable(b *testing.B) {
	rows := make([][]string, 50)
	for i := range rows {
		rows[i] = []string{fmt.Sprintf("i-%017d", i), "running", "t3.micro", fmt.Sprintf("10.0.%d.%d", i/250, i%250), "web"}
	}
	m := chat.Message{CodeBlocks: []chat.CodeBlock{{Content: table([]string{"InstanceId", "State", "Type", "PrivateIp", "Name"}, rows...)}}}
	b.ReportAllocs()
	for b.Loop() {
		teams.Render(m, teams.RenderOptions{})
	}
}

// The schema check the tests run on every card.
func BenchmarkCheckAdaptiveCard(b *testing.B) {
	c := teams.Render(alarm(), teams.RenderOptions{})
	js, err := json.Marshal(c)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := adaptertest.CheckAdaptiveCard(js); err != nil {
			b.Fatal(err)
		}
	}
}
