package slack_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

const (
	testBotToken = "xoxb-1111-2222-secretbottoken"
	testAppToken = "xapp-1-A1-3333-secretapptoken"
	testSigning  = "8f742231b10e8888abcd99yyyzzz85a5"
	testClientID = "1111.2222"
	testClientSK = "client-secret-do-not-leak"
	testTeam     = "T0001"
	testBotUser  = "UBOT"
)

// call is one Web API request the fake received.
type call struct {
	Method string
	Form   url.Values
	JSON   map[string]any
	Auth   string
}

// upload is one file the fake received through files.uploadV2.
type upload struct {
	ID      string
	Name    string
	Title   string
	Channel string
	Thread  string
	Data    []byte
	// User uploaded the file (the bot unless a test says otherwise);
	// Created is when (now, unless a test backdates it).
	User    string
	Created time.Time
	// Public marks a file shared some other way than to Channel (a
	// public link, a share in Slack Connect).
	Public bool
}

// fakeSlack is a loopback fake of the Slack Web API and of the Socket Mode
// websocket.
type fakeSlack struct {
	t   testing.TB
	srv *httptest.Server

	mu         sync.Mutex
	calls      []call
	uploads    []upload
	pending    map[string]upload // file ID → upload in progress
	deleted    []string          // file IDs removed with files.delete
	seq        int
	failN      int
	failStatus int
	retryAfter time.Duration
	nextErr    map[string]string // method → Slack error code for its next call
	private    map[string]bool
	failMethod string // a Web API method answered with HTTP 500 while set
	// limited is how many more calls of a method are answered with 429
	// and a Retry-After of limitWait.
	limited   map[string]int
	limitWait time.Duration
	// retryAfterRaw, when set, is the Retry-After header of FailNext's
	// answers, verbatim (an HTTP date, garbage).
	retryAfterRaw string

	// beforeInfo, when set, runs before conversations.info answers: a slow
	// lookup, for tests of what must not wait for it.
	beforeInfo func()

	// Socket Mode: frames to push to the client, and acknowledgements read.
	push chan []byte
	acks chan map[string]any
}

func newFakeSlack(t testing.TB) *fakeSlack {
	t.Helper()
	f := &fakeSlack{t: t, pending: map[string]upload{}, nextErr: map[string]string{}, private: map[string]bool{}, limited: map[string]int{},
		push: make(chan []byte, 16), acks: make(chan map[string]any, 16)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSlack) apiURL() string { return f.srv.URL + "/api/" }

// FailNext makes the next n chat.postMessage calls fail with status.
func (f *fakeSlack) FailNext(n, status int, retryAfter time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failN, f.failStatus, f.retryAfter = n, status, retryAfter
}

func (f *fakeSlack) failWith(method, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextErr[method] = code
}

func (f *fakeSlack) callsTo(method string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// snapshot returns every Web API call so far, in order.
func (f *fakeSlack) snapshot() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

func (f *fakeSlack) Posted() int { return len(f.callsTo("chat.postMessage")) }

func (f *fakeSlack) uploaded() []upload {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]upload(nil), f.uploads...)
}

