package snshttp

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/opschat/opschat/notify"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrBadSignature: the signature does not match the message.
	ErrBadSignature = errors.New("snshttp: signature does not verify")
	// ErrUntrustedURL: a SigningCertURL or SubscribeURL is not https on an
	// SNS host of the topic's region and partition.
	ErrUntrustedURL = errors.New("snshttp: untrusted URL")
	// ErrUntrustedCertificate: the signing certificate failed the policy
	// (chain, validity period).
	ErrUntrustedCertificate = errors.New("snshttp: untrusted signing certificate")
	// ErrStale: the message's timestamp is too old or in the future.
	ErrStale = errors.New("snshttp: message timestamp out of range")
	// ErrMalformed: the message lacks what verification needs.
	ErrMalformed = errors.New("snshttp: malformed message")
)

// CertificatePolicy decides which signing certificates are trusted. The
// production policy is DefaultPolicy; tests against emulators (whose
// certificates are self-signed and served over http) inject their own.
type CertificatePolicy interface {
	// CheckURL is called before a certificate or subscription URL is
	// fetched. topicARN is the message's TopicArn, whose region and
	// partition the host must match.
	CheckURL(u *url.URL, topicARN string) error
	// CheckCertificate is called with the certificate, any intermediates
	// served with it, and the current time: when a certificate is first
	// used, then again at least hourly and as soon as the time leaves the
	// validity period of the certificates it passed with.
	CheckCertificate(cert *x509.Certificate, intermediates []*x509.Certificate, now time.Time) error
}

// DefaultPolicy trusts certificates and subscription URLs only over https
// from sns.<region>.<partition domain> matching the topic ARN (for example
// sns.us-east-1.amazonaws.com, sns.cn-north-1.amazonaws.com.cn) on the
// default port, and certificates that chain to roots (nil: the system roots)
// and are inside their validity period.
type DefaultPolicy struct {
	Roots *x509.CertPool
}

// partitionDomains maps an ARN partition to the DNS suffix of its endpoints.
var partitionDomains = map[string]string{
	"aws":        "amazonaws.com",
	"aws-cn":     "amazonaws.com.cn",
	"aws-us-gov": "amazonaws.com",
	"aws-iso":    "c2s.ic.gov",
	"aws-iso-b":  "sc2s.sgov.gov",
}

// SNSHost returns the SNS endpoint host for the region and partition of a
// topic ARN ("arn:aws:sns:us-east-1:123456789012:alerts" →
// "sns.us-east-1.amazonaws.com").
func SNSHost(topicARN string) (string, error) {
	parts := strings.SplitN(topicARN, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sns" || parts[3] == "" {
		return "", fmt.Errorf("%w: topic ARN %q is not an SNS topic ARN", ErrMalformed, topicARN)
	}
	domain, ok := partitionDomains[parts[1]]
	if !ok {
		return "", fmt.Errorf("%w: topic ARN %q: unknown partition %q", ErrMalformed, topicARN, parts[1])
	}
	region := parts[3]
	for _, r := range region {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return "", fmt.Errorf("%w: topic ARN %q: bad region %q", ErrMalformed, topicARN, region)
		}
	}
	return "sns." + region + "." + domain, nil
}

// hostOf names u for errors and logs by its host only: a SubscribeURL's
// query carries the confirmation token (and user info a password), which
// must never reach a log.
func hostOf(u *url.URL) string { return u.Host }

// CheckURL implements CertificatePolicy. Its errors name the URL's host,
// never its path, query or user info.
func (DefaultPolicy) CheckURL(u *url.URL, topicARN string) error {
	want, err := SNSHost(topicARN)
	if err != nil {
		return err
	}
	switch {
	case u.Scheme != "https":
		return fmt.Errorf("%w: host %q: scheme %q, want https", ErrUntrustedURL, hostOf(u), u.Scheme)
	case u.User != nil:
		return fmt.Errorf("%w: host %q: has user info", ErrUntrustedURL, hostOf(u))
	case u.Port() != "" && u.Port() != "443":
		return fmt.Errorf("%w: host %q: port %s", ErrUntrustedURL, hostOf(u), u.Port())
	case !strings.EqualFold(u.Hostname(), want):
		return fmt.Errorf("%w: host %q is not %q (the SNS host of %s)", ErrUntrustedURL, u.Hostname(), want, topicARN)
	}
	return nil
}

// CheckCertificate implements CertificatePolicy.
func (p DefaultPolicy) CheckCertificate(cert *x509.Certificate, intermediates []*x509.Certificate, now time.Time) error {
	pool := x509.NewCertPool()
	for _, c := range intermediates {
		pool.AddCert(c)
	}
	_, err := cert.Verify(x509.VerifyOptions{Roots: p.Roots, Intermediates: pool, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUntrustedCertificate, err)
	}
	return nil
}

