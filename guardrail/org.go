package guardrail

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Platform names of the organization chat policy.
const (
	PlatformSlack = "slack"
	PlatformTeams = "microsoft_teams"
	PlatformChime = "chime"
)

// Channel types and role settings of the organization chat policy.
const (
	ChannelPublic  = "public"
	ChannelPrivate = "private"
	RoleChannel    = "channel_role"
	RoleUser       = "user_role"
)

// ErrOrgPolicy is matched (errors.Is) by errors from OrgPolicy.Check, which
// also match ErrDenied.
var ErrOrgPolicy = errors.New("guardrail: forbidden by the organization chat policy")

// OrgPolicy is an organization chat policy: AWS Organizations' "chatbot"
// policy type, which says which chat platforms are enabled, which Slack
// workspaces and Teams tenants/teams may be used, which Slack channel types
// and which role settings are allowed. Anything the policy does not mention
// is allowed. It is immutable and safe for concurrent use.
type OrgPolicy struct {
	defaultClient *bool
	platforms     map[string]*orgPlatform
}

type orgPlatform struct {
	client     *bool
	workspaces []string            // Slack; nil = any
	tenants    map[string][]string // Teams tenant -> team ids; nil = any
	def        orgSettings
	slackOver  map[string]orgSettings            // workspace -> settings
	teamsOver  map[string]map[string]orgSettings // tenant -> team -> settings
}

type orgSettings struct {
	channelTypes []string // nil = any
	roles        []string // nil = any
}

// OrgRequest describes a configuration or command to check against the
// organization chat policy.
type OrgRequest struct {
	Platform string // PlatformSlack, PlatformTeams or PlatformChime
	// WorkspaceID is the Slack workspace id or the Teams tenant id.
	WorkspaceID string
	// TeamID is the Teams team id (Teams only).
	TeamID string
	// ChannelType is ChannelPublic or ChannelPrivate (Slack only). Empty
	// means unknown, which fails the check when the policy restricts it.
	ChannelType string
	// RoleSetting is RoleChannel or RoleUser. Empty means unknown, which
	// fails the check when the policy restricts it.
	RoleSetting string
}

// OrgPolicyError says what the organization chat policy forbids. Its message
// is written for the chat user.
type OrgPolicyError struct {
	Field   string   // "platform", "workspace", "team", "channel type", "role setting"
	Value   string   // what was asked for
	Allowed []string // what the policy allows, when it is a list
}

func (e *OrgPolicyError) Error() string {
	var b strings.Builder
	b.WriteString("guardrail: the organization chat policy does not allow ")
	switch {
	case e.Value == "":
		b.WriteString("an unknown " + e.Field)
	case e.Field == "platform":
		b.WriteString("the " + e.Value + " platform")
	default:
		b.WriteString(e.Field + " " + e.Value)
	}
	if len(e.Allowed) > 0 {
		b.WriteString(" (allowed: " + strings.Join(e.Allowed, ", ") + ")")
	}
	b.WriteString("; contact your organization administrator")
	return b.String()
}

// Is makes errors.Is(err, ErrOrgPolicy) and errors.Is(err, ErrDenied) true.
func (e *OrgPolicyError) Is(target error) bool { return target == ErrOrgPolicy || target == ErrDenied }

// ParseOrgPolicy parses an organization chat policy in its JSON form, with
// the "@@assign" inheritance operator as written in AWS Organizations, or
// with plain values as in an effective policy. "@@append" and "@@remove" are
// rejected (they only make sense while Organizations merges a hierarchy):
// give the effective policy. Errors are *ParseError with JSON paths.
func ParseOrgPolicy(doc []byte) (*OrgPolicy, error) {
	p := &parser{name: "organization chat policy"}
	op := p.orgPolicy(doc)
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return op, nil
}

func (p *parser) orgPolicy(doc []byte) *OrgPolicy {
	op := &OrgPolicy{platforms: map[string]*orgPlatform{}}
	doc = bytes.TrimSpace(doc)
	if !json.Valid(doc) {
		p.fail("", "malformed JSON")
		return op
	}
	if p.rejectDuplicateKeys(doc) {
		return op
	}
	top, ok := p.object("", doc, "the policy document")
	if !ok {
		return op
	}
	for _, k := range sortedKeys(top) {
		if k != "chatbot" {
			p.fail(k, "unknown element (a chat policy has only \"chatbot\")")
		}
	}
	raw, ok := top["chatbot"]
	if !ok {
		p.fail("chatbot", "missing")
		return op
	}
	cb, ok := p.object("chatbot", raw, "chatbot")
	if !ok {
		return op
	}
	for _, k := range sortedKeys(cb) {
		switch k {
		case "platforms":
			p.orgPlatforms(op, "chatbot.platforms", cb[k])
		case "default":
			d, ok := p.object("chatbot.default", cb[k], "default")
			if !ok {
				continue
			}
			for _, dk := range sortedKeys(d) {
				if dk != "client" {
					p.fail("chatbot.default."+dk, "unknown element (valid: client)")
					continue
				}
				op.defaultClient = p.orgClient("chatbot.default.client", d[dk])
			}
		case "@@operators_allowed_for_child_policies":
		default:
			p.fail("chatbot."+k, "unknown element (valid: platforms, default)")
		}
	}
	return op
}

