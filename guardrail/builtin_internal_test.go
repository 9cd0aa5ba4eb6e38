package guardrail

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// iamReference is a slice of the IAM service authorization reference
// (testdata/iam-reference.json; source and licence in the file and
// testdata/iam-reference.LICENSE).
type iamReference struct {
	Source   string              `json:"source"`
	Services []string            `json:"services"`
	Actions  map[string][]string `json:"actions"`
}

func loadIAMReference(t *testing.T) iamReference {
	t.Helper()
	b, err := os.ReadFile("testdata/iam-reference.json")
	require.NoError(t, err)
	var ref iamReference
	require.NoError(t, json.Unmarshal(b, &ref))
	require.Greater(t, len(ref.Services), 300, "the reference lists every IAM service prefix")
	return ref
}

// blocklistActions returns every Action entry of the built-in blocklist.
func blocklistActions(t *testing.T) []string {
	t.Helper()
	var doc struct {
		Statement []struct {
			Action json.RawMessage
		}
	}
	require.NoError(t, json.Unmarshal([]byte(blocklistDoc), &doc))
	var out []string
	for _, st := range doc.Statement {
		var one string
		if json.Unmarshal(st.Action, &one) == nil {
			out = append(out, one)
			continue
		}
		var many []string
		require.NoError(t, json.Unmarshal(st.Action, &many))
		out = append(out, many...)
	}
	require.NotEmpty(t, out)
	return out
}

// TestBlocklistNamesRealIAMActions: the blocklist goes to AWS as session
// policy denies, where only real IAM actions match anything; an API name
// such as s3:HeadObject would deny nothing there.
func TestBlocklistNamesRealIAMActions(t *testing.T) {
	ref := loadIAMReference(t)
	for _, a := range blocklistActions(t) {
		svc, op, ok := strings.Cut(a, ":")
		require.True(t, ok, a)
		assert.True(t, slices.Contains(ref.Services, svc), "%s: %q is not an IAM service prefix", a, svc)
		if op == "*" {
			continue
		}
		names, ok := ref.Actions[svc]
		if !assert.True(t, ok, "%s: the reference slice has no actions of %s; add the service to testdata", a, svc) {
			continue
		}
		p := compilePattern(a, compileOptions{wildcards: true, fold: true, asciiFold: true})
		matched := false
		for _, n := range names {
			if p.match(svc+":"+n, nil) {
				matched = true
				break
			}
		}
		assert.True(t, matched, "%s matches no IAM action of %s", a, svc)
	}
	// The reference is real: it knows HeadObject is not an IAM action.
	assert.Contains(t, ref.Actions["s3"], "GetObject")
	assert.NotContains(t, ref.Actions["s3"], "HeadObject")
	assert.NotContains(t, ref.Actions["ecr"], "GetLogin")
}

func TestBlockedService(t *testing.T) {
	t.Parallel()
	ref := loadIAMReference(t)
	tests := []struct {
		prefix  string
		blocked bool
	}{
		{"iam", true}, {"IAM", true}, {"sts", true}, {"kms", true}, {"secretsmanager", true},
		{"cognito-idp", true}, {"cognito-identity", true}, {"sdb", true}, {"sso", true}, {"sso-admin", false}, // the SDK name; its IAM prefix is sso

		{"sso-directory", true}, {"sso-oauth", true}, {"identitystore", true}, {"identitystore-auth", true},
		{"signin", true}, {"chatbot", true},
		{"s3", false}, {"ssm", false}, {"ec2", false}, {"cognito-sync", false}, {"iam-ish", false},
		{"", false}, {"iam:*", false}, {"*", false}, {"i?m", false},
	}
	for _, tt := range tests {
		reason, blocked := BlockedService(tt.prefix)
		assert.Equal(t, tt.blocked, blocked, tt.prefix)
		if tt.blocked {
			assert.Equal(t, blockReasons[SidBlockCredentialServices], reason)
			assert.True(t, slices.Contains(ref.Services, strings.ToLower(tt.prefix)), "%s is a real IAM prefix", tt.prefix)
			_, byAction := Blocked(Request{Action: tt.prefix + ":AnyOperation"})
			assert.True(t, byAction, "a blocked service blocks each of its actions: %s", tt.prefix)
		} else {
			assert.Empty(t, reason)
		}
	}
}
