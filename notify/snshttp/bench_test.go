package snshttp_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkServeHTTP measures one signed notification through the
// endpoint with a cached certificate: parse, verify (RSA-2048 would be
// slower than the 1024-bit test key), hand off.
func BenchmarkServeHTTP(b *testing.B) {
	good, _ := getPKI(b)
	for _, version := range []string{"1", "2"} {
		b.Run("SignatureVersion"+version, func(b *testing.B) {
			f := newFixture(b)
			body := mustJSON(b, sign(b, good.key, notification(version)))
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/sns", bytes.NewReader(body))
				rec := httptest.NewRecorder()
				f.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
