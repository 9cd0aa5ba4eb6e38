package guardrail_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/guardrail"
)

// orgDoc is the example of the AWS Organizations documentation, with two
// workspaces and a Teams override.
const orgDoc = `{
  "chatbot": {
    "platforms": {
      "slack": {
        "client": {"@@assign": "enabled"},
        "workspaces": {"@@assign": ["T0WORK1", "T0WORK2"]},
        "default": {
          "supported_channel_types": {"@@assign": ["private"]},
          "supported_role_settings": {"@@assign": ["user_role"]}
        },
        "overrides": {
          "T0WORK2": {
            "supported_channel_types": {"@@assign": ["public", "private"]},
            "supported_role_settings": {"@@assign": ["channel_role", "user_role"]}
          }
        }
      },
      "microsoft_teams": {
        "client": {"@@assign": "enabled"},
        "tenants": {"tenant-1": {"@@assign": ["team-a", "team-b"]}},
        "default": {"supported_role_settings": {"@@assign": ["user_role"]}},
        "overrides": {"tenant-1": {"team-b": {"supported_role_settings": {"@@assign": ["channel_role", "user_role"]}}}}
      },
      "chime": {"client": {"@@assign": "disabled"}}
    },
    "default": {"client": {"@@assign": "disabled"}}
  }
}`

