package iamresolver

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/opschat/opschat/guardrail"
)

// API is the part of the IAM client the fetcher uses; *iam.Client satisfies
// it, and tests can fake it.
type API interface {
	GetPolicy(ctx context.Context, in *iam.GetPolicyInput, optFns ...func(*iam.Options)) (*iam.GetPolicyOutput, error)
	GetPolicyVersion(ctx context.Context, in *iam.GetPolicyVersionInput, optFns ...func(*iam.Options)) (*iam.GetPolicyVersionOutput, error)
}

var _ API = (*iam.Client)(nil)

// Fetcher reads the default version of managed policies. It keeps no state
// and is safe for concurrent use if the API client is (*iam.Client is).
type Fetcher struct {
	api API
}

var _ guardrail.Fetcher = (*Fetcher)(nil)

// New returns a Fetcher over an IAM client.
func New(api API) *Fetcher { return &Fetcher{api: api} }

// NewResolver returns a caching resolver that fetches through api.
func NewResolver(api API, opts ...guardrail.ResolverOption) *guardrail.CachingResolver {
	return guardrail.NewCachingResolver(New(api), opts...)
}

// FetchPolicyDocument returns the JSON document of the policy's default
// version. IAM returns documents URL-encoded (RFC 3986); they are decoded
// here. A policy that does not exist gives an error matching
// guardrail.ErrPolicyNotFound.
func (f *Fetcher) FetchPolicyDocument(ctx context.Context, arn string) ([]byte, error) {
	pol, err := f.api.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: &arn})
	if err != nil {
		return nil, wrap("get policy", arn, err)
	}
	if pol == nil || pol.Policy == nil || pol.Policy.DefaultVersionId == nil || *pol.Policy.DefaultVersionId == "" {
		return nil, fmt.Errorf("iamresolver: get policy %s: response has no default version id", arn)
	}
	version := *pol.Policy.DefaultVersionId
	ver, err := f.api.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: &arn, VersionId: &version})
	if err != nil {
		return nil, wrap("get policy version "+version, arn, err)
	}
	if ver == nil || ver.PolicyVersion == nil || ver.PolicyVersion.Document == nil {
		return nil, fmt.Errorf("iamresolver: get policy version %s of %s: response has no document", version, arn)
	}
	// PathUnescape, not QueryUnescape: a literal "+" in a document is
	// encoded as %2B, and a "+" must not turn into a space.
	doc, err := url.PathUnescape(*ver.PolicyVersion.Document)
	if err != nil {
		return nil, fmt.Errorf("iamresolver: decode document of %s version %s: %w", arn, version, err)
	}
	return []byte(doc), nil
}

func wrap(op, arn string, err error) error {
	var nse *types.NoSuchEntityException
	if errors.As(err, &nse) {
		return fmt.Errorf("iamresolver: %s %s: %w (%w)", op, arn, guardrail.ErrPolicyNotFound, err)
	}
	return fmt.Errorf("iamresolver: %s %s: %w", op, arn, err)
}