func (p *parser) orgPlatforms(op *OrgPolicy, path string, raw json.RawMessage) {
	m, ok := p.object(path, raw, "platforms")
	if !ok {
		return
	}
	for _, name := range sortedKeys(m) {
		pp := path + "." + name
		body, ok := p.object(pp, m[name], "a platform")
		if !ok {
			continue
		}
		pl := &orgPlatform{}
		switch name {
		case PlatformSlack, PlatformTeams, PlatformChime:
		default:
			p.fail(pp, "unknown platform (valid: slack, microsoft_teams, chime)")
			continue
		}
		op.platforms[name] = pl
		for _, k := range sortedKeys(body) {
			kp := pp + "." + k
			switch {
			case k == "client":
				pl.client = p.orgClient(kp, body[k])
			case k == "workspaces" && name == PlatformSlack:
				pl.workspaces = p.orgList(kp, body[k], nil)
			case k == "tenants" && name == PlatformTeams:
				tm, ok := p.object(kp, body[k], "tenants")
				if !ok {
					continue
				}
				pl.tenants = map[string][]string{}
				for _, tenant := range sortedKeys(tm) {
					if strings.HasPrefix(tenant, "@@") {
						p.orgOperator(kp+"."+tenant, tenant)
						continue
					}
					pl.tenants[tenant] = p.orgList(kp+"."+tenant, tm[tenant], nil)
				}
			case k == "default" && name != PlatformChime:
				pl.def = p.orgSettings(kp, body[k], name)
			case k == "overrides" && name == PlatformSlack:
				om, ok := p.object(kp, body[k], "overrides")
				if !ok {
					continue
				}
				pl.slackOver = map[string]orgSettings{}
				for _, ws := range sortedKeys(om) {
					pl.slackOver[ws] = p.orgSettings(kp+"."+ws, om[ws], name)
				}
			case k == "overrides" && name == PlatformTeams:
				om, ok := p.object(kp, body[k], "overrides")
				if !ok {
					continue
				}
				pl.teamsOver = map[string]map[string]orgSettings{}
				for _, tenant := range sortedKeys(om) {
					teams, ok := p.object(kp+"."+tenant, om[tenant], "a tenant's overrides")
					if !ok {
						continue
					}
					pl.teamsOver[tenant] = map[string]orgSettings{}
					for _, team := range sortedKeys(teams) {
						pl.teamsOver[tenant][team] = p.orgSettings(kp+"."+tenant+"."+team, teams[team], name)
					}
				}
			case k == "@@operators_allowed_for_child_policies":
			default:
				p.fail(kp, "unknown element for %s", name)
			}
		}
	}
}

func (p *parser) orgSettings(path string, raw json.RawMessage, platform string) orgSettings {
	var s orgSettings
	m, ok := p.object(path, raw, "settings")
	if !ok {
		return s
	}
	for _, k := range sortedKeys(m) {
		switch {
		case k == "supported_channel_types" && platform == PlatformSlack:
			s.channelTypes = p.orgList(path+"."+k, m[k], []string{ChannelPublic, ChannelPrivate})
		case k == "supported_role_settings":
			s.roles = p.orgList(path+"."+k, m[k], []string{RoleChannel, RoleUser})
		case k == "@@operators_allowed_for_child_policies":
		default:
			p.fail(path+"."+k, "unknown element")
		}
	}
	return s
}

// orgValue unwraps {"@@assign": v} or returns a plain value.
func (p *parser) orgValue(path string, raw json.RawMessage) (json.RawMessage, string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return raw, path, true
	}
	m, ok := p.object(path, raw, "an operator object")
	if !ok {
		return nil, path, false
	}
	var val json.RawMessage
	found := false
	for _, k := range sortedKeys(m) {
		switch k {
		case "@@assign":
			val, found = m[k], true
		case "@@operators_allowed_for_child_policies":
		default:
			p.orgOperator(path+"."+k, k)
		}
	}
	if !found {
		p.fail(path, "missing @@assign")
		return nil, path, false
	}
	return val, path + ".@@assign", true
}

