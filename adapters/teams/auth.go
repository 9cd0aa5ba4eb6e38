package teams

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v4"
	"github.com/infracloudio/msbotbuilder-go/connector/auth"
	"github.com/infracloudio/msbotbuilder-go/schema"
)

// Bot Framework token facts (Bot Connector authentication, "connector to
// bot" tokens).
const (
	// DefaultOpenIDMetadataURL is the Bot Framework's OpenID metadata
	// document, which names the signing-key set (jwks_uri).
	DefaultOpenIDMetadataURL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
	// BotFrameworkIssuer is the issuer of tokens the Bot Connector sends.
	BotFrameworkIssuer = "https://api.botframework.com"
	// clockSkew is the tolerance the Bot Framework SDKs allow on exp/nbf.
	clockSkew = 5 * time.Minute
)

// ErrUnauthorized matches (errors.Is) every rejection of an inbound
// request's credentials. The wrapped message says which check failed; it is
// for the log, the HTTP response only says 401.
var ErrUnauthorized = errors.New("teams: unauthorized")

// ErrKeysUnavailable matches (errors.Is) a validation that could not be
// done because the signing keys could not be fetched (the OpenID metadata or
// key set endpoint is unreachable or answers garbage). It is an outage, not
// a rejected token: the messaging endpoint answers 503 so the Bot Connector
// retries.
var ErrKeysUnavailable = errors.New("teams: signing keys unavailable")

// refreshBackoff is how long a failed key-set fetch is not retried: during
// an outage, retrying on every request would send one outbound fetch per
// inbound request (and make requests without a cached key wait for each).
const refreshBackoff = 30 * time.Second

// refreshTimeout bounds one key-set fetch (metadata and keys), whatever the
// HTTP client's own timeout.
const refreshTimeout = 30 * time.Second

// Claims is what a validated token says about the request.
type Claims struct {
	Issuer     string
	Audience   string // the bot's app ID
	ServiceURL string
	Expires    time.Time
}

// Validator validates the JWT bearer token on every activity the Bot
// Connector posts: signature with a key from the OpenID metadata's key set
// (RS256/384/512 only, so "alg: none" and HMAC tricks fail), issuer, audience
// (the app ID), expiry and not-before with five minutes of skew, the
// serviceurl claim against the activity's serviceUrl, and the key's channel
// endorsements against the activity's channelId.
//
// The metadata and key set are cached for a day and refreshed at once when
// a token names an unknown key ID (key rotation), at most once a minute so
// forged kids cannot make it hammer the endpoint. A failed fetch is not
// retried for 30 seconds: cached keys keep serving meanwhile, and without
// any the error is ErrKeysUnavailable (an outage, not a rejected token).
// Fetches run without the validator's lock: a request whose key is cached
// never waits for one, and concurrent requests that need a fetch share the
// one in flight, each waiting no longer than its own context allows (the
// fetch itself is bounded by 30 seconds, not by any caller's context). The
// one exception is the request that finds the set stale and starts the
// daily refresh: it waits for that refresh (so a rotated set is used at
// once), and uses its cached key if the refresh fails or its own context
// ends first. It is safe for
// concurrent use; the clock given with WithValidatorClock must be too. It
// implements msbotbuilder-go's auth.TokenValidator so it can be plugged
// into core.BotFrameworkAdapter.
type Validator struct {
	appID       string
	metadataURL string
	issuers     []string
	hc          *http.Client
	now         func() time.Time
	log         *slog.Logger
	cacheFor    time.Duration

	mu          sync.Mutex
	keys        map[string]signingKey
	fetched     time.Time
	missRefresh time.Time
	retryAt     time.Time // a failed refresh is not retried before this
	lastErr     error     // why the last refresh failed
	inflight    *keyFetch // the fetch under way, nil when none
}

type signingKey struct {
	pub          *rsa.PublicKey
	endorsements []string
}

// ValidatorOption configures a Validator.
type ValidatorOption func(*Validator)

// WithOpenIDMetadataURL sets the OpenID metadata document (tests use a
// loopback issuer; government clouds use their own).
func WithOpenIDMetadataURL(u string) ValidatorOption {
	return func(v *Validator) { v.metadataURL = u }
}

