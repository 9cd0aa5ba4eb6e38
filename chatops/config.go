package chatops

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
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
