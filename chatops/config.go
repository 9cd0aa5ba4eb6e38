package chatops

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/opschat/opschat/chat"
)

// LoggingLevel is a configuration's delivery logging level, as AWS Chatbot
// names them.
type LoggingLevel string

// Logging levels.
const (
	LoggingNone  LoggingLevel = "NONE"
	LoggingError LoggingLevel = "ERROR"
	LoggingInfo  LoggingLevel = "INFO"
)

// CloudFormation resource types a configuration file may use.
const (
	TypeSlack        = "AWS::Chatbot::SlackChannelConfiguration"
	TypeTeams        = "AWS::Chatbot::MicrosoftTeamsChannelConfiguration"
	TypeChime        = "AWS::Chatbot::ChimeWebhookConfiguration" // no CloudFormation resource exists; named like one
	TypeCustomAction = "AWS::Chatbot::CustomAction"
	// TypeGeneric is opschat's own form for other adapters (the console, the
	// fake adapter in tests, third-party platforms): Platform, WorkspaceId
	// and ChannelId name the channel.
	TypeGeneric = "OpsChat::ChannelConfiguration"
)

// ChannelConfig maps one chat channel to SNS topics, an IAM role and
// guardrail policies: one AWS Chatbot channel configuration.
type ChannelConfig struct {
	// Name is the ConfigurationName: unique, 1-128 of [A-Za-z0-9-_].
	Name     string
	Platform chat.Platform
	// WorkspaceID is the Slack workspace (team) ID or the Teams tenant ID.
	WorkspaceID string
	// TeamID is the Teams team ID (a UUID).
	TeamID string
	// ChannelID is the Slack channel ID or the Teams channel ID, decoded
	// ("19:abc@thread.tacv2" even when the file has "19%3aabc%40thread.tacv2").
	ChannelID   string
	ChannelName string
	// WebhookURL is the Chime incoming-webhook URL. It carries a token:
	// never log it (String and the audit log omit it).
	WebhookURL         Secret
	WebhookDescription string

	IAMRoleARN string
	// UserRoleRequired makes every member choose their own role
	// (`switch-role`) instead of using IAMRoleARN.
	UserRoleRequired bool
	// UserRoleARNs lists the roles members may choose from (opschat
	// extension; AWS Chatbot lets members pick any role they can assume).
	UserRoleARNs []string
	SNSTopicARNs []string
	// GuardrailPolicyARNs are managed IAM policy ARNs whose intersection
	// with the role bounds what the channel may do.
	GuardrailPolicyARNs []string
	// GuardrailPolicyDocuments are inline IAM policy documents used as
	// guardrails (opschat extension), by name.
	GuardrailPolicyDocuments []NamedPolicy
	LoggingLevel             LoggingLevel
	// CustomizationResourceARNs name custom actions attached to the channel.
	CustomizationResourceARNs []string
	Tags                      map[string]string

	// DefaultRegion is the region commands run in when none is given
	// (opschat extension).
	DefaultRegion string
	// DirectMessages lets members of the workspace use the bot in direct
	// messages under this configuration, always with their own user role
	// (opschat extension; AWS Chatbot has no direct messages).
	DirectMessages bool
	// FilterPolicy is an SNS subscription filter policy applied to this
	// channel's notifications; FilterPolicyScope is "MessageAttributes"
	// (default) or "MessageBody" (opschat extension).
	FilterPolicy      json.RawMessage
	FilterPolicyScope string
	// EventPattern is an EventBridge event pattern applied to this
	// channel's EventBridge notifications (opschat extension).
	EventPattern json.RawMessage

	sourcePath string // where the configuration came from, for error paths
}

// NamedPolicy is an inline guardrail policy.
type NamedPolicy struct {
	Name     string
	Document json.RawMessage
}

// String describes the configuration for logs, without secrets.
func (c ChannelConfig) String() string {
	return fmt.Sprintf("%s (%s %s/%s)", c.Name, c.Platform, c.WorkspaceID, c.ChannelID)
}

// ARN returns the configuration's AWS Chatbot-style ARN for account, as used
// in the aws:ChatbotSourceArn condition key.
func (c *ChannelConfig) ARN(partition, account string) string {
	kind := map[chat.Platform]string{chat.PlatformSlack: "slack-channel", chat.PlatformTeams: "microsoft-teams-channel", chat.PlatformChime: "chime-webhook"}[c.Platform]
	if kind == "" {
		kind = string(c.Platform) + "-channel"
	}
	if partition == "" {
		partition = "aws"
	}
	return fmt.Sprintf("arn:%s:chatbot::%s:chat-configuration/%s/%s", partition, account, kind, c.Name)
}

