package awssim

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The encoder the simulated account used before appendCBOR: smithy-go's own
// value tree, kept as the oracle.
func toCBOR(v any) cbor.Value {
	switch t := v.(type) {
	case nil:
		return &cbor.Nil{}
	case obj:
		m := cbor.Map{}
		for k, e := range t {
			if e == nil {
				continue
			}
			m[k] = toCBOR(e)
		}
		return m
	case awsMap:
		return toCBOR(obj(t))
	case []any:
		l := make(cbor.List, len(t))
		for i, e := range t {
			l[i] = toCBOR(e)
		}
		return l
	case flat:
		return toCBOR([]any(t))
	case memberList:
		return toCBOR(t.items)
	case string:
		return cbor.String(t)
	case bool:
		return cbor.Bool(t)
	case int:
		return cborInt(int64(t))
	case int64:
		return cborInt(t)
	case float64:
		return cbor.Float64(t)
	case time.Time:
		return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(t.UnixMilli()) / 1000)}
	case []byte:
		return cbor.Slice(t)
	}
	return cbor.String(fmt.Sprint(v))
}

func cborInt(i int64) cbor.Value {
	if i >= 0 {
		return cbor.Uint(uint64(i))
	}
	return cbor.NegInt(uint64(-i))
}

// appendCBOR writes what smithy-go's encoder writes for toCBOR's tree:
// byte for byte where maps have at most one member (Go's map order differs
// between two walks), decoded value for value everywhere.
func TestAppendCBORMatchesSmithy(t *testing.T) {
	t.Parallel()
	when := time.Date(2026, 11, 24, 12, 0, 0, 123e6, time.UTC)
	trees := []any{
		nil, true, false, "", "x", string(make([]byte, 23)), string(make([]byte, 24)), string(make([]byte, 256)),
		string(make([]byte, 65536)), 0, 1, 23, 24, 255, 256, 65535, 65536, math.MaxUint32, int64(math.MaxUint32) + 1,
		int64(math.MaxInt64), -1, -24, -25, -256, -257, int64(math.MinInt64), 0.0, -0.5, 1e300, math.Inf(-1),
		when, []byte{}, []byte("png"), []any{}, []any{1, "a", nil, []any{true}}, obj{}, obj{"A": nil},
		obj{"A": obj{"B": []any{obj{"C": when}}}}, awsMap{"k": "v"}, flat{"a", "b"},
		memberList{member: "member", items: []any{"x", 2}}, struct{ X int }{3},
		obj{"MetricAlarms": []any{obj{"AlarmName": "a", "Threshold": 5.0, "Period": 60, "StateUpdatedTimestamp": when,
			"Dimensions": []any{obj{"Name": "FunctionName", "Value": "checkout-api"}}, "Gone": nil}}, "NextToken": nil},
	}
	for i, v := range trees {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			want := cbor.Encode(toCBOR(v))
			got := appendCBOR(nil, v)
			wantV, err := cbor.Decode(want)
			require.NoError(t, err)
			gotV, err := cbor.Decode(got)
			require.NoError(t, err, "%x", got)
			assert.Equal(t, wantV, gotV)
			if !multiMember(v) {
				assert.Equal(t, want, got)
			}
		})
	}
}

// multiMember reports whether the tree has a map of two or more members.
func multiMember(v any) bool {
	switch t := v.(type) {
	case obj:
		if len(t) > 1 {
			return true
		}
		for _, e := range t {
			if multiMember(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if multiMember(e) {
				return true
			}
		}
	}
	return false
}