// WithValidatorHTTPClient sets the client used to fetch metadata and keys.
func WithValidatorHTTPClient(c *http.Client) ValidatorOption {
	return func(v *Validator) { v.hc = c }
}

// WithValidatorClock sets the clock used for expiry and cache ages.
func WithValidatorClock(now func() time.Time) ValidatorOption {
	return func(v *Validator) { v.now = now }
}

// WithIssuers replaces the accepted issuers (default BotFrameworkIssuer).
func WithIssuers(iss ...string) ValidatorOption {
	return func(v *Validator) { v.issuers = iss }
}

// WithValidatorLogger sets the logger for key refreshes.
func WithValidatorLogger(l *slog.Logger) ValidatorOption {
	return func(v *Validator) { v.log = l }
}

// NewValidator returns a validator for tokens addressed to appID.
func NewValidator(appID string, opts ...ValidatorOption) (*Validator, error) {
	v := &Validator{
		appID:       appID,
		metadataURL: DefaultOpenIDMetadataURL,
		issuers:     []string{BotFrameworkIssuer},
		hc:          &http.Client{Timeout: 20 * time.Second},
		now:         time.Now,
		log:         slog.New(slog.DiscardHandler),
		cacheFor:    24 * time.Hour,
	}
	for _, o := range opts {
		o(v)
	}
	switch {
	case appID == "":
		return nil, errors.New("teams: validator: app ID is required")
	case v.metadataURL == "":
		return nil, errors.New("teams: validator: OpenID metadata URL is required")
	case len(v.issuers) == 0:
		return nil, errors.New("teams: validator: at least one issuer is required")
	case v.hc == nil || v.now == nil || v.log == nil:
		return nil, errors.New("teams: validator: nil HTTP client, clock or logger")
	}
	return v, nil
}

// Validate checks the Authorization header of a request that carries an
// activity with the given serviceUrl and channelId.
func (v *Validator) Validate(ctx context.Context, authHeader, serviceURL, channelID string) (Claims, error) {
	raw, ok := strings.CutPrefix(strings.TrimSpace(authHeader), "Bearer ")
	if !ok || strings.Count(raw, ".") != 2 {
		return Claims{}, fmt.Errorf("%w: missing or malformed bearer token", ErrUnauthorized)
	}
	var key signingKey
	parser := jwt.NewParser(jwt.WithValidMethods(auth.AllowedSigningAlgorithms), jwt.WithoutClaimsValidation())
	tok, err := parser.Parse(raw, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("token has no kid")
		}
		k, err := v.key(ctx, kid)
		if err != nil {
			return nil, err
		}
		key = k
		return k.pub, nil
	})
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrKeysUnavailable) {
			return Claims{}, fmt.Errorf("teams: validate token: %w", err)
		}
		return Claims{}, fmt.Errorf("%w: %s", ErrUnauthorized, jwtReason(err))
	}
	mc, ok := tok.Claims.(jwt.MapClaims)
	if !ok {
		return Claims{}, fmt.Errorf("%w: unexpected claims", ErrUnauthorized)
	}
	c := Claims{}
	c.Issuer, _ = mc["iss"].(string)
	if !slices.Contains(v.issuers, c.Issuer) {
		return Claims{}, fmt.Errorf("%w: issuer %q is not accepted", ErrUnauthorized, c.Issuer)
	}
	if !mc.VerifyAudience(v.appID, true) {
		return Claims{}, fmt.Errorf("%w: token audience is not this bot's app ID", ErrUnauthorized)
	}
	c.Audience = v.appID
	now := v.now()
	exp, ok := numericDate(mc["exp"])
	if !ok {
		return Claims{}, fmt.Errorf("%w: token has no expiry", ErrUnauthorized)
	}
	c.Expires = exp
	if now.After(exp.Add(clockSkew)) {
		return Claims{}, fmt.Errorf("%w: token expired at %s", ErrUnauthorized, exp.UTC().Format(time.RFC3339))
	}
	if nbf, ok := numericDate(mc["nbf"]); ok && now.Add(clockSkew).Before(nbf) {
		return Claims{}, fmt.Errorf("%w: token not valid before %s", ErrUnauthorized, nbf.UTC().Format(time.RFC3339))
	}
	c.ServiceURL, _ = mc[auth.ServiceURLClaim].(string)
	if c.ServiceURL == "" || c.ServiceURL != serviceURL {
		return Claims{}, fmt.Errorf("%w: serviceurl claim does not match the activity's serviceUrl", ErrUnauthorized)
	}
	// An activity without a channelId cannot be checked against the key's
	// endorsements, so it fails like one from a channel the key does not
	// endorse.
	if len(key.endorsements) > 0 && !slices.Contains(key.endorsements, channelID) {
		return Claims{}, fmt.Errorf("%w: signing key is not endorsed for channel %q", ErrUnauthorized, channelID)
	}
	return c, nil
}