func (f *fakeSlack) write(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeSlack) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/ws":
		f.serveSocket(w, r)
		return
	case strings.HasPrefix(r.URL.Path, "/upload/"):
		f.serveUpload(w, r)
		return
	case strings.HasPrefix(r.URL.Path, "/response/"):
		body, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		f.mu.Lock()
		f.calls = append(f.calls, call{Method: "response_url", JSON: m})
		f.mu.Unlock()
		f.write(w, map[string]any{"ok": true})
		return
	}
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	c := call{Method: method, Auth: r.Header.Get("Authorization")}
	body, _ := io.ReadAll(r.Body)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(body, &c.JSON)
	} else {
		c.Form, _ = url.ParseQuery(string(body))
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	if method == "chat.postMessage" && f.failN > 0 {
		f.failN--
		status, after, raw := f.failStatus, f.retryAfter, f.retryAfterRaw
		f.mu.Unlock()
		if after > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(after/time.Second)))
		}
		if raw != "" {
			w.Header().Set("Retry-After", raw)
		}
		http.Error(w, "fake failure", status)
		return
	}
	if f.limited[method] > 0 {
		f.limited[method]--
		wait := f.limitWait
		f.mu.Unlock()
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
		http.Error(w, "rate limited", http.StatusTooManyRequests)
		return
	}
	if method == f.failMethod {
		f.mu.Unlock()
		http.Error(w, "fake outage", http.StatusInternalServerError)
		return
	}
	if code, ok := f.nextErr[method]; ok {
		delete(f.nextErr, method)
		f.mu.Unlock()
		f.write(w, map[string]any{"ok": false, "error": code})
		return
	}
	f.seq++
	seq := f.seq
	f.mu.Unlock()

	switch method {
	case "chat.postMessage", "chat.update":
		// Like Slack, refuse an image block whose slack_file is not a
		// completed upload of this app (or was deleted).
		if missing := f.unknownSlackFiles(c.Form.Get("blocks"), c.Form.Get("attachments")); len(missing) > 0 {
			f.write(w, map[string]any{"ok": false, "error": "invalid_blocks", "errors": missing})
			return
		}
		ts := c.Form.Get("ts")
		if method == "chat.postMessage" {
			ts = fmt.Sprintf("1700000000.%06d", seq)
		}
		f.write(w, map[string]any{"ok": true, "channel": c.Form.Get("channel"), "ts": ts})
	case "files.getUploadURLExternal":
		id := fmt.Sprintf("F%04d", seq)
		f.mu.Lock()
		f.pending[id] = upload{ID: id, Name: c.Form.Get("filename")}
		f.mu.Unlock()
		f.write(w, map[string]any{"ok": true, "upload_url": f.srv.URL + "/upload/" + id, "file_id": id})
	case "files.completeUploadExternal":
		var files []struct{ ID, Title string }
		_ = json.Unmarshal([]byte(c.Form.Get("files")), &files)
		f.mu.Lock()
		var out []map[string]string
		for _, fl := range files {
			u := f.pending[fl.ID]
			u.Title, u.Channel, u.Thread = fl.Title, c.Form.Get("channel_id"), c.Form.Get("thread_ts")
			u.User, u.Created = testBotUser, time.Now()
			f.uploads = append(f.uploads, u)
			out = append(out, map[string]string{"id": fl.ID, "title": fl.Title})
		}
		f.mu.Unlock()
		f.write(w, map[string]any{"ok": true, "files": out})
	case "files.delete":
		f.mu.Lock()
		kept := f.uploads[:0]
		for _, u := range f.uploads {
			if u.ID != c.Form.Get("file") {
				kept = append(kept, u)
			}
		}
		f.uploads = kept
		f.deleted = append(f.deleted, c.Form.Get("file"))
		f.mu.Unlock()
		f.write(w, map[string]any{"ok": true})
	case "files.list":
		f.write(w, f.listFiles(c.Form))
	case "views.open":
		f.write(w, map[string]any{"ok": true, "view": map[string]any{"id": "V1"}})
	case "auth.test":
		f.write(w, map[string]any{"ok": true, "user_id": testBotUser, "team_id": testTeam})
	case "conversations.info":
		ch := c.Form.Get("channel")
		f.mu.Lock()
		priv, slow := f.private[ch], f.beforeInfo
		f.mu.Unlock()
		if slow != nil {
			slow()
		}
		f.write(w, map[string]any{"ok": true, "channel": map[string]any{"id": ch, "is_private": priv}})
	case "oauth.v2.access":
		if c.Form.Get("client_id") != testClientID || c.Form.Get("client_secret") != testClientSK || c.Form.Get("code") != "good-code" {
			f.write(w, map[string]any{"ok": false, "error": "invalid_code"})
			return
		}
		f.write(w, map[string]any{"ok": true, "access_token": "xoxb-installed-secret", "token_type": "bot", "scope": "chat:write",
			"bot_user_id": "UBOT2", "app_id": "A1", "team": map[string]string{"id": "T0002", "name": "Second"}, "authed_user": map[string]string{"id": "U9"}})
	case "apps.connections.open":
		f.write(w, map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ws"})
	default:
		f.write(w, map[string]any{"ok": false, "error": "unknown_method"})
	}
}

