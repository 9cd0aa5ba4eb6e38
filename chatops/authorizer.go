package chatops

import (
	"context"
	"errors"
	"fmt"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/guardrail"
)

// GuardrailAuthorizer is the standard Authorizer: AWS Chatbot's permission
// model evaluated locally, before any AWS call.
//
// For every command, in order: the organisation chat policy (platform,
// workspace, team, channel type, role setting); the built-in blocklist of
// credential services (always, whatever the policies say); the channel's
// guardrail policies (managed policy ARNs through a Resolver, and inline
// documents) as one layer that must allow; and any organisation-wide layers
// given with WithOrganizationLayer. A configuration with no guardrail
// policies gets AWS Chatbot's default, AdministratorAccess: only the
// blocklist and the role limit it. The role's own policies are enforced by
// AWS at call time (the guardrail ARNs are also passed as session policies).
//
// It is safe for concurrent use.
type GuardrailAuthorizer struct {
	resolver guardrail.Resolver
	org      *guardrail.OrgPolicy
	orgWide  []guardrail.Layer
	inline   map[string][]*guardrail.Policy // configuration name → compiled inline guardrails
}

var _ Authorizer = (*GuardrailAuthorizer)(nil)

// GuardrailOption configures a GuardrailAuthorizer.
type GuardrailOption func(*GuardrailAuthorizer) error

// WithPolicyResolver resolves managed guardrail policy ARNs (for example
// guardrail.NewCachingResolver over guardrail/iamresolver). Without one, a
// configuration naming guardrail ARNs refuses every command, saying why.
func WithPolicyResolver(r guardrail.Resolver) GuardrailOption {
	return func(a *GuardrailAuthorizer) error { a.resolver = r; return nil }
}

// WithOrgPolicy applies an organisation chat policy (AWS Organizations'
// chatbot policy type, see guardrail.ParseOrgPolicy).
func WithOrgPolicy(p *guardrail.OrgPolicy) GuardrailOption {
	return func(a *GuardrailAuthorizer) error { a.org = p; return nil }
}

// WithOrganizationLayer adds a layer every command must also pass, such as
// an SCP-like policy set for every channel.
func WithOrganizationLayer(name string, policies ...*guardrail.Policy) GuardrailOption {
	return func(a *GuardrailAuthorizer) error {
		if len(policies) == 0 {
			return fmt.Errorf("WithOrganizationLayer %q: no policies", name)
		}
		a.orgWide = append(a.orgWide, guardrail.Layer{Name: name, Policies: policies})
		return nil
	}
}

