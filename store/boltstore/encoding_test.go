package boltstore

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecode feeds arbitrary stored bytes to decode: it must never panic,
// and whatever it accepts must re-encode to the same bytes.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{formatV1})
	f.Add(encode([]byte("value"), 0))
	f.Add(encode(nil, 1_800_000_000_000_000_000))
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 0, 0, 'x'})
	f.Fuzz(func(t *testing.T, raw []byte) {
		exp, v, err := decode(raw)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decode error %v is not ErrCorrupt", err)
			}
			return
		}
		if got := encode(v, exp); !bytes.Equal(got, raw) {
			t.Fatalf("re-encoded %x, stored %x", got, raw)
		}
	})
}

func TestEncodeDecode(t *testing.T) {
	tests := []struct {
		name    string
		value   []byte
		expires int64
	}{
		{"never", []byte("v"), 0},
		{"expiry", []byte{0, 1, 2}, 1_800_000_000_123_456_789},
		{"empty", nil, 42},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp, v, err := decode(encode(tt.value, tt.expires))
			if err != nil || exp != tt.expires || !bytes.Equal(v, tt.value) {
				t.Fatalf("decode(encode) = %d %q %v", exp, v, err)
			}
		})
	}
}
