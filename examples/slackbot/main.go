// Command slackbot runs opschat as a Slack app: AWS CLI commands from Slack
// channels (@aws mentions and the /aws slash command) and direct messages,
// under the channel's IAM role and guardrails, with confirmations as
// buttons, missing parameters asked in a modal, every attempt in the audit
// log, and notifications posted into the configured channels.
//
//	export SLACK_BOT_TOKEN=xoxb-...      # OAuth & Permissions → Bot User OAuth Token
//	export SLACK_APP_TOKEN=xapp-...      # Basic Information → App-Level Tokens (connections:write)
//	export SLACK_SIGNING_SECRET=...      # Basic Information → Signing Secret (HTTP mode)
//	go run ./examples/slackbot -config examples/slackbot/slackbot.yaml
//
// With SLACK_APP_TOKEN the bot connects over Socket Mode and needs no public
// URL. Without it, it serves the Events API, slash commands and
// interactivity over HTTP on -addr (put it behind HTTPS and set the URLs in
// the app's settings). See README.md and manifest.yaml.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/cloudwatchlogsops"
	"github.com/opschat/opschat/command/awsexec/services/cloudwatchops"
	"github.com/opschat/opschat/command/awsexec/services/ec2ops"
	"github.com/opschat/opschat/command/awsexec/services/iamops"
	"github.com/opschat/opschat/command/awsexec/services/lambdaops"
	"github.com/opschat/opschat/command/awsexec/services/stsops"
	"github.com/opschat/opschat/guardrail/iamresolver"
	"github.com/opschat/opschat/internal/awssim"
	"github.com/opschat/opschat/notify/snshttp"
	"github.com/opschat/opschat/store/boltstore"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "slackbot:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		addr       = flag.String("addr", "127.0.0.1:3000", "listen `address` for Slack's HTTP requests (HTTP mode, OAuth install)")
		configFile = flag.String("config", "examples/slackbot/slackbot.yaml", "channel configuration `FILE` (YAML or JSON)")
		simulate   = flag.Bool("sim", false, "run commands against a simulated AWS account instead of your real one")
		snsAddr    = flag.String("sns-addr", "", "serve the SNS HTTPS subscription endpoint (path /sns) on `address`, e.g. 127.0.0.1:8080 behind your TLS proxy; notifications of the configured topics are delivered reliably to their channels")
		statePath  = flag.String("state", "slackbot-state.db", "durable state `FILE` (bbolt): aliases, role choices, pending confirmations, thread anchors, notification records and dead letters survive a restart. One file serves one process; replicas share state through store/dynamostore")
		notifyFile = flag.String("notify", "", "after start, post one notification `FILE` (SNS envelope, raw message or EventBridge event) to the configured channels")
	)
	flag.Parse()
	botToken, appToken, secret := os.Getenv("SLACK_BOT_TOKEN"), os.Getenv("SLACK_APP_TOKEN"), os.Getenv("SLACK_SIGNING_SECRET")
	if botToken == "" {
		return errors.New("set SLACK_BOT_TOKEN (xoxb-…), and SLACK_APP_TOKEN (xapp-…) for Socket Mode or SLACK_SIGNING_SECRET for HTTP mode")
	}
	if appToken == "" && secret == "" {
		return errors.New("set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	cfg, err := chatops.LoadConfigFile(*configFile)
	if err != nil {
		return err
	}
	// One durable store for the bot and the adapter (pending confirmations,
	// threads the bot posted in, dedup keys, dead letters): a restart
	// forgets nothing.
	store, err := boltstore.Open(*statePath)
	if err != nil {
		return err
	}
	defer store.Close()

	adapter, err := slack.New(
		slack.WithBotToken(botToken),
		slack.WithAppToken(appToken),
		slack.WithSigningSecret(secret),
		slack.WithStore(store),
		// Deletes alarm-graph uploads a crash left unposted (files:read).
		slack.WithUploadSweep(time.Hour, slack.DefaultSweepAge),
		slack.WithLogger(log),
	)
	if err != nil {
		return err
	}

	reg := awsexec.NewRegistry()
	cloudwatchops.Register(reg)
	cloudwatchlogsops.Register(reg)
	ec2ops.Register(reg)
	lambdaops.Register(reg)
	// IAM and STS are known to the parser so that the built-in blocklist
	// refuses them by name.
	iamops.Register(reg)
	stsops.Register(reg)
	awsCfg, cleanup, err := awsConfig(ctx, *simulate)
	if err != nil {
		return err
	}
	defer cleanup()
	exec, err := awsexec.New(reg, awsCfg)
	if err != nil {
		return err
	}
	// Guardrails named by ARN are fetched from IAM (iam:GetPolicy and
	// iam:GetPolicyVersion for the bot's own credentials) and cached.
	var guardOpts []chatops.GuardrailOption
	if !*simulate {
		guardOpts = append(guardOpts, chatops.WithPolicyResolver(iamresolver.NewResolver(iam.NewFromConfig(awsCfg))))
	}
	authz, err := chatops.NewGuardrailAuthorizer(cfg, guardOpts...)
	if err != nil {
		return err
	}
	bot, err := chatops.New(
		chatops.WithAdapter(adapter),
		chatops.WithConfig(cfg),
		chatops.WithStore(store),
		chatops.WithCatalog(reg),
		chatops.WithExecutor(exec),
		chatops.WithAlarmGraphs(exec, 0), // alarm notifications show their graph, fetched as the channel role
		chatops.WithAuthorizer(authz),
		chatops.WithAuditLogger(log.With("stream", "audit")),
		chatops.WithLogger(log),
	)
	if err != nil {
		return err
	}

	errc := make(chan error, 2)
	var srv *http.Server
	if appToken == "" {
		// HTTP mode: Slack posts events, commands and clicks to this server.
		srv = &http.Server{Addr: *addr, Handler: adapter.HTTPHandler(), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			log.Info("HTTP endpoint listening", "addr", *addr, "events", slack.PathEvents, "commands", slack.PathCommands, "interactivity", slack.PathInteractivity)
			if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	} else {
		log.Info("connecting over Socket Mode")
	}
	go func() { errc <- bot.Run(ctx) }()

	var snsSrv *http.Server
	if *snsAddr != "" {
		// The production notification path: SNS signatures verified,
		// deduplicated, rate limited and retried per channel.
		pipeline, err := bot.NotificationPipeline()
		if err != nil {
			return err
		}
		defer pipeline.Close()
		var topics []string
		for _, c := range cfg.Configurations {
			topics = append(topics, c.SNSTopicARNs...)
		}
		// Detached: a slow delivery goes on after SNS's request times out
		// (SNS then retries; dedup keeps it to one post per channel).
		endpoint, err := snshttp.New(pipeline.Detached(2*time.Minute), snshttp.WithTopics(topics...), snshttp.WithLogger(log))
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.Handle("/sns", endpoint)
		snsSrv = &http.Server{Addr: *snsAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			log.Info("SNS endpoint listening", "addr", *snsAddr, "path", "/sns")
			if err := snsSrv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}

	if *notifyFile != "" {
		if err := postNotification(ctx, bot, *notifyFile); err != nil {
			log.Error("test notification failed", "error", err)
		}
	}

	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range []*http.Server{srv, snsSrv} {
		if s != nil {
			_ = s.Shutdown(shutdown)
		}
	}
	stop()
	return err
}

func awsConfig(ctx context.Context, simulate bool) (aws.Config, func(), error) {
	if simulate {
		sim := awssim.New()
		return sim.InProcessConfig(), sim.Close, nil
	}
	c, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return c, func() {}, nil
}

// postNotification routes one payload (like AWS Chatbot's "Send test
// message") to the channels subscribed to its topic.
func postNotification(ctx context.Context, bot *chatops.Bot, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, 256<<10))
	if err != nil {
		return err
	}
	res, err := bot.TestNotification(ctx, body)
	if err != nil {
		return err
	}
	return bot.Post(ctx, res.Deliveries)
}
