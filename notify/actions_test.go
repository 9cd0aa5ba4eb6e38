package notify_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/notify"
)

func TestCustomActionButtons(t *testing.T) {
	t.Parallel()
	alarm := decodeSample(t, "testdata/samples/cloudwatch-alarm-lambda.json")
	guard := decodeSample(t, "testdata/samples/eventbridge-guardduty.json")
	custom := decodeSample(t, "testdata/samples/custom-notification.json")
	describe := notify.CustomAction{
		Name:        "describe-alarm",
		CommandText: "cloudwatch describe-alarms --alarm-names $AlarmName --region $Region",
		Attachments: []notify.CustomActionAttachment{{
			ButtonText: "Describe alarm", NotificationType: "CloudWatch",
			Criteria: []notify.CustomActionCriterion{{Operator: notify.CriterionHasValue, VariableName: "AlarmName"}},
		}},
	}
	isolate := notify.CustomAction{
		Name:        "stop-instance",
		CommandText: "ec2 stop-instances --instance-ids $Instance",
		Attachments: []notify.CustomActionAttachment{{
			ButtonText: "Stop instance", NotificationType: "GuardDuty",
			Variables: map[string]string{"Instance": "detail.resource.instanceDetails.instanceId"},
			Criteria:  []notify.CustomActionCriterion{{Operator: notify.CriterionEquals, VariableName: "FindingType", Value: "UnauthorizedAccess:EC2/SSHBruteForce"}},
		}},
	}
	page := notify.CustomAction{
		Name:        "page",
		CommandText: "sns publish --topic-arn arn:aws:sns:us-east-1:123456789012:pager --message ${priority}",
		Attachments: []notify.CustomActionAttachment{{
			ButtonText: "Page on-call", NotificationType: "BananaOrderAppEvent",
			Criteria: []notify.CustomActionCriterion{{Operator: notify.CriterionEquals, VariableName: "priority", Value: "critical"}},
		}},
	}
	missingVar := notify.CustomAction{
		Name: "needs-cluster", CommandText: "ecs list-tasks --cluster $cluster",
		Attachments: []notify.CustomActionAttachment{{ButtonText: "Tasks"}},
	}
	all := []notify.CustomAction{describe, isolate, page, missingVar}

	tests := []struct {
		name string
		n    *notify.Notification
		want map[string]string // label -> command
	}{
		{"alarm", alarm, map[string]string{"Describe alarm": "cloudwatch describe-alarms --alarm-names checkout-api-errors --region us-east-1"}},
		{"guardduty", guard, map[string]string{"Stop instance": "ec2 stop-instances --instance-ids i-99999999"}},
		{"custom", custom, map[string]string{"Page on-call": "sns publish --topic-arn arn:aws:sns:us-east-1:123456789012:pager --message critical"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]string{}
			for _, b := range notify.CustomActionButtons(tt.n, all) {
				assert.True(t, strings.HasPrefix(b.ID, notify.ButtonCustomActionPrefix))
				got[b.Label] = b.Value
			}
			assert.Equal(t, tt.want, got)
		})
	}

	off := notify.DecodeMessage(`{"version":"1.0","source":"custom","content":{"description":"d"},"metadata":{"eventType":"BananaOrderAppEvent","additionalContext":{"priority":"critical"},"enableCustomActions":false}}`, "")
	assert.Empty(t, notify.CustomActionButtons(off, all), "enableCustomActions:false suppresses custom actions")
	on := notify.DecodeMessage(`{"version":"1.0","source":"custom","content":{"description":"d"},"metadata":{"eventType":"BananaOrderAppEvent","additionalContext":{"priority":"low"}}}`, "")
	assert.Empty(t, notify.CustomActionButtons(on, all), "EQUALS criterion not met")
}

