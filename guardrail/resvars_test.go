package guardrail

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Resource and NotResource patterns with policy variables the request
// context cannot give. IAM says such a variable makes the statement
// invalid ("If AWS cannot resolve a variable this might cause the entire
// statement to be invalid", IAM User Guide, Variables and tags): a Deny
// that no longer applies. The local check never lets a Deny fail open on
// a value it cannot know, so an unresolved variable in a Resource element
// follows the rule used for conditions: the element is undecided, which
// is true in a Deny and false in an Allow. An unresolved variable stands
// for every value it could take, so a pattern that no value could make
// match (another service, another bucket) is still decided: no match.

// resOutcome is what a Resource element decides for a request.
type resOutcome int

// vars is a request context, for short.
type vars = map[string][]string

const (
	resNoMatch resOutcome = iota
	resMatch
	resUndecided
)

// resourceDecisions gives the expected decisions of four one-pattern
// statements for an outcome: Allow Resource, Deny Resource (after an
// Allow "*"), Deny NotResource (after an Allow "*"), Allow NotResource.
func resourceDecisions(o resOutcome) (allow, deny, denyNot, allowNot Decision) {
	switch o {
	case resMatch:
		return Allow, ExplicitDeny, Allow, ImplicitDeny
	case resNoMatch:
		return ImplicitDeny, Allow, ExplicitDeny, Allow
	}
	// Undecided: no Allow applies, every Deny does, whether the pattern
	// is in a Resource or a NotResource element.
	return ImplicitDeny, ExplicitDeny, ExplicitDeny, ImplicitDeny
}

