package chime_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	hookID    = "a1b2c3d4-e5f6-7788-99aa-bbccddeeff00"
	hookToken = "Zm9vYmFyYmF6-SECRET-TOKEN-42"
)

// fakeWebhook is a loopback Chime incoming-webhook endpoint.
type fakeWebhook struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	contents  []string
	failN     int
	status    int
	after     time.Duration
	noMessage bool
}

func newFakeWebhook(t *testing.T) *fakeWebhook {
	f := &fakeWebhook{t: t}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeWebhook) URL() string {
	return f.srv.URL + "/incomingwebhooks/" + hookID + "?token=" + hookToken
}

func (f *fakeWebhook) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/incomingwebhooks/"+hookID {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if r.URL.Query().Get("token") != hookToken {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	if f.failN > 0 {
		f.failN--
		if f.after > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(f.after/time.Second)))
		}
		w.WriteHeader(f.status)
		return
	}
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	require.NoError(f.t, json.Unmarshal(b, &body))
	require.Len(f.t, body, 1, "Chime accepts a single key, Content")
	content, ok := body["Content"].(string)
	require.True(f.t, ok)
	f.contents = append(f.contents, content)
	if f.noMessage {
		w.WriteHeader(http.StatusOK)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"MessageId": "msg-" + strconv.Itoa(len(f.contents)), "RoomId": "room-1"})
}

func (f *fakeWebhook) FailNext(n, status int, after time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failN, f.status, f.after = n, status, after
}

func (f *fakeWebhook) Posted() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.contents)
}

func (f *fakeWebhook) Contents() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.contents...)
}

type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