func TestExpandCommandQuotesValues(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"Name": "my alarm; --profile x", "Plain": "abc-1", "Dollar": "$HOME", "Flag": "--debug"}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	tests := []struct{ in, want string }{
		{"x --a $Plain", "x --a abc-1"},
		{"x --a $Name", "x --a 'my alarm; --profile x'"},
		{"x --a ${Plain}suffix", "x --a abc-1suffix"},
		{"x --a $Dollar", "x --a '$HOME'"},
		{"x --a $Flag", "x --a '--debug'"},
		{"cost $$5", "cost $5"},
		{"lonely $ sign", "lonely $ sign"},
	}
	for _, tt := range tests {
		got, err := notify.ExpandCommand(tt.in, lookup)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got)
	}
	_, err := notify.ExpandCommand("x $Missing", lookup)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "$Missing")
	_, err = notify.ExpandCommand("x ${Plain", lookup)
	require.Error(t, err)
}

func TestCustomActionValidate(t *testing.T) {
	t.Parallel()
	ok := notify.CustomAction{Name: "a_b-1", CommandText: "sts get-caller-identity", Attachments: []notify.CustomActionAttachment{{ButtonText: strings.Repeat("b", 50), NotificationType: "CloudWatch"}}}
	require.NoError(t, ok.Validate())
	tests := []struct {
		name   string
		mut    func(a *notify.CustomAction)
		reason string
	}{
		{"bad name", func(a *notify.CustomAction) { a.Name = "has space" }, "ActionName"},
		{"no command", func(a *notify.CustomAction) { a.CommandText = "" }, "CommandText is required"},
		{"button too long", func(a *notify.CustomAction) { a.Attachments[0].ButtonText = strings.Repeat("b", 51) }, "ButtonText must be 1-50 characters, got 51"},
		{"button empty", func(a *notify.CustomAction) { a.Attachments[0].ButtonText = "" }, "ButtonText must be 1-50"},
		{"too many criteria", func(a *notify.CustomAction) {
			for i := 0; i < 6; i++ {
				a.Attachments[0].Criteria = append(a.Attachments[0].Criteria, notify.CustomActionCriterion{Operator: "HAS_VALUE", VariableName: "v"})
			}
		}, "Criteria has 6 items, at most 5"},
		{"bad operator", func(a *notify.CustomAction) {
			a.Attachments[0].Criteria = []notify.CustomActionCriterion{{Operator: "CONTAINS", VariableName: "v"}}
		}, `Operator "CONTAINS" must be HAS_VALUE or EQUALS`},
		{"bad notification type", func(a *notify.CustomAction) { a.Attachments[0].NotificationType = "Cloud Watch" }, "NotificationType"},
		{"too many variables", func(a *notify.CustomAction) {
			a.Attachments[0].Variables = map[string]string{"a": "1", "b": "1", "c": "1", "d": "1", "e": "1", "f": "1"}
		}, "Variables has 6 entries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ok
			a.Attachments = []notify.CustomActionAttachment{ok.Attachments[0]}
			tt.mut(&a)
			err := a.Validate()
			require.Error(t, err)
			assert.True(t, errors.Is(err, notify.ErrInvalidCustomAction))
			assert.Contains(t, err.Error(), tt.reason)
		})
	}
}

func TestPayloadPath(t *testing.T) {
	t.Parallel()
	n := decodeSample(t, "testdata/samples/cloudwatch-alarm-lambda.json")
	v, ok := notify.PayloadPath(n.Payload(), "Trigger.Dimensions.0.value")
	assert.True(t, ok)
	assert.Equal(t, "checkout-handler", v)
	v, ok = notify.PayloadPath(n.Payload(), "Trigger.Period")
	assert.True(t, ok)
	assert.Equal(t, "60", v)
	for _, p := range []string{"Trigger.Dimensions.1.value", "Trigger.Dimensions.x", "Trigger", "Nope.x", "Trigger.Dimensions.-1"} {
		_, ok := notify.PayloadPath(n.Payload(), p)
		assert.False(t, ok, p)
	}
}
