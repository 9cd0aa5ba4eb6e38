package teams_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"
	"github.com/infracloudio/msbotbuilder-go/connector/auth"
	"github.com/infracloudio/msbotbuilder-go/schema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/teams"
)

const testServiceURL = "https://smba.trafficmanager.net/emea/"

var fixedNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func newTestValidator(t *testing.T, ti *testIssuer, now *time.Time) *teams.Validator {
	t.Helper()
	v, err := teams.NewValidator(testAppID,
		teams.WithOpenIDMetadataURL(ti.MetadataURL()),
		teams.WithValidatorHTTPClient(ti.srv.Client()),
		teams.WithValidatorClock(func() time.Time { return *now }))
	require.NoError(t, err)
	return v
}

func TestValidator(t *testing.T) {
	keys := testKeys(t)
	tests := []struct {
		name       string
		token      func(ti *testIssuer) string
		serviceURL string
		channelID  string
		wantErr    string
	}{
		{name: "valid", token: func(ti *testIssuer) string {
			return ti.token(t, fixedNow, tokenSpec{ServiceURL: testServiceURL})
		}},
		{name: "valid within clock skew", token: func(ti *testIssuer) string {
			return ti.token(t, fixedNow, tokenSpec{ServiceURL: testServiceURL, Expires: fixedNow.Add(-4 * time.Minute)})
		}},
		{name: "wrong audience", wantErr: "audience", token: func(ti *testIssuer) string {
			return ti.token(t, fixedNow, tokenSpec{ServiceURL: testServiceURL, Audience: "someone-else"})
		}},
		{name: "wrong issuer", wantErr: "issuer", token: func(ti *testIssuer) string {
			return ti.token(t, fixedNow, tokenSpec{ServiceURL: testServiceURL, Issuer: "https://evil.example"})
		}},
		{name: "expired", wantErr: "expired", token: func(ti *testIssuer) string {
			return ti.token(t, fixedNow, tokenSpec{ServiceURL: testServiceURL, Expires: fixedNow.Add(-6 * time.Minute)})
		}},
		{name: "unknown key", wantErr: "unknown signing key", token: func(ti *testIssuer) string {
			return ti.token(t, fixedNow, tokenSpec{ServiceURL: testServiceURL, Kid: "rotated-away", Key: keys[1]})
		}},
		{name: "signed by another key under a known kid", wantErr: "signature", token: func(ti *testIssuer) string {
			return ti.token(t, fixedNow, tokenSpec{ServiceURL: testServiceURL, Key: keys[2]})
		}},
		{name: "unsigned alg none", wantErr: "signing method", token: func(ti *testIssuer) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{
				"iss": "https://api.botframework.com", "aud": testAppID, "exp": fixedNow.Add(time.Hour).Unix(),
				"serviceurl": testServiceURL})
			tok.Header["kid"] = "key-1"
			s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
			require.NoError(t, err)
			return s
		}},
		{name: "HS256 with the public key as secret", wantErr: "signing method", token: func(ti *testIssuer) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
				"iss": "https://api.botframework.com", "aud": testAppID, "exp": fixedNow.Add(time.Hour).Unix(),
				"serviceurl": testServiceURL})
			tok.Header["kid"] = "key-1"
			s, err := tok.SignedString(keys[0].N.Bytes())
			require.NoError(t, err)
			return s
		}},
		{name: "tampered payload", wantErr: "signature", token: func(ti *testIssuer) string {
			s := ti.token(t, fixedNow, tokenSpec{ServiceURL: testServiceURL})
			parts := strings.Split(s, ".")
			payload, err := base64.RawURLEncoding.DecodeString(parts[1])
			require.NoError(t, err)
			payload = []byte(strings.Replace(string(payload), testAppID, testAppID[:len(testAppID)-1]+"b", 1))
			parts[1] = base64.RawURLEncoding.EncodeToString(payload)
			return strings.Join(parts, ".")
		}},
		{name: "service URL mismatch", wantErr: "serviceurl", serviceURL: "https://attacker.example/", token: func(ti *testIssuer) string {
			return ti.token(t, fixedNow, tokenSpec{ServiceURL: testServiceURL})
		}},
		{name: "key not endorsed for channel", wantErr: "endorsed", channelID: "slack", token: func(ti *testIssuer) string {
			return ti.token(t, fixedNow, tokenSpec{ServiceURL: testServiceURL})
		}},
		{name: "malformed", wantErr: "malformed", token: func(*testIssuer) string { return "not-a-jwt" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ti := newTestIssuer(t)
			now := fixedNow
			v := newTestValidator(t, ti, &now)
			svc := tc.serviceURL
			if svc == "" {
				svc = testServiceURL
			}
			ch := tc.channelID
			if ch == "" {
				ch = "msteams"
			}
			claims, err := v.Validate(context.Background(), "Bearer "+tc.token(ti), svc, ch)
			if tc.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, testAppID, claims.Audience)
				assert.Equal(t, testServiceURL, claims.ServiceURL)
				return
			}
			require.Error(t, err)
			t.Log(err)
			assert.ErrorIs(t, err, teams.ErrUnauthorized)
			assert.Contains(t, strings.ToLower(err.Error()), tc.wantErr)
		})
	}
}