func TestUnresolvedResourceVariablesFailClosed(t *testing.T) {
	t.Parallel()
	const (
		home     = "arn:aws:s3:::home/${aws:username}/*"
		aliceObj = "arn:aws:s3:::home/alice/x"
		instance = "arn:aws:ec2:eu-west-1:123456789012:instance/i-1"
	)
	alice := vars{"aws:username": {"alice"}}
	tests := []struct {
		name, version, pattern, resource string
		ctx                              vars
		want                             resOutcome
	}{
		{"resolved match", Version2012, home, aliceObj, alice, resMatch},
		{"resolved other user", Version2012, home, "arn:aws:s3:::home/bob/x", alice, resNoMatch},
		{"missing key", Version2012, home, aliceObj, nil, resUndecided},
		{"missing key, empty values", Version2012, home, aliceObj, vars{"aws:username": {}}, resUndecided},
		{"multi-valued key", Version2012, home, aliceObj, vars{"aws:username": {"alice", "bob"}}, resUndecided},
		{"ambiguous key", Version2012, home, aliceObj, vars{"aws:username": {"alice"}, "AWS:USERNAME": {"bob"}}, resUndecided},
		{"ambiguous key, large context", Version2012, home, aliceObj,
			largeContext(map[string][]string{"aws:username": {"alice"}, "AWS:USERNAME": {"alice"}}), resUndecided},
		// No value of the variable could make these match.
		{"missing key, other service", Version2012, home, instance, nil, resNoMatch},
		{"missing key, other bucket", Version2012, home, "arn:aws:s3:::other/alice/x", nil, resNoMatch},
		{"missing key, nothing after the prefix", Version2012, home, "arn:aws:s3:::home/alice", nil, resNoMatch},
		{"missing key in the account segment", Version2012, "arn:aws:ec2:*:${aws:PrincipalAccount}:instance/*", instance, nil, resUndecided},
		{"missing key in the account segment, volume", Version2012, "arn:aws:ec2:*:${aws:PrincipalAccount}:instance/*",
			"arn:aws:ec2:eu-west-1:123456789012:volume/v-1", nil, resNoMatch},
		{"resolved account segment", Version2012, "arn:aws:ec2:*:${aws:PrincipalAccount}:instance/*", instance,
			vars{"aws:PrincipalAccount": {"123456789012"}}, resMatch},
		{"resolved other account", Version2012, "arn:aws:ec2:*:${aws:PrincipalAccount}:instance/*", instance,
			vars{"aws:PrincipalAccount": {"999999999999"}}, resNoMatch},
		{"whole-string pattern", Version2012, "*${aws:userid}*", instance, nil, resUndecided},
		{"whole-string pattern, resolved elsewhere", Version2012, "*${aws:userid}*", instance, vars{"aws:userid": {"AIDA"}}, resNoMatch},
		{"two variables, one missing", Version2012, "arn:aws:s3:::${aws:PrincipalTag/team}/${aws:username}/*", "arn:aws:s3:::blue/alice/x",
			vars{"aws:PrincipalTag/team": {"blue"}}, resUndecided},
		{"two variables, the resolved one decides", Version2012, "arn:aws:s3:::${aws:PrincipalTag/team}/${aws:username}/*", "arn:aws:s3:::red/alice/x",
			vars{"aws:PrincipalTag/team": {"blue"}}, resNoMatch},
		{"variable after a star", Version2012, "arn:aws:s3:::*/${aws:username}", "arn:aws:s3:::a/b/c", nil, resUndecided},
		// Defaults resolve a missing key.
		{"default", Version2012, "arn:aws:s3:::home/${aws:username, 'guest'}/*", "arn:aws:s3:::home/guest/x", nil, resMatch},
		{"default, other name", Version2012, "arn:aws:s3:::home/${aws:username, 'guest'}/*", aliceObj, nil, resNoMatch},
		{"default unused", Version2012, "arn:aws:s3:::home/${aws:username, 'guest'}/*", aliceObj, alice, resMatch},
		{"default, multi-valued key", Version2012, "arn:aws:s3:::home/${aws:username, 'guest'}/*", "arn:aws:s3:::home/guest/x",
			vars{"aws:username": {"a", "b"}}, resUndecided},
		{"default without space", Version2012, "arn:aws:s3:::home/${aws:username,'guest'}/*", "arn:aws:s3:::home/guest/x", nil, resMatch},
		{"spaces around the key", Version2012, "arn:aws:s3:::home/${ aws:username }/*", aliceObj, alice, resMatch},
		{"spaces around the key, missing", Version2012, "arn:aws:s3:::home/${ aws:username }/*", aliceObj, nil, resUndecided},
		// Escapes are literal text, decided whatever the context.
		{"escaped star", Version2012, "arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*", nil, resMatch},
		{"escaped star is no wildcard", Version2012, "arn:aws:s3:::b/${*}", "arn:aws:s3:::b/x", nil, resNoMatch},
		{"escaped question mark", Version2012, "arn:aws:s3:::b/${?}", "arn:aws:s3:::b/?", nil, resMatch},
		{"escaped question mark is no wildcard", Version2012, "arn:aws:s3:::b/${?}", "arn:aws:s3:::b/x", nil, resNoMatch},
		{"escaped dollar", Version2012, "arn:aws:s3:::b/${$}{aws:username}", "arn:aws:s3:::b/${aws:username}", nil, resMatch},
		// 2008-10-17 (and no Version): ${...} is literal text.
		{"2008 literal", Version2008, home, "arn:aws:s3:::home/${aws:username}/x", nil, resMatch},
		{"2008 no substitution", Version2008, home, aliceObj, alice, resNoMatch},
		{"2008 missing key is no variable", Version2008, home, aliceObj, nil, resNoMatch},
		{"no version literal", "", home, aliceObj, nil, resNoMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			allow, deny, denyNot, allowNot := resourceDecisions(tt.want)
			req := Request{Action: "s3:PutObject", Resource: tt.resource, Context: tt.ctx}
			stmt := func(effect, elem string) string {
				return `{"Effect":"` + effect + `","Action":"*","` + elem + `":"` + tt.pattern + `"}`
			}
			for _, c := range []struct {
				name string
				pol  *Policy
				want Decision
			}{
				{"Allow Resource", versionedPolicy(t, tt.version, stmt("Allow", "Resource")), allow},
				{"Deny Resource", versionedPolicy(t, tt.version, stmt("Deny", "Resource"), allowAllDoc), deny},
				{"Deny NotResource", versionedPolicy(t, tt.version, stmt("Deny", "NotResource"), allowAllDoc), denyNot},
				{"Allow NotResource", versionedPolicy(t, tt.version, stmt("Allow", "NotResource")), allowNot},
			} {
				pols := []*Policy{c.pol}
				assert.Equal(t, c.want, Evaluate(req, pols), "%s: Evaluate", c.name)
				assert.Equal(t, c.want, Explain(req, Layer{Name: "g", Policies: pols}).Decision, "%s: Explain", c.name)
				assert.Equal(t, c.want, referenceEvaluate(&req, []Layer{{Policies: pols}}), "%s: reference", c.name)
				layers := []Layer{{Name: "g", Policies: pols}}
				d, _ := DecideActions([]string{"s3:PutObject", "s3:ListBucket"}, req.Resource, req.Context, layers...)
				assert.Equal(t, c.want, d, "%s: DecideActions", c.name)
				if pc, err := NewContext(req.Context); err == nil {
					d, _ := pc.DecideActions([]string{"s3:PutObject"}, req.Resource, layers...)
					assert.Equal(t, c.want, d, "%s: Context.DecideActions", c.name)
				}
			}
		})
	}
}

