package awssim

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// InProcessConfig is Config for clients in the same process as the server
// (the quickstart's bot and its simulated account): requests go to the
// server's handler through an aws.HTTPClient instead of a loopback TCP
// connection. The SDK still builds, signs, sends and decodes every request
// as it would against AWS, and the server records, authorizes, faults and
// answers it exactly as over TCP; what is saved is two HTTP/1.1 codecs, the
// socket system calls and the goroutine hand-offs of a round trip, which
// were most of a simulated command's CPU. The loopback listener keeps
// serving other clients (the AWS CLI with --endpoint-url).
func (s *Server) InProcessConfig() aws.Config {
	cfg := s.Config()
	cfg.HTTPClient = inProcess{h: s}
	return cfg
}

// inProcess serves each request with h on the caller's goroutine. It is
// the SDK's HTTP client itself (aws.HTTPClient is one Do method): AWS APIs
// answer redirects as errors, so http.Client's redirect and header-copying
// machinery has nothing to do here.
type inProcess struct{ h http.Handler }

func (t inProcess) Do(req *http.Request) (*http.Response, error) { return t.RoundTrip(req) }

func (t inProcess) RoundTrip(req *http.Request) (res *http.Response, err error) {
	ctx := req.Context()
	defer func() {
		// net/http's server turns a handler's panic into a broken
		// connection; here it would take the bot's process with it.
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("awssim: %s %s: handler panic: %v", req.Method, req.URL.Path, p)
		}
	}()
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		body, err = io.ReadAll(io.LimitReader(req.Body, maxBody+1))
		_ = req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("awssim: read request body: %w", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// What a server would see: the Host promoted out of the header, a
	// Content-Length for bodies, the request URI as sent.
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	u := *req.URL
	sr := (&http.Request{
		Method:        req.Method,
		URL:           &u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        make(http.Header, len(req.Header)+1),
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Host:          host,
		RemoteAddr:    "127.0.0.1:0",
		RequestURI:    req.URL.RequestURI(),
	}).WithContext(ctx)
	// A shallow copy: the handler only reads header values.
	for k, v := range req.Header {
		if k != "Host" {
			sr.Header[k] = v
		}
	}
	if len(body) > 0 || req.Method == http.MethodPost || req.Method == http.MethodPut || req.Method == http.MethodPatch {
		sr.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	// Go's transport asks for gzip itself (and would undo it); the
	// account never compresses, but records what it was sent.
	if req.Method != http.MethodHead && sr.Header.Get("Accept-Encoding") == "" && sr.Header.Get("Range") == "" {
		sr.Header.Set("Accept-Encoding", "gzip")
	}
	w := &answer{header: make(http.Header, 4)}
	t.h.ServeHTTP(w, sr)
	if err := ctx.Err(); err != nil {
		// The client gave up while the handler ran (a delayed answer):
		// a transport reports the context's error, not the answer.
		return nil, err
	}
	w.WriteHeader(http.StatusOK) // no-op once written
	res = &http.Response{
		Status:        fmt.Sprintf("%03d %s", w.status, http.StatusText(w.status)),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		Body:          io.NopCloser(bytes.NewReader(w.body)),
		ContentLength: -1,
		Request:       req,
	}
	// net/http's server declares the length of an answer the handler
	// finished within its 2 KiB chunking buffer, and chunks longer ones; an
	// answer that may have no body (HEAD, 204, 304) has none.
	switch cl := res.Header.Get("Content-Length"); {
	case req.Method == http.MethodHead:
		// What the handler wrote is measured, not sent.
		res.Body = http.NoBody
		res.ContentLength = -1
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil {
			res.ContentLength = n
		} else if n := len(w.body); n > 0 && n <= chunkingBuffer {
			res.Header.Set("Content-Length", strconv.Itoa(n))
			res.ContentLength = int64(n)
		}
	case !bodyAllowed(res.StatusCode):
		res.Body = http.NoBody
		res.ContentLength = 0
	case cl != "":
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil {
			res.ContentLength = n
		}
	case res.Header.Get("Transfer-Encoding") != "":
	case len(w.body) <= chunkingBuffer:
		res.Header.Set("Content-Length", strconv.Itoa(len(w.body)))
		res.ContentLength = int64(len(w.body))
	default:
		res.TransferEncoding = []string{"chunked"}
	}
	if _, ok := res.Header["Date"]; !ok {
		res.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	return res, nil
}

// answer is the http.ResponseWriter of an in-process request: what the
// handler writes, kept for the Response (net/http's server rules for the
// status and Content-Type, without httptest.ResponseRecorder's snapshots).
type answer struct {
	header http.Header
	status int
	body   []byte
}

func (a *answer) Header() http.Header { return a.header }

func (a *answer) WriteHeader(status int) {
	if a.status != 0 {
		return
	}
	a.status = status
}

func (a *answer) Write(p []byte) (int, error) {
	a.WriteHeader(http.StatusOK) // no-op once written
	if !bodyAllowed(a.status) {
		return 0, http.ErrBodyNotAllowed
	}
	_, typed := a.header["Content-Type"]
	if a.body == nil && len(p) > 0 && !typed && bodyAllowed(a.status) &&
		a.header.Get("Content-Encoding") == "" && a.header.Get("Transfer-Encoding") == "" {
		a.header.Set("Content-Type", http.DetectContentType(p))
	}
	if a.body == nil {
		a.body = make([]byte, 0, len(p))
	}
	a.body = append(a.body, p...)
	return len(p), nil
}

// chunkingBuffer is net/http's bufferBeforeChunkingSize.
const chunkingBuffer = 2048

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
