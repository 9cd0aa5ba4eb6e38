package snshttp_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/snshttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	topic   = "arn:aws:sns:us-east-1:123456789012:alerts"
	certURL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem"
)

var now = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// pki is a test CA with a signing certificate issued by it.
type pki struct {
	roots   *x509.CertPool
	key     *rsa.PrivateKey
	certPEM []byte
}

var (
	pkiOnce sync.Once
	testPKI *pki
	selfPKI *pki // self-signed, not under the test CA
)

func newCert(t testing.TB, parent *x509.Certificate, parentKey *rsa.PrivateKey, isCA bool, notAfter time.Time) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 1024) // small keys keep fuzz workers fast
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "sns.amazonaws.com"},
		NotBefore:             now.Add(-24 * time.Hour),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  isCA,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return c, key
}

func pemOf(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func getPKI(t testing.TB) (*pki, *pki) {
	pkiOnce.Do(func() {
		ca, caKey := newCert(t, nil, nil, true, now.Add(365*24*time.Hour))
		leaf, leafKey := newCert(t, ca, caKey, false, now.Add(30*24*time.Hour))
		roots := x509.NewCertPool()
		roots.AddCert(ca)
		testPKI = &pki{roots: roots, key: leafKey, certPEM: pemOf(leaf)}
		self, selfKey := newCert(t, nil, nil, false, now.Add(30*24*time.Hour))
		selfPKI = &pki{roots: roots, key: selfKey, certPEM: pemOf(self)}
	})
	return testPKI, selfPKI
}

// fakeAWS answers HTTPS requests in memory: certificates by URL, and
// records every fetch (certificates and SubscribeURLs).
type fakeAWS struct {
	mu      sync.Mutex
	certs   map[string][]byte
	fetched []string
}

func (f *fakeAWS) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fetched = append(f.fetched, r.URL.String())
	body, ok := f.certs[r.URL.String()]
	status := http.StatusOK
	if !ok {
		if r.URL.Query().Get("Action") == "ConfirmSubscription" {
			body = []byte("<ConfirmSubscriptionResponse/>")
		} else {
			status, body = http.StatusNotFound, nil
		}
	}
	return &http.Response{StatusCode: status, Body: io.NopCloser(bytes.NewReader(body)), Header: http.Header{}, Request: r}, nil
}

func (f *fakeAWS) Fetched() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.fetched...)
}

type msg map[string]any

// sign fills Signature for m with key, as SNS does.
func sign(t testing.TB, key *rsa.PrivateKey, m msg) msg {
	t.Helper()
	raw, err := json.Marshal(m)
	require.NoError(t, err)
	env, err := notify.ParseEnvelope(raw)
	require.NoError(t, err)
	sts, err := snshttp.StringToSign(env)
	require.NoError(t, err)
	var sig []byte
	if m["SignatureVersion"] == "2" {
		h := sha256.Sum256([]byte(sts))
		sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
	} else {
		h := sha1.Sum([]byte(sts))
		sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA1, h[:])
	}
	require.NoError(t, err)
	m["Signature"] = base64.StdEncoding.EncodeToString(sig)
	return m
}

func notification(version string) msg {
	return msg{
		"Type": "Notification", "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324", "TopicArn": topic,
		"Subject": "ALARM: cpu", "Message": `{"AlarmName":"cpu"}`, "Timestamp": now.Add(-time.Minute).Format("2006-01-02T15:04:05.000Z"),
		"SignatureVersion": version, "SigningCertURL": certURL,
		"UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
	}
}

func confirmation(subscribeURL string) msg {
	return msg{
		"Type": "SubscriptionConfirmation", "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b", "TopicArn": topic,
		"Token":   "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736",
		"Message": "You have chosen to subscribe to the topic.", "SubscribeURL": subscribeURL,
		"Timestamp": now.Add(-time.Minute).Format(time.RFC3339), "SignatureVersion": "1", "SigningCertURL": certURL,
	}
}

type recorder struct {
	mu   sync.Mutex
	envs []*notify.Envelope
	err  error
}

