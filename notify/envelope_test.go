package notify_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/notify"
)

func TestParseEnvelope(t *testing.T) {
	t.Parallel()
	body := `{
  "Type" : "Notification",
  "MessageId" : "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
  "TopicArn" : "arn:aws:sns:us-west-2:123456789012:MyTopic",
  "Subject" : "My First Message",
  "Message" : "Hello world!",
  "Timestamp" : "2012-05-02T00:54:06.655Z",
  "SignatureVersion" : "1",
  "Signature" : "EXAMPLEw6JRN...",
  "SigningCertURL" : "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
  "UnsubscribeURL" : "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-west-2:123456789012:MyTopic:c9135db0-26c4-47ec-8998-413945fb5a96",
  "MessageAttributes" : {
    "store" : {"Type":"String","Value":"example_corp"},
    "price" : {"Type":"Number","Value":"210.75"}
  }
}`
	env, err := notify.ParseEnvelope([]byte(body))
	require.NoError(t, err)
	assert.False(t, env.Raw)
	assert.Equal(t, notify.TypeNotification, env.Type)
	assert.Equal(t, "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324", env.MessageID)
	assert.Equal(t, "arn:aws:sns:us-west-2:123456789012:MyTopic", env.TopicARN)
	assert.Equal(t, "My First Message", env.Subject)
	assert.True(t, env.HasSubject)
	assert.Equal(t, "Hello world!", env.Message)
	assert.Equal(t, "2012-05-02T00:54:06.655Z", env.Timestamp)
	assert.Equal(t, "1", env.SignatureVersion)
	assert.Contains(t, env.SigningCertURL, "SimpleNotificationService")
	assert.Contains(t, env.UnsubscribeURL, "Action=Unsubscribe")
	assert.Equal(t, notify.MessageAttribute{Type: "Number", Value: "210.75"}, env.MessageAttributes["price"])
	ts, err := env.Time()
	require.NoError(t, err)
	assert.Equal(t, time.Date(2012, 5, 2, 0, 54, 6, 655e6, time.UTC), ts)
}

func TestParseEnvelopeSubscriptionConfirmation(t *testing.T) {
	t.Parallel()
	body := `{"Type":"SubscriptionConfirmation","MessageId":"165545c9-2a5c-472c-8df2-7ff2be2b3b1b","Token":"2336412f37f","TopicArn":"arn:aws:sns:us-west-2:123456789012:MyTopic","Message":"You have chosen to subscribe to the topic arn:aws:sns:us-west-2:123456789012:MyTopic.\nTo confirm the subscription, visit the SubscribeURL included in this message.","SubscribeURL":"https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:123456789012:MyTopic&Token=2336412f37f","Timestamp":"2012-04-26T20:45:04.751Z","SignatureVersion":"1","Signature":"EXAMPLEpH+","SigningCertURL":"https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem"}`
	env, err := notify.ParseEnvelope([]byte(body))
	require.NoError(t, err)
	assert.Equal(t, notify.TypeSubscriptionConfirmation, env.Type)
	assert.Equal(t, "2336412f37f", env.Token)
	assert.Contains(t, env.SubscribeURL, "ConfirmSubscription")
	assert.False(t, env.HasSubject)
}

func TestParseEnvelopeRaw(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"eventbridge event":           `{"version":"0","id":"x","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{}}`,
		"custom":                      `{"version":"1.0","source":"custom","content":{"description":"hi"}}`,
		"text":                        "Hello, world",
		"empty":                       "",
		"invalid json":                `{"Type": `,
		"array":                       `[1,2,3]`,
		"Type only":                   `{"Type":"Notification"}`,
		"type wrong but not envelope": `{"Type":5,"detail":{}}`,
	} {
		t.Run(name, func(t *testing.T) {
			env, err := notify.ParseEnvelope([]byte(body))
			require.NoError(t, err)
			assert.True(t, env.Raw)
			assert.Equal(t, body, env.Message)
		})
	}
}

func TestParseEnvelopeMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, body, field string }{
		{"message number", `{"Type":"Notification","MessageId":"1","Message":5}`, `"Message"`},
		{"topic object", `{"Type":"Notification","TopicArn":{}}`, `"TopicArn"`},
		{"type empty", `{"Type":"","MessageId":"1"}`, `"Type"`},
		{"attributes array", `{"Type":"Notification","MessageId":"1","MessageAttributes":[]}`, `"MessageAttributes"`},
		{"attribute value number", `{"Type":"Notification","MessageId":"1","MessageAttributes":{"a":{"Type":"Number","Value":5}}}`, `"MessageAttributes.a.Value"`},
		{"timestamp bool", `{"Type":"Notification","MessageId":"1","Timestamp":true}`, `"Timestamp"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := notify.ParseEnvelope([]byte(tt.body))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.field)
		})
	}
}

func TestEnvelopeTimeErrors(t *testing.T) {
	t.Parallel()
	_, err := (&notify.Envelope{MessageID: "m"}).Time()
	require.Error(t, err)
	_, err = (&notify.Envelope{MessageID: "m", Timestamp: "yesterday"}).Time()
	require.Error(t, err)
}

func TestEnvelopeNullSubject(t *testing.T) {
	t.Parallel()
	env, err := notify.ParseEnvelope([]byte(`{"Type":"Notification","MessageId":"1","Subject":null,"Message":"x"}`))
	require.NoError(t, err)
	assert.False(t, env.HasSubject)
	assert.Equal(t, "", env.Subject)
}
