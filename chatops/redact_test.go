package chatops_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chatops"
)

func TestRedactSecrets(t *testing.T) {
	tests := []struct{ in, want string }{
		{"rds modify-db-instance --db-instance-identifier db1 --master-user-password hunter2 --apply-immediately",
			"rds modify-db-instance --db-instance-identifier db1 --master-user-password **** --apply-immediately"},
		{"secretsmanager put-secret-value --secret-id x --secret-string=s3cr3t", "secretsmanager put-secret-value --secret-id x --secret-string=****"},
		{`iot x --private-key "-----BEGIN KEY----- abc def"`, `iot x --private-key ****`},
		{"x --password “two words” --next", "x --password **** --next"},
		{"x --Password 'a b' y", "x --Password **** y"},
		{"x --auth-token abc", "x --auth-token ****"},
		{"x --password", "x --password"},                                                       // no value
		{"x --password --force", "x --password --force"},                                       // the next token is a flag
		{"logs filter-log-events --next-token abc", "logs filter-log-events --next-token abc"}, // pagination
		{"secretsmanager describe-secret --secret-id prod/db", "secretsmanager describe-secret --secret-id prod/db"},
		{"ec2 describe-instances", "ec2 describe-instances"},
		{"x --password-x", "x --password-x"},
		{"x --password \"unclosed value", "x --password ****"},
		{"x --password a --client-secret b", "x --password **** --client-secret ****"},
		{"x --passwordy=1", "x --passwordy=****"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, chatops.RedactSecrets(tt.in), tt.in)
	}
}

func FuzzRedactSecrets(f *testing.F) {
	f.Add("x --password 'a b' --secret=c")
	f.Add("--token“")
	f.Fuzz(func(t *testing.T, s string) {
		out := chatops.RedactSecrets(s)
		if out == s {
			return
		}
		assert.Contains(t, out, "****")
	})
}

func TestAuditRecordsNeverCarrySecretValues(t *testing.T) {
	h := newHarness(t)
	h.say(t, "ec2 stop-instances --instance-ids i-1 --master-user-password hunter2")
	h.say(t, "alias create dbpw ec2 stop-instances --instance-ids i-1 --client-secret=hunter2")
	assert.NotContains(t, h.audit.String(), "hunter2")
	assert.Contains(t, h.audit.String(), "--master-user-password ****")
}

// Form values are submitted literally: not cleaned as chat text.
func TestFormValuesAreLiteral(t *testing.T) {
	for _, v := range []string{`a”b --endpoint-url http://x`, `fish &amp; chips`, `it's "quoted"`, `‘single’`, "@aws x", "```fenced```"} {
		h := newHarness(t)
		got := h.say(t, "lambda get-function")
		require.NoError(t, h.chat.Submit(context.Background(), got.Ref, "U1", map[string]string{"function-name": v}))
		reqs := h.exec.requests()
		require.Len(t, reqs, 1, v)
		assert.Equal(t, v, reqs[0].Invocation.Params["function-name"])
	}
}

// A huge command is refused before it is read, and the reply says the limit.
func TestCommandTooLong(t *testing.T) {
	h := newHarness(t)
	got := h.say(t, "ec2 describe-instances --query '"+strings.Repeat("a", 1<<20)+"'")
	assert.Contains(t, got.Message.Text, "8192")
	rec := h.lastRecord(t)
	assert.Equal(t, chatops.OutcomeInvalid, rec.Outcome)
	assert.Less(t, len(h.audit.String()), 64<<10, "the audit record keeps a bounded excerpt")
	assert.Greater(t, rec.TextTruncatedBytes, 1<<19)
}
