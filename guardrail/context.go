package guardrail

import (
	"strconv"
	"strings"
	"time"
)

var builtKeys = [...]string{KeyRequestedRegion, KeyCurrentTime, KeyEpochTime, KeySecureTransport, KeyPlatform,
	KeyWorkspaceID, KeyChannelID, KeyUserID, KeyConfigurationName, KeyWithDecryption}

func isBuiltKey(k string) bool {
	for _, b := range builtKeys {
		if strings.EqualFold(k, b) {
			return true
		}
	}
	return false
}

// Condition keys the bot puts in the request context of a chat command.
// The aws: keys mean what they mean in IAM; the chatops: keys are ours, so
// administrators can write channel-aware guardrails, e.g. deny
// ec2:TerminateInstances unless chatops:ChannelId is the on-call channel.
const (
	// KeyRequestedRegion is the Region the command targets (--region or the
	// configuration's default).
	KeyRequestedRegion = "aws:RequestedRegion"
	// KeyCurrentTime is the evaluation time, RFC 3339 in UTC.
	KeyCurrentTime = "aws:CurrentTime"
	// KeyEpochTime is the evaluation time in seconds since the Unix epoch.
	KeyEpochTime = "aws:EpochTime"
	// KeySecureTransport is "true" when the AWS call goes over TLS, which is
	// always the case unless the host pointed the SDK at a plain-HTTP endpoint.
	KeySecureTransport = "aws:SecureTransport"
	// KeyPlatform is the chat platform: "slack", "microsoft_teams", "chime"
	// or whatever the adapter reports. The chat package's name for Teams,
	// "teams", is normalised to "microsoft_teams" (the organization chat
	// policy's name), so one spelling works in every policy.
	KeyPlatform = "chatops:Platform"
	// KeyWorkspaceID is the Slack workspace (team) id or Teams tenant id.
	KeyWorkspaceID = "chatops:WorkspaceId"
	// KeyChannelID is the chat channel id.
	KeyChannelID = "chatops:ChannelId"
	// KeyUserID is the chat user's id on the platform.
	KeyUserID = "chatops:UserId"
	// KeyConfigurationName is the channel configuration's name.
	KeyConfigurationName = "chatops:ConfigurationName"
	// KeyWithDecryption is "true" when the command asks AWS to decrypt
	// (ssm get-parameter(s) --with-decryption) and "false" otherwise. The
	// built-in blocklist denies ssm:GetParameter* unless it is "false", so a
	// caller that does not set it fails closed.
	KeyWithDecryption = "chatops:WithDecryption"
)

// CommandContext is what the bot knows about a chat command when it builds
// the request context. Empty strings are left out of the context, so Null
// conditions and IfExists see them as absent.
type CommandContext struct {
	Region            string
	Time              time.Time // zero means time.Now()
	InsecureTransport bool      // set only when the SDK talks plain HTTP (local emulators)
	Platform          string
	WorkspaceID       string
	ChannelID         string
	UserID            string
	ConfigurationName string
	WithDecryption    bool
	// Extra keys, e.g. "aws:username" or "aws:PrincipalTag/team", for
	// policies that use them as variables. Keys named like the keys above (in any
	// letter case) are ignored, even when the field above is empty. Extra
	// keys that differ from each other only by case are kept, and a
	// condition on them fails closed (see Request).
	Extra map[string][]string
}

// Map returns the request context for c. The map is new on every call; the
// caller may modify it.
func (c CommandContext) Map() map[string][]string {
	m := make(map[string][]string, 10+len(c.Extra))
	for k, v := range c.Extra {
		// Key names are case-insensitive in conditions: an Extra key that
		// differs from a built key only by case would shadow it for a
		// policy spelling it that way, so it is dropped.
		if isBuiltKey(k) {
			continue
		}
		m[k] = v
	}
	t := c.Time
	if t.IsZero() {
		t = time.Now()
	}
	t = t.UTC()
	m[KeyCurrentTime] = []string{t.Format(time.RFC3339)}
	m[KeyEpochTime] = []string{strconv.FormatInt(t.Unix(), 10)}
	m[KeySecureTransport] = []string{strconv.FormatBool(!c.InsecureTransport)}
	m[KeyWithDecryption] = []string{strconv.FormatBool(c.WithDecryption)}
	set := func(k, v string) {
		if v != "" {
			m[k] = []string{v}
		}
	}
	set(KeyRequestedRegion, c.Region)
	set(KeyPlatform, platformValue(c.Platform))
	set(KeyWorkspaceID, c.WorkspaceID)
	set(KeyChannelID, c.ChannelID)
	set(KeyUserID, c.UserID)
	set(KeyConfigurationName, c.ConfigurationName)
	return m
}

// CommandRequest builds the Request for a chat command. resource is the ARN
// the command acts on, or "" when it is not known, which makes evaluation
// fail closed (see UnknownResource).
func CommandRequest(action, resource string, c CommandContext) Request {
	if resource == "" {
		resource = UnknownResource
	}
	return Request{Action: action, Resource: resource, Context: c.Map()}
}

// platformValue is the KeyPlatform value of a chat platform name: the chat
// package's "teams" is the organization chat policy's "microsoft_teams".
func platformValue(p string) string {
	if strings.EqualFold(p, "teams") {
		return PlatformTeams
	}
	return p
}
