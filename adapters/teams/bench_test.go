package teams_test

import (
	"context"
	"testing"
	"time"

	"github.com/opschat/opschat/adapters/teams"
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
