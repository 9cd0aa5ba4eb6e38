package notify

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkSkipValue holds skipValue to the Go loop it short-cuts: when it
// does not give up, skipSlow must accept the same value and stop at the
// same byte. It reports whether skipValue decided.
func checkSkipValue(t *testing.T, b []byte, i int) bool {
	t.Helper()
	end, ok := skipValue(b, i)
	if !ok {
		return false
	}
	p := fscan{b: b, i: i, st: &matchState{}}
	if err := p.skipSlow(0); err != nil {
		t.Fatalf("skipValue(%q, %d) = %d, ok; the Go loop says %v", b, i, end, err)
	}
	if p.i != end {
		t.Fatalf("skipValue(%q, %d) = %d, ok; the Go loop stops at %d", b, i, end, p.i)
	}
	return true
}

// checkScanMember holds scanValue's member modes to the Go steps: when it
// does not give up, the Go loop must read the same key and stop at the
// same byte.
func checkScanMember(t *testing.T, b []byte, i, mode int) int {
	t.Helper()
	end, ks, ke, status := scanValue(b, i, mode)
	if status == stepGiveUp {
		require.Equal(t, i, end, "a give-up returns i")
		return status
	}
	p := fscan{b: b, i: i, st: &matchState{}}
	if mode == scanSkipMember {
		if err := p.skipSlow(0); err != nil {
			t.Fatalf("scanValue(%q, %d, %d) = %d; the Go loop says %v", b, i, mode, status, err)
		}
	}
	j := skipWS(b, p.i)
	require.Less(t, j, len(b), "%q: scanValue read past the value", b)
	if status == stepClose {
		require.Equal(t, byte('}'), b[j], "%q", b)
		assert.Equal(t, j+1, end, "%q: end after '}'", b)
		return status
	}
	require.Equal(t, stepKey, status, "%q", b)
	require.Equal(t, byte(','), b[j], "%q", b)
	j = skipWS(b, j+1)
	var root pathNode // no children: memberKey only validates
	p.i = j
	_, vs, err := p.memberKey(&root, j)
	require.NoError(t, err, "%q: scanValue took a key the Go loop refuses", b)
	assert.Equal(t, j+1, ks, "%q: key start", b)
	assert.Equal(t, vs, end, "%q: value start", b)
	if stop, high := stringStop(b, ks); stop != ke || high || !assert.Less(t, end, len(b)) {
		t.Fatalf("scanValue(%q, %d, %d) key [%d:%d] is not a plain key (stop %d, high %v)", b, i, mode, ks, ke, stop, high)
	}
	return status
}

func TestScanValueMembers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		in         string
		from, mode int
		want       int
		wantKey    string
	}{
		{"skip then next key", `"v","k":1`, 0, scanSkipMember, stepKey, "k"},
		{"skip then close", `[1,{}] }`, 0, scanSkipMember, stepClose, ""},
		{"after a value, next key", `1 ,  "abc" : "x"`, 1, scanMember, stepKey, "abc"},
		{"after a value, close", `1}`, 1, scanMember, stepClose, ""},
		{"long key", `1,"0123456789abcdefghijklmnopqrstuvwxyz":true`, 1, scanMember, stepKey, "0123456789abcdefghijklmnopqrstuvwxyz"},
		{"whitespace before the value", "1,\"k\":\n\t 2", 1, scanMember, stepKey, "k"},
		{"escaped key gives up", `1,"k\"":2`, 1, scanMember, stepGiveUp, ""},
		{"high key gives up", "1,\"caf\xc3\xa9\":2", 1, scanMember, stepGiveUp, ""},
		{"long high key gives up", "1,\"0123456789abcdef\xc3\xa9\":2", 1, scanMember, stepGiveUp, ""},
		{"high byte after a long key's quote is fine", "1,\"0123456789abc\":\"\xc3\xa9\"", 1, scanMember, stepKey, "0123456789abc"},
		{"control byte in a key gives up", "1,\"k\x01\":2", 1, scanMember, stepGiveUp, ""},
		{"missing colon gives up", `1,"k" 2`, 1, scanMember, stepGiveUp, ""},
		{"no value gives up", `1,"k": `, 1, scanMember, stepGiveUp, ""},
		{"array close gives up", `1]`, 1, scanMember, stepGiveUp, ""},
		{"a bad value gives up", `tru,"k":1`, 0, scanSkipMember, stepGiveUp, ""},
		{"key not a string gives up", `1,k:1`, 1, scanMember, stepGiveUp, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := []byte(tt.in)
			status := checkScanMember(t, b, tt.from, tt.mode)
			if !haveSkipValue {
				assert.Equal(t, stepGiveUp, status)
				return
			}
			require.Equal(t, tt.want, status)
			if status == stepKey {
				_, ks, ke, _ := scanValue(b, tt.from, tt.mode)
				assert.Equal(t, tt.wantKey, string(b[ks:ke]))
			}
		})
	}
}

