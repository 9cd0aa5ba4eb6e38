package notify_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/notify"
)

func titled(s string) notify.Formatter {
	return notify.FormatterFunc(func(*notify.Notification) (chat.Message, error) { return chat.Message{Title: s}, nil })
}

func TestFormatterRegistryPrecedence(t *testing.T) {
	t.Parallel()
	reg := notify.NewFormatterRegistry()
	reg.Register(notify.FormatterKey{Source: "aws.guardduty", EventType: "GuardDuty Finding"}, titled("source+type"))
	reg.Register(notify.FormatterKey{Source: "aws.guardduty"}, titled("source"))
	reg.Register(notify.FormatterKey{EventType: "BananaOrderAppEvent"}, titled("custom eventType"))
	reg.Register(notify.FormatterKey{}, titled("never: the empty key is ignored"))
	tests := []struct {
		n    notify.Notification
		want string
	}{
		{notify.Notification{Source: "aws.guardduty", EventType: "GuardDuty Finding"}, "source+type"},
		{notify.Notification{Source: "aws.guardduty", EventType: "GuardDuty Runtime Protection"}, "source"},
		{notify.Notification{Source: "custom", EventType: "BananaOrderAppEvent"}, "custom eventType"},
		{notify.Notification{Source: "aws.ec2", EventType: "x", Title: "default"}, "default"},
	}
	for _, tt := range tests {
		m, err := reg.Format(&tt.n)
		require.NoError(t, err)
		assert.Equal(t, tt.want, m.Title)
	}
	reg.SetFallback(titled("fallback"))
	m, err := reg.Format(&notify.Notification{Source: "aws.ec2"})
	require.NoError(t, err)
	assert.Equal(t, "fallback", m.Title)
	var nilReg *notify.FormatterRegistry
	m, err = nilReg.Format(&notify.Notification{Title: "from default"})
	require.NoError(t, err)
	assert.Equal(t, "from default", m.Title, "a nil registry formats with the default")
}

func TestTemplateFormatter(t *testing.T) {
	t.Parallel()
	n := decodeSample(t, "testdata/samples/cloudwatch-alarm-lambda.json")
	f, err := notify.NewTemplateFormatter(notify.Template{
		Title:   `{{upper (var . "NewStateValue")}}: {{escape .Variables.AlarmName}}`,
		Summary: `{{default "none" (var . "Missing")}}`,
		Fields: []notify.TemplateField{
			{Name: "Function", Value: `{{path .Payload "Trigger.Dimensions.0.value"}}`, Short: true},
			{Name: "Dropped", Value: `{{path .Payload "Nope"}}`},
		},
	})
	require.NoError(t, err)
	m, err := f.Format(n)
	require.NoError(t, err)
	assert.Equal(t, "ALARM: checkout-api-errors", m.Title)
	assert.Equal(t, "none", m.Summary)
	assert.Equal(t, n.TitleLink, m.TitleLink, "parts not templated keep the default")
	last := m.Fields[len(m.Fields)-1]
	assert.Equal(t, chat.Field{Name: "Function", Value: "checkout-handler", Short: true}, last, "empty fields are dropped")
	assert.Len(t, m.Buttons, 2)

	_, err = notify.NewTemplateFormatter(notify.Template{Text: "{{.Title"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "template Text")
	bad, err := notify.NewTemplateFormatter(notify.Template{Title: "{{.NoSuchField}}"})
	require.NoError(t, err)
	_, err = bad.Format(n)
	require.Error(t, err, "a template that fails at run time reports it (the router then falls back)")
}
