// Command lambda runs opschat's notification path as an AWS Lambda function:
// SNS and SQS event sources and EventBridge rules invoking the function
// directly, with the state (dedup records, thread anchors, dead letters) in
// DynamoDB so that concurrent invocations and a long-lived bot share it.
// The channel configuration is the same file a long-lived bot loads.
//
// Build for the provided.al2023 runtime and deploy with template.yaml:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./examples/lambda
//	sam deploy --guided --template-file examples/lambda/template.yaml
//
// Environment:
//
//	OPSCHAT_CONFIG         configuration file (default opschat.yaml, next to bootstrap)
//	OPSCHAT_TABLE          DynamoDB table (see store/dynamostore; template.yaml creates it)
//	OPSCHAT_DEFAULT_TOPIC  topic ARN that raw EventBridge events and raw SQS messages are routed as
//	SLACK_BOT_TOKEN        xoxb-… token, when a configuration posts to Slack
//
// A record that was not delivered to every channel is never reported as a
// success: the SQS source retries just that record (then the queue's
// dead-letter queue), SNS and EventBridge invocations fail and Lambda's
// retries and on-failure destination apply. Each failure is also kept as a
// dead letter in the table, which a long-lived bot's `notifications failed`
// command lists and replays.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/opschat/opschat/adapters/chime"
	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/notify/lambdasource"
	"github.com/opschat/opschat/store/dynamostore"
)

func main() {
	ctx := context.Background()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Error("load AWS configuration", "err", err)
		os.Exit(1)
	}
	env := envOf(os.Getenv)
	store, err := dynamostore.New(dynamodb.NewFromConfig(awsCfg), env.table)
	if err != nil {
		log.Error("state table", "err", err)
		os.Exit(1)
	}
	h, err := newHandler(env, store, log)
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	lambda.Start(h.handle)
}

type environment struct {
	configFile, table, defaultTopic, slackToken string
}

func envOf(getenv func(string) string) environment {
	e := environment{configFile: getenv("OPSCHAT_CONFIG"), table: getenv("OPSCHAT_TABLE"),
		defaultTopic: getenv("OPSCHAT_DEFAULT_TOPIC"), slackToken: getenv("SLACK_BOT_TOKEN")}
	if e.configFile == "" {
		e.configFile = "opschat.yaml"
	}
	return e
}

// handler dispatches one invocation to the source handler of its event
// type: a function has one entry point, and SNS, SQS and EventBridge
// invoke it with different payloads.
type handler struct {
	sns func(context.Context, events.SNSEvent) error
	sqs func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)
	eb  func(context.Context, json.RawMessage) error
}

// newHandler builds the bot's notification pipeline over store and the
// senders the configuration needs; extra options (tests) come last.
func newHandler(env environment, store chatops.Store, log *slog.Logger, extra ...chatops.Option) (*handler, error) {
	cfg, err := chatops.LoadConfigFile(env.configFile)
	if err != nil {
		return nil, err
	}
	opts := []chatops.Option{chatops.WithConfig(cfg), chatops.WithStore(store), chatops.WithLogger(log)}
	if env.slackToken != "" {
		a, err := slack.New(slack.WithBotToken(env.slackToken), slack.WithStore(store), slack.WithLogger(log))
		if err != nil {
			return nil, err
		}
		opts = append(opts, chatops.WithAdapter(a))
	}
	if hooks := cfg.ChimeWebhooks(); len(hooks) > 0 {
		ch, err := chime.New(hooks, chime.WithLogger(log))
		if err != nil {
			return nil, err
		}
		opts = append(opts, chatops.WithSender(chat.PlatformChime, ch))
	}
	bot, err := chatops.New(append(opts, extra...)...)
	if err != nil {
		return nil, err
	}
	// The pipeline lives as long as the execution environment: Lambda
	// freezes it between invocations and never calls a shutdown hook.
	pipe, err := bot.NotificationPipeline()
	if err != nil {
		return nil, err
	}
	var srcOpts []lambdasource.Option
	if env.defaultTopic != "" {
		srcOpts = append(srcOpts, lambdasource.WithDefaultTopic(env.defaultTopic))
	}
	h := &handler{
		sns: lambdasource.SNSHandler(pipe, srcOpts...),
		sqs: lambdasource.SQSHandler(pipe, srcOpts...),
	}
	if env.defaultTopic != "" {
		h.eb, err = lambdasource.EventBridgeHandler(pipe, env.defaultTopic, srcOpts...)
		if err != nil {
			return nil, err
		}
	}
	return h, nil
}

// ErrUnknownEvent is returned for a payload that is none of the event types
// this function handles; Lambda then retries it and sends it to the
// on-failure destination rather than dropping it.
var ErrUnknownEvent = errors.New("opschat lambda: unknown event type")

func (h *handler) handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var probe struct {
		Records []struct {
			EventSource  string `json:"eventSource"`
			EventSource2 string `json:"EventSource"` // SNS spells it with a capital E
		} `json:"Records"`
		DetailType *string `json:"detail-type"`
		Source     string  `json:"source"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnknownEvent, err)
	}
	switch {
	case len(probe.Records) > 0 && probe.Records[0].EventSource2 == "aws:sns":
		var ev events.SNSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("decode SNS event: %w", err)
		}
		return nil, h.sns(ctx, ev)
	case len(probe.Records) > 0 && probe.Records[0].EventSource == "aws:sqs":
		var ev events.SQSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("decode SQS event: %w", err)
		}
		return h.sqs(ctx, ev)
	case probe.DetailType != nil && probe.Source != "":
		if h.eb == nil {
			return nil, fmt.Errorf("%w: an EventBridge event, but OPSCHAT_DEFAULT_TOPIC is not set to route it", ErrUnknownEvent)
		}
		return nil, h.eb(ctx, raw)
	}
	return nil, ErrUnknownEvent
}

var _ notify.Handler = (*chatops.NotificationPipeline)(nil)
