package awssim

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Defaults of the simulated account.
const (
	DefaultAccountID = "123456789012"
	DefaultRegion    = "us-east-1"
	// BaseAccessKeyID and BaseSecretAccessKey are the credentials Config
	// hands out: the account's "bot" identity before any AssumeRole.
	BaseAccessKeyID     = "AKIAAWSSIMBASE000001"
	BaseSecretAccessKey = "awssim-base-secret"
	maxBody             = 8 << 20
)

// Server is a simulated AWS account on a loopback HTTP server.
//
// All methods are safe for concurrent use. Close stops the server; the
// creator must call it.
type Server struct {
	ts      *httptest.Server
	log     *slog.Logger
	account string
	region  string
	now     func() time.Time
	actions ActionMapper

	mu       sync.Mutex
	requests []Request
	faults   []*Fault
	seq      int
	data     *dataset

	graphs  graphCache
	fixture *fixture
}

// Option configures a Server.
type Option func(*Server)

// WithLogger logs each request (service, operation, status) at debug level.
// Request bodies are never logged. The default discards.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithAccountID sets the simulated account ID (default DefaultAccountID).
func WithAccountID(id string) Option { return func(s *Server) { s.account = id } }

// WithRegion sets the region in ARNs of the fixtures (default DefaultRegion).
func WithRegion(r string) Option { return func(s *Server) { s.region = r } }

// WithClock sets the clock fixtures and timestamps are relative to
// (default time.Now). Tests pass a fixed clock for stable output.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// New starts a simulated account on a loopback port.
func New(opts ...Option) *Server {
	s := &Server{
		log:     slog.New(slog.DiscardHandler),
		account: DefaultAccountID,
		region:  DefaultRegion,
		now:     time.Now,
		actions: DefaultActionMapper,
	}
	for _, o := range opts {
		o(s)
	}
	s.data = newDataset(s.account, s.region, s.now())
	fx, err := newFixture(accountJSON, s.account, s.region, s.data.start)
	if err != nil {
		// The fixture is embedded and tested; answer empty rather than fail.
		s.log.Error("awssim: account fixture", "error", err.Error())
		fx = &fixture{}
	}
	s.fixture = fx
	s.ts = httptest.NewServer(s)
	return s
}

// URL is the endpoint to give clients ("http://127.0.0.1:PORT").
func (s *Server) URL() string { return s.ts.URL }

// Close stops the server and waits for in-flight requests.
func (s *Server) Close() { s.ts.Close() }

// AccountID is the simulated account.
func (s *Server) AccountID() string { return s.account }

// Config returns an aws.Config that sends every client to the server with
// the base identity's static credentials. S3 clients also need
// UsePathStyle (the server accepts virtual-hosted requests only for
// hosts it can resolve, which 127.0.0.1 subdomains are not).
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:       s.region,
		BaseEndpoint: aws.String(s.ts.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(BaseAccessKeyID, BaseSecretAccessKey, ""),
		HTTPClient:   s.ts.Client(),
	}
}

// Requests returns a copy of every request recorded since the start or the
// last Reset, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestsBy returns the recorded requests signed with accessKeyID.
func (s *Server) RequestsBy(accessKeyID string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if r.AccessKeyID == accessKeyID {
			out = append(out, r)
		}
	}
	return out
}

// RequestsFor returns the recorded requests for service (signing name) and
// operation, in arrival order; an empty operation matches every operation
// of the service.
func (s *Server) RequestsFor(service, operation string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if r.Service == service && (operation == "" || r.Operation == operation) {
			out = append(out, r)
		}
	}
	return out
}

// Reset forgets the recorded requests. Faults and data state are kept.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Fault makes matching requests fail or wait. Service is the signing name
// ("monitoring", "ec2", ...) and Operation the API name; empty matches any.
type Fault struct {
	Service   string
	Operation string
	// Code is the AWS error code to answer with ("AccessDenied",
	// "ThrottlingException"); empty means no error (Delay only).
	Code    string
	Message string
	// Status is the HTTP status (default 403 for access errors, else 400).
	Status int
	// Delay holds the response back, or until the client gives up.
	Delay time.Duration
	// Times is how many matching requests the fault applies to; 0 is all.
	Times int

	used int
}

// AccessDenied is a Fault answering every call of service:operation with
// the service's access-denied error.
func AccessDenied(service, operation string) Fault {
	return Fault{Service: service, Operation: operation, Code: accessDeniedCode(service),
		Message: fmt.Sprintf("User: arn:aws:sts::%s:assumed-role/opschat/session is not authorized to perform: %s:%s because no identity-based policy allows the %[2]s:%[3]s action",
			DefaultAccountID, iamPrefix(service), operation)}
}