// TestUnresolvedResourceVariableOtherPatternDecides: a pattern that
// matches for certain decides the element, whatever an undecided pattern
// beside it would say.
func TestUnresolvedResourceVariableOtherPatternDecides(t *testing.T) {
	t.Parallel()
	req := Request{Action: "s3:PutObject", Resource: "arn:aws:s3:::shared/x"}
	both := `["arn:aws:s3:::home/${aws:username}/*","arn:aws:s3:::shared/*"]`
	allow := attackPolicy(t, `{"Effect":"Allow","Action":"*","Resource":`+both+`}`)
	attackEval(t, []*Policy{allow}, req, Allow)
	// NotResource: the resource is excluded for certain, so the Deny
	// does not apply.
	denyNot := attackPolicy(t, `{"Effect":"Deny","Action":"*","NotResource":`+both+`}`, allowAllDoc)
	attackEval(t, []*Policy{denyNot}, req, Allow)
	// Neither pattern matches for certain: undecided.
	other := Request{Action: "s3:PutObject", Resource: "arn:aws:s3:::home/alice/x"}
	attackEval(t, []*Policy{allow}, other, ImplicitDeny)
	attackEval(t, []*Policy{denyNot}, other, ExplicitDeny)
	// A condition still has its say after an undecided Resource.
	cond := attackPolicy(t, `{"Effect":"Deny","Action":"*","Resource":"arn:aws:s3:::home/${aws:username}/*",`+
		`"Condition":{"StringEquals":{"chatops:ChannelId":"C1"}}}`, allowAllDoc)
	attackEval(t, []*Policy{cond}, Request{Action: "s3:PutObject", Resource: other.Resource, Context: vars{KeyChannelID: {"C2"}}}, Allow)
	attackEval(t, []*Policy{cond}, Request{Action: "s3:PutObject", Resource: other.Resource, Context: vars{KeyChannelID: {"C1"}}}, ExplicitDeny)
}