func (r *recorder) HandleEnvelope(_ context.Context, env *notify.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.envs = append(r.envs, env)
	return nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.envs)
}

type fixture struct {
	h    *snshttp.Handler
	aws  *fakeAWS
	next *recorder
}

func newFixture(t testing.TB, opts ...snshttp.Option) *fixture {
	next := &recorder{}
	f := newFixtureNext(t, next, opts...)
	f.next = next
	return f
}

// newFixtureNext is newFixture with the given next handler.
func newFixtureNext(t testing.TB, next notify.Handler, opts ...snshttp.Option) *fixture {
	good, _ := getPKI(t)
	aws := &fakeAWS{certs: map[string][]byte{certURL: good.certPEM}}
	client := &http.Client{Transport: aws}
	v := snshttp.NewVerifier(snshttp.WithPolicy(snshttp.DefaultPolicy{Roots: good.roots}),
		snshttp.WithHTTPClient(client), snshttp.WithClock(func() time.Time { return now }))
	h, err := snshttp.New(next, append([]snshttp.Option{snshttp.WithVerifier(v), snshttp.WithConfirmClient(client), snshttp.WithAnyTopic()}, opts...)...)
	require.NoError(t, err)
	return &fixture{h: h, aws: aws}
}

func (f *fixture) post(t testing.TB, body []byte, msgType string) int {
	req := httptest.NewRequest(http.MethodPost, "/sns", bytes.NewReader(body))
	if msgType != "" {
		req.Header.Set("x-amz-sns-message-type", msgType)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec.Code
}

func mustJSON(t testing.TB, m msg) []byte {
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

func TestNotifications(t *testing.T) {
	t.Parallel()
	good, self := getPKI(t)
	tests := []struct {
		name       string
		build      func() []byte
		wantStatus int
		wantFetch  bool
	}{
		{"valid v1", func() []byte { return mustJSON(t, sign(t, good.key, notification("1"))) }, 200, true},
		{"valid v2", func() []byte { return mustJSON(t, sign(t, good.key, notification("2"))) }, 200, true},
		{"valid without subject", func() []byte {
			m := notification("2")
			delete(m, "Subject")
			return mustJSON(t, sign(t, good.key, m))
		}, 200, true},
		{"tampered message", func() []byte {
			m := sign(t, good.key, notification("1"))
			m["Message"] = `{"AlarmName":"evil"}`
			return mustJSON(t, m)
		}, 403, true},
		{"tampered subject", func() []byte {
			m := sign(t, good.key, notification("2"))
			m["Subject"] = "OK: cpu"
			return mustJSON(t, m)
		}, 403, true},
		{"subject added", func() []byte {
			m := notification("2")
			delete(m, "Subject")
			m = sign(t, good.key, m)
			m["Subject"] = "hi"
			return mustJSON(t, m)
		}, 403, true},
		{"v1 signature claimed as v2", func() []byte {
			m := sign(t, good.key, notification("1"))
			m["SignatureVersion"] = "2"
			return mustJSON(t, m)
		}, 403, true},
		{"wrong cert host", func() []byte {
			m := notification("1")
			m["SigningCertURL"] = "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem"
			return mustJSON(t, sign(t, good.key, m))
		}, 403, false},
		{"cert host of another region", func() []byte {
			m := notification("1")
			m["SigningCertURL"] = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem"
			return mustJSON(t, sign(t, good.key, m))
		}, 403, false},
		{"http cert URL", func() []byte {
			m := notification("1")
			m["SigningCertURL"] = "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem"
			return mustJSON(t, sign(t, good.key, m))
		}, 403, false},
		{"cert URL with port", func() []byte {
			m := notification("1")
			m["SigningCertURL"] = "https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-0123456789abcdef.pem"
			return mustJSON(t, sign(t, good.key, m))
		}, 403, false},
		{"self-signed cert", func() []byte {
			m := notification("1")
			m["SigningCertURL"] = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-self.pem"
			return mustJSON(t, sign(t, self.key, m))
		}, 403, true},
		{"stale timestamp", func() []byte {
			m := notification("1")
			m["Timestamp"] = now.Add(-2 * time.Hour).Format(time.RFC3339)
			return mustJSON(t, sign(t, good.key, m))
		}, 400, false},
		{"future timestamp", func() []byte {
			m := notification("1")
			m["Timestamp"] = now.Add(time.Hour).Format(time.RFC3339)
			return mustJSON(t, sign(t, good.key, m))
		}, 400, false},
		{"unknown signature version", func() []byte {
			m := sign(t, good.key, notification("1"))
			m["SignatureVersion"] = "3"
			return mustJSON(t, m)
		}, 400, false},
		{"unknown type", func() []byte {
			m := notification("1")
			m["Type"] = "Surprise"
			return mustJSON(t, m)
		}, 400, false},
		{"unsigned raw body", func() []byte { return []byte(`{"AlarmName":"cpu"}`) }, 400, false},
		{"malformed envelope", func() []byte { return []byte(`{"Type":"Notification","MessageId":5}`) }, 400, false},
		{"not base64 signature", func() []byte {
			m := notification("1")
			m["Signature"] = "!!!"
			return mustJSON(t, m)
		}, 400, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.aws.certs["https://sns.us-east-1.amazonaws.com/SimpleNotificationService-self.pem"] = self.certPEM
			code := f.post(t, tt.build(), "")
			assert.Equal(t, tt.wantStatus, code)
			assert.Equal(t, tt.wantStatus == 200, f.next.count() == 1, "handler called only for accepted messages")
			assert.Equal(t, tt.wantFetch, len(f.aws.Fetched()) > 0, "certificate fetched: %v", f.aws.Fetched())
		})
	}
}

func TestCertificateFetchedOnceAndChecked(t *testing.T) {
	t.Parallel()
	good, _ := getPKI(t)
	f := newFixture(t)
	for range 5 {
		require.Equal(t, 200, f.post(t, mustJSON(t, sign(t, good.key, notification("2"))), "Notification"))
	}
	assert.Equal(t, []string{certURL}, f.aws.Fetched())

	// A certificate that expires is rejected even though it is cached and
	// passed before.
	var mu sync.Mutex
	clock := now
	v := snshttp.NewVerifier(snshttp.WithPolicy(snshttp.DefaultPolicy{Roots: good.roots}),
		snshttp.WithHTTPClient(&http.Client{Transport: f.aws}), snshttp.WithMaxAge(0),
		snshttp.WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }))
	env, err := notify.ParseEnvelope(mustJSON(t, sign(t, good.key, notification("2"))))
	require.NoError(t, err)
	require.NoError(t, v.Verify(context.Background(), env))
	mu.Lock()
	clock = now.Add(60 * 24 * time.Hour)
	mu.Unlock()
	require.ErrorIs(t, v.Verify(context.Background(), env), snshttp.ErrUntrustedCertificate)
}

