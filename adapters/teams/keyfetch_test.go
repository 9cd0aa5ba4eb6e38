package teams_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/teams"
)

// hangingTransport holds key-set requests (the JWKS fetch) until released,
// like a Microsoft key endpoint that accepts the connection and never
// answers. entered receives one value per held request.
type hangingTransport struct {
	next    http.RoundTripper
	entered chan struct{}
	release chan struct{}

	mu   sync.Mutex
	hang bool
}

func newHangingTransport(next http.RoundTripper) *hangingTransport {
	return &hangingTransport{next: next, entered: make(chan struct{}, 16), release: make(chan struct{})}
}

func (h *hangingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	hang := h.hang
	h.mu.Unlock()
	if hang && strings.HasSuffix(r.URL.Path, "/keys") {
		h.entered <- struct{}{}
		select {
		case <-h.release:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return h.next.RoundTrip(r)
}

func (h *hangingTransport) setHang(b bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hang = b
}

// liveness bounds a wait that must not depend on the key endpoint: it only
// catches a validator that blocks behind a hung fetch (which would wait for
// the 30-second refresh timeout), it measures no speed.
const liveness = 10 * time.Second

type validateResult struct {
	claims teams.Claims
	err    error
}

func validateAsync(ctx context.Context, v *teams.Validator, tok string) <-chan validateResult {
	ch := make(chan validateResult, 1)
	go func() {
		c, err := v.Validate(ctx, "Bearer "+tok, testServiceURL, "msteams")
		ch <- validateResult{c, err}
	}()
	return ch
}

func await(t *testing.T, ch <-chan validateResult, what string) validateResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(liveness):
		t.Fatalf("%s: Validate is blocked behind the hung key fetch", what)
		return validateResult{}
	}
}

// While an unknown-kid refresh hangs on the key endpoint, tokens signed with
// a cached key are still validated: the fetch runs without the validator's
// lock.
func TestValidatorHungFetchDoesNotBlockCachedKeys(t *testing.T) {
	ti := newTestIssuer(t)
	ht := newHangingTransport(ti.srv.Client().Transport)
	now := fixedNow
	v, err := teams.NewValidator(testAppID, teams.WithOpenIDMetadataURL(ti.MetadataURL()),
		teams.WithValidatorHTTPClient(&http.Client{Transport: ht}),
		teams.WithValidatorClock(func() time.Time { return now }))
	require.NoError(t, err)
	good := ti.token(t, now, tokenSpec{ServiceURL: testServiceURL})
	_, err = v.Validate(context.Background(), "Bearer "+good, testServiceURL, "msteams")
	require.NoError(t, err)

	ht.setHang(true)
	ti.addKey("key-2", testKeys(t)[1], "msteams")
	rotated := ti.token(t, now, tokenSpec{ServiceURL: testServiceURL, Kid: "key-2", Key: testKeys(t)[1]})
	first := validateAsync(context.Background(), v, rotated)
	<-ht.entered // the refresh is now hanging

	r := await(t, validateAsync(context.Background(), v, good), "cached key")
	require.NoError(t, r.err)
	assert.Equal(t, testAppID, r.claims.Audience)
	// A bad token with a cached kid is rejected without waiting either.
	r = await(t, validateAsync(context.Background(), v, ti.token(t, now, tokenSpec{ServiceURL: testServiceURL, Audience: "x"})), "cached key, bad token")
	assert.ErrorIs(t, r.err, teams.ErrUnauthorized)

	close(ht.release)
	r = await(t, first, "rotated key")
	require.NoError(t, r.err)
}

// Requests that need the key set while a fetch is in flight share that one
// fetch, and one whose context ends stops waiting (the fetch goes on and the
// others get its result).
func TestValidatorConcurrentCallersShareOneFetch(t *testing.T) {
	ti := newTestIssuer(t)
	ht := newHangingTransport(ti.srv.Client().Transport)
	ht.setHang(true)
	now := fixedNow
	v, err := teams.NewValidator(testAppID, teams.WithOpenIDMetadataURL(ti.MetadataURL()),
		teams.WithValidatorHTTPClient(&http.Client{Transport: ht}),
		teams.WithValidatorClock(func() time.Time { return now }))
	require.NoError(t, err)
	tok := ti.token(t, now, tokenSpec{ServiceURL: testServiceURL})

	first := validateAsync(context.Background(), v, tok)
	<-ht.entered
	var waiting []<-chan validateResult
	for i := 0; i < 4; i++ {
		waiting = append(waiting, validateAsync(context.Background(), v, tok))
	}
	// A caller that gives up returns its own context's error, not a
	// rejection, without waiting for the hung fetch.
	ctx, cancel := context.WithCancel(context.Background())
	quitter := validateAsync(ctx, v, tok)
	cancel()
	r := await(t, quitter, "cancelled caller")
	require.ErrorIs(t, r.err, context.Canceled)
	assert.NotErrorIs(t, r.err, teams.ErrUnauthorized)

	close(ht.release)
	for i, ch := range append(waiting, first) {
		r := await(t, ch, "waiting caller")
		require.NoError(t, r.err, "caller %d", i)
	}
	meta, jwks := ti.hits()
	assert.Equal(t, 1, meta, "one metadata fetch for all callers")
	assert.Equal(t, 1, jwks, "one key-set fetch for all callers")
}

// The request that finds the set stale and starts the daily refresh waits
// for it, but no longer than its own context: it then validates with the
// cached key while the refresh goes on.
func TestValidatorStaleRefreshCallerGivesUpWithCachedKey(t *testing.T) {
	ti := newTestIssuer(t)
	ht := newHangingTransport(ti.srv.Client().Transport)
	stale := fixedNow.Add(25 * time.Hour)
	var mu sync.Mutex
	now := fixedNow
	v, err := teams.NewValidator(testAppID, teams.WithOpenIDMetadataURL(ti.MetadataURL()),
		teams.WithValidatorHTTPClient(&http.Client{Transport: ht}),
		teams.WithValidatorClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now }))
	require.NoError(t, err)
	_, err = v.Validate(context.Background(), "Bearer "+ti.token(t, fixedNow, tokenSpec{ServiceURL: testServiceURL}), testServiceURL, "msteams")
	require.NoError(t, err)

	mu.Lock()
	now = stale
	mu.Unlock()
	ht.setHang(true)
	tok := ti.token(t, stale, tokenSpec{ServiceURL: testServiceURL})
	ctx, cancel := context.WithCancel(context.Background())
	starter := validateAsync(ctx, v, tok)
	<-ht.entered
	cancel()
	r := await(t, starter, "refresh starter")
	require.NoError(t, r.err, "the cached key still validates")
	close(ht.release)
}

type panickyTransport struct{}

func (panickyTransport) RoundTrip(*http.Request) (*http.Response, error) { panic("transport bug") }

// A panic in the key fetch (it runs in its own goroutine) is an outage, not
// a crash of the process.
func TestValidatorFetchPanicIsAnOutage(t *testing.T) {
	ti := newTestIssuer(t)
	v, err := teams.NewValidator(testAppID, teams.WithOpenIDMetadataURL(ti.MetadataURL()),
		teams.WithValidatorHTTPClient(&http.Client{Transport: panickyTransport{}}),
		teams.WithValidatorClock(func() time.Time { return fixedNow }))
	require.NoError(t, err)
	_, err = v.Validate(context.Background(), "Bearer "+ti.token(t, fixedNow, tokenSpec{ServiceURL: testServiceURL}), testServiceURL, "msteams")
	require.ErrorIs(t, err, teams.ErrKeysUnavailable)
	assert.Contains(t, err.Error(), "panicked")
}
