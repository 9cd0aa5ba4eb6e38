package iamresolver_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/guardrail"
	"github.com/opschat/opschat/guardrail/iamresolver"
)

const policyARN = "arn:aws:iam::123456789012:policy/chat/ReadOnlyGuard"

// The document has characters that URL encoding must round-trip: spaces,
// "+", "%", quotes and non-ASCII.
const policyDoc = `{"Version": "2012-10-17", "Statement": [
  {"Sid": "Read", "Effect": "Allow", "Action": ["ec2:Describe*"], "Resource": "*",
   "Condition": {"StringEquals": {"aws:PrincipalTag/team": "a b+c 100% ü"}}}]}`

// rfc3986 encodes every byte outside the unreserved set, as IAM does.
func rfc3986(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// fakeIAM speaks the IAM query protocol for GetPolicy and GetPolicyVersion.
type fakeIAM struct {
	mu       sync.Mutex
	requests []map[string]string
}

func (f *fakeIAM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	req := map[string]string{}
	for k := range r.PostForm {
		req[k] = r.PostForm.Get(k)
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	arn := req["PolicyArn"]
	if arn != policyARN {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>Policy %s does not exist or is not attachable.</Message></Error><RequestId>r-404</RequestId></ErrorResponse>`, arn)
		return
	}
	switch req["Action"] {
	case "GetPolicy":
		fmt.Fprintf(w, `<GetPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetPolicyResult><Policy>
<PolicyName>ReadOnlyGuard</PolicyName><DefaultVersionId>v3</DefaultVersionId><PolicyId>ANPAEXAMPLE</PolicyId><Path>/chat/</Path>
<Arn>%s</Arn><AttachmentCount>1</AttachmentCount><IsAttachable>true</IsAttachable>
<CreateDate>2026-01-01T00:00:00Z</CreateDate><UpdateDate>2026-02-01T00:00:00Z</UpdateDate>
</Policy></GetPolicyResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetPolicyResponse>`, arn)
	case "GetPolicyVersion":
		if req["VersionId"] != "v3" {
			http.Error(w, "wrong version", http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, `<GetPolicyVersionResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetPolicyVersionResult><PolicyVersion>
<Document>%s</Document><IsDefaultVersion>true</IsDefaultVersion><VersionId>v3</VersionId><CreateDate>2026-02-01T00:00:00Z</CreateDate>
</PolicyVersion></GetPolicyVersionResult><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></GetPolicyVersionResponse>`, rfc3986(policyDoc))
	default:
		http.Error(w, "unexpected action "+req["Action"], http.StatusBadRequest)
	}
}

func (f *fakeIAM) calls() []map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]string(nil), f.requests...)
}

func newClient(t *testing.T) (*iam.Client, *fakeIAM) {
	t.Helper()
	fake := &fakeIAM{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	client := iam.New(iam.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
	})
	return client, fake
}

func TestFetchPolicyDocumentOverIAMQueryProtocol(t *testing.T) {
	t.Parallel()
	client, fake := newClient(t)
	doc, err := iamresolver.New(client).FetchPolicyDocument(context.Background(), policyARN)
	require.NoError(t, err)
	assert.Equal(t, policyDoc, string(doc))

	calls := fake.calls()
	require.Len(t, calls, 2)
	assert.Equal(t, map[string]string{"Action": "GetPolicy", "Version": "2010-05-08", "PolicyArn": policyARN}, calls[0])
	assert.Equal(t, map[string]string{"Action": "GetPolicyVersion", "Version": "2010-05-08", "PolicyArn": policyARN, "VersionId": "v3"}, calls[1])
}

func TestResolverEndToEnd(t *testing.T) {
	t.Parallel()
	client, fake := newClient(t)
	r := iamresolver.NewResolver(client)
	p, err := r.ResolvePolicy(context.Background(), policyARN)
	require.NoError(t, err)
	assert.Equal(t, "ReadOnlyGuard", p.Name())
	req := guardrail.Request{Action: "ec2:DescribeInstances", Context: map[string][]string{"aws:PrincipalTag/team": {"a b+c 100% ü"}}}
	assert.Equal(t, guardrail.Allow, guardrail.Evaluate(req, []*guardrail.Policy{p}), "the decoded condition value matches exactly")

	_, err = r.ResolvePolicy(context.Background(), policyARN)
	require.NoError(t, err)
	assert.Len(t, fake.calls(), 2, "the second resolve is served from the cache")
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	client, _ := newClient(t)
	_, err := iamresolver.New(client).FetchPolicyDocument(context.Background(), "arn:aws:iam::123456789012:policy/Nope")
	require.Error(t, err)
	assert.ErrorIs(t, err, guardrail.ErrPolicyNotFound)
	var nse *types.NoSuchEntityException
	assert.ErrorAs(t, err, &nse, "the SDK error stays reachable")
	assert.Contains(t, err.Error(), "iamresolver: get policy arn:aws:iam::123456789012:policy/Nope")
}

// fakeAPI is the narrow-interface fake for responses a real IAM would not
// send but a broken proxy might.
type fakeAPI struct {
	pol *iam.GetPolicyOutput
	ver *iam.GetPolicyVersionOutput
}

func (f fakeAPI) GetPolicy(context.Context, *iam.GetPolicyInput, ...func(*iam.Options)) (*iam.GetPolicyOutput, error) {
	return f.pol, nil
}

func (f fakeAPI) GetPolicyVersion(context.Context, *iam.GetPolicyVersionInput, ...func(*iam.Options)) (*iam.GetPolicyVersionOutput, error) {
	return f.ver, nil
}

func TestMalformedResponses(t *testing.T) {
	t.Parallel()
	withVersion := &iam.GetPolicyOutput{Policy: &types.Policy{DefaultVersionId: aws.String("v1")}}
	tests := []struct {
		name string
		api  fakeAPI
		want string
	}{
		{"no policy", fakeAPI{pol: &iam.GetPolicyOutput{}}, "no default version id"},
		{"no version", fakeAPI{pol: withVersion, ver: &iam.GetPolicyVersionOutput{}}, "no document"},
		{"bad encoding", fakeAPI{pol: withVersion, ver: &iam.GetPolicyVersionOutput{PolicyVersion: &types.PolicyVersion{Document: aws.String("%zz")}}}, "decode document"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := iamresolver.New(tc.api).FetchPolicyDocument(context.Background(), policyARN)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