func (p *parser) orgOperator(path, k string) {
	if k == "@@append" || k == "@@remove" {
		p.fail(path, "%s is only meaningful while Organizations merges policies; give the effective policy with @@assign", k)
		return
	}
	p.fail(path, "unknown element (valid: @@assign)")
}

func (p *parser) orgClient(path string, raw json.RawMessage) *bool {
	val, vp, ok := p.orgValue(path, raw)
	if !ok {
		return nil
	}
	var s string
	if err := json.Unmarshal(val, &s); err != nil {
		p.fail(vp, "must be \"enabled\" or \"disabled\", got %s", jsonKind(val))
		return nil
	}
	switch s {
	case "enabled":
		b := true
		return &b
	case "disabled":
		b := false
		return &b
	}
	p.fail(vp, "invalid value %q (valid: enabled, disabled)", s)
	return nil
}

func (p *parser) orgList(path string, raw json.RawMessage, valid []string) []string {
	val, vp, ok := p.orgValue(path, raw)
	if !ok {
		return nil
	}
	var list []string
	if err := json.Unmarshal(val, &list); err != nil {
		var one string
		if json.Unmarshal(val, &one) != nil {
			p.fail(vp, "must be an array of strings, got %s", jsonKind(val))
			return nil
		}
		list = []string{one}
	}
	if list == nil {
		list = []string{} // an empty list allows nothing, unlike an absent one
	}
	for i, v := range list {
		if valid != nil && !slices.Contains(valid, v) {
			p.fail(fmt.Sprintf("%s[%d]", vp, i), "invalid value %q (valid: %s)", v, strings.Join(valid, ", "))
		}
	}
	return list
}

// Check reports whether the organization chat policy allows r: nil, or an
// *OrgPolicyError (errors.Is ErrOrgPolicy and ErrDenied) naming what is
// forbidden. A nil *OrgPolicy allows everything. Unknown channel types or
// role settings fail when the policy restricts them.
func (p *OrgPolicy) Check(r OrgRequest) error {
	if p == nil {
		return nil
	}
	pl := p.platforms[r.Platform]
	enabled := true
	switch {
	case pl != nil && pl.client != nil:
		enabled = *pl.client
	case p.defaultClient != nil:
		enabled = *p.defaultClient
	}
	if !enabled {
		return &OrgPolicyError{Field: "platform", Value: r.Platform, Allowed: p.enabledPlatforms()}
	}
	if pl == nil {
		return nil
	}
	settings := pl.def
	switch r.Platform {
	case PlatformSlack:
		if pl.workspaces != nil && !listAllows(pl.workspaces, r.WorkspaceID) {
			return &OrgPolicyError{Field: "workspace", Value: r.WorkspaceID, Allowed: pl.workspaces}
		}
		if o, ok := pl.slackOver[r.WorkspaceID]; ok {
			settings = overlay(settings, o)
		}
		if settings.channelTypes != nil && !listAllows(settings.channelTypes, r.ChannelType) {
			return &OrgPolicyError{Field: "channel type", Value: r.ChannelType, Allowed: settings.channelTypes}
		}
	case PlatformTeams:
		if pl.tenants != nil {
			teams, ok := pl.tenants[r.WorkspaceID]
			if !ok {
				return &OrgPolicyError{Field: "tenant", Value: r.WorkspaceID, Allowed: sortedKeys(pl.tenants)}
			}
			if teams != nil && !listAllows(teams, r.TeamID) {
				return &OrgPolicyError{Field: "team", Value: r.TeamID, Allowed: teams}
			}
		}
		if o, ok := pl.teamsOver[r.WorkspaceID][r.TeamID]; ok {
			settings = overlay(settings, o)
		}
	}
	if settings.roles != nil && !listAllows(settings.roles, r.RoleSetting) {
		return &OrgPolicyError{Field: "role setting", Value: r.RoleSetting, Allowed: settings.roles}
	}
	return nil
}

func (p *OrgPolicy) enabledPlatforms() []string {
	var out []string
	for _, name := range []string{PlatformSlack, PlatformTeams, PlatformChime} {
		pl := p.platforms[name]
		enabled := true
		switch {
		case pl != nil && pl.client != nil:
			enabled = *pl.client
		case p.defaultClient != nil:
			enabled = *p.defaultClient
		}
		if enabled {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		out = []string{"none"}
	}
	return out
}

// listAllows treats "*" as every value; an empty value is never allowed by a
// list, so unknown inputs fail closed.
func listAllows(list []string, v string) bool {
	if v == "" {
		return false
	}
	for _, x := range list {
		if x == v || x == "*" {
			return true
		}
	}
	return false
}

func overlay(base, o orgSettings) orgSettings {
	if o.channelTypes != nil {
		base.channelTypes = o.channelTypes
	}
	if o.roles != nil {
		base.roles = o.roles
	}
	return base
}