// StringToSign builds the text SNS signs for env: "Key\nValue\n" pairs in
// the order SNS specifies. Notifications sign Message, MessageId, Subject
// (only when present), Timestamp, TopicArn and Type; subscription and
// unsubscribe confirmations sign Message, MessageId, SubscribeURL,
// Timestamp, Token, TopicArn and Type.
func StringToSign(env *notify.Envelope) (string, error) {
	var keys []string
	switch env.Type {
	case notify.TypeNotification:
		keys = []string{"Message", "MessageId"}
		if env.HasSubject {
			keys = append(keys, "Subject")
		}
		keys = append(keys, "Timestamp", "TopicArn", "Type")
	case notify.TypeSubscriptionConfirmation, notify.TypeUnsubscribeConfirmation:
		keys = []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	default:
		return "", fmt.Errorf("%w: unknown type %q", ErrMalformed, env.Type)
	}
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('\n')
		b.WriteString(field(env, k))
		b.WriteByte('\n')
	}
	return b.String(), nil
}

func field(env *notify.Envelope, k string) string {
	switch k {
	case "Message":
		return env.Message
	case "MessageId":
		return env.MessageID
	case "Subject":
		return env.Subject
	case "Timestamp":
		return env.Timestamp
	case "TopicArn":
		return env.TopicARN
	case "Type":
		return env.Type
	case "SubscribeURL":
		return env.SubscribeURL
	case "Token":
		return env.Token
	}
	return ""
}

type cachedCert struct {
	cert          *x509.Certificate
	intermediates []*x509.Certificate

	// A passed policy check is reused while the time stays inside
	// [okFrom, okUntil]: chain building costs far more than the signature.
	mu              sync.Mutex
	okFrom, okUntil time.Time
}

// recheckEvery bounds how long a passed certificate check is reused.
const recheckEvery = time.Hour

func (v *Verifier) checkCertificate(cc *cachedCert, now time.Time) error {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if !cc.okUntil.IsZero() && !now.Before(cc.okFrom) && !now.After(cc.okUntil) {
		return nil
	}
	cc.okFrom, cc.okUntil = time.Time{}, time.Time{}
	if err := v.policy.CheckCertificate(cc.cert, cc.intermediates, now); err != nil {
		return err
	}
	from, until := cc.cert.NotBefore, now.Add(recheckEvery)
	for _, c := range append([]*x509.Certificate{cc.cert}, cc.intermediates...) {
		if c.NotBefore.After(from) {
			from = c.NotBefore
		}
		if c.NotAfter.Before(until) {
			until = c.NotAfter
		}
	}
	cc.okFrom, cc.okUntil = from, until
	return nil
}

// Verifier checks SNS message signatures. Certificates are fetched once per
// URL and cached (at most maxCached of them; SNS rotates rarely). It is safe
// for concurrent use.
type Verifier struct {
	policy CertificatePolicy
	client *http.Client
	now    func() time.Time
	maxAge time.Duration

	mu    sync.Mutex
	cache map[string]*cachedCert
	// fetching serialises fetches per URL so a burst of messages costs one
	// download.
	fetching map[string]*sync.Mutex
}

const (
	maxCached    = 32
	maxCertBytes = 64 << 10
	futureSkew   = 5 * time.Minute
)

// VerifierOption configures a Verifier.
type VerifierOption func(*Verifier)

// WithPolicy sets the certificate policy (default DefaultPolicy{}).
func WithPolicy(p CertificatePolicy) VerifierOption { return func(v *Verifier) { v.policy = p } }

// WithHTTPClient sets the client that fetches certificates (default: a
// client with a 10s timeout that follows no redirects).
func WithHTTPClient(c *http.Client) VerifierOption { return func(v *Verifier) { v.client = c } }

// WithClock sets the time source for timestamp and validity checks.
func WithClock(now func() time.Time) VerifierOption { return func(v *Verifier) { v.now = now } }

// WithMaxAge sets how old a message may be (default 1h, SNS's longest
// default retry span for HTTP endpoints is well under it; 0 disables the
// check). Messages more than 5 minutes in the future are always rejected.
func WithMaxAge(d time.Duration) VerifierOption { return func(v *Verifier) { v.maxAge = d } }

// NewVerifier returns a Verifier.
func NewVerifier(opts ...VerifierOption) *Verifier {
	v := &Verifier{policy: DefaultPolicy{}, now: time.Now, maxAge: time.Hour,
		cache: make(map[string]*cachedCert), fetching: make(map[string]*sync.Mutex)}
	for _, o := range opts {
		o(v)
	}
	if v.client == nil {
		v.client = noRedirectClient()
	}
	return v
}

// noRedirectClient refuses redirects: a redirect from an SNS host to
// anywhere else would bypass the URL policy.
func noRedirectClient() *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return errors.New("redirects are not followed")
		},
	}
}

