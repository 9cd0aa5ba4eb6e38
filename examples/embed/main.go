// Command embed is the README's "Embed it" snippet as a whole program, so
// that CI compiles the snippet a newcomer copies (TestREADMESnippet checks
// the README shows exactly the marked part). It runs a Slack bot (Socket
// Mode) with durable state, real guardrails and the SNS notification
// endpoint:
//
//	SLACK_BOT_TOKEN=xoxb-... SLACK_APP_TOKEN=xapp-... go run ./examples/embed
package main

import (
	"context"
	"log"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/common"
	"github.com/opschat/opschat/guardrail/iamresolver"
	"github.com/opschat/opschat/notify/snshttp"
	"github.com/opschat/opschat/store/boltstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	// README:begin
	cfg, err := chatops.LoadConfigFile("channels.yaml") // AWS::Chatbot::SlackChannelConfiguration field names
	if err != nil {
		return err // every problem at once, each with its path
	}
	store, err := boltstore.Open("opschat.db") // durable state; store/dynamostore for several replicas
	if err != nil {
		return err
	}
	defer store.Close()

	slackAdapter, err := slack.New(
		slack.WithBotToken(os.Getenv("SLACK_BOT_TOKEN")), // xoxb-…
		slack.WithAppToken(os.Getenv("SLACK_APP_TOKEN")), // xapp-…: Socket Mode, no public endpoint
		slack.WithStore(store),
	)
	if err != nil {
		return err
	}

	awsCfg, err := config.LoadDefaultConfig(ctx) // the bot's own credentials; commands assume each channel's role
	if err != nil {
		return err
	}
	reg := awsexec.NewRegistry()
	common.Register(reg) // cloudwatch, logs, ec2, lambda, s3api, ssm, ... (or pick services one by one)
	exec, err := awsexec.New(reg, awsCfg)
	if err != nil {
		return err
	}
	// Managed guardrail policies (GuardrailPolicies ARNs) are read from IAM and cached.
	authz, err := chatops.NewGuardrailAuthorizer(cfg, chatops.WithPolicyResolver(iamresolver.NewResolver(iam.NewFromConfig(awsCfg))))
	if err != nil {
		return err
	}

	bot, err := chatops.New(
		chatops.WithAdapter(slackAdapter),
		chatops.WithConfig(cfg),
		chatops.WithStore(store),
		chatops.WithCatalog(reg),
		chatops.WithExecutor(exec),
		chatops.WithAlarmGraphs(exec, 0), // alarm notifications show their graph, fetched as the channel role
		chatops.WithAuthorizer(authz),    // without it, New refuses an executor: fail closed
		chatops.WithAuditWriter(os.Stdout),
	)
	if err != nil {
		return err
	}

	// Notifications: SNS → signature check → route → filter → format → rate-limited, deduplicated delivery.
	// A notification that cannot be delivered is answered 5xx (SNS retries) and kept as a dead letter.
	pipeline, err := bot.NotificationPipeline()
	if err != nil {
		return err
	}
	defer pipeline.Close()
	// Detached: a slow delivery goes on after SNS's 15 s request times out (SNS then retries; dedup holds).
	sns, err := snshttp.New(pipeline.Detached(2*time.Minute), snshttp.WithTopics("arn:aws:sns:us-east-1:123456789012:alarms"))
	if err != nil {
		return err
	}
	// Or feed the same pipeline from notify/sqssource or notify/lambdasource.
	http.Handle("/sns", sns)
	go func() { log.Print(http.ListenAndServe("127.0.0.1:8080", nil)) }() // behind your TLS proxy

	return bot.Run(ctx) // listens until ctx is done
	// README:end
}