// slackFileRefs returns the slack_file IDs the block JSON documents refer
// to, in order.
func slackFileRefs(docs ...string) []string {
	var ids []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if sf, ok := v["slack_file"].(map[string]any); ok {
				id, _ := sf["id"].(string)
				ids = append(ids, id)
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	for _, d := range docs {
		var v any
		if json.Unmarshal([]byte(d), &v) == nil {
			walk(v)
		}
	}
	return ids
}

// unknownSlackFiles returns the slack_file IDs the block JSON documents
// refer to that are not completed uploads.
func (f *fakeSlack) unknownSlackFiles(docs ...string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var missing []string
	for _, id := range slackFileRefs(docs...) {
		found := false
		for _, u := range f.uploads {
			found = found || u.ID == id
		}
		if !found {
			missing = append(missing, id)
		}
	}
	return missing
}

func (f *fakeSlack) serveUpload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/")
	file, _, err := r.FormFile("file")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var buf bytes.Buffer
	_, _ = io.Copy(&buf, file)
	f.mu.Lock()
	u := f.pending[id]
	u.Data = buf.Bytes()
	f.pending[id] = u
	f.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (f *fakeSlack) serveSocket(w http.ResponseWriter, r *http.Request) {
	conn, err := (&websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	if err := conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1}); err != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			var m map[string]any
			if err := conn.ReadJSON(&m); err != nil {
				return
			}
			f.acks <- m
		}
	}()
	ping := time.NewTicker(time.Second)
	defer ping.Stop()
	for {
		select {
		case <-done:
			return
		case <-ping.C:
			_ = conn.WriteControl(websocket.PingMessage, []byte("p"), time.Now().Add(time.Second))
		case frame := <-f.push:
			if err := conn.WriteMessage(websocket.TextMessage, frame); err != nil {
				return
			}
		}
	}
}

// pushEnvelope sends a Socket Mode envelope of the given type.
func (f *fakeSlack) pushEnvelope(typ, envelopeID string, payload any) {
	b, err := json.Marshal(map[string]any{"type": typ, "envelope_id": envelopeID, "payload": payload, "accepts_response_payload": typ != "events_api"})
	if err != nil {
		f.t.Fatal(err)
	}
	f.push <- b
}

// rateLimit makes the next n calls of method answer 429 with a Retry-After
// of wait (whole seconds).
func (f *fakeSlack) rateLimit(method string, n int, wait time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limited[method], f.limitWait = n, wait
}

// addFile adds a completed file as if uploaded (u.User, u.Created default to
// the bot and now) and returns its ID.
func (f *fakeSlack) addFile(u upload) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	u.ID = fmt.Sprintf("F%04d", f.seq)
	u.User = cmp.Or(u.User, testBotUser)
	if u.Created.IsZero() {
		u.Created = time.Now()
	}
	f.uploads = append(f.uploads, u)
	return u.ID
}

// backdate makes every file look created d earlier.
func (f *fakeSlack) backdate(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.uploads {
		f.uploads[i].Created = f.uploads[i].Created.Add(-d)
	}
}

// fileIDs returns the IDs of the files Slack holds, in order.
func (f *fakeSlack) fileIDs() []string {
	var ids []string
	for _, u := range f.uploaded() {
		ids = append(ids, u.ID)
	}
	return ids
}

// listFiles answers files.list as Slack does: the files of the user asked
// for, created up to ts_to (inclusive), newest first, paged by count/page.
func (f *fakeSlack) listFiles(form url.Values) map[string]any {
	count, _ := strconv.Atoi(cmp.Or(form.Get("count"), "100"))
	page, _ := strconv.Atoi(cmp.Or(form.Get("page"), "1"))
	tsTo, err := strconv.ParseInt(form.Get("ts_to"), 10, 64)
	if err != nil {
		tsTo = math.MaxInt64
	}
	f.mu.Lock()
	var match []upload
	for _, u := range f.uploads {
		if (form.Get("user") == "" || u.User == form.Get("user")) && u.Created.Unix() <= tsTo {
			match = append(match, u)
		}
	}
	f.mu.Unlock()
	slices.SortStableFunc(match, func(a, b upload) int { return b.Created.Compare(a.Created) })
	pages := max(1, (len(match)+count-1)/count)
	files := []map[string]any{}
	for _, u := range match[min(len(match), (page-1)*count):min(len(match), page*count)] {
		file := map[string]any{"id": u.ID, "name": u.Name, "title": u.Title, "user": u.User, "created": u.Created.Unix(),
			"channels": []string{}, "groups": []string{}, "ims": []string{}, "shares": map[string]any{}, "is_public": u.Public}
		if u.Channel != "" {
			file["channels"] = []string{u.Channel}
			file["shares"] = map[string]any{"public": map[string]any{u.Channel: []map[string]any{{"ts": u.Thread}}}}
		}
		files = append(files, file)
	}
	return map[string]any{"ok": true, "files": files,
		"paging": map[string]int{"count": count, "total": len(match), "page": page, "pages": pages}}
}
