package chatops

import (
	"errors"
	"fmt"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/guardrail"
)

// SessionPolicy returns the session policies the command session of this
// configuration carries to AWS for a user: the managed guardrail ARNs, and
// one inline document with the inline guardrails and the built-in
// blocklist (see guardrail.NewSessionPolicy). AWS then enforces the same
// rules as the local check, so a mistake in the local check can at worst
// refuse a command, never let one through.
func (c *ChannelConfig) SessionPolicy(conv chat.Conversation, userID string) (*guardrail.SessionPolicy, error) {
	inline := make([][]byte, len(c.GuardrailPolicyDocuments))
	for i, np := range c.GuardrailPolicyDocuments {
		inline[i] = np.Document
	}
	sp, err := guardrail.NewSessionPolicy(c.GuardrailPolicyARNs, inline, guardrail.SessionContext{
		Platform:          string(c.Platform),
		WorkspaceID:       conv.WorkspaceID,
		ChannelID:         conv.ChannelID,
		UserID:            userID,
		ConfigurationName: c.Name,
	})
	if err != nil {
		return nil, fmt.Errorf("configuration %s: session policy: %w", c.Name, err)
	}
	return sp, nil
}

// sessionPolicyProblems checks at load that the configuration's guardrails
// can be handed to AWS as session policies: a configuration whose
// guardrails AWS could not enforce is refused (fail closed), with the
// reason, instead of running commands that only the local check bounds.
// Inline documents that do not parse are reported here too, so every
// configuration error arrives in one round.
func (c *ChannelConfig) sessionPolicyProblems(path string) []*FieldError {
	if c.Platform == chat.PlatformChime {
		return nil // notifications only: no commands, no sessions
	}
	var errs []*FieldError
	for j, np := range c.GuardrailPolicyDocuments {
		if _, err := guardrail.ParseNamedPolicy(np.Name, np.Document); err != nil {
			errs = append(errs, &FieldError{Path: fmt.Sprintf("%s.GuardrailPolicyDocuments[%d]", path, j), Msg: err.Error()})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	// Decided for the channel; the user is known only per command, and
	// statements on it are handled conservatively here.
	_, err := c.SessionPolicy(chat.Conversation{Platform: c.Platform, WorkspaceID: c.WorkspaceID, ChannelID: c.ChannelID}, "")
	switch {
	case err == nil:
		return nil
	case errors.Is(err, guardrail.ErrSessionPolicyTooLarge):
		return []*FieldError{{Path: path + ".GuardrailPolicies", Msg: "the guardrails do not fit in AWS's session policy limits, so AWS could not enforce them: " + err.Error()}}
	default:
		return []*FieldError{{Path: path + ".GuardrailPolicyDocuments", Msg: "AWS could not enforce these guardrails as session policies: " + err.Error()}}
	}
}
