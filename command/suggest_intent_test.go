package command_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/opschat/opschat/command"
)

// Operation lists as the real tables have them (subsets, in table order).
var (
	lambdaOps = []string{"add-permission", "create-alias", "create-function", "delete-alias", "delete-function",
		"get-account-settings", "get-alias", "get-function", "get-function-configuration", "get-layer-version",
		"get-policy", "invoke", "list-aliases", "list-event-source-mappings", "list-functions",
		"list-layers", "list-tags", "list-versions-by-function", "publish-version", "update-function-code",
		"update-function-configuration"}
	sqsOps = []string{"add-permission", "change-message-visibility", "create-queue", "delete-message", "delete-queue",
		"get-queue-attributes", "get-queue-url", "list-dead-letter-source-queues", "list-message-move-tasks",
		"list-queue-tags", "list-queues", "purge-queue", "receive-message", "send-message", "set-queue-attributes",
		"tag-queue", "untag-queue"}
	ec2Ops = []string{"create-tags", "describe-images", "describe-instance-status", "describe-instances",
		"describe-security-groups", "describe-snapshots", "describe-volumes", "describe-vpcs", "get-console-output",
		"reboot-instances", "run-instances", "start-instances", "stop-instances", "terminate-instances",
		"modify-instance-attribute", "describe-instance-attribute", "get-instance-metadata-defaults", "list-images-in-recycle-bin"}
)

func TestSuggestOperationByIntent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		word  string
		ops   []string
		first string
	}{
		{"list-instances", ec2Ops, "describe-instances"},
		{"show-instances", ec2Ops, "describe-instances"},
		{"list", ec2Ops, "describe-instances"},
		{"describe-instance", ec2Ops, "describe-instances"},
		{"describe-instnaces", ec2Ops, "describe-instances"},
		{"restart-instances", ec2Ops, "reboot-instances"},
		{"kill-instances", ec2Ops, "stop-instances"},
		{"list-volume", ec2Ops, "describe-volumes"},
		{"list", lambdaOps, "list-functions"},
		{"ls", lambdaOps, "list-functions"},
		{"describe-function", lambdaOps, "get-function"},
		{"list-function", lambdaOps, "list-functions"},
		{"remove-function", lambdaOps, "delete-function"},
		{"call", lambdaOps, "invoke"},
		{"list", sqsOps, "list-queues"},
		{"describe-queues", sqsOps, "list-queues"},
		{"show-queue-attributes", sqsOps, "get-queue-attributes"},
		{"remove-queue", sqsOps, "delete-queue"},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			t.Parallel()
			got := command.SuggestOperation(tt.word, tt.ops)
			if assert.NotEmpty(t, got) {
				assert.Equal(t, tt.first, got[0], "all: %v", got)
			}
			assert.LessOrEqual(t, len(got), 3)
		})
	}
	assert.Empty(t, command.SuggestOperation("", lambdaOps))
	assert.Empty(t, command.SuggestOperation("list", nil))
	assert.Empty(t, command.SuggestOperation("zzzzzzzz", lambdaOps))
}

func TestSuggestServiceNeverBlocked(t *testing.T) {
	t.Parallel()
	cat := command.NewStaticCatalog(
		command.StaticService{Service: command.Service{Name: "sts"}},
		command.StaticService{Service: command.Service{Name: "iam"}},
		command.StaticService{Service: command.Service{Name: "kms"}},
		command.StaticService{Service: command.Service{Name: "sns"}},
		command.StaticService{Service: command.Service{Name: "ssm"}},
		command.StaticService{Service: command.Service{Name: "s3api", IAMPrefix: "s3"}},
	)
	tests := []struct {
		word string
		want []string
	}{
		{"sqs", []string{"sns"}},
		{"kms", nil},
		{"s3", []string{"s3api"}},
		{"iam", nil},
		{"iamm", nil},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, command.SuggestService(tt.word, cat))
		})
	}
	for _, w := range []string{"stss", "st", "sts", "kmss", "ams"} {
		for _, s := range command.SuggestService(w, cat) {
			assert.NotContains(t, []string{"sts", "iam", "kms"}, s, w)
		}
	}
	_, err := command.Parse("sqs list-queues", cat)
	var ce *command.Error
	if assert.ErrorAs(t, err, &ce) {
		assert.NotContains(t, ce.Suggestions, "sts")
	}
}

// SDK, IAM and console names of services the CLI names otherwise suggest the
// CLI's name first, when the catalog has it.
func TestSuggestServiceByOtherName(t *testing.T) {
	t.Parallel()
	cat := command.NewStaticCatalog(
		command.StaticService{Service: command.Service{Name: "deploy", IAMPrefix: "codedeploy"}},
		command.StaticService{Service: command.Service{Name: "configservice", IAMPrefix: "config"}},
		command.StaticService{Service: command.Service{Name: "stepfunctions", IAMPrefix: "states"}},
		command.StaticService{Service: command.Service{Name: "events"}},
		command.StaticService{Service: command.Service{Name: "sts"}},
	)
	tests := []struct {
		word, first string
	}{
		{"codedeploy", "deploy"},
		{"CodeDeploy", "deploy"},
		{"config", "configservice"},
		{"sfn", "stepfunctions"},
		{"states", "stepfunctions"},
		{"eventbridge", "events"},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			t.Parallel()
			got := command.SuggestService(tt.word, cat)
			if assert.NotEmpty(t, got) {
				assert.Equal(t, tt.first, got[0])
			}
		})
	}
	assert.Empty(t, command.SuggestService("msk", cat), "kafka is not in this catalog: no suggestion of a missing service")
	_, err := command.Parse("codedeploy list-applications", cat)
	var ce *command.Error
	if assert.ErrorAs(t, err, &ce) {
		assert.Equal(t, "deploy", ce.Suggestions[0])
	}
}
