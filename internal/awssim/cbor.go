package awssim

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// appendCBOR writes the response tree as Smithy RPCv2 CBOR straight into
// dst: the same bytes smithy-go's cbor.Encode writes for toCBOR's value
// tree (maps in Go's iteration order, as there), without building that tree
// first. The simulated account answers every CloudWatch call this way, and
// the intermediate tree was a fifth of its time.
func appendCBOR(dst []byte, v any) []byte {
	switch t := v.(type) {
	case nil:
		return append(dst, 0xf6)
	case obj:
		return appendCBORMap(dst, t)
	case awsMap:
		return appendCBORMap(dst, obj(t))
	case []any:
		dst = cborHead(dst, 4, uint64(len(t)))
		for _, e := range t {
			dst = appendCBOR(dst, e)
		}
		return dst
	case flat:
		return appendCBOR(dst, []any(t))
	case memberList:
		return appendCBOR(dst, t.items)
	case string:
		return append(cborHead(dst, 3, uint64(len(t))), t...)
	case bool:
		if t {
			return append(dst, 0xf5)
		}
		return append(dst, 0xf4)
	case int:
		return cborInt64(dst, int64(t))
	case int64:
		return cborInt64(dst, t)
	case float64:
		return cborFloat64(dst, t)
	case time.Time:
		return cborFloat64(cborHead(dst, 6, 1), float64(t.UnixMilli())/1000)
	case []byte:
		return append(cborHead(dst, 2, uint64(len(t))), t...)
	}
	s := fmt.Sprint(v)
	return append(cborHead(dst, 3, uint64(len(s))), s...)
}

func appendCBORMap(dst []byte, m obj) []byte {
	n := 0
	for _, e := range m {
		if e != nil {
			n++
		}
	}
	dst = cborHead(dst, 5, uint64(n))
	for k, e := range m {
		if e == nil {
			continue
		}
		dst = append(cborHead(dst, 3, uint64(len(k))), k...)
		dst = appendCBOR(dst, e)
	}
	return dst
}

func cborInt64(dst []byte, i int64) []byte {
	if i >= 0 {
		return cborHead(dst, 0, uint64(i))
	}
	return cborHead(dst, 1, uint64(-(i + 1)))
}

func cborFloat64(dst []byte, f float64) []byte {
	return binary.BigEndian.AppendUint64(append(dst, 0xfb), math.Float64bits(f))
}

// cborHead writes a data item's head: the major type and its argument in
// the shortest form.
func cborHead(dst []byte, major byte, arg uint64) []byte {
	m := major << 5
	switch {
	case arg < 24:
		return append(dst, m|byte(arg))
	case arg <= math.MaxUint8:
		return append(dst, m|24, byte(arg))
	case arg <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(dst, m|25), uint16(arg))
	case arg <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(dst, m|26), uint32(arg))
	}
	return binary.BigEndian.AppendUint64(append(dst, m|27), arg)
}
