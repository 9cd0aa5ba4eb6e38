package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/web"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:8080"} {
		err := run(context.Background(), []string{"-addr", addr, "-state", "memory", "-audit", "-"}, io.Discard, io.Discard)
		assert.ErrorIs(t, err, web.ErrNotLoopback, addr)
	}
}

var urlRE = regexp.MustCompile(`on (http://127\.0\.0\.1:\d+/)`)

// TestRunServesAndStops runs the program as `go run` does, pastes payloads
// over HTTP as the page does, and stops it with the context.
func TestRunServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-state", filepath.Join(t.TempDir(), "state.db"), "-audit", filepath.Join(t.TempDir(), "audit.jsonl")}, &out, &errOut)
	}()
	var base string
	require.Eventually(t, func() bool {
		m := urlRE.FindStringSubmatch(out.String())
		if m != nil {
			base = strings.TrimSuffix(m[1], "/")
		}
		return m != nil
	}, 30*time.Second, 20*time.Millisecond, "the program prints its URL; stderr: %s", errOut.String())
	assert.Contains(t, out.String(), "simulated AWS account")

	res, err := http.Get(base + "/")
	require.NoError(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	m := regexp.MustCompile(`name="csrf-token" content="([^"]+)"`).FindSubmatch(page)
	require.NotNil(t, m)
	assert.Contains(t, string(page), `id="payload"`, "the paste box is on")
	assert.Contains(t, string(page), `value="teams"`, "the view switch lists Teams")

	notify := func(body string) (int, string) {
		req, err := http.NewRequest(http.MethodPost, base+"/api/notify", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Origin", base)
		req.Header.Set("X-CSRF-Token", string(m[1]))
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		var v map[string]string
		require.NoError(t, json.NewDecoder(res.Body).Decode(&v))
		return res.StatusCode, v["note"] + v["error"]
	}
	tests := []struct {
		name, body, want string
	}{
		{"routed", string(sampleAlarm), "Delivered to playground"},
		{"unrouted", unroutedPayload, "no configuration subscribes to arn:aws:sns:us-east-1:123456789012:nobody-listens"},
		{"no topic", `{"version":"1.0","source":"custom","content":{"description":"hi"}}`, "No topic in the payload"},
		{"not JSON", "plain text alert", "Delivered to playground"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, note := notify(tt.body)
			assert.Equal(t, http.StatusOK, code)
			assert.Contains(t, note, tt.want)
		})
	}

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
}
