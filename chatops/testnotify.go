package chatops

import (
	"context"
	"fmt"

	"github.com/opschat/opschat/notify"
)

// TestNotificationResult is what a test notification would do.
type TestNotificationResult struct {
	// Deliveries are the messages each channel would receive.
	Deliveries []notify.Delivery
	// Topic is the topic the notification was routed as; TopicAssumed is
	// true when the body named none and the first configured topic was used.
	Topic        string
	TopicAssumed bool
	// ParseError says why a body that claimed to be an SNS envelope was not
	// understood; it was then delivered as raw text.
	ParseError error
}

// TestNotification is the offline counterpart of AWS Chatbot's "Send test
// message": body (an SNS envelope, a raw SNS message or an EventBridge event)
// goes through the production decode → route → filter → format path, and the
// result says what each channel would receive, for the caller to Post or
// show. Nothing is sent.
func (b *Bot) TestNotification(ctx context.Context, body []byte) (*TestNotificationResult, error) {
	router, err := b.NotificationRouter()
	if err != nil {
		return nil, err
	}
	res := &TestNotificationResult{}
	env, perr := notify.ParseEnvelope(body)
	if perr != nil {
		res.ParseError = perr
		env = &notify.Envelope{Type: notify.TypeNotification, Message: string(body), Raw: true}
	}
	if env.TopicARN == "" {
		env.TopicARN = b.config.firstTopic()
		res.TopicAssumed = true
	}
	res.Topic = env.TopicARN
	res.Deliveries, err = router.Route(ctx, env)
	if err != nil {
		return nil, fmt.Errorf("chatops: route test notification: %w", err)
	}
	return res, nil
}

func (c *Config) firstTopic() string {
	for _, cc := range c.Configurations {
		if len(cc.SNSTopicARNs) > 0 {
			return cc.SNSTopicARNs[0]
		}
	}
	return ""
}
