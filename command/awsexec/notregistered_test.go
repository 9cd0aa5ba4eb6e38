package awsexec_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/lambdaops"
	"github.com/opschat/opschat/command/awsexec/services/shipped"
)

// A service opschat ships but the host did not register is answered with
// where to get it, never "I don't know the service"; names opschat does not
// ship still get suggestions.
func TestNotRegisteredService(t *testing.T) {
	reg := awsexec.NewRegistry(awsexec.WithNotRegistered(shipped.Advice))
	lambdaops.Register(reg)
	tests := []struct {
		name, text string
		want       []string
		notWant    string
	}{
		{"shipped, not registered", "eks list-clusters", []string{"`eks`", "services/eksops", "does not register"}, "I don't know"},
		{"CLI name of a renamed package", "elbv2 describe-load-balancers", []string{"elasticloadbalancingv2ops"}, "I don't know"},
		{"upper case", "EKS list-clusters", []string{"`eks`"}, "I don't know"},
		{"not shipped", "lambada list-functions", []string{"I don't know the service `lambada`"}, "does not register"},
		{"SDK name of a shipped service", "codedeploy list-applications", []string{"The AWS CLI calls `codedeploy` `deploy`", "services/codedeployops"}, "I don't know"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := command.Parse(tt.text, reg)
			require.Error(t, err)
			assert.True(t, errors.Is(err, command.ErrUnknownService), "still ErrUnknownService, so blocked-by-name and questions work: %v", err)
			var ce *command.Error
			require.True(t, errors.As(err, &ce))
			for _, w := range tt.want {
				assert.Contains(t, ce.Msg, w)
			}
			assert.NotContains(t, ce.Msg, tt.notWant)
		})
	}
	t.Run("a registered service is never advised about", func(t *testing.T) {
		_, ok := reg.NotRegistered("lambda")
		assert.False(t, ok)
		_, err := command.Parse("lambda list-functions", reg)
		assert.NoError(t, err)
	})
	t.Run("help names it too", func(t *testing.T) {
		h := command.HelpFor(reg, "eks", "")
		assert.Contains(t, h.Text, "services/eksops")
	})
	t.Run("without the option", func(t *testing.T) {
		plain := awsexec.NewRegistry()
		_, ok := plain.NotRegistered("eks")
		assert.False(t, ok)
	})
}