func TestSkipValue(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("abcdefghij", 5)
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name   string
		in     string
		wantOK bool
		// wantEnd is the index after the value when wantOK.
		wantEnd int
	}{
		{"short string", `"ab",`, true, 4},
		{"empty string", `""`, true, 2},
		{"long string", `"` + long + `"x`, true, 52},
		{"simple escapes", `"a\"b\\c\/d\be\ff\ng\rh\ti"`, true, 27},
		{"escape across a block", `"0123456789abcd\"ef0123456789"`, true, 30},
		{"escaped backslash before the quote", `"0123456789abcdefgh\\"`, true, 22},
		{"high bytes", "\"h\xc3\xa9llo, w\xc3\xb6rld, this is long\"", true, 30},
		{"invalid UTF-8 is a string", "\"\xff\xfe\"", true, 4},
		{"string at the end of short input", `"a`, false, 0},
		{"long string without an end", `"` + long, false, 0},
		{"unicode escape gives up", `"\u00e9"`, false, 0},
		{"bad escape", `"\x"`, false, 0},
		{"escape at the end", `"abc\`, false, 0},
		{"control byte", "\"a\tb\"", false, 0},
		{"control byte in a block", "\"0123456789abcdef\x01\"", false, 0},
		{"zero", `0,`, true, 1},
		{"negative zero", `-0]`, true, 2},
		{"integer", `12345}`, true, 5},
		{"fraction", `-12.50`, true, 6},
		{"leading zero stops", `01`, true, 1},
		{"minus alone", `-`, false, 0},
		{"minus then letter", `-a`, false, 0},
		{"point without digits", `1.`, false, 0},
		{"point then letter", `1.x`, false, 0},
		{"exponent gives up", `1e5`, false, 0},
		{"upper exponent gives up", `1.5E-3`, false, 0},
		{"300 digits", strings.Repeat("9", 300), true, 300},
		{"301 digits gives up", strings.Repeat("9", 301), false, 0},
		{"true", `true,`, true, 4},
		{"false", `false}`, true, 5},
		{"null", `null`, true, 4},
		{"short true", `tru`, false, 0},
		{"misspelt false", `fals3`, false, 0},
		{"misspelt null", `nul1`, false, 0},
		{"empty object", `{}`, true, 2},
		{"empty array", `[ ]`, true, 3},
		{"object", `{"a":1,"b":[true,false,null],"c":{"d":"e"}}x`, true, 43},
		{"whitespace everywhere", " \t\n\r{ \"a\" \n: [ 1 , \"x\" ] ,\r\"b\"\t:{ } } ", true, 37},
		{"array of objects", `[{"sku":"A-1","qty":2,"price":19.99},{"sku":"B-7"}]`, true, 51},
		{"63 levels", deep(63), true, 126},
		{"64 levels gives up", deep(64), false, 0},
		{"trailing comma in an array", `[1,]`, false, 0},
		{"trailing comma in an object", `{"a":1,}`, false, 0},
		{"missing colon", `{"a" 1}`, false, 0},
		{"key not a string", `{a:1}`, false, 0},
		{"mismatched close", `{"a":1]`, false, 0},
		{"mismatched array close", `[1}`, false, 0},
		{"missing comma", `[1 2]`, false, 0},
		{"unclosed", `{"a":[1,2`, false, 0},
		{"nothing", `   `, false, 0},
		{"a close is not a value", `]`, false, 0},
		{"leading zero in a container", `[01]`, false, 0},
		{"space before a key's end", `{"a"  :  "b"  }`, true, 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := []byte(tt.in)
			decided := checkSkipValue(t, b, 0)
			if !haveSkipValue {
				assert.False(t, decided, "no assembly: always gives up")
				return
			}
			require.Equal(t, tt.wantOK, decided, "ok")
			if tt.wantOK {
				end, _ := skipValue(b, 0)
				assert.Equal(t, tt.wantEnd, end, "end")
			}
		})
	}
}

// TestSkipValueEveryPosition skips from every offset of valid documents
// and of copies with one byte replaced at every position, so each path of
// the assembly meets the end of the input and every kind of bad byte.
func TestSkipValueEveryPosition(t *testing.T) {
	t.Parallel()
	docs := []string{
		`{"orderId":"o-8f14e45f","customer":{"id":"c-1234","interests":["soccer","rugby"],"address":{"city":"Seattle"}},"items":[{"sku":"A-1","qty":2,"price":19.99},{"sku":"B-7","qty":1,"price":-170.77}],"gift":false,"coupon":null,"ok":true}`,
		"{ \"a\" : [ 0 , -1.5 , \"x\\\"y\\\\\" ] ,\n\t\"long\":\"0123456789abcdefghijklmnopqrstuvwxyz\\/\\n\" }",
		`[[[],{}],[{"":""}],"\"",""]`,
	}
	special := []byte{'"', '\\', '{', '}', '[', ']', ':', ',', ' ', '\n', 0x01, '0', '-', '.', 'e', 't', 'u', 0xc3}
	decided := 0
	for _, doc := range docs {
		for i := 0; i <= len(doc); i++ {
			if checkSkipValue(t, []byte(doc), i) {
				decided++
			}
			checkScanMember(t, []byte(doc), i, scanSkipMember)
			checkScanMember(t, []byte(doc), i, scanMember)
			// Truncated here.
			checkSkipValue(t, []byte(doc[:i]), 0)
			if i == len(doc) {
				continue
			}
			for _, c := range special {
				b := []byte(doc)
				b[i] = c
				checkSkipValue(t, b, 0)
				checkSkipValue(t, b, max(0, i-3))
				checkScanMember(t, b, max(0, i-3), scanSkipMember)
				checkScanMember(t, b, max(0, i-3), scanMember)
			}
		}
	}
	if haveSkipValue {
		assert.Greater(t, decided, 100, "skipValue decided too few values")
	}
}

// FuzzSkipValue holds the assembly skip to the Go loop.
func FuzzSkipValue(f *testing.F) {
	f.Add([]byte(`{"a":[1,-2.5,"x\"y",true,false,null,{}],"b":{"c":"0123456789abcdefghij"}}`), uint8(0))
	f.Add([]byte(` [ {"k" : "v"} , 0 ] `), uint8(1))
	f.Add([]byte(`"\u00e9\t"`), uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, from uint8) {
		checkSkipValue(t, b, int(from))
		checkScanMember(t, b, int(from), scanSkipMember)
		checkScanMember(t, b, int(from), scanMember)
	})
}

func checkDecimalFloat(t *testing.T, num string) {
	t.Helper()
	f, ok := decimalFloat([]byte(num))
	if !ok {
		return
	}
	want, err := strconv.ParseFloat(num, 64)
	if err != nil || math.Float64bits(f) != math.Float64bits(want) {
		t.Fatalf("decimalFloat(%q) = %v (%x), strconv says %v (%x), %v", num, f, math.Float64bits(f), want, math.Float64bits(want), err)
	}
}

func TestDecimalFloat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		wantOK bool
	}{
		{"0", true}, {"-0", true}, {"8", true}, {"210.75", true}, {"-170.77", true}, {"19.99", true},
		{"0.1", true}, {"0.00000000000001", true}, {"0.000000000000001", false}, {"999999999999999", true}, {"99999999999999.9", true},
		{"-9.99999999999999", true}, {"0.30000000000000004", false}, {"1234567890123456", false},
		{"1e5", false}, {"1.5E-3", false}, {"12345678901234567890", false},
	}
	for _, tt := range tests {
		_, ok := decimalFloat([]byte(tt.in))
		assert.Equal(t, tt.wantOK, ok, tt.in)
		checkDecimalFloat(t, tt.in)
	}
}

// FuzzDecimalFloat holds the fast number path to strconv on every valid
// number token.
func FuzzDecimalFloat(f *testing.F) {
	f.Add("210.75")
	f.Add("-0.000000000000007")
	f.Fuzz(func(t *testing.T, num string) {
		if end, _, msg := scanNumber([]byte(num), 0); msg != "" || end != len(num) {
			return
		}
		checkDecimalFloat(t, num)
	})
}