// NewGuardrailAuthorizer compiles the inline guardrail documents of cfg;
// every invalid document is reported, with its configuration and name.
func NewGuardrailAuthorizer(cfg *Config, opts ...GuardrailOption) (*GuardrailAuthorizer, error) {
	a := &GuardrailAuthorizer{inline: map[string][]*guardrail.Policy{}}
	var errs []error
	for _, o := range opts {
		if err := o(a); err != nil {
			errs = append(errs, err)
		}
	}
	if cfg != nil {
		for _, cc := range cfg.Configurations {
			for _, np := range cc.GuardrailPolicyDocuments {
				p, err := guardrail.ParseNamedPolicy(np.Name, np.Document)
				if err != nil {
					errs = append(errs, fmt.Errorf("configuration %s, guardrail %s: %w", cc.Name, np.Name, err))
					continue
				}
				a.inline[cc.Name] = append(a.inline[cc.Name], p)
			}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("chatops: guardrails: %w", errors.Join(errs...))
	}
	return a, nil
}

// Authorize decides req. A denial is an AuthResult with the reason; an error
// means the decision could not be made (the bot then refuses too).
func (a *GuardrailAuthorizer) Authorize(ctx context.Context, req AuthRequest) (AuthResult, error) {
	cfg := req.Config
	conv := req.Inbound.Conversation
	if a.org != nil {
		if err := a.org.Check(orgRequest(cfg, conv)); err != nil {
			var oe *guardrail.OrgPolicyError
			if errors.As(err, &oe) {
				return AuthResult{Reason: oe.Error() + " Contact your organisation's administrator."}, nil
			}
			return AuthResult{}, err
		}
	}
	policies := append([]*guardrail.Policy(nil), a.inline[cfg.Name]...)
	for _, arn := range cfg.GuardrailPolicyARNs {
		if a.resolver == nil {
			return AuthResult{Reason: fmt.Sprintf("the guardrail policy `%s` cannot be checked: this bot has no policy resolver", arn)}, nil
		}
		p, err := a.resolver.ResolvePolicy(ctx, arn)
		if err != nil {
			return AuthResult{}, fmt.Errorf("resolve guardrail %s: %w", arn, err)
		}
		policies = append(policies, p)
	}
	inv := req.Invocation
	withDecryption, _ := inv.Params["with-decryption"].(bool)
	greq := guardrail.CommandRequest(inv.Action(), "", guardrail.CommandContext{
		Region:            req.Region,
		Time:              req.Time,
		Platform:          string(conv.Platform),
		WorkspaceID:       conv.WorkspaceID,
		ChannelID:         conv.ChannelID,
		UserID:            req.Inbound.User.ID,
		ConfigurationName: cfg.Name,
		WithDecryption:    withDecryption,
	})
	var layers []guardrail.Layer
	if len(policies) > 0 {
		layers = append(layers, guardrail.Layer{Name: "guardrail", Policies: policies})
	} else {
		// AWS Chatbot's default guardrail is AdministratorAccess; the
		// blocklist (always applied by Authorize) still holds.
		layers = append(layers, guardrail.Layer{Name: "guardrail", Policies: []*guardrail.Policy{administratorAccess}})
	}
	layers = append(layers, a.orgWide...)
	// Every IAM action the operation needs must be allowed (s3api
	// copy-object: s3:GetObject and s3:PutObject), as AWS checks them.
	// The request context is read once (guardrail.NewContext refuses keys
	// that differ only by case: conditions on them are undecidable) and
	// the decision made without allocating; the explanation, which
	// allocates, is built only for a refusal, whose reason the user sees.
	gctx, err := guardrail.NewContext(greq.Context)
	if err != nil {
		return AuthResult{}, fmt.Errorf("guardrail request context: %w", err)
	}
	actions := inv.Actions()
	if d, _ := gctx.DecideActions(actions, greq.Resource, layers...); d == guardrail.Allow {
		return AuthResult{Allowed: true}, nil
	}
	exp, err := guardrail.AuthorizeActions(actions, greq.Resource, greq.Context, layers...)
	if err != nil {
		if errors.Is(err, guardrail.ErrDenied) {
			return AuthResult{Reason: exp.String()}, nil
		}
		return AuthResult{}, err
	}
	// Both paths decide with the same index; should they ever disagree,
	// the refusal stands.
	return AuthResult{}, errors.New("guardrail: the decision and its explanation disagree")
}

var administratorAccess = func() *guardrail.Policy {
	p, err := guardrail.ParseNamedPolicy("AdministratorAccess (default)", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`))
	if err != nil {
		panic(err) // a constant document
	}
	return p
}()

func orgRequest(cfg *ChannelConfig, conv chat.Conversation) guardrail.OrgRequest {
	r := guardrail.OrgRequest{WorkspaceID: cfg.WorkspaceID, TeamID: cfg.TeamID, RoleSetting: guardrail.RoleChannel}
	switch cfg.Platform {
	case chat.PlatformSlack:
		r.Platform = guardrail.PlatformSlack
		r.ChannelType = guardrail.ChannelPublic
		if conv.Private || conv.Type == chat.ConversationDirect || conv.Type == chat.ConversationGroup {
			r.ChannelType = guardrail.ChannelPrivate
		}
	case chat.PlatformTeams:
		r.Platform = guardrail.PlatformTeams
	case chat.PlatformChime:
		r.Platform = guardrail.PlatformChime
	default:
		r.Platform = string(cfg.Platform)
	}
	if cfg.UserRoleRequired || conv.Type == chat.ConversationDirect {
		r.RoleSetting = guardrail.RoleUser
	}
	return r
}
