package awssim

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The in-process transport frames answers as a client of net/http's server
// sees them over TCP: status, length or chunking, sniffed Content-Type, no
// body where none may be, the context's error for an answer it gave up on.
func TestInProcessFramingMatchesNetHTTP(t *testing.T) {
	t.Parallel()
	handlers := map[string]http.HandlerFunc{
		"small": func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, `{"ok":true}`) },
		"large": func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, strings.Repeat("x", 5000)) },
		"empty": func(w http.ResponseWriter, _ *http.Request) {},
		"typed": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/cbor")
			_, _ = w.Write([]byte{0xa0})
		},
		"declared": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "3")
			_, _ = io.WriteString(w, "abc")
		},
		"no content": func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNoContent)
			_, _ = io.WriteString(w, "dropped")
		},
		"not modified": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotModified) },
		"error":        func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "bad", http.StatusBadRequest) },
		"gzip asked": func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, r.Header.Get("Accept-Encoding"))
		},
	}
	for name, h := range handlers {
		for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPost} {
			t.Run(name+" "+method, func(t *testing.T) {
				srv := httptest.NewServer(h)
				defer srv.Close()
				send := func(c interface {
					Do(*http.Request) (*http.Response, error)
				}) (*http.Response, string) {
					req, err := http.NewRequestWithContext(context.Background(), method, srv.URL+"/p", strings.NewReader("body"))
					require.NoError(t, err)
					res, err := c.Do(req)
					require.NoError(t, err)
					defer res.Body.Close()
					b, err := io.ReadAll(res.Body)
					require.NoError(t, err)
					return res, string(b)
				}
				want, wantBody := send(srv.Client())
				got, gotBody := send(inProcess{h: h})
				assert.Equal(t, want.StatusCode, got.StatusCode)
				assert.Equal(t, want.Status, got.Status)
				assert.Equal(t, want.ContentLength, got.ContentLength)
				assert.Equal(t, want.TransferEncoding, got.TransferEncoding)
				assert.Equal(t, want.Header.Get("Content-Type"), got.Header.Get("Content-Type"))
				assert.Equal(t, want.Header.Get("Content-Length"), got.Header.Get("Content-Length"))
				assert.NotEmpty(t, got.Header.Get("Date"))
				assert.Equal(t, wantBody, gotBody)
			})
		}
	}
}

func TestInProcessErrors(t *testing.T) {
	t.Parallel()
	t.Run("a handler panic is the request's error, not the process's", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1/x", nil)
		require.NoError(t, err)
		_, err = inProcess{h: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })}.Do(req)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "handler panic: boom")
	})
	t.Run("an answer the client gave up on is the context's error", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1/x", nil)
		require.NoError(t, err)
		_, err = inProcess{h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
			_, _ = io.WriteString(w, "late")
		})}.Do(req)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
}