// CustomAction is an AWS::Chatbot::CustomAction: a command that can run as
// an alias or as a button on matching notifications.
type CustomAction struct {
	ActionName  string
	AliasName   string
	CommandText string
	Attachments []CustomActionAttachment
}

// CustomActionAttachment says when a custom action shows as a button.
type CustomActionAttachment struct {
	ButtonText       string
	NotificationType string
	Criteria         []CustomActionCriterion
	Variables        map[string]string
}

// CustomActionCriterion is one condition for a custom action button.
type CustomActionCriterion struct {
	Operator     string // HAS_VALUE or EQUALS
	VariableName string
	Value        string
}

// Config is a set of channel configurations and custom actions.
type Config struct {
	Configurations []ChannelConfig
	CustomActions  []CustomAction
}

// ErrInvalidConfig is matched (errors.Is) by every configuration error.
var ErrInvalidConfig = errors.New("chatops: invalid configuration")

// FieldError is one problem in a configuration file, at a field path such as
// "configurations[2].IamRoleArn".
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// Is makes every FieldError match ErrInvalidConfig.
func (e *FieldError) Is(target error) bool { return target == ErrInvalidConfig }

// LoadConfigFile reads a configuration file (YAML or JSON).
func LoadConfigFile(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("chatops: read config: %w", err)
	}
	cfg, err := LoadConfig(data)
	if err != nil {
		return nil, fmt.Errorf("chatops: %s: %w", path, err)
	}
	return cfg, nil
}

// LoadConfig parses and validates a configuration document, YAML or JSON.
// Three shapes are accepted:
//
//   - {"configurations": [ ... ], "customActions": [ ... ]}, each
//     configuration either the CloudFormation properties themselves (the
//     platform inferred from SlackWorkspaceId / TeamsTenantId / WebhookUrl)
//     or {"Type": "AWS::Chatbot::...", "Properties": {...}};
//   - a CloudFormation template: {"Resources": {"Name": {"Type": ..., "Properties": ...}}},
//     so an AWS Chatbot user can paste theirs (other resource types are ignored);
//   - a single configuration object.
//
// Every problem is reported at once, joined, each a *FieldError with its path.
func LoadConfig(data []byte) (*Config, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &FieldError{Path: "(document)", Msg: "empty configuration"}
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, &FieldError{Path: "(document)", Msg: "not valid YAML or JSON: " + err.Error()}
	}
	var root any
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil {
		return nil, &FieldError{Path: "(document)", Msg: "not valid YAML or JSON: " + err.Error()}
	}
	p := &parser{}
	cfg := p.document(root)
	// Every problem in one round: the checks run even when some fields
	// could not be read, minus what those fields' own errors already say
	// (a misspelled IamRoleARN is not also "IamRoleArn: required").
	p.errs = append(p.errs, withoutEchoes(cfg.validate(), p.errs)...)
	if len(p.errs) > 0 {
		return nil, joinFieldErrors(p.errs)
	}
	return cfg, nil
}

// Validate checks c as LoadConfig does, for configurations built in code.
func (c *Config) Validate() error {
	if errs := c.validate(); len(errs) > 0 {
		return joinFieldErrors(errs)
	}
	return nil
}

// withoutEchoes drops the validation errors that repeat a parse error: at
// a path that failed to parse, or a required field whose misspelling was
// reported with a suggestion of that field.
func withoutEchoes(validation, parse []*FieldError) []*FieldError {
	var out []*FieldError
	for _, v := range validation {
		echo := false
		for _, pe := range parse {
			parent, field, _ := cutLast(v.Path)
			peParent, _, _ := cutLast(pe.Path)
			if pe.Path == v.Path || strings.HasPrefix(v.Path, pe.Path+".") || strings.HasPrefix(v.Path, pe.Path+"[") ||
				peParent == parent && strings.Contains(pe.Msg, fmt.Sprintf("%q", field)) {
				echo = true
				break
			}
		}
		if !echo {
			out = append(out, v)
		}
	}
	return out
}

// cutLast splits "configurations[0].IamRoleArn" into its parent and last field.
func cutLast(path string) (parent, field string, ok bool) {
	i := strings.LastIndexByte(path, '.')
	if i < 0 {
		return "", path, false
	}
	return path[:i], path[i+1:], true
}

func joinFieldErrors(errs []*FieldError) error {
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return errors.Join(out...)
}

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