func TestHeaderTypeMismatch(t *testing.T) {
	t.Parallel()
	good, _ := getPKI(t)
	f := newFixture(t)
	assert.Equal(t, 400, f.post(t, mustJSON(t, sign(t, good.key, notification("1"))), "SubscriptionConfirmation"))
}

func TestOversizedBody(t *testing.T) {
	t.Parallel()
	f := newFixture(t, snshttp.WithMaxBody(1024))
	m := notification("1")
	m["Message"] = strings.Repeat("x", 2048)
	assert.Equal(t, http.StatusRequestEntityTooLarge, f.post(t, mustJSON(t, m), ""))
	assert.Empty(t, f.aws.Fetched())
}

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/sns", nil))
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
}

func TestNextHandlerErrorAsksSNSToRetry(t *testing.T) {
	t.Parallel()
	good, _ := getPKI(t)
	f := newFixture(t)
	f.next.err = errors.New("slack down")
	assert.Equal(t, 500, f.post(t, mustJSON(t, sign(t, good.key, notification("1"))), ""))
}

func TestTopicAllowlist(t *testing.T) {
	t.Parallel()
	good, _ := getPKI(t)
	f := newFixture(t, snshttp.WithTopics("arn:aws:sns:us-east-1:123456789012:other"))
	assert.Equal(t, 403, f.post(t, mustJSON(t, sign(t, good.key, notification("1"))), ""))
}