func TestOrgPolicyCheck(t *testing.T) {
	t.Parallel()
	op, err := guardrail.ParseOrgPolicy([]byte(orgDoc))
	require.NoError(t, err)

	slack := func(ws, ch, role string) guardrail.OrgRequest {
		return guardrail.OrgRequest{Platform: guardrail.PlatformSlack, WorkspaceID: ws, ChannelType: ch, RoleSetting: role}
	}
	teams := func(tenant, team, role string) guardrail.OrgRequest {
		return guardrail.OrgRequest{Platform: guardrail.PlatformTeams, WorkspaceID: tenant, TeamID: team, RoleSetting: role}
	}
	tests := []struct {
		name  string
		req   guardrail.OrgRequest
		field string // "" = allowed
		msg   string
	}{
		{"slack default allowed", slack("T0WORK1", "private", "user_role"), "", ""},
		{"slack public channel refused by default", slack("T0WORK1", "public", "user_role"), "channel type",
			"guardrail: the organization chat policy does not allow channel type public (allowed: private); contact your organization administrator"},
		{"slack channel role refused by default", slack("T0WORK1", "private", "channel_role"), "role setting", "role setting channel_role (allowed: user_role)"},
		{"slack override allows public", slack("T0WORK2", "public", "channel_role"), "", ""},
		{"slack unknown workspace", slack("T0OTHER", "private", "user_role"), "workspace", "workspace T0OTHER (allowed: T0WORK1, T0WORK2)"},
		{"slack unknown channel type fails closed", slack("T0WORK1", "", "user_role"), "channel type", "an unknown channel type"},
		{"slack unknown role setting fails closed", slack("T0WORK1", "private", ""), "role setting", "an unknown role setting"},
		{"teams allowed", teams("tenant-1", "team-a", "user_role"), "", ""},
		{"teams override", teams("tenant-1", "team-b", "channel_role"), "", ""},
		{"teams default role", teams("tenant-1", "team-a", "channel_role"), "role setting", ""},
		{"teams unknown team", teams("tenant-1", "team-z", "user_role"), "team", "team team-z (allowed: team-a, team-b)"},
		{"teams unknown tenant", teams("tenant-2", "team-a", "user_role"), "tenant", "tenant tenant-2 (allowed: tenant-1)"},
		{"chime disabled", guardrail.OrgRequest{Platform: guardrail.PlatformChime}, "platform",
			"the chime platform (allowed: slack, microsoft_teams)"},
		{"unlisted platform uses default", guardrail.OrgRequest{Platform: "discord"}, "platform", "the discord platform"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := op.Check(tc.req)
			if tc.field == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, guardrail.ErrOrgPolicy)
			assert.ErrorIs(t, err, guardrail.ErrDenied)
			var oe *guardrail.OrgPolicyError
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, tc.field, oe.Field)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestOrgPolicyPermissiveForms(t *testing.T) {
	t.Parallel()
	// Effective-policy form (no operators), wildcard workspace, nothing else
	// restricted: everything not mentioned is allowed.
	op, err := guardrail.ParseOrgPolicy([]byte(`{"chatbot":{"platforms":{"slack":{"client":"enabled","workspaces":["*"]}}}}`))
	require.NoError(t, err)
	assert.NoError(t, op.Check(guardrail.OrgRequest{Platform: "slack", WorkspaceID: "T1", ChannelType: "public", RoleSetting: "channel_role"}))
	assert.NoError(t, op.Check(guardrail.OrgRequest{Platform: "microsoft_teams", WorkspaceID: "x"}))
	assert.Error(t, op.Check(guardrail.OrgRequest{Platform: "slack"}), "an unknown workspace never passes a workspace list")

	var none *guardrail.OrgPolicy
	assert.NoError(t, none.Check(guardrail.OrgRequest{Platform: "chime"}), "no policy allows everything")

	// An empty list allows nothing, unlike an absent one.
	op, err = guardrail.ParseOrgPolicy([]byte(`{"chatbot":{"platforms":{"slack":{"workspaces":{"@@assign":[]}}}}}`))
	require.NoError(t, err)
	assert.Error(t, op.Check(guardrail.OrgRequest{Platform: "slack", WorkspaceID: "T1"}))
}

func TestParseOrgPolicyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, doc, want string }{
		{"malformed", `{`, "malformed JSON"},
		{"not chatbot", `{"tag":{}}`, "tag: unknown element"},
		{"missing chatbot", `{}`, "chatbot: missing"},
		{"unknown platform", `{"chatbot":{"platforms":{"discord":{}}}}`, "chatbot.platforms.discord: unknown platform"},
		{"bad client", `{"chatbot":{"platforms":{"slack":{"client":{"@@assign":"on"}}}}}`, `chatbot.platforms.slack.client.@@assign: invalid value "on"`},
		{"bad channel type", `{"chatbot":{"platforms":{"slack":{"default":{"supported_channel_types":{"@@assign":["secret"]}}}}}}`,
			`chatbot.platforms.slack.default.supported_channel_types.@@assign[0]: invalid value "secret" (valid: public, private)`},
		{"bad role", `{"chatbot":{"platforms":{"microsoft_teams":{"default":{"supported_role_settings":{"@@assign":["admin"]}}}}}}`, `invalid value "admin" (valid: channel_role, user_role)`},
		{"channel types on teams", `{"chatbot":{"platforms":{"microsoft_teams":{"default":{"supported_channel_types":["public"]}}}}}`, "microsoft_teams.default.supported_channel_types: unknown element"},
		{"append", `{"chatbot":{"platforms":{"slack":{"workspaces":{"@@append":["T1"]}}}}}`, "workspaces.@@append: @@append is only meaningful"},
		{"missing assign", `{"chatbot":{"platforms":{"slack":{"workspaces":{"@@operators_allowed_for_child_policies":["@@none"]}}}}}`, "workspaces: missing @@assign"},
		{"workspaces wrong type", `{"chatbot":{"platforms":{"slack":{"workspaces":{"@@assign":5}}}}}`, "workspaces.@@assign: must be an array of strings, got a number"},
		{"duplicate client", `{"chatbot":{"platforms":{"slack":{"client":"disabled","client":"enabled"}}}}`, "chatbot.platforms.slack.client: duplicate key"},
		{"unknown default key", `{"chatbot":{"default":{"clients":"enabled"}}}`, "chatbot.default.clients: unknown element"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op, err := guardrail.ParseOrgPolicy([]byte(tc.doc))
			require.Error(t, err)
			assert.Nil(t, op)
			assert.ErrorIs(t, err, guardrail.ErrInvalidPolicy)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
