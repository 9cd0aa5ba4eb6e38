package teams_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"
	"github.com/stretchr/testify/require"
)

// testIssuer is a loopback OpenID provider with keys generated in the test:
// the metadata document and the key set the Bot Framework publishes.
type testIssuer struct {
	srv *httptest.Server

	mu       sync.Mutex
	keys     map[string]*rsa.PrivateKey
	endorse  map[string][]string
	metaHits int
	jwksHits int
}

var (
	keyOnce sync.Once
	keyPool []*rsa.PrivateKey
)

// testKeys returns RSA keys generated once per test binary (2048-bit
// generation is slow).
func testKeys(t *testing.T) []*rsa.PrivateKey {
	keyOnce.Do(func() {
		for i := 0; i < 3; i++ {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keyPool = append(keyPool, k)
		}
	})
	return keyPool
}

func newTestIssuer(t *testing.T) *testIssuer {
	ti := &testIssuer{keys: map[string]*rsa.PrivateKey{}, endorse: map[string][]string{}}
	ti.keys["key-1"] = testKeys(t)[0]
	ti.endorse["key-1"] = []string{"msteams", "emulator"}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/.well-known/openidconfiguration", func(w http.ResponseWriter, r *http.Request) {
		ti.mu.Lock()
		ti.metaHits++
		ti.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                "https://api.botframework.com",
			"jwks_uri":                              ti.srv.URL + "/v1/.well-known/keys",
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("/v1/.well-known/keys", func(w http.ResponseWriter, r *http.Request) {
		ti.mu.Lock()
		defer ti.mu.Unlock()
		ti.jwksHits++
		var keys []map[string]any
		for kid, k := range ti.keys {
			keys = append(keys, map[string]any{
				"kty": "RSA", "use": "sig", "kid": kid,
				"n":            base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
				"e":            base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
				"endorsements": ti.endorse[kid],
			})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": keys})
	})
	ti.srv = httptest.NewServer(mux)
	t.Cleanup(ti.srv.Close)
	return ti
}

func (ti *testIssuer) MetadataURL() string { return ti.srv.URL + "/v1/.well-known/openidconfiguration" }

func (ti *testIssuer) addKey(kid string, k *rsa.PrivateKey, endorsements ...string) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	ti.keys[kid] = k
	ti.endorse[kid] = endorsements
}

func (ti *testIssuer) hits() (meta, jwks int) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	return ti.metaHits, ti.jwksHits
}

// tokenSpec describes a token to mint; the zero value plus ServiceURL is a
// valid Bot Connector token.
type tokenSpec struct {
	Kid        string
	Key        *rsa.PrivateKey
	Issuer     string
	Audience   string
	ServiceURL string
	Expires    time.Time
	Method     jwt.SigningMethod
}

func (ti *testIssuer) token(t *testing.T, now time.Time, s tokenSpec) string {
	t.Helper()
	if s.Kid == "" {
		s.Kid = "key-1"
	}
	if s.Key == nil {
		s.Key = testKeys(t)[0]
	}
	if s.Issuer == "" {
		s.Issuer = "https://api.botframework.com"
	}
	if s.Audience == "" {
		s.Audience = testAppID
	}
	if s.Expires.IsZero() {
		s.Expires = now.Add(time.Hour)
	}
	if s.Method == nil {
		s.Method = jwt.SigningMethodRS256
	}
	tok := jwt.NewWithClaims(s.Method, jwt.MapClaims{
		"iss":        s.Issuer,
		"aud":        s.Audience,
		"exp":        s.Expires.Unix(),
		"nbf":        now.Add(-time.Minute).Unix(),
		"serviceurl": s.ServiceURL,
	})
	tok.Header["kid"] = s.Kid
	signed, err := tok.SignedString(s.Key)
	require.NoError(t, err)
	return signed
}
