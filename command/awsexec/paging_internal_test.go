package awsexec

import (
	"encoding/base64"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseStartingToken(t *testing.T) {
	t.Parallel()
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		name, in string
		want     startingToken
	}{
		{"plain API token", "eyJhIjoxfQ-not-ours", startingToken{token: "eyJhIjoxfQ-not-ours"}},
		{"short API token", "2", startingToken{token: "2"}},
		{"botocore token", b64(`{"NextToken": "abc", "boto_truncate_amount": 2}`), startingToken{token: "abc", skip: 2}},
		{"botocore token without truncation", b64(`{"ContinuationToken": "1/x=="}`), startingToken{token: "1/x=="}},
		{"botocore first page", b64(`{"NextToken": null, "boto_truncate_amount": 3}`), startingToken{skip: 3}},
		{"botocore None", b64(`{"Marker": "None", "boto_truncate_amount": 1}`), startingToken{skip: 1}},
		{"negative amount ignored", b64(`{"NextToken": "t", "boto_truncate_amount": -4}`), startingToken{token: "t"}},
		{"deprecated form", "abc___2", startingToken{token: "abc", skip: 2}},
		{"not a number after ___", "abc___x", startingToken{token: "abc___x"}},
		{"base64 but not JSON", b64("hello"), startingToken{token: b64("hello")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, c.want, parseStartingToken(c.in))
		})
	}
}

func TestStartingTokenRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tok := range []startingToken{{token: "abc", skip: 2}, {skip: 5}, {token: "x/y+z==", skip: 1}, {token: "plain"}} {
		enc := tok.encode("NextToken")
		require.NotEmpty(t, enc)
		assert.Equal(t, tok, parseStartingToken(enc), enc)
	}
	assert.Equal(t, "plain", startingToken{token: "plain"}.encode("NextToken"), "a token that skips nothing stays the API's")
	raw, err := base64.StdEncoding.DecodeString(startingToken{token: "abc", skip: 2}.encode("ContinuationToken"))
	require.NoError(t, err)
	assert.JSONEq(t, `{"ContinuationToken": "abc", "boto_truncate_amount": 2}`, string(raw))
}

func TestContinuation(t *testing.T) {
	t.Parallel()
	long := string(make([]byte, maxChatToken+1))
	in := &cloudwatch.DescribeAlarmsInput{}
	next := "page3"
	out := &cloudwatch.DescribeAlarmsOutput{NextToken: &next, MetricAlarms: make([]types.MetricAlarm, 4)}
	cases := []struct {
		name         string
		f            fetched
		shown, total int
		want         string
	}{
		{"everything shown, no more pages", fetched{out: &cloudwatch.DescribeAlarmsOutput{}}, 4, 4, ""},
		{"everything shown, more pages", fetched{out: out, more: true}, 4, 4, "page3"},
		{"cut in the first page", fetched{out: out}, 1, 4, startingToken{skip: 1}.encode("NextToken")},
		{"cut in the second page", fetched{out: out, more: true, last: startingToken{token: "page2"}, before: 2}, 3, 4,
			startingToken{token: "page2", skip: 1}.encode("NextToken")},
		{"cut again in a resumed page", fetched{out: out, last: startingToken{token: "page2", skip: 1}}, 2, 3,
			startingToken{token: "page2", skip: 3}.encode("NextToken")},
		{"API token too long for chat", fetched{out: out, last: startingToken{token: long}, before: 2}, 3, 4, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, c.want, c.f.continuation(c.shown, c.total, in))
		})
	}
}

func TestDropItems(t *testing.T) {
	t.Parallel()
	out := &cloudwatch.DescribeAlarmsOutput{MetricAlarms: make([]types.MetricAlarm, 3), CompositeAlarms: make([]types.CompositeAlarm, 1)}
	dropItems(out, 2)
	assert.Len(t, out.MetricAlarms, 1)
	assert.Empty(t, out.CompositeAlarms)
	dropItems(out, 0)
	assert.Len(t, out.MetricAlarms, 1)
	dropItems(nil, 1)
	dropItems(cloudwatch.DescribeAlarmsOutput{}, 1) // not a pointer: left alone
}

// FuzzStartingToken: any text is a token (never a panic), and a token the
// executor offers reads back as the same place.
func FuzzStartingToken(f *testing.F) {
	for _, s := range []string{"2", "abc___3", "eyJOZXh0VG9rZW4iOiAiMiIsICJib3RvX3RydW5jYXRlX2Ftb3VudCI6IDF9", "e30=", "___", "bnVsbA=="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok := parseStartingToken(s)
		if tok.skip < 0 {
			t.Fatalf("negative skip from %q", s)
		}
		if enc := tok.encode("NextToken"); tok.skip > 0 && enc != "" {
			if again := parseStartingToken(enc); again != tok {
				t.Fatalf("%q: %+v encodes to a token that reads %+v", s, tok, again)
			}
		}
	})
}
