// Command teamsbot runs opschat as a Microsoft Teams bot: AWS CLI commands
// from Teams channels and personal chats, under the channel's IAM role and
// guardrails, with every attempt in the audit log, and notifications posted
// proactively into the channels the bot was added to (and to Chime rooms
// configured with webhooks).
//
//	export TEAMS_APP_ID=<Microsoft Entra app (client) ID>
//	export TEAMS_APP_PASSWORD=<client secret>
//	go run ./examples/teamsbot -config examples/teamsbot/teamsbot.yaml
//
// The bot listens on -addr (default 127.0.0.1:3978) at /api/messages;
// expose it to Teams over HTTPS (a dev tunnel or a reverse proxy) and set
// that URL as the Azure Bot's messaging endpoint. See README.md.
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

	"github.com/opschat/opschat/adapters/chime"
	"github.com/opschat/opschat/adapters/teams"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/cloudwatchlogsops"
	"github.com/opschat/opschat/command/awsexec/services/cloudwatchops"
	"github.com/opschat/opschat/command/awsexec/services/iamops"
	"github.com/opschat/opschat/command/awsexec/services/lambdaops"
	"github.com/opschat/opschat/command/awsexec/services/stsops"
	"github.com/opschat/opschat/guardrail/iamresolver"
	"github.com/opschat/opschat/internal/awssim"
	"github.com/opschat/opschat/store/boltstore"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "teamsbot:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		addr       = flag.String("addr", "127.0.0.1:3978", "listen `address` for the messaging endpoint")
		configFile = flag.String("config", "examples/teamsbot/teamsbot.yaml", "channel configuration `FILE` (YAML or JSON)")
		simulate   = flag.Bool("sim", false, "run commands against a simulated AWS account instead of your real one")
		statePath  = flag.String("state", "teamsbot-state.db", "durable state `FILE` (bbolt): aliases, role choices, pending confirmations, thread anchors, notification records and dead letters survive a restart. One file serves one process; replicas share state through store/dynamostore")
		notifyFile = flag.String("notify", "", "after start, post one notification `FILE` (SNS envelope, raw message or EventBridge event) to the configured channels")
		tokenURL   = flag.String("token-url", teams.DefaultTokenURL, "OAuth token `URL` (single-tenant bots: https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token)")
		serviceURL = flag.String("service-url", "https://smba.trafficmanager.net/teams/", "Bot Connector `URL` for channels the bot has not heard from yet")
	)
	flag.Parse()
	appID, password := os.Getenv("TEAMS_APP_ID"), os.Getenv("TEAMS_APP_PASSWORD")
	if appID == "" || password == "" {
		return errors.New("set TEAMS_APP_ID and TEAMS_APP_PASSWORD (the Azure Bot's Microsoft Entra app ID and client secret)")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	cfg, err := chatops.LoadConfigFile(*configFile)
	if err != nil {
		return err
	}
	// One durable store for the bot and the adapter: the conversation
	// references saved when the bot is added to a team (what proactive
	// notifications use), pending confirmations, dedup keys and dead
	// letters survive a restart.
	store, err := boltstore.Open(*statePath)
	if err != nil {
		return err
	}
	defer store.Close()

	adapter, err := teams.New(appID, password,
		teams.WithStore(store),
		teams.WithTokenURL(*tokenURL),
		teams.WithServiceURL(*serviceURL),
		teams.WithLogger(log))
	if err != nil {
		return err
	}

	reg := awsexec.NewRegistry()
	cloudwatchops.Register(reg)
	cloudwatchlogsops.Register(reg)
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
	opts := []chatops.Option{
		chatops.WithAdapter(adapter),
		chatops.WithConfig(cfg),
		chatops.WithStore(store),
		chatops.WithCatalog(reg),
		chatops.WithExecutor(exec),
		chatops.WithAlarmGraphs(exec, 0), // alarm notifications show their graph, fetched as the channel role
		chatops.WithAuthorizer(authz),
		chatops.WithAuditLogger(log.With("stream", "audit")),
		chatops.WithLogger(log),
	}
	if hooks := cfg.ChimeWebhooks(); len(hooks) > 0 {
		ch, err := chime.New(hooks, chime.WithLogger(log))
		if err != nil {
			return err
		}
		opts = append(opts, chatops.WithSender(chat.PlatformChime, ch))
	}
	bot, err := chatops.New(opts...)
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.Handle("/api/messages", adapter)
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 2)
	go func() {
		log.Info("messaging endpoint listening", "addr", *addr, "path", "/api/messages")
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	go func() { errc <- bot.Run(ctx) }()

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
	_ = srv.Shutdown(shutdown)
	stop()
	return err
}

// chimeWebhooks maps Chime configuration names to their webhook URLs.

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
