package clijson_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"
	"testing"
)

// FuzzAppend compares Append and AppendIndent with encoding/json, bytes
// and errors, on two trees per input: the input decoded as JSON (so real
// documents, with float64 and with json.Number), and a tree the input
// describes through treeGen, which reaches what decoding cannot: invalid
// UTF-8, NaN and infinities, float32, integers, loose and broken
// json.Number and json.RawMessage values.
func FuzzAppend(f *testing.F) {
	for _, seed := range []string{
		`{"a":[1,2.5,"x<y",null,true,{"b":{}}],"c":[]}`,
		`[1e21,1e-7,123456789e-30,-0,5e-324,"\u2028"]`,
		`"\ud800"`,
		"\x05\x02\x03a\xffb\x06\x02\x03\x01\x80\x07\x03\x31\x2e\x35",
		"\x04\x00\x00\x00\x00\x00\x00\xf8\x7f\x05\x01\x00",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if json.Unmarshal(data, &v) == nil {
			assertSameAsStd(t, v)
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.UseNumber()
			var n any
			if dec.Decode(&n) == nil {
				assertSameAsStd(t, n)
			}
		}
		g := treeGen{data: data, budget: 300}
		assertSameAsStd(t, g.value(0))
	})
}

// treeGen reads a tree from bytes: each node is an opcode byte and its
// operands; running out of bytes gives nulls.
type treeGen struct {
	data   []byte
	budget int // nodes left
}

func (g *treeGen) next() byte {
	if len(g.data) == 0 {
		return 0
	}
	b := g.data[0]
	g.data = g.data[1:]
	return b
}

func (g *treeGen) take(n int) []byte {
	n = min(n, len(g.data))
	b := g.data[:n]
	g.data = g.data[n:]
	return b
}

func (g *treeGen) uint64() uint64 {
	var b [8]byte
	copy(b[:], g.take(8))
	return binary.LittleEndian.Uint64(b[:])
}

func (g *treeGen) str() string { return string(g.take(int(g.next() % 40))) }

func (g *treeGen) value(depth int) any {
	if g.budget--; g.budget < 0 || len(g.data) == 0 {
		return nil
	}
	op := g.next()
	if depth > 12 && op%14 >= 5 && op%14 <= 6 {
		op = 2 // no more containers
	}
	switch op % 14 {
	case 0:
		return nil
	case 1:
		return g.next()&1 == 1
	case 2:
		return g.str()
	case 3:
		return math.Float64frombits(g.uint64())
	case 4:
		// mantissa × 10^exp around the 'f'/'e' cutoffs and the extremes.
		mant := int64(int32(binary.LittleEndian.Uint32(append(g.take(4), 0, 0, 0, 0))))
		f, _ := strconv.ParseFloat(strconv.FormatInt(mant, 10)+"e"+strconv.Itoa(int(int8(g.next()))*3), 64)
		return f
	case 5:
		m := map[string]any{}
		for range int(g.next() % 8) {
			m[g.str()] = g.value(depth + 1)
		}
		return m
	case 6:
		l := []any{}
		for range int(g.next() % 8) {
			l = append(l, g.value(depth+1))
		}
		return l
	case 7:
		return json.Number(g.str())
	case 8:
		return int64(g.uint64())
	case 9:
		return math.Float32frombits(uint32(g.uint64()))
	case 10:
		// integers as float64, up to and past 2^53.
		return float64(int64(g.uint64()) >> (g.next() % 64))
	case 11:
		return json.RawMessage(g.str())
	case 12:
		return map[string]any(nil)
	default:
		return []any(nil)
	}
}
