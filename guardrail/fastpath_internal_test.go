package guardrail

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// FuzzDateText: two values the aws:CurrentTime fast path accepts compare
// as text exactly as their instants do, and a policy date kept as text
// reads back as the same instant.
func FuzzDateText(f *testing.F) {
	f.Add("2026-11-24T20:00:00Z", "2030-01-01T00:00:00Z", int64(1795550400))
	f.Add("2024-02-29T23:59:59Z", "2024-03-01T00:00:00Z", int64(-62135596800))
	f.Add("0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", int64(253402300800))
	f.Fuzz(func(t *testing.T, a, b string, unix int64) {
		if validUTCSeconds(a) && validUTCSeconds(b) {
			ta, errA := time.Parse(time.RFC3339, a)
			tb, errB := time.Parse(time.RFC3339, b)
			require.NoError(t, errA)
			require.NoError(t, errB)
			require.Equal(t, ta.Compare(tb), strings.Compare(a, b), "%q vs %q", a, b)
		}
		d := time.Unix(unix, 0)
		if txt, ok := utcSecondsText(d); ok {
			back, valid := parseUTCSeconds(txt)
			require.True(t, valid, txt)
			require.True(t, back.Equal(d), "%v -> %q -> %v", d, txt, back)
		}
	})
}

// FuzzIPv4Prefix: the mask test of an IPv4 context value agrees with
// netip.Prefix.Contains, for every prefix length.
func FuzzIPv4Prefix(f *testing.F) {
	f.Add(uint32(0x0a000000), uint8(8), "10.1.2.3")
	f.Add(uint32(0), uint8(0), "255.255.255.255")
	f.Add(uint32(0x0a010203), uint8(32), "10.1.2.3")
	f.Add(uint32(0xc0a80000), uint8(16), "192.169.0.1")
	f.Fuzz(func(t *testing.T, addr uint32, bits uint8, s string) {
		a4 := [4]byte{byte(addr >> 24), byte(addr >> 16), byte(addr >> 8), byte(addr)}
		pf := netip.PrefixFrom(netip.AddrFrom4(a4), int(bits%33)).Masked()
		c := condition{baseOp: baseOp{kind: kIP}, ips: []netip.Prefix{pf}}
		c.compileFastPaths()
		require.Len(t, c.v4, 1)
		v, ok := parseIPv4Bits(s)
		if !ok {
			return
		}
		want := pf.Contains(netip.MustParseAddr(s))
		require.Equal(t, want, v&c.v4[0].mask == c.v4[0].addr, "%v contains %q", pf, s)
		m, decided := c.positive(s, nil)
		require.True(t, decided)
		require.Equal(t, want, m)
	})
}
