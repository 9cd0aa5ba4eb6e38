package web

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// subscriberBuffer is how many events a page may fall behind before it is
// disconnected (it then reconnects and replays from its last event).
const subscriberBuffer = 256

// heartbeat keeps idle streams open through proxies and lets the server
// notice a page that went away.
const heartbeat = 15 * time.Second

type sseEvent struct {
	seq  uint64
	data []byte
}

type subscriber struct {
	ch   chan sseEvent
	once sync.Once
	done chan struct{}
}

func newSubscriber() *subscriber {
	return &subscriber{ch: make(chan sseEvent, subscriberBuffer), done: make(chan struct{})}
}

// offer queues an event without blocking; false means the buffer is full.
func (s *subscriber) offer(seq uint64, data []byte) bool {
	select {
	case s.ch <- sseEvent{seq, data}:
		return true
	default:
		return false
	}
}

func (s *subscriber) close() { s.once.Do(func() { close(s.done) }) }

// serveEvents streams the channel's messages as Server-Sent Events: first
// every message in the history newer than Last-Event-ID (all of them for a
// new page), then each new message or update as it happens. EventSource
// cannot send headers, so the page's token comes in the query.
func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request) {
	if !a.validToken(r.URL.Query().Get("token")) {
		http.Error(w, "missing or invalid token: reload the page", http.StatusForbidden)
		return
	}
	rc := http.NewResponseController(w)
	var after uint64
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		after, _ = strconv.ParseUint(v, 10, 64)
	}
	sub := newSubscriber()
	a.mu.Lock()
	var replay []sseEvent
	for _, e := range a.msgs {
		if e.seq > after {
			replay = append(replay, sseEvent{e.seq, e.data})
		}
	}
	a.subs[sub] = struct{}{}
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		delete(a.subs, sub)
		a.mu.Unlock()
	}()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	var buf bytes.Buffer
	buf.WriteString("retry: 1000\n\n")
	for _, ev := range replay {
		writeEvent(&buf, ev)
	}
	// A marker after the replay: the page knows the history is complete.
	buf.WriteString("event: ready\ndata: {}\n\n")
	if _, err := w.Write(buf.Bytes()); err != nil {
		return
	}
	_ = rc.Flush()
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		buf.Reset()
		select {
		case <-r.Context().Done():
			return
		case <-a.closed:
			return
		case <-sub.done:
			return
		case ev := <-sub.ch:
			if ev.seq <= after {
				continue
			}
			writeEvent(&buf, ev)
			// Write whatever else is queued in the same flush.
		drain:
			for {
				select {
				case ev := <-sub.ch:
					writeEvent(&buf, ev)
				default:
					break drain
				}
			}
		case <-tick.C:
			buf.WriteString(": keep-alive\n\n")
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// writeEvent writes one SSE event. data is JSON, which never contains a raw
// newline, so one data line suffices.
func writeEvent(buf *bytes.Buffer, ev sseEvent) {
	buf.WriteString("id: ")
	buf.WriteString(strconv.FormatUint(ev.seq, 10))
	buf.WriteString("\ndata: ")
	buf.Write(ev.data)
	buf.WriteString("\n\n")
}