// Throttle is a Fault answering the next times calls with a throttling
// error the SDK retries.
func Throttle(service, operation string, times int) Fault {
	code := "ThrottlingException"
	switch service {
	case "monitoring", "sts", "sns", "ec2":
		code = "Throttling"
		if service == "ec2" {
			code = "RequestLimitExceeded"
		}
	}
	return Fault{Service: service, Operation: operation, Code: code, Message: "Rate exceeded", Times: times}
}

// Slow is a Fault delaying every call of service:operation by d.
func Slow(service, operation string, d time.Duration) Fault {
	return Fault{Service: service, Operation: operation, Delay: d}
}

func iamPrefix(signing string) string {
	switch signing {
	case "monitoring":
		return "cloudwatch"
	case "states":
		return "states"
	}
	return signing
}

// Inject adds a fault. Faults are checked in the order added; the first
// match applies.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// APIError is an error the simulated service answers with.
type APIError struct {
	Code    string
	Message string
	Status  int
}

func (e *APIError) Error() string { return "awssim: " + e.Code + ": " + e.Message }

func apiErr(status int, code, format string, args ...any) *APIError {
	return &APIError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// reply is what an operation handler answers: a tree encoded per protocol,
// or a raw body (REST payloads).
type reply struct {
	result  any
	raw     []byte
	header  http.Header
	status  int
	xmlRoot string // REST-XML root element
}

type handlerFunc func(s *Server, r *Request) (*reply, error)

// ServeHTTP decodes, records and answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	body, err := io.ReadAll(io.LimitReader(hr.Body, maxBody))
	if err != nil {
		http.Error(w, "awssim: read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	req, decErr := decodeRequest(hr, body)

	s.mu.Lock()
	s.seq++
	reqID := fmt.Sprintf("%08x-5eed-4a11-8b1d-%012x", s.seq, s.seq)
	s.requests = append(s.requests, req)
	var fault *Fault
	for _, f := range s.faults {
		if (f.Service == "" || f.Service == req.Service) && (f.Operation == "" || f.Operation == req.Operation) &&
			(f.Times == 0 || f.used < f.Times) {
			f.used++
			cp := *f
			fault = &cp
			break
		}
	}
	s.mu.Unlock()

	if fault != nil && fault.Delay > 0 && !sleep(hr.Context(), fault.Delay) {
		return // the client gave up
	}
	var rep *reply
	var opErr error
	switch {
	case fault != nil && fault.Code != "":
		st := fault.Status
		if st == 0 {
			st = http.StatusBadRequest
			if strings.Contains(fault.Code, "AccessDenied") || strings.Contains(fault.Code, "Unauthorized") {
				st = http.StatusForbidden
			}
		}
		opErr = &APIError{Code: fault.Code, Message: fault.Message, Status: st}
	case decErr != nil:
		code := "SerializationException"
		if req.Protocol == ProtocolQuery || req.Protocol == ProtocolEC2Query {
			code = "MalformedQueryString"
		}
		opErr = apiErr(http.StatusBadRequest, code, "%v", decErr)
	default:
		if opErr = s.authorize(&req); opErr != nil {
			break
		}
		if h := handlerFor(req.Key()); h != nil {
			rep, opErr = h(s, &req)
		} else if fr, ok, err := s.fixture.answer(&req); ok {
			rep, opErr = fr, err
		} else {
			rep = &reply{}
		}
	}
	status := s.write(w, &req, reqID, rep, opErr)
	s.log.Debug("awssim request", "service", req.Service, "operation", req.Operation, "protocol", string(req.Protocol), "status", status)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// decodeRequest recognises the protocol by the request's shape and decodes
// its parameters.
func decodeRequest(hr *http.Request, body []byte) (Request, error) {
	sig := parseSigV4(hr)
	req := Request{
		Service:     sig.service,
		Region:      sig.region,
		AccessKeyID: sig.accessKey,
		Method:      hr.Method,
		Path:        cleanPath(hr.URL.EscapedPath()),
		RawQuery:    hr.URL.RawQuery,
		Header:      hr.Header, // each request's own map; an in-process caller's values are shared, which the SDK never changes after sending
		Body:        body,
		Params:      map[string]any{},
	}
	mt := mediaType(hr.Header)
	target := hr.Header.Get("X-Amz-Target")
	switch {
	case strings.EqualFold(hr.Header.Get("Smithy-Protocol"), "rpc-v2-cbor") || strings.HasPrefix(req.Path, "/service/") && strings.Contains(req.Path, "/operation/"):
		req.Protocol = ProtocolCBOR
		if i := strings.LastIndex(req.Path, "/operation/"); i >= 0 {
			req.Operation = req.Path[i+len("/operation/"):]
		}
		if req.Service == "" {
			// Unsigned request: the Smithy service name stands in.
			req.Service = strings.SplitN(strings.TrimPrefix(req.Path, "/service/"), "/", 2)[0]
		}
		if len(body) == 0 {
			return req, nil
		}
		v, err := decodeCBOR(body)
		if err != nil {
			return req, fmt.Errorf("%w: cbor body: %v", errDecode, err)
		}
		m, ok := v.(map[string]any)
		if !ok {
			return req, fmt.Errorf("%w: cbor body is %T, want a map", errDecode, v)
		}
		req.Params = m
		return req, nil
	case target != "":
		req.Protocol = ProtocolJSON11
		if mt == "application/x-amz-json-1.0" {
			req.Protocol = ProtocolJSON10
		}
		if i := strings.LastIndex(target, "."); i >= 0 {
			req.Operation = target[i+1:]
		} else {
			req.Operation = target
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return req, nil
		}
		v, err := decodeJSON(body)
		if err != nil {
			return req, fmt.Errorf("%w: json body: %v", errDecode, err)
		}
		m, ok := v.(map[string]any)
		if !ok {
			return req, fmt.Errorf("%w: json body is %T, want an object", errDecode, v)
		}
		req.Params = m
		return req, nil
	case mt == "application/x-www-form-urlencoded" || hr.URL.Query().Has("Action") && hr.Method == http.MethodGet:
		vals := hr.URL.Query()
		if mt == "application/x-www-form-urlencoded" {
			pv, err := url.ParseQuery(string(body))
			if err != nil {
				req.Protocol = ProtocolQuery
				return req, fmt.Errorf("%w: form body: %v", errDecode, err)
			}
			vals = pv
		}
		if vals.Has("Action") {
			req.Protocol = ProtocolQuery
			if req.Service == "ec2" {
				req.Protocol = ProtocolEC2Query
			}
			params, action, _, err := decodeForm(vals)
			req.Params, req.Operation = params, action
			if req.Service == "" {
				// Unsigned by design: STS's web-identity and SAML
				// exchanges carry no SigV4 signature to name the service.
				req.Service = unsignedQueryService[action]
			}
			if req.Service == "sqs" {
				req.Params = QueryToMembers(params, sqsInput(action))
			}
			if err != nil {
				return req, fmt.Errorf("%w: %v", errDecode, err)
			}
			return req, nil
		}
	}
	return decodeREST(hr, req, mt)
}

func decodeREST(hr *http.Request, req Request, mt string) (Request, error) {
	req.Protocol = ProtocolRESTJSON
	path := req.Path
	switch req.Service {
	case "s3", "s3express", "s3-object-lambda", "route53", "cloudfront":
		req.Protocol = ProtocolRESTXML
	}
	if req.Service == "s3" || req.Service == "s3express" {
		// Virtual-hosted style: the bucket is the first label of the host.
		// (S3 Object Lambda's host prefix is a request route, no bucket.)
		if b := bucketFromHost(hr.Host); b != "" {
			path = cleanPath("/" + b + hr.URL.EscapedPath())
		}
	}
	q := hr.URL.Query()
	rt, labels := matchRoute(restRoutesFor(req.Service), hr.Method, path, q)
	if rt == nil {
		// Unknown route: keep wire names so recordings still compare.
		rt = &restRoute{}
		labels = map[string]string{}
	} else {
		req.Operation = rt.op
	}
	jsonBody := req.Protocol == ProtocolRESTJSON && (mt == "" || strings.Contains(mt, "json"))
	params, err := restParams(rt, labels, q, hr.Header, req.Body, jsonBody)
	req.Params = params
	if err != nil {
		return req, fmt.Errorf("%w: rest body: %v", errDecode, err)
	}
	return req, nil
}

// unsignedQueryService names the service of the query operations AWS
// accepts without a signature.
var unsignedQueryService = map[string]string{
	"AssumeRoleWithSAML":        "sts",
	"AssumeRoleWithWebIdentity": "sts",
}

// bucketFromHost returns "b" for "b.127.0.0.1:8080" or "b.localhost".
func bucketFromHost(host string) string {
	h := host
	if i := strings.LastIndex(h, ":"); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	for _, base := range []string{".127.0.0.1", ".localhost"} {
		if strings.HasSuffix(h, base) {
			return strings.TrimSuffix(h, base)
		}
	}
	return ""
}

// queryNamespace is the XML namespace of a query service's responses.
func queryNamespace(service string) string {
	switch service {
	case "monitoring":
		return "http://monitoring.amazonaws.com/doc/2010-08-01/"
	case "sts":
		return "https://sts.amazonaws.com/doc/2011-06-15/"
	case "sns":
		return "http://sns.amazonaws.com/doc/2010-03-31/"
	}
	return "https://" + service + ".amazonaws.com/doc/"
}