// Policy returns the verifier's certificate policy.
func (v *Verifier) Policy() CertificatePolicy { return v.policy }

// Verify checks env's timestamp, certificate URL, certificate and
// signature. Errors wrap one of the package's sentinels.
func (v *Verifier) Verify(ctx context.Context, env *notify.Envelope) error {
	if env.Raw {
		return fmt.Errorf("%w: not an SNS envelope", ErrMalformed)
	}
	var alg x509.SignatureAlgorithm
	switch env.SignatureVersion {
	case "1":
		alg = x509.SHA1WithRSA
	case "2":
		alg = x509.SHA256WithRSA
	default:
		return fmt.Errorf("%w: SignatureVersion %q, want 1 or 2", ErrMalformed, env.SignatureVersion)
	}
	ts, err := env.Time()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	now := v.now()
	if v.maxAge > 0 && now.Sub(ts) > v.maxAge {
		return fmt.Errorf("%w: timestamp %s is older than %s", ErrStale, env.Timestamp, v.maxAge)
	}
	if ts.Sub(now) > futureSkew {
		return fmt.Errorf("%w: timestamp %s is in the future", ErrStale, env.Timestamp)
	}
	sig, err := base64.StdEncoding.DecodeString(env.Signature)
	if err != nil || len(sig) == 0 {
		return fmt.Errorf("%w: Signature is not base64", ErrMalformed)
	}
	sts, err := StringToSign(env)
	if err != nil {
		return err
	}
	cc, err := v.certificate(ctx, env.SigningCertURL, env.TopicARN)
	if err != nil {
		return err
	}
	if err := v.checkCertificate(cc, now); err != nil {
		return fmt.Errorf("snshttp: certificate %s: %w", env.SigningCertURL, err)
	}
	if err := cc.cert.CheckSignature(alg, []byte(sts), sig); err != nil {
		if env.Type == notify.TypeNotification && env.HasSubject && env.Subject == "" {
			// SNS never sends an empty Subject, but some emulators write
			// "Subject":"" and sign without it. Dropping an empty field
			// cannot change what the signature covers.
			e2 := *env
			e2.HasSubject = false
			if sts2, _ := StringToSign(&e2); cc.cert.CheckSignature(alg, []byte(sts2), sig) == nil {
				return nil
			}
		}
		return fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	return nil
}

func (v *Verifier) certificate(ctx context.Context, rawURL, topicARN string) (*cachedCert, error) {
	if rawURL == "" {
		return nil, fmt.Errorf("%w: no SigningCertURL", ErrMalformed)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: SigningCertURL: %w", ErrUntrustedURL, err)
	}
	// The policy is checked for every message, cached or not: the cache is
	// keyed by URL, and the same URL must also match this message's topic.
	if err := v.policy.CheckURL(u, topicARN); err != nil {
		return nil, err
	}
	if !strings.HasSuffix(u.Path, ".pem") {
		return nil, fmt.Errorf("%w: SigningCertURL %q is not a .pem file", ErrUntrustedURL, u.Redacted())
	}
	key := u.String()
	v.mu.Lock()
	if cc := v.cache[key]; cc != nil {
		v.mu.Unlock()
		return cc, nil
	}
	fm := v.fetching[key]
	if fm == nil {
		fm = &sync.Mutex{}
		v.fetching[key] = fm
	}
	v.mu.Unlock()

	fm.Lock()
	defer fm.Unlock()
	v.mu.Lock()
	cc := v.cache[key]
	v.mu.Unlock()
	if cc != nil {
		return cc, nil
	}
	cc, err = v.fetch(ctx, key)
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.fetching, key)
	if err != nil {
		return nil, err
	}
	if len(v.cache) >= maxCached {
		for k := range v.cache { // evict any one: certificates rotate rarely
			delete(v.cache, k)
			break
		}
	}
	v.cache[key] = cc
	return cc, nil
}

func (v *Verifier) fetch(ctx context.Context, certURL string) (*cachedCert, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, certURL, nil)
	if err != nil {
		return nil, fmt.Errorf("snshttp: fetch certificate: %w", err)
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("snshttp: fetch certificate: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("snshttp: fetch certificate %s: HTTP %d", certURL, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxCertBytes+1))
	if err != nil {
		return nil, fmt.Errorf("snshttp: fetch certificate: %w", err)
	}
	if len(body) > maxCertBytes {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrUntrustedCertificate, certURL, maxCertBytes)
	}
	return parsePEM(body)
}

func parsePEM(body []byte) (*cachedCert, error) {
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, body = pem.Decode(body)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUntrustedCertificate, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: no certificate in PEM", ErrUntrustedCertificate)
	}
	return &cachedCert{cert: certs[0], intermediates: certs[1:]}, nil
}