func TestValidatorCachesAndRefreshesOnUnknownKid(t *testing.T) {
	ti := newTestIssuer(t)
	now := fixedNow
	v := newTestValidator(t, ti, &now)
	ctx := context.Background()
	good := ti.token(t, now, tokenSpec{ServiceURL: testServiceURL})
	for i := 0; i < 3; i++ {
		_, err := v.Validate(ctx, "Bearer "+good, testServiceURL, "msteams")
		require.NoError(t, err)
	}
	meta, jwks := ti.hits()
	assert.Equal(t, 1, meta, "metadata is cached")
	assert.Equal(t, 1, jwks, "keys are cached")

	// Key rotation: a token signed with a key published after we cached the
	// set makes the validator refetch once and succeed.
	ti.addKey("key-2", testKeys(t)[1], "msteams")
	rotated := ti.token(t, now, tokenSpec{ServiceURL: testServiceURL, Kid: "key-2", Key: testKeys(t)[1]})
	_, err := v.Validate(ctx, "Bearer "+rotated, testServiceURL, "msteams")
	require.NoError(t, err)
	_, jwks = ti.hits()
	assert.Equal(t, 2, jwks)

	// An unknown kid refreshes (rate-limited to once a minute) then fails.
	now = now.Add(2 * time.Minute)
	bogus := ti.token(t, now, tokenSpec{ServiceURL: testServiceURL, Kid: "nope", Key: testKeys(t)[2]})
	_, err = v.Validate(ctx, "Bearer "+bogus, testServiceURL, "msteams")
	assert.ErrorIs(t, err, teams.ErrUnauthorized)
	_, jwks = ti.hits()
	assert.Equal(t, 3, jwks, "unknown kid triggers one refresh")
	_, err = v.Validate(ctx, "Bearer "+bogus, testServiceURL, "msteams")
	assert.ErrorIs(t, err, teams.ErrUnauthorized)
	_, jwks = ti.hits()
	assert.Equal(t, 3, jwks, "a second unknown kid within a minute does not refetch")

	// After the cache age, the set is reloaded.
	now = now.Add(25 * time.Hour)
	fresh := ti.token(t, now, tokenSpec{ServiceURL: testServiceURL})
	_, err = v.Validate(ctx, "Bearer "+fresh, testServiceURL, "msteams")
	require.NoError(t, err)
	_, jwks = ti.hits()
	assert.Equal(t, 4, jwks)
}

func TestValidatorMetadataOutage(t *testing.T) {
	ti := newTestIssuer(t)
	now := fixedNow
	v := newTestValidator(t, ti, &now)
	tok := ti.token(t, now, tokenSpec{ServiceURL: testServiceURL})
	ti.srv.Close()
	_, err := v.Validate(context.Background(), "Bearer "+tok, testServiceURL, "msteams")
	require.Error(t, err)
	// An outage is not a rejected token: the endpoint answers 503.
	assert.ErrorIs(t, err, teams.ErrKeysUnavailable)
	assert.NotErrorIs(t, err, teams.ErrUnauthorized)
}

// The validator plugs into msbotbuilder-go as its auth.TokenValidator.
func TestValidatorAsLibraryTokenValidator(t *testing.T) {
	ti := newTestIssuer(t)
	now := fixedNow
	var tv auth.TokenValidator = newTestValidator(t, ti, &now)
	act := schema.Activity{ServiceURL: testServiceURL, ChannelID: "msteams"}
	id, err := tv.AuthenticateRequest(context.Background(), act, "Bearer "+ti.token(t, now, tokenSpec{ServiceURL: testServiceURL}),
		auth.SimpleCredentialProvider{}, "")
	require.NoError(t, err)
	assert.True(t, id.IsAuthenticated())
	assert.Equal(t, testAppID, id.GetClaimValue(auth.AudienceClaim))
	// An empty app ID in the credentials does not disable validation (the
	// library's own validator would skip it).
	_, err = tv.AuthenticateRequest(context.Background(), act, "", auth.SimpleCredentialProvider{}, "")
	assert.ErrorIs(t, err, teams.ErrUnauthorized)
}

func TestNewValidatorRequiresAppID(t *testing.T) {
	_, err := teams.NewValidator("")
	assert.Error(t, err)
}
