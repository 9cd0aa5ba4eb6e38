package chatops

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/lambdasource"
)

// TestNotificationResult is what a test notification would do.
type TestNotificationResult struct {
	// Deliveries are the messages each subscribed channel would receive.
	Deliveries []notify.Delivery
	// Topic is the topic the payload was routed as; TopicAssumed says it
	// was not in the payload (a raw message or event) and the first
	// configured topic was used.
	Topic        string
	TopicAssumed bool
	// ParseError says why the payload is not a valid SNS envelope; it is
	// then delivered as a raw message, as SNS raw delivery would.
	ParseError error
	// Unrouted is set when no configuration receives the payload (none
	// subscribes to its topic, or every filter dropped it); Preview is then
	// the message a channel would receive if it did.
	Unrouted bool
	Preview  *chat.Message
	// Unwrapped names the Lambda event the payload came in ("sns", "sqs"),
	// whose records were routed one by one.
	Unwrapped string
}

// TestNotification is the offline counterpart of AWS Chatbot's "Send test
// message": body (an SNS envelope, a raw SNS message, an EventBridge event,
// or a Lambda SNS/SQS event, unwrapped) goes through the production decode
// → route → filter → format path, and the result says what each channel
// would receive, for the caller to Post or show. A payload that no
// configuration receives is still rendered (Preview). Nothing is sent.
func (b *Bot) TestNotification(ctx context.Context, body []byte) (*TestNotificationResult, error) {
	router, err := b.NotificationRouter()
	if err != nil {
		return nil, err
	}
	res := &TestNotificationResult{}
	envs, kind := lambdaRecords(body)
	res.Unwrapped = kind
	if envs == nil {
		env, perr := notify.ParseEnvelope(body)
		if perr != nil {
			res.ParseError = perr
			env = &notify.Envelope{Type: notify.TypeNotification, Message: string(body), Raw: true}
		}
		envs = []*notify.Envelope{env}
	}
	for _, env := range envs {
		if env.TopicARN == "" {
			env.TopicARN = b.config.firstTopic()
			res.TopicAssumed = true
		}
		res.Topic = env.TopicARN
		ds, err := router.Route(ctx, env)
		if err != nil {
			return nil, fmt.Errorf("chatops: route test notification: %w", err)
		}
		res.Deliveries = append(res.Deliveries, ds...)
	}
	// As the pipeline would post them: with alarm graphs when the bot
	// fetches them (WithAlarmGraphs).
	res.Deliveries = b.AttachAlarmGraphs(ctx, res.Deliveries)
	if len(res.Deliveries) == 0 && len(envs) > 0 {
		res.Unrouted = true
		res.Preview, err = b.preview(ctx, envs[0])
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// preview formats env as a channel subscribed to its topic, with no filter,
// would receive it.
func (b *Bot) preview(ctx context.Context, env *notify.Envelope) (*chat.Message, error) {
	conv := chat.Conversation{Platform: "preview", ChannelID: "preview", Type: chat.ConversationChannel}
	r, err := notify.NewRouter([]notify.Subscription{{Name: "preview", TopicARNs: []string{env.TopicARN}, Conversation: conv, LoggingLevel: notify.LogInfo}},
		append([]notify.RouterOption{notify.WithLogger(b.log)}, b.routerOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("chatops: preview router: %w", err)
	}
	ds, err := r.Route(ctx, env)
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	return &ds[0].Message, nil
}

// lambdaRecords unwraps a Lambda SNS or SQS event (what a function's test
// event or a log shows) into its envelopes; nil when body is neither.
func lambdaRecords(body []byte) ([]*notify.Envelope, string) {
	var probe struct {
		Records []json.RawMessage `json:"Records"`
	}
	if json.Unmarshal(body, &probe) != nil || len(probe.Records) == 0 {
		return nil, ""
	}
	var sns events.SNSEvent
	if json.Unmarshal(body, &sns) == nil && sns.Records[0].EventSource == "aws:sns" {
		out := make([]*notify.Envelope, 0, len(sns.Records))
		for _, r := range sns.Records {
			out = append(out, lambdasource.SNSEnvelope(r.SNS))
		}
		return out, "sns"
	}
	var sqs events.SQSEvent
	if json.Unmarshal(body, &sqs) == nil && sqs.Records[0].EventSource == "aws:sqs" {
		out := make([]*notify.Envelope, 0, len(sqs.Records))
		for _, r := range sqs.Records {
			env, err := lambdasource.SQSEnvelope(r)
			if err != nil {
				env = &notify.Envelope{Type: notify.TypeNotification, Message: r.Body, Raw: true}
			}
			out = append(out, env)
		}
		return out, "sqs"
	}
	return nil, ""
}

// firstTopic is the topic a payload without one is routed as.
func (c *Config) firstTopic() string {
	for _, cc := range c.Configurations {
		if len(cc.SNSTopicARNs) > 0 {
			return cc.SNSTopicARNs[0]
		}
	}
	return ""
}
