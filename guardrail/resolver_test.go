package guardrail_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/guardrail"
)

const roARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"

type countingFetcher struct {
	calls atomic.Int32
	docs  map[string]string
	gate  chan struct{} // when set, fetches wait for it
}

func (f *countingFetcher) FetchPolicyDocument(ctx context.Context, arn string) ([]byte, error) {
	f.calls.Add(1)
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	doc, ok := f.docs[arn]
	if !ok {
		return nil, fmt.Errorf("fake: %w", guardrail.ErrPolicyNotFound)
	}
	return []byte(doc), nil
}

func TestCachingResolver(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f := &countingFetcher{docs: map[string]string{roARN: adminDoc, "arn:aws:iam::123456789012:policy/bad": `{"Statement":[]}`}}
	r := guardrail.NewCachingResolver(f, guardrail.WithTTL(time.Minute), guardrail.WithClock(clock))
	ctx := context.Background()

	p, err := r.ResolvePolicy(ctx, roARN)
	require.NoError(t, err)
	assert.Equal(t, "ReadOnlyAccess", p.Name())
	p2, err := r.ResolvePolicy(ctx, roARN)
	require.NoError(t, err)
	assert.Same(t, p, p2, "cached")
	assert.EqualValues(t, 1, f.calls.Load())

	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	_, err = r.ResolvePolicy(ctx, roARN)
	require.NoError(t, err)
	assert.EqualValues(t, 2, f.calls.Load(), "expired entries are fetched again")

	r.Invalidate(roARN)
	_, err = r.ResolvePolicy(ctx, roARN)
	require.NoError(t, err)
	assert.EqualValues(t, 3, f.calls.Load(), "invalidated entries are fetched again")

	_, err = r.ResolvePolicy(ctx, "arn:aws:iam::123456789012:policy/missing")
	require.ErrorIs(t, err, guardrail.ErrPolicyNotFound)
	assert.Contains(t, err.Error(), "guardrail: resolve arn:aws:iam::123456789012:policy/missing")
	_, err = r.ResolvePolicy(ctx, "arn:aws:iam::123456789012:policy/missing")
	require.Error(t, err)
	assert.EqualValues(t, 5, f.calls.Load(), "failures are not cached")

	_, err = r.ResolvePolicy(ctx, "arn:aws:iam::123456789012:policy/bad")
	require.ErrorIs(t, err, guardrail.ErrInvalidPolicy)
	assert.Contains(t, err.Error(), `policy "bad": Statement: empty`)
}

func TestCachingResolverSharesConcurrentFetches(t *testing.T) {
	t.Parallel()
	f := &countingFetcher{docs: map[string]string{roARN: adminDoc}, gate: make(chan struct{})}
	r := guardrail.NewCachingResolver(f)
	const n = 8
	var wg sync.WaitGroup
	results := make([]*guardrail.Policy, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := r.ResolvePolicy(context.Background(), roARN)
			assert.NoError(t, err)
			results[i] = p
		}()
	}
	// Let the goroutines pile up on the one fetch, then release it.
	require.Eventually(t, func() bool { return f.calls.Load() == 1 }, 5*time.Second, time.Millisecond)
	close(f.gate)
	wg.Wait()
	assert.EqualValues(t, 1, f.calls.Load())
	for _, p := range results {
		assert.Same(t, results[0], p)
	}
}

func TestCachingResolverContext(t *testing.T) {
	t.Parallel()
	f := &countingFetcher{docs: map[string]string{roARN: adminDoc}, gate: make(chan struct{})}
	r := guardrail.NewCachingResolver(f)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.ResolvePolicy(ctx, roARN)
	require.ErrorIs(t, err, context.Canceled)
	// The next caller is not stuck with the cancelled fetch.
	close(f.gate)
	p, err := r.ResolvePolicy(context.Background(), roARN)
	require.NoError(t, err)
	assert.NotNil(t, p)
}

func TestPolicyNameFromARN(t *testing.T) {
	t.Parallel()
	tests := []struct{ arn, name string }{
		{"arn:aws:iam::aws:policy/ReadOnlyAccess", "ReadOnlyAccess"},
		{"arn:aws:iam::123456789012:policy/team/ops/Guard", "Guard"},
		{"arn:aws-us-gov:iam::123456789012:policy/Guard", "Guard"},
	}
	for _, tc := range tests {
		name, err := guardrail.PolicyNameFromARN(tc.arn)
		require.NoError(t, err, tc.arn)
		assert.Equal(t, tc.name, name)
	}
	for _, bad := range []string{
		"", "ReadOnlyAccess", "arn:aws:iam::aws:role/Admin", "arn:aws:s3:::policy/x",
		"arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy", "arn:aws:iam::1:policy/", "arn:aws:iam:us-east-1:1:policy/x",
	} {
		_, err := guardrail.PolicyNameFromARN(bad)
		assert.True(t, errors.Is(err, guardrail.ErrInvalidPolicyARN), "%q: %v", bad, err)
	}
	r := guardrail.NewCachingResolver(guardrail.FetcherFunc(func(context.Context, string) ([]byte, error) {
		t.Fatal("must not fetch an invalid ARN")
		return nil, nil
	}))
	_, err := r.ResolvePolicy(context.Background(), "arn:aws:iam::aws:policy/aws-service-role/X")
	assert.ErrorIs(t, err, guardrail.ErrInvalidPolicyARN)
}

func TestResolveLayer(t *testing.T) {
	t.Parallel()
	f := &countingFetcher{docs: map[string]string{roARN: adminDoc, "arn:aws:iam::1:policy/Two": adminDoc}}
	r := guardrail.NewCachingResolver(f)
	l, err := guardrail.ResolveLayer(context.Background(), r, "guardrail", []string{roARN, "arn:aws:iam::1:policy/Two"})
	require.NoError(t, err)
	assert.Equal(t, "guardrail", l.Name)
	require.Len(t, l.Policies, 2)
	assert.Equal(t, "Two", l.Policies[1].Name())

	_, err = guardrail.ResolveLayer(context.Background(), r, "guardrail", []string{"arn:aws:iam::1:policy/Missing", roARN, "bogus"})
	require.Error(t, err)
	assert.ErrorIs(t, err, guardrail.ErrPolicyNotFound)
	assert.ErrorIs(t, err, guardrail.ErrInvalidPolicyARN)
}
