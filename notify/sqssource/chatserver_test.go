package sqssource_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/opschat/opschat/chat"
)

// chatServer is a loopback chat platform. respond decides the status of
// request n (1-based); a message counts as posted only when answered 200.
type chatServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests int
	posted   map[string]int // "channel|title" → times posted
	order    []string
	respond  func(n int, w http.ResponseWriter, r *http.Request) bool // true: handled (not posted)
	// byChannel, when set, is asked first with the post's channel.
	byChannel func(channel string, w http.ResponseWriter, r *http.Request) bool
}

type postBody struct {
	Channel string `json:"channel"`
	Thread  string `json:"thread,omitempty"`
	Title   string `json:"title"`
}

func newChatServer(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request) bool) *chatServer {
	cs := &chatServer{posted: map[string]int{}, respond: respond}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p postBody
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		cs.mu.Lock()
		cs.requests++
		n := cs.requests
		cs.mu.Unlock()
		if cs.byChannel != nil && cs.byChannel(p.Channel, w, r) {
			return
		}
		if cs.respond != nil && cs.respond(n, w, r) {
			return
		}
		cs.mu.Lock()
		key := p.Channel + "|" + p.Title
		cs.posted[key]++
		cs.order = append(cs.order, key)
		ts := strconv.Itoa(len(cs.order))
		cs.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]string{"ts": ts})
	}))
	t.Cleanup(cs.Close)
	return cs
}

func (cs *chatServer) Posted() map[string]int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	out := make(map[string]int, len(cs.posted))
	for k, v := range cs.posted {
		out[k] = v
	}
	return out
}

// httpSender is a minimal chat.Sender over the loopback chat server,
// classifying responses with chat.ClassifyHTTP as real adapters do.
type httpSender struct {
	url    string
	client *http.Client
}

func (s *httpSender) Send(ctx context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	b, _ := json.Marshal(postBody{Channel: conv.ChannelID, Thread: conv.ThreadID, Title: m.Title})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(b))
	if err != nil {
		return chat.Ref{}, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return chat.Ref{}, fmt.Errorf("test chat: %w", ctx.Err())
		}
		return chat.Ref{}, &chat.SendError{Platform: conv.Platform, Retryable: true, Err: err}
	}
	defer resp.Body.Close()
	var ra time.Duration
	if v, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
		ra = time.Duration(v) * time.Second
	}
	if err := chat.ClassifyHTTP(conv.Platform, resp.StatusCode, ra, nil); err != nil {
		return chat.Ref{}, err
	}
	var out struct{ TS string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return chat.Ref{}, errors.Join(errors.New("test chat: bad response"), err)
	}
	return chat.Ref{Conversation: conv, MessageID: out.TS}, nil
}
