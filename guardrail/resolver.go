package guardrail

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Resolver turns a managed policy ARN into a compiled policy, so channel
// configurations can name guardrails by ARN as AWS Chatbot does.
type Resolver interface {
	ResolvePolicy(ctx context.Context, arn string) (*Policy, error)
}

// Fetcher fetches the JSON document of a managed policy's default version.
// guardrail/iamresolver implements it with IAM GetPolicy + GetPolicyVersion.
type Fetcher interface {
	FetchPolicyDocument(ctx context.Context, arn string) ([]byte, error)
}

// FetcherFunc adapts a function to Fetcher.
type FetcherFunc func(ctx context.Context, arn string) ([]byte, error)

// FetchPolicyDocument calls f.
func (f FetcherFunc) FetchPolicyDocument(ctx context.Context, arn string) ([]byte, error) {
	return f(ctx, arn)
}

// ErrPolicyNotFound is returned (wrapped) when a policy ARN does not exist.
// Fetchers should wrap it so callers can tell a typo from an outage.
var ErrPolicyNotFound = errors.New("guardrail: policy not found")

// ErrInvalidPolicyARN is returned (wrapped) for an ARN that cannot name a
// guardrail: not an IAM policy ARN, or an AWS service-role policy, which AWS
// Chatbot does not accept as a guardrail either.
var ErrInvalidPolicyARN = errors.New("guardrail: invalid policy ARN")

// CachingResolver resolves policy ARNs through a Fetcher and keeps compiled
// policies for a TTL. Concurrent requests for the same ARN share one fetch.
// Failures are not cached. It is safe for concurrent use.
type CachingResolver struct {
	fetch Fetcher
	ttl   time.Duration
	now   func() time.Time

	mu      sync.Mutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	done    chan struct{} // closed when the fetch finished
	pol     *Policy
	err     error
	expires time.Time
}

// ResolverOption configures a CachingResolver.
type ResolverOption func(*CachingResolver)

// WithTTL sets how long a resolved policy is reused (default 5 minutes).
// Zero or negative disables caching of results (fetches are still shared).
func WithTTL(d time.Duration) ResolverOption { return func(r *CachingResolver) { r.ttl = d } }

// WithClock sets the clock used for expiry, for tests.
func WithClock(now func() time.Time) ResolverOption { return func(r *CachingResolver) { r.now = now } }

// NewCachingResolver returns a resolver over f.
func NewCachingResolver(f Fetcher, opts ...ResolverOption) *CachingResolver {
	r := &CachingResolver{fetch: f, ttl: 5 * time.Minute, now: time.Now, entries: map[string]*cacheEntry{}}
	for _, o := range opts {
		o(r)
	}
	return r
}

var _ Resolver = (*CachingResolver)(nil)

// ResolvePolicy returns the compiled default version of the policy, named
// after the ARN's last path segment ("ReadOnlyAccess"). It blocks while the
// document is fetched, until ctx is done.
func (r *CachingResolver) ResolvePolicy(ctx context.Context, arn string) (*Policy, error) {
	name, err := PolicyNameFromARN(arn)
	if err != nil {
		return nil, err
	}
	for {
		r.mu.Lock()
		e, ok := r.entries[arn]
		if ok {
			select {
			case <-e.done:
				if e.err == nil && r.now().Before(e.expires) {
					r.mu.Unlock()
					return e.pol, nil
				}
				delete(r.entries, arn) // expired or failed: fetch again
				ok = false
			default:
			}
		}
		if ok {
			r.mu.Unlock()
			select {
			case <-e.done:
				if e.err != nil && ctx.Err() == nil &&
					(errors.Is(e.err, context.Canceled) || errors.Is(e.err, context.DeadlineExceeded)) {
					continue // the fetch ended with its caller's context, not ours: retry
				}
				return e.pol, e.err
			case <-ctx.Done():
				return nil, fmt.Errorf("guardrail: resolve %s: %w", arn, ctx.Err())
			}
		}
		e = &cacheEntry{done: make(chan struct{})}
		r.entries[arn] = e
		r.mu.Unlock()

		r.fill(ctx, arn, name, e)
		return e.pol, e.err
	}
}

// fill runs the fetch for e and publishes its result. If the Fetcher
// panics, the entry is still finished (as a failure, so waiters and later
// callers fetch again rather than wait for ever) before the panic goes on
// to the caller.
func (r *CachingResolver) fill(ctx context.Context, arn, name string, e *cacheEntry) {
	finished := false
	defer func() {
		if !finished {
			e.err = fmt.Errorf("guardrail: resolve %s: fetcher panicked", arn)
			e.pol = nil
		}
		r.mu.Lock()
		e.expires = r.now().Add(r.ttl)
		if e.err != nil || r.ttl <= 0 {
			if r.entries[arn] == e {
				delete(r.entries, arn)
			}
		}
		close(e.done)
		r.mu.Unlock()
	}()
	doc, err := r.fetch.FetchPolicyDocument(ctx, arn)
	if err == nil {
		e.pol, err = ParseNamedPolicy(name, doc)
	}
	if err != nil {
		e.err = fmt.Errorf("guardrail: resolve %s: %w", arn, err)
	}
	finished = true
}

// Invalidate drops the cached policy for arn, e.g. after an administrator
// edited it.
func (r *CachingResolver) Invalidate(arn string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.entries[arn]; ok {
		select {
		case <-e.done:
			delete(r.entries, arn)
		default: // a fetch is in flight; its result is fresh anyway
		}
	}
}

// PolicyNameFromARN checks that arn is an IAM managed policy ARN usable as a
// guardrail ("arn:aws:iam::aws:policy/ReadOnlyAccess",
// "arn:aws:iam::123456789012:policy/team/ReadOnly") and returns the policy
// name.
func PolicyNameFromARN(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "iam" || parts[3] != "" || parts[4] == "" ||
		!strings.HasPrefix(parts[5], "policy/") {
		return "", fmt.Errorf("%w: %q (want arn:<partition>:iam::<account>:policy/<name>)", ErrInvalidPolicyARN, arn)
	}
	path := parts[5][len("policy/"):]
	if strings.HasPrefix(path, "aws-service-role/") {
		return "", fmt.Errorf("%w: %q is an AWS service-role policy, which cannot be a guardrail", ErrInvalidPolicyARN, arn)
	}
	name := path[strings.LastIndexByte(path, '/')+1:]
	if name == "" {
		return "", fmt.Errorf("%w: %q has no policy name", ErrInvalidPolicyARN, arn)
	}
	return name, nil
}

// ResolveLayer resolves every ARN (in order) and returns them as a layer
// named name, e.g. the guardrail ARNs of a channel configuration. All
// failures are reported at once, joined; on any failure the layer is not
// returned, so a guardrail that cannot be read is never silently dropped.
func ResolveLayer(ctx context.Context, r Resolver, name string, arns []string) (Layer, error) {
	l := Layer{Name: name, Policies: make([]*Policy, 0, len(arns))}
	var errs []error
	for _, arn := range arns {
		p, err := r.ResolvePolicy(ctx, arn)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		l.Policies = append(l.Policies, p)
	}
	if len(errs) > 0 {
		return Layer{}, errors.Join(errs...)
	}
	return l, nil
}