func TestSubscriptionConfirmation(t *testing.T) {
	t.Parallel()
	good, _ := getPKI(t)
	valid := "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=" + topic + "&Token=abc"
	tests := []struct {
		name         string
		subscribeURL string
		wantStatus   int
		wantConfirm  bool
	}{
		{"valid", valid, 200, true},
		{"SSRF to instance metadata", "http://169.254.169.254/latest/meta-data/iam/security-credentials/", 403, false},
		{"SSRF to https internal host", "https://internal.example/?Action=ConfirmSubscription", 403, false},
		{"SSRF lookalike host", "https://sns.us-east-1.amazonaws.com@evil.example/?Action=ConfirmSubscription", 403, false},
		{"http SNS host", "http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription", 403, false},
		{"other region", "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription", 403, false},
		{"empty", "", 403, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			code := f.post(t, mustJSON(t, sign(t, good.key, confirmation(tt.subscribeURL))), "SubscriptionConfirmation")
			assert.Equal(t, tt.wantStatus, code)
			fetched := f.aws.Fetched()
			confirmed := len(fetched) == 2 && fetched[1] == tt.subscribeURL
			assert.Equal(t, tt.wantConfirm, confirmed, "fetched %v", fetched)
			if !tt.wantConfirm {
				assert.Equal(t, []string{certURL}, fetched, "nothing but the certificate was fetched")
			}
			assert.Zero(t, f.next.count())
		})
	}
}

func TestSubscriptionNeedsApproval(t *testing.T) {
	t.Parallel()
	good, _ := getPKI(t)
	valid := "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=" + topic + "&Token=abc"
	var pending []*notify.Envelope
	f := newFixture(t, snshttp.WithApprover(snshttp.ApproverFunc(func(_ context.Context, env *notify.Envelope) (bool, error) {
		pending = append(pending, env)
		return false, nil
	})))
	require.Equal(t, 200, f.post(t, mustJSON(t, sign(t, good.key, confirmation(valid))), ""))
	assert.Equal(t, []string{certURL}, f.aws.Fetched(), "not confirmed before approval")
	require.Len(t, pending, 1)
	require.NoError(t, f.h.ConfirmSubscription(context.Background(), pending[0].TopicARN, pending[0].SubscribeURL))
	assert.Equal(t, []string{certURL, valid}, f.aws.Fetched())
	require.ErrorIs(t, f.h.ConfirmSubscription(context.Background(), topic, "https://evil.example/"), snshttp.ErrUntrustedURL)
}

func TestSNSHost(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"arn:aws:sns:us-east-1:1:t":            "sns.us-east-1.amazonaws.com",
		"arn:aws-cn:sns:cn-north-1:1:t":        "sns.cn-north-1.amazonaws.com.cn",
		"arn:aws-us-gov:sns:us-gov-west-1:1:t": "sns.us-gov-west-1.amazonaws.com",
	}
	for arn, want := range tests {
		got, err := snshttp.SNSHost(arn)
		require.NoError(t, err, arn)
		assert.Equal(t, want, got)
	}
	for _, bad := range []string{"", "arn:aws:sqs:us-east-1:1:q", "arn:aws:sns:us-east-1.evil.com/:1:t", "arn:mars:sns:x:1:t", "arn:aws:sns::1:t"} {
		_, err := snshttp.SNSHost(bad)
		assert.ErrorIs(t, err, snshttp.ErrMalformed, bad)
	}
}

func TestNewRequiresATopicPolicy(t *testing.T) {
	next := notify.HandlerFunc(func(context.Context, *notify.Envelope) error { return nil })
	_, err := snshttp.New(next)
	assert.ErrorIs(t, err, snshttp.ErrNoTopicPolicy)
	for _, opt := range []snshttp.Option{snshttp.WithTopics("arn:aws:sns:us-east-1:123456789012:t"), snshttp.WithAnyTopic()} {
		_, err := snshttp.New(next, opt)
		assert.NoError(t, err)
	}
}