// TestMalformedVariablesRejected: in a 2012-10-17 document, "${" must
// start a policy variable or an escape. Text IAM cannot read as one does
// not resolve, which would make a Deny not apply; guardrail refuses the
// document instead, naming the element, so it is fixed before it is used.
// In 2008-10-17 documents the same text is literal and accepted.
func TestMalformedVariablesRejected(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, value string }{
		{"unterminated", "arn:aws:s3:::b/${aws:username"},
		{"unterminated at the end", "arn:aws:s3:::b/${"},
		{"empty", "arn:aws:s3:::b/${}"},
		{"blank", "arn:aws:s3:::b/${ }"},
		{"space in the key", "arn:aws:s3:::b/${aws:user name}"},
		{"unquoted default", "arn:aws:s3:::b/${aws:username, guest}"},
		{"unterminated default", "arn:aws:s3:::b/${aws:username, 'guest}"},
		{"brace in the default", "arn:aws:s3:::b/${aws:username, 'a}b'}"},
		{"quote in the default", "arn:aws:s3:::b/${aws:username, 'it''s'}"},
		{"star in the default", "arn:aws:s3:::${aws:PrincipalTag/team, '*'}/*"},
		{"question mark in the default", "arn:aws:s3:::b/${aws:username, 'a?'}"},
		{"empty key with default", "arn:aws:s3:::b/${, 'x'}"},
		{"nested", "arn:aws:s3:::b/${${aws:username}}"},
		{"in the account segment", "arn:aws:s3:${aws:region:::b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, elem := range []string{"Resource", "NotResource"} {
				doc := `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","` + elem + `":"` + tt.value + `"}}`
				p, err := ParsePolicy([]byte(doc))
				require.Error(t, err, doc)
				assert.Nil(t, p)
				assert.ErrorIs(t, err, ErrInvalidPolicy)
				assert.Contains(t, err.Error(), "Statement."+elem+"[0]")
				assert.Contains(t, err.Error(), "policy variable")
				legacy := strings.Replace(doc, "2012-10-17", "2008-10-17", 1)
				_, err = ParsePolicy([]byte(legacy))
				assert.NoError(t, err, legacy)
			}
			cond := `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*",` +
				`"Condition":{"StringLike":{"aws:ResourceTag/owner":"` + tt.value + `"}}}}`
			_, err := ParsePolicy([]byte(cond))
			require.Error(t, err, cond)
			assert.Contains(t, err.Error(), "Condition.StringLike.aws:ResourceTag/owner[0]")
		})
	}
}

// versionedPolicy is attackPolicy with the given Version ("" for none).
func versionedPolicy(t testing.TB, version string, stmts ...string) *Policy {
	t.Helper()
	doc := `{"Statement":[` + strings.Join(stmts, ",") + `]}`
	if version != "" {
		doc = `{"Version":"` + version + `",` + doc[1:]
	}
	p, err := ParseNamedPolicy("resvars", []byte(doc))
	require.NoError(t, err, doc)
	return p
}

// FuzzResourceVariables compares Resource matching, variables and escapes
// included, with referenceResourceMatch: the outcome read from an Allow
// and a Deny statement on the pattern must be the oracle's.
func FuzzResourceVariables(f *testing.F) {
	for _, s := range [][2]string{
		{"arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/alice/x"},
		{"arn:aws:ec2:*:${aws:PrincipalAccount}:instance/*", "arn:aws:ec2:eu-west-1:1:instance/i"},
		{"arn:aws:s3:::${aws:username, 'guest'}?${*}${$}", "arn:aws:s3:::guestX*$"},
		{"*${ aws:userid }*${aws:username}", "abc"},
		{"arn:${aws:username}:s3:::b", "arn:alice:s3:::b"},
	} {
		f.Add(s[0], s[1], "alice", uint8(1))
	}
	f.Fuzz(func(t *testing.T, pat, res, user string, shape uint8) {
		if res == "" || res == UnknownResource || !utf8.ValidString(pat) || !utf8.ValidString(res) || !utf8.ValidString(user) {
			return
		}
		ctx := map[string][]string{"aws:PrincipalAccount": {"1"}}
		switch shape % 5 {
		case 1:
			ctx["aws:username"] = []string{user}
		case 2:
			ctx["aws:username"] = []string{user, user}
		case 3:
			ctx["aws:username"], ctx["AWS:UserName"] = []string{user}, []string{user}
		case 4:
			ctx["aws:username"] = nil
		}
		rj, _ := json.Marshal(pat)
		allow, err := ParsePolicy([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":` + string(rj) + `}}`))
		if err != nil {
			return
		}
		deny := versionedPolicy(t, Version2012, `{"Effect":"Deny","Action":"*","Resource":`+string(rj)+`}`, allowAllDoc)
		req := Request{Action: "ec2:StopInstances", Resource: res, Context: ctx}
		got := resNoMatch
		switch {
		case Evaluate(req, []*Policy{allow}) == Allow:
			got = resMatch
		case Evaluate(req, []*Policy{deny}) == ExplicitDeny:
			got = resUndecided
		}
		want := referenceResourceMatch(pat, true, res, ctx)
		if got != want {
			t.Fatalf("pattern %q on %q with %q: got %v, oracle %v", pat, res, ctx, got, want)
		}
	})
}
