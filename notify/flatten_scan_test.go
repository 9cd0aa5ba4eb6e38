package notify

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stringStopRef is the byte-at-a-time definition both forms must follow.
func stringStopRef(b []byte, i int) (int, bool) {
	high := false
	for ; i < len(b); i++ {
		c := b[i]
		if c == '"' || c == '\\' || c < 0x20 {
			return i, high
		}
		if c >= 0x80 {
			high = true
		}
	}
	return len(b), high
}

func checkStringStop(t *testing.T, b []byte, i int) {
	t.Helper()
	wantStop, wantHigh := stringStopRef(b, i)
	stop, high := stringStop(b, i)
	gstop, ghigh := stringStopGeneric(b, i)
	if stop != wantStop || high != wantHigh || gstop != wantStop || ghigh != wantHigh {
		t.Fatalf("stringStop(%q, %d) = %d,%v (generic %d,%v), want %d,%v", b, i, stop, high, gstop, ghigh, wantStop, wantHigh)
	}
}

func TestStringStop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		from     int
		wantStop int
		wantHigh bool
	}{
		{"empty", ``, 0, 0, false},
		{"past the end", `abc`, 7, 3, false},
		{"quote first", `"abc`, 0, 0, false},
		{"short", `ab"`, 0, 2, false},
		{"backslash", `abcdefghijklmnopq\r"`, 0, 17, false},
		{"control", "abcdefghijklmnopqrstu\x1fv\"", 0, 21, false},
		{"high before stop", "h\xc3\xa9llo wörld and more text\"", 0, 27, true},
		{"high after stop only", "plain text, long enough\"\xc3\xa9\xc3\xa9", 0, 23, false},
		{"no stop", `0123456789abcdefghij`, 3, 20, false},
		{"0x7f is not a stop", "\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\"", 0, 17, false},
		{"space and bang are not stops", `                  !!!!!!!"`, 0, 25, false},
		{"tail block after offset", `0123456789abcdefghijklmnopqrstuvw"yz`, 20, 33, false},
		{"high in dropped tail lanes", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xffabcdef\"", 16, 22, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stop, high := stringStop([]byte(tt.in), tt.from)
			assert.Equal(t, tt.wantStop, stop, "stop")
			assert.Equal(t, tt.wantHigh, high, "high")
			gstop, ghigh := stringStopGeneric([]byte(tt.in), tt.from)
			assert.Equal(t, tt.wantStop, gstop, "generic stop")
			assert.Equal(t, tt.wantHigh, ghigh, "generic high")
		})
	}
}

// TestStringStopEveryPosition puts each kind of stop (and a high byte) at
// every position of buffers of every length up to 70, scanned from every
// offset, so each block, tail and byte path of the SSE2 loop is crossed.
func TestStringStopEveryPosition(t *testing.T) {
	t.Parallel()
	special := []byte{'"', '\\', 0x00, 0x1f, 0x20, 0x7f, 0x80, 0xff, 'a'}
	for n := 0; n <= 70; n++ {
		base := []byte(strings.Repeat("x", n))
		for pos := 0; pos < n; pos++ {
			for _, c := range special {
				b := append([]byte(nil), base...)
				b[pos] = c
				for from := 0; from <= n+1; from++ {
					checkStringStop(t, b, from)
				}
			}
			// A high byte before a stop, in another block.
			if pos+17 < n {
				b := append([]byte(nil), base...)
				b[pos], b[pos+17] = 0xc3, '"'
				checkStringStop(t, b, 0)
				checkStringStop(t, b, pos)
				checkStringStop(t, b, pos+1)
			}
		}
	}
}

func TestScanStringUsesStops(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in        string
		wantEnd   int
		wantPlain bool
		wantCode  uint8
	}{
		{`abc"`, 3, true, strOK},
		{`a\"b\\c\/d\u00e9e"`, 17, false, strOK},
		{"caf\xc3\xa9 is high\"", 13, false, strOK},
		{`no end`, 6, false, strEOF},
		{`bad \x escape"`, 4, false, strBadEscape},
		{`bad \u12g4"`, 4, false, strBadEscape},
		{"ctl \x01\"", 4, false, strControl},
		{`ends in \`, 8, false, strEOF},
	}
	for _, tt := range tests {
		end, plain, code := scanString([]byte(tt.in), 0)
		require.Equal(t, tt.wantCode, code, tt.in)
		assert.Equal(t, tt.wantEnd, end, tt.in)
		assert.Equal(t, tt.wantPlain, plain, tt.in)
	}
}

// FuzzStringStop holds the SSE2 scan and the portable one to the
// byte-at-a-time definition.
func FuzzStringStop(f *testing.F) {
	f.Add([]byte(`{"a":"h\u00e9llo \"x\" w\xc3\xb6rld, long enough to cross blocks"}`), uint8(6))
	f.Add([]byte("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xffab\"c"), uint8(15))
	f.Fuzz(func(t *testing.T, b []byte, from uint8) {
		checkStringStop(t, b, int(from))
	})
}
