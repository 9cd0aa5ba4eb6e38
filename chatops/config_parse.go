package chatops

import (
	"fmt"
	"net/url"
	"slices"
	"sort"

	"github.com/opschat/opschat/chat"
)

// parser turns a decoded configuration document into a Config, collecting
// every problem with its field path instead of stopping at the first, so
// one run of LoadConfig reports all of them.
type parser struct {
	errs []*FieldError
}

func (p *parser) fail(path, format string, args ...any) {
	p.errs = append(p.errs, &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) document(root any) *Config {
	cfg := &Config{}
	obj, ok := root.(map[string]any)
	if !ok {
		p.fail("(document)", "expected an object with \"configurations\" or \"Resources\", got %s", kindOf(root))
		return cfg
	}
	switch {
	case obj["Resources"] != nil:
		p.resources(obj["Resources"], cfg)
		for k := range obj {
			switch k {
			case "Resources", "AWSTemplateFormatVersion", "Description", "Parameters", "Outputs", "Metadata", "Conditions", "Mappings", "Transform":
			default:
				p.fail(k, "unknown top-level key in a CloudFormation template")
			}
		}
	case obj["configurations"] != nil || obj["customActions"] != nil:
		for k, v := range obj {
			switch k {
			case "configurations":
				list, ok := v.([]any)
				if !ok {
					p.fail(k, "expected a list, got %s", kindOf(v))
					continue
				}
				for i, item := range list {
					path := fmt.Sprintf("configurations[%d]", i)
					if c, ok := p.configuration(path, item); ok {
						cfg.Configurations = append(cfg.Configurations, c)
					}
				}
			case "customActions":
				list, ok := v.([]any)
				if !ok {
					p.fail(k, "expected a list, got %s", kindOf(v))
					continue
				}
				for i, item := range list {
					if a, ok := p.customAction(fmt.Sprintf("customActions[%d]", i), item); ok {
						cfg.CustomActions = append(cfg.CustomActions, a)
					}
				}
			default:
				p.fail(k, "unknown top-level key%s", suggest(k, []string{"configurations", "customActions"}))
			}
		}
	default:
		if c, ok := p.configuration("(document)", obj); ok {
			cfg.Configurations = append(cfg.Configurations, c)
		}
	}
	return cfg
}

func (p *parser) resources(v any, cfg *Config) {
	res, ok := v.(map[string]any)
	if !ok {
		p.fail("Resources", "expected an object, got %s", kindOf(v))
		return
	}
	names := make([]string, 0, len(res))
	for n := range res {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		path := "Resources." + n
		r, ok := res[n].(map[string]any)
		if !ok {
			p.fail(path, "expected an object, got %s", kindOf(res[n]))
			continue
		}
		typ, _ := r["Type"].(string)
		switch typ {
		case TypeSlack, TypeTeams, TypeChime:
			if c, ok := p.configuration(path, r); ok {
				cfg.Configurations = append(cfg.Configurations, c)
			}
		case TypeCustomAction:
			if a, ok := p.customAction(path, r); ok {
				cfg.CustomActions = append(cfg.CustomActions, a)
			}
		}
	}
}

// unwrap returns the properties of a {"Type","Properties"} object, or the
// object itself, and the declared type.
func (p *parser) unwrap(path string, v any) (map[string]any, string, string, bool) {
	obj, ok := v.(map[string]any)
	if !ok {
		p.fail(path, "expected an object, got %s", kindOf(v))
		return nil, "", "", false
	}
	typ, hasType := obj["Type"]
	if !hasType {
		return obj, "", path, true
	}
	ts, ok := typ.(string)
	if !ok {
		p.fail(path+".Type", "expected a string, got %s", kindOf(typ))
		return nil, "", "", false
	}
	props, ok := obj["Properties"].(map[string]any)
	if !ok {
		p.fail(path+".Properties", "expected an object with the resource's properties")
		return nil, "", "", false
	}
	for k := range obj {
		switch k {
		case "Type", "Properties", "DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy", "Metadata":
		default:
			p.fail(path+"."+k, "unknown resource attribute")
		}
	}
	return props, ts, path, true
}

var configFields = map[chat.Platform][]string{
	chat.PlatformSlack: {"ConfigurationName", "SlackWorkspaceId", "SlackChannelId", "SlackChannelName", "IamRoleArn", "SnsTopicArns", "GuardrailPolicies", "UserRoleRequired", "LoggingLevel", "CustomizationResourceArns", "Tags"},
	chat.PlatformTeams: {"ConfigurationName", "TeamsTenantId", "TeamId", "TeamsChannelId", "TeamsChannelName", "IamRoleArn", "SnsTopicArns", "GuardrailPolicies", "UserRoleRequired", "LoggingLevel", "CustomizationResourceArns", "Tags"},
	chat.PlatformChime: {"ConfigurationName", "WebhookUrl", "WebhookDescription", "IamRoleArn", "SnsTopicArns", "LoggingLevel", "Tags"},
}

var genericFields = []string{"ConfigurationName", "Platform", "WorkspaceId", "ChannelId", "ChannelName", "IamRoleArn", "SnsTopicArns", "GuardrailPolicies", "UserRoleRequired", "LoggingLevel", "CustomizationResourceArns", "Tags"}

// Fields opschat adds to every platform's configuration.
var extensionFields = []string{"GuardrailPolicyDocuments", "UserRoleArns", "DefaultRegion", "DirectMessages", "FilterPolicy", "FilterPolicyScope", "EventPattern"}

func (p *parser) configuration(path string, v any) (ChannelConfig, bool) {
	props, typ, path, ok := p.unwrap(path, v)
	if !ok {
		return ChannelConfig{}, false
	}
	var c ChannelConfig
	switch typ {
	case TypeSlack:
		c.Platform = chat.PlatformSlack
	case TypeTeams:
		c.Platform = chat.PlatformTeams
	case TypeChime:
		c.Platform = chat.PlatformChime
	case TypeGeneric:
		c.Platform = chat.Platform(p.str(path+".Platform", props["Platform"]))
	case "":
		switch {
		case props["Platform"] != nil:
			c.Platform = chat.Platform(p.str(path+".Platform", props["Platform"]))
		case props["SlackWorkspaceId"] != nil || props["SlackChannelId"] != nil:
			c.Platform = chat.PlatformSlack
		case props["TeamsTenantId"] != nil || props["TeamsChannelId"] != nil || props["TeamId"] != nil:
			c.Platform = chat.PlatformTeams
		case props["WebhookUrl"] != nil:
			c.Platform = chat.PlatformChime
		default:
			p.fail(path, "cannot tell the platform: set Type (%s, %s or %s) or the platform's IDs (SlackWorkspaceId, TeamsTenantId or WebhookUrl)", TypeSlack, TypeTeams, TypeChime)
			return ChannelConfig{}, false
		}
	default:
		p.fail(path+".Type", "unknown type %q%s", typ, suggest(typ, []string{TypeSlack, TypeTeams, TypeChime, TypeGeneric}))
		return ChannelConfig{}, false
	}
	fields, ok := configFields[c.Platform]
	if !ok {
		fields = genericFields
	}
	known := append(append([]string(nil), fields...), extensionFields...)
	before := len(p.errs)
	for k, val := range props {
		fp := path + "." + k
		switch k {
		case "ConfigurationName":
			c.Name = p.str(fp, val)
		case "SlackWorkspaceId", "TeamsTenantId":
			c.WorkspaceID = p.str(fp, val)
		case "TeamId":
			c.TeamID = p.str(fp, val)
		case "Platform":
			// Read above.
		case "WorkspaceId":
			c.WorkspaceID = p.str(fp, val)
		case "ChannelId":
			c.ChannelID = p.str(fp, val)
		case "ChannelName":
			c.ChannelName = p.str(fp, val)
		case "SlackChannelId":
			c.ChannelID = p.str(fp, val)
		case "TeamsChannelId":
			raw := p.str(fp, val)
			if dec, err := url.PathUnescape(raw); err == nil {
				c.ChannelID = dec
			} else {
				p.fail(fp, "not a valid URL-encoded Teams channel ID: %v", err)
			}
		case "SlackChannelName", "TeamsChannelName":
			c.ChannelName = p.str(fp, val)
		case "WebhookUrl":
			c.WebhookURL = Secret(p.str(fp, val))
		case "WebhookDescription":
			c.WebhookDescription = p.str(fp, val)
		case "IamRoleArn":
			c.IAMRoleARN = p.str(fp, val)
		case "SnsTopicArns":
			c.SNSTopicARNs = p.strs(fp, val)
		case "GuardrailPolicies":
			c.GuardrailPolicyARNs = p.strs(fp, val)
		case "UserRoleRequired":
			c.UserRoleRequired = p.boolean(fp, val)
		case "DirectMessages":
			c.DirectMessages = p.boolean(fp, val)
		case "LoggingLevel":
			c.LoggingLevel = LoggingLevel(p.str(fp, val))
		case "CustomizationResourceArns":
			c.CustomizationResourceARNs = p.strs(fp, val)
		case "Tags":
			c.Tags = p.tags(fp, val)
		case "UserRoleArns":
			c.UserRoleARNs = p.strs(fp, val)
		case "DefaultRegion":
			c.DefaultRegion = p.str(fp, val)
		case "FilterPolicyScope":
			c.FilterPolicyScope = p.str(fp, val)
		case "FilterPolicy":
			c.FilterPolicy = p.rawJSON(fp, val)
		case "EventPattern":
			c.EventPattern = p.rawJSON(fp, val)
		case "GuardrailPolicyDocuments":
			c.GuardrailPolicyDocuments = p.policies(fp, val)
		default:
			p.fail(fp, "unknown field for %s%s", c.Platform, suggest(k, known))
		}
		if !slices.Contains(known, k) && len(p.errs) == before {
			p.fail(fp, "not a field of %s configurations", c.Platform)
		}
	}
	if c.LoggingLevel == "" {
		c.LoggingLevel = LoggingNone
	}
	c.sourcePath = path
	return c, true
}

func (p *parser) customAction(path string, v any) (CustomAction, bool) {
	props, typ, path, ok := p.unwrap(path, v)
	if !ok {
		return CustomAction{}, false
	}
	if typ != "" && typ != TypeCustomAction {
		p.fail(path+".Type", "expected %s", TypeCustomAction)
		return CustomAction{}, false
	}
	var a CustomAction
	for k, val := range props {
		fp := path + "." + k
		switch k {
		case "ActionName":
			a.ActionName = p.str(fp, val)
		case "AliasName":
			a.AliasName = p.str(fp, val)
		case "Definition":
			def, ok := val.(map[string]any)
			if !ok {
				p.fail(fp, "expected an object with CommandText, got %s", kindOf(val))
				continue
			}
			for dk, dv := range def {
				if dk != "CommandText" {
					p.fail(fp+"."+dk, "unknown field%s", suggest(dk, []string{"CommandText"}))
					continue
				}
				a.CommandText = p.str(fp+".CommandText", dv)
			}
		case "Attachments":
			list, ok := val.([]any)
			if !ok {
				p.fail(fp, "expected a list, got %s", kindOf(val))
				continue
			}
			for i, item := range list {
				a.Attachments = append(a.Attachments, p.attachment(fmt.Sprintf("%s[%d]", fp, i), item))
			}
		case "Tags":
			p.tags(fp, val)
		default:
			p.fail(fp, "unknown field%s", suggest(k, []string{"ActionName", "AliasName", "Definition", "Attachments", "Tags"}))
		}
	}
	return a, true
}

func (p *parser) attachment(path string, v any) CustomActionAttachment {
	var at CustomActionAttachment
	obj, ok := v.(map[string]any)
	if !ok {
		p.fail(path, "expected an object, got %s", kindOf(v))
		return at
	}
	for k, val := range obj {
		fp := path + "." + k
		switch k {
		case "ButtonText":
			at.ButtonText = p.str(fp, val)
		case "NotificationType":
			at.NotificationType = p.str(fp, val)
		case "Variables":
			at.Variables = p.tags(fp, val)
		case "Criteria":
			list, ok := val.([]any)
			if !ok {
				p.fail(fp, "expected a list, got %s", kindOf(val))
				continue
			}
			for i, item := range list {
				cp := fmt.Sprintf("%s[%d]", fp, i)
				m, ok := item.(map[string]any)
				if !ok {
					p.fail(cp, "expected an object, got %s", kindOf(item))
					continue
				}
				var cr CustomActionCriterion
				for ck, cv := range m {
					switch ck {
					case "Operator":
						cr.Operator = p.str(cp+".Operator", cv)
					case "VariableName":
						cr.VariableName = p.str(cp+".VariableName", cv)
					case "Value":
						cr.Value = p.str(cp+".Value", cv)
					default:
						p.fail(cp+"."+ck, "unknown field%s", suggest(ck, []string{"Operator", "VariableName", "Value"}))
					}
				}
				at.Criteria = append(at.Criteria, cr)
			}
		default:
			p.fail(fp, "unknown field%s", suggest(k, []string{"ButtonText", "NotificationType", "Criteria", "Variables"}))
		}
	}
	return at
}