// AuthenticateRequest implements msbotbuilder-go's auth.TokenValidator. The
// credentials and channelService arguments are ignored: the app ID the
// validator was built with is the audience, and validation is never
// disabled (the library skips it when the app ID is empty).
func (v *Validator) AuthenticateRequest(ctx context.Context, a schema.Activity, authHeader string, _ auth.CredentialProvider, _ string) (auth.ClaimsIdentity, error) {
	c, err := v.Validate(ctx, authHeader, a.ServiceURL, a.ChannelID)
	if err != nil {
		return nil, err
	}
	return auth.NewClaimIdentity(map[string]any{
		auth.IssuerClaim:     c.Issuer,
		auth.AudienceClaim:   c.Audience,
		auth.ServiceURLClaim: c.ServiceURL,
	}, true), nil
}

var _ auth.TokenValidator = (*Validator)(nil)

func jwtReason(err error) string {
	var ve *jwt.ValidationError
	if errors.As(err, &ve) {
		switch {
		case strings.Contains(ve.Error(), "signing method"):
			// alg "none" or HS256: only RS256/384/512 are accepted.
			return ve.Error()
		case ve.Errors&jwt.ValidationErrorSignatureInvalid != 0:
			return "invalid token signature"
		case ve.Errors&jwt.ValidationErrorMalformed != 0:
			return "malformed token"
		case ve.Inner != nil:
			return ve.Inner.Error()
		}
	}
	return err.Error()
}

func numericDate(v any) (time.Time, bool) {
	switch n := v.(type) {
	case float64:
		return time.Unix(int64(n), 0), true
	case json.Number:
		f, err := n.Float64()
		return time.Unix(int64(f), 0), err == nil
	}
	return time.Time{}, false
}

// keyFetch is one fetch of the metadata and key set, shared by every
// caller that needs it while it is in flight. err is written before done is
// closed.
type keyFetch struct {
	done chan struct{}
	err  error
}

// key returns the signing key kid, loading or refreshing the key set as
// needed. The network fetch runs without mu held, so a hung key endpoint
// never delays a request whose key is already cached: such a request is
// answered from the cache (stale or not) while someone else's fetch is in
// flight. Requests that do need the fetch (no keys yet, a stale set nobody
// is refreshing, an unknown kid) share the one in flight and wait for it at
// most as long as their own context allows.
func (v *Validator) key(ctx context.Context, kid string) (signingKey, error) {
	v.mu.Lock()
	now := v.now()
	k, known := v.keys[kid]
	stale := v.keys == nil || now.Sub(v.fetched) > v.cacheFor
	f := v.inflight
	// Stale keys keep serving while another request refreshes them and
	// during the back-off after a failed refresh: an outage of the
	// metadata endpoint must not reject (or delay) every request signed
	// with a key we already know.
	if known && (!stale || f != nil || now.Before(v.retryAt)) {
		v.mu.Unlock()
		return k, nil
	}
	if f == nil {
		if !stale && !v.missRefresh.IsZero() && now.Sub(v.missRefresh) < time.Minute {
			// Forged kids must not make the validator hammer the endpoint.
			v.mu.Unlock()
			return signingKey{}, fmt.Errorf("unknown signing key %q", kid)
		}
		if now.Before(v.retryAt) {
			err := v.lastErr
			v.mu.Unlock()
			return signingKey{}, err
		}
		if !stale {
			v.missRefresh = now
		}
		f = v.startFetchLocked(ctx)
	}
	v.mu.Unlock()

	select {
	case <-f.done:
	case <-ctx.Done():
		// The fetch goes on for the others (and installs its result). A
		// caller that started the daily refresh still has its stale key.
		if known {
			return k, nil
		}
		return signingKey{}, ctx.Err()
	}
	v.mu.Lock()
	k, known = v.keys[kid]
	v.mu.Unlock()
	switch {
	case known:
		return k, nil
	case f.err != nil:
		return signingKey{}, f.err
	}
	return signingKey{}, fmt.Errorf("unknown signing key %q", kid)
}

