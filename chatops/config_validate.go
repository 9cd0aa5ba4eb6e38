package chatops

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/opschat/opschat/chat"
)

// Patterns AWS enforces on channel configurations.
var (
	reConfigName   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	reRoleARN      = regexp.MustCompile(`^arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)
	rePolicyARN    = regexp.MustCompile(`^arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::(\d{12}|aws):policy/[\w+=,.@/-]{1,512}$`)
	reTopicARN     = regexp.MustCompile(`^arn:aws(-cn|-us-gov|-iso|-iso-b)?:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[\w-]{1,256}(\.fifo)?$`)
	reSlackTeam    = regexp.MustCompile(`^[0-9A-Z]{1,255}$`)
	reSlackChannel = regexp.MustCompile(`^[A-Za-z0-9]{1,255}$`)
	reUUID         = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	reTeamsChannel = regexp.MustCompile(`^[^\s%]*:[^\s%]*@[^\s%]*$`)
	reChimeWebhook = regexp.MustCompile(`^https://hooks\.chime\.aws/incomingwebhooks/[A-Za-z0-9\-]+?\?token=[A-Za-z0-9\-]+$`)
	reRegion       = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
	reActionName   = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	reAliasName    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,30}$`)
)

func (c *Config) validate() []*FieldError {
	var errs []*FieldError
	fail := func(path, format string, args ...any) {
		errs = append(errs, &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	names := map[string]string{}
	channels := map[string]string{}
	for i := range c.Configurations {
		cc := &c.Configurations[i]
		path := cc.sourcePath
		if path == "" {
			path = fmt.Sprintf("configurations[%d]", i)
		}
		switch {
		case cc.Name == "":
			fail(path+".ConfigurationName", "required")
		case !reConfigName.MatchString(cc.Name):
			fail(path+".ConfigurationName", "must be 1-128 characters of A-Z, a-z, 0-9, - and _ (got %q)", cc.Name)
		case names[cc.Name] != "":
			fail(path+".ConfigurationName", "%q is already used by %s", cc.Name, names[cc.Name])
		default:
			names[cc.Name] = path
		}
		switch {
		case cc.IAMRoleARN == "":
			fail(path+".IamRoleArn", "required")
		case !reRoleARN.MatchString(cc.IAMRoleARN):
			fail(path+".IamRoleArn", "not an IAM role ARN (arn:aws:iam::123456789012:role/name), got %q", cc.IAMRoleARN)
		}
		for j, a := range cc.UserRoleARNs {
			if !reRoleARN.MatchString(a) {
				fail(fmt.Sprintf("%s.UserRoleArns[%d]", path, j), "not an IAM role ARN, got %q", a)
			}
		}
		for j, a := range cc.SNSTopicARNs {
			if !reTopicARN.MatchString(a) {
				fail(fmt.Sprintf("%s.SnsTopicArns[%d]", path, j), "not an SNS topic ARN (arn:aws:sns:us-east-1:123456789012:topic), got %q", a)
			}
		}
		for j, a := range cc.GuardrailPolicyARNs {
			switch {
			case !rePolicyARN.MatchString(a):
				fail(fmt.Sprintf("%s.GuardrailPolicies[%d]", path, j), "not an IAM policy ARN (arn:aws:iam::aws:policy/ReadOnlyAccess), got %q", a)
			case strings.Contains(a, "/aws-service-role/"):
				fail(fmt.Sprintf("%s.GuardrailPolicies[%d]", path, j), "service-role policies cannot be guardrails")
			}
		}
		for j, np := range cc.GuardrailPolicyDocuments {
			if np.Name == "" {
				fail(fmt.Sprintf("%s.GuardrailPolicyDocuments[%d]", path, j), "policy name required")
			}
		}
		errs = append(errs, cc.sessionPolicyProblems(path)...)
		switch cc.LoggingLevel {
		case LoggingNone, LoggingError, LoggingInfo:
		default:
			fail(path+".LoggingLevel", "must be ERROR, INFO or NONE, got %q", cc.LoggingLevel)
		}
		if cc.DefaultRegion != "" && !reRegion.MatchString(cc.DefaultRegion) {
			fail(path+".DefaultRegion", "not a region name like us-east-1, got %q", cc.DefaultRegion)
		}
		switch cc.FilterPolicyScope {
		case "", "MessageAttributes", "MessageBody":
		default:
			fail(path+".FilterPolicyScope", "must be MessageAttributes or MessageBody, got %q", cc.FilterPolicyScope)
		}
		for k, v := range cc.Tags {
			if len(k) < 1 || len(k) > 128 {
				fail(path+".Tags."+k, "tag keys must be 1-128 characters")
			}
			if len(v) > 256 {
				fail(path+".Tags."+k, "tag values must be at most 256 characters")
			}
		}
		switch cc.Platform {
		case chat.PlatformSlack:
			switch {
			case cc.WorkspaceID == "":
				fail(path+".SlackWorkspaceId", "required")
			case !reSlackTeam.MatchString(cc.WorkspaceID):
				fail(path+".SlackWorkspaceId", "not a Slack workspace ID (upper-case letters and digits, like T012AB3CD), got %q", cc.WorkspaceID)
			}
			switch {
			case cc.ChannelID == "":
				fail(path+".SlackChannelId", "required")
			case !reSlackChannel.MatchString(cc.ChannelID):
				fail(path+".SlackChannelId", "not a Slack channel ID (letters and digits, like C012AB3CD), got %q", cc.ChannelID)
			}
		case chat.PlatformTeams:
			if !reUUID.MatchString(cc.WorkspaceID) {
				fail(path+".TeamsTenantId", "not a tenant ID (a UUID), got %q", cc.WorkspaceID)
			}
			if !reUUID.MatchString(cc.TeamID) {
				fail(path+".TeamId", "not a team ID (a UUID), got %q", cc.TeamID)
			}
			switch {
			case cc.ChannelID == "":
				fail(path+".TeamsChannelId", "required")
			case !reTeamsChannel.MatchString(cc.ChannelID):
				fail(path+".TeamsChannelId", "not a Teams channel ID (19%%3a...%%40thread.tacv2), got %q", cc.ChannelID)
			}
		case "":
			fail(path+".Platform", "required")
		default:
			if cc.ChannelID == "" {
				fail(path+".ChannelId", "required")
			}
		case chat.PlatformChime:
			switch {
			case cc.WebhookURL == "":
				fail(path+".WebhookUrl", "required")
			case len(cc.WebhookURL) > 255 || !reChimeWebhook.MatchString(cc.WebhookURL.Reveal()):
				// Never echo the URL: it carries the webhook's token.
				fail(path+".WebhookUrl", "not a Chime incoming-webhook URL (https://hooks.chime.aws/incomingwebhooks/ID?token=TOKEN)")
			}
			if cc.WebhookDescription == "" {
				fail(path+".WebhookDescription", "required (by convention RoomName/WebhookName)")
			}
			if cc.UserRoleRequired || cc.DirectMessages {
				fail(path, "Chime configurations are notifications only: UserRoleRequired and DirectMessages do not apply")
			}
		}
		if cc.Platform != chat.PlatformChime && cc.ChannelID != "" {
			// As in AWS Chatbot: one configuration per channel per AWS
			// account; a channel with several asks each member which
			// account their commands go to (set default-account).
			key := string(cc.Platform) + "/" + cc.WorkspaceID + "/" + cc.ChannelID + "/" + roleAccount(cc.IAMRoleARN)
			if prev := channels[key]; prev != "" {
				fail(path, "channel %s is already configured for account %s by %s (one configuration per channel per account)", cc.ChannelID, roleAccount(cc.IAMRoleARN), prev)
			}
			channels[key] = path
		}
	}
	actions := map[string]bool{}
	for i, a := range c.CustomActions {
		path := fmt.Sprintf("customActions[%d]", i)
		if !reActionName.MatchString(a.ActionName) {
			fail(path+".ActionName", "must be 1-64 characters of A-Z, a-z, 0-9, - and _ (got %q)", a.ActionName)
		} else if actions[a.ActionName] {
			fail(path+".ActionName", "%q is defined twice", a.ActionName)
		}
		actions[a.ActionName] = true
		if a.AliasName != "" && !reAliasName.MatchString(a.AliasName) {
			fail(path+".AliasName", "must be 1-30 characters of A-Z, a-z, 0-9, - and _ (got %q)", a.AliasName)
		}
		if a.CommandText == "" || len(a.CommandText) > 5000 {
			fail(path+".Definition.CommandText", "required, at most 5,000 characters")
		}
		for j, at := range a.Attachments {
			ap := fmt.Sprintf("%s.Attachments[%d]", path, j)
			if n := len([]rune(at.ButtonText)); n < 1 || n > 50 {
				fail(ap+".ButtonText", "must be 1-50 characters")
			}
			if len(at.Criteria) > 5 {
				fail(ap+".Criteria", "at most 5 criteria")
			}
			if len(at.Variables) > 5 {
				fail(ap+".Variables", "at most 5 variables")
			}
			for k, cr := range at.Criteria {
				if cr.Operator != "HAS_VALUE" && cr.Operator != "EQUALS" {
					fail(fmt.Sprintf("%s.Criteria[%d].Operator", ap, k), "must be HAS_VALUE or EQUALS, got %q", cr.Operator)
				}
				if cr.VariableName == "" {
					fail(fmt.Sprintf("%s.Criteria[%d].VariableName", ap, k), "required")
				}
			}
		}
	}
	return errs
}