// startFetchLocked starts fetching the metadata and key set in its own
// goroutine and records it as the fetch in flight. The fetch does not end
// with the caller's context (only its values are kept): a client that hangs
// up (anyone can send a token with a made-up kid) must not spoil the
// once-a-minute unknown-kid refresh for everyone; refreshTimeout bounds it.
// A failure is wrapped in ErrKeysUnavailable and not retried for
// refreshBackoff from its end (so a fetch that hangs until refreshTimeout
// is not retried at once). Called with mu held.
func (v *Validator) startFetchLocked(ctx context.Context) *keyFetch {
	f := &keyFetch{done: make(chan struct{})}
	v.inflight = f
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	go func() {
		defer cancel()
		keys, err := v.fetchKeysSafe(fctx)
		v.mu.Lock()
		now := v.now()
		if err != nil {
			err = fmt.Errorf("%w: %w", ErrKeysUnavailable, err)
			v.retryAt, v.lastErr = now.Add(refreshBackoff), err
			if v.keys != nil {
				v.log.Warn("teams: refreshing signing keys failed; using cached keys", "error", err)
			}
		} else {
			v.keys, v.fetched = keys, now
			v.retryAt, v.lastErr = time.Time{}, nil
			v.log.Debug("teams: loaded signing keys", "count", len(keys))
		}
		v.inflight = nil
		f.err = err
		v.mu.Unlock()
		close(f.done)
	}()
	return f
}

// fetchKeysSafe is fetchKeys with a panic (say, in a host's RoundTripper)
// turned into an error: it runs in its own goroutine, where a panic would
// end the process instead of one request.
func (v *Validator) fetchKeysSafe(ctx context.Context) (keys map[string]signingKey, err error) {
	defer func() {
		if r := recover(); r != nil {
			keys, err = nil, fmt.Errorf("key fetch panicked: %v", r)
		}
	}()
	return v.fetchKeys(ctx)
}

// fetchKeys fetches the metadata and the key set. It touches no state
// guarded by mu.
func (v *Validator) fetchKeys(ctx context.Context) (map[string]signingKey, error) {
	var meta struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := v.getJSON(ctx, v.metadataURL, &meta); err != nil {
		return nil, fmt.Errorf("fetch OpenID metadata: %w", err)
	}
	if meta.JWKSURI == "" {
		return nil, errors.New("OpenID metadata has no jwks_uri")
	}
	var set struct {
		Keys []struct {
			Kty          string   `json:"kty"`
			Kid          string   `json:"kid"`
			Use          string   `json:"use"`
			N            string   `json:"n"`
			E            string   `json:"e"`
			Endorsements []string `json:"endorsements"`
		} `json:"keys"`
	}
	if err := v.getJSON(ctx, meta.JWKSURI, &set); err != nil {
		return nil, fmt.Errorf("fetch signing keys: %w", err)
	}
	keys := make(map[string]signingKey, len(set.Keys))
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Kid == "" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		pub, err := rsaKey(k.N, k.E)
		if err != nil {
			v.log.Warn("teams: skipping unusable signing key", "kid", k.Kid, "error", err)
			continue
		}
		keys[k.Kid] = signingKey{pub: pub, endorsements: k.Endorsements}
	}
	if len(keys) == 0 {
		return nil, errors.New("signing key set has no usable RSA keys")
	}
	return keys, nil
}

func (v *Validator) getJSON(ctx context.Context, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := v.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP status %d", resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out)
}

func rsaKey(n, e string) (*rsa.PublicKey, error) {
	nb, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(n, "="))
	if err != nil {
		return nil, fmt.Errorf("modulus: %w", err)
	}
	eb, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(e, "="))
	if err != nil || len(eb) == 0 || len(eb) > 4 {
		return nil, errors.New("bad exponent")
	}
	exp := 0
	for _, b := range eb {
		exp = exp<<8 | int(b)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: exp}
	if pub.N.BitLen() < 2048 || exp < 3 {
		return nil, errors.New("key too weak")
	}
	return pub, nil
}
