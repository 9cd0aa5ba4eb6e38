// Command quickstart runs an opschat bot in the terminal, with no AWS
// account and no chat workspace: the console stands in for a Slack channel
// and a simulated AWS account on loopback answers the commands.
//
//	go run ./examples/quickstart                      # interactive
//	printf 'help\n' | go run ./examples/quickstart    # scripted
//	go run ./examples/quickstart -notify FILE         # "Send test message"
//
// Try: `help`, `cloudwatch describe-alarms`, `ec2 describe-instances`,
// `ec2 stop-instances --instance-ids i-0a1b2c3d4e5f60001` (asks first),
// `lambda get-function` (asks for the name), `iam list-users` (refused),
// `alias create alarms cloudwatch describe-alarms --state-value $state`
// then `run alarms ALARM`.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/opschat/opschat/adapters/chime"
	"github.com/opschat/opschat/adapters/console"
	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/adapters/teams"
	"github.com/opschat/opschat/assist"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/internal/awssim"
	"github.com/opschat/opschat/store/boltstore"
)

//go:embed quickstart.yaml
var quickstartConfig []byte

//go:embed samples/cloudwatch-alarm-lambda.json
var sampleAlarm []byte

//go:embed samples/eventbridge-guardduty.json
var sampleGuardDuty []byte

//go:embed samples/custom-notification.json
var sampleCustom []byte

//go:embed samples/unknown-alertmanager.json
var sampleUnknown []byte

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run is the program, with its inputs and outputs passed in so tests can
// drive it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	flags.SetOutput(stderr)
	var (
		notifyFile = flags.String("notify", "", "send one notification `FILE` (SNS envelope, raw message, EventBridge event or a Lambda SNS/SQS event; - for stdin) through the pipeline, print what each channel gets, and exit")
		platform   = flags.String("platform", "", "with -notify: print the exact payload `PLATFORM` (slack, teams or chime) would receive instead of the console rendering")
		configFile = flags.String("config", "", "channel configuration `FILE` (YAML or JSON) instead of the embedded one")
		useAWS     = flags.Bool("aws", false, "run commands against your real AWS account (default credential chain) instead of the simulated one; pass -config with a configuration whose IamRoleArn is a role your credentials may assume")
		modelID    = flags.String("model", "", "with -aws: answer questions with this Amazon Bedrock model `ID` (Converse with tool use) instead of the offline planner")
		samples    = flags.Bool("samples", true, "post sample notifications at start")
		auditPath  = flags.String("audit", filepath.Join(os.TempDir(), "opschat-quickstart-audit.jsonl"), "audit log `FILE` (- for stderr)")
		statePath  = flags.String("state", defaultStatePath(), "state `FILE` (aliases, regions, role choices, pending confirmations, notification records) kept across runs; \"memory\" keeps nothing")
	)
	if err := flags.Parse(args); err != nil {
		return err
	}

	cfg, err := loadConfig(*configFile)
	if err != nil {
		return err
	}
	term := console.New(stdin, stdout)

	if *notifyFile != "" {
		return sendTestMessage(ctx, cfg, term, *notifyFile, *platform, stdin, stdout)
	}

	audit, closeAudit, err := openAudit(*auditPath, stderr)
	if err != nil {
		return err
	}
	defer closeAudit()

	store, where, closeStore, err := openStore(*statePath)
	if err != nil {
		return err
	}
	defer closeStore()
	stateNote := where

	reg := newRegistry()

	if *useAWS && *configFile == "" {
		return errors.New("-aws needs -config FILE: the embedded configuration's role (arn:aws:iam::123456789012:role/opschat-quickstart) exists only in the simulated account; give a configuration whose IamRoleArn is a role in your account that your credentials may assume (sts:AssumeRole)")
	}
	if *modelID != "" && !*useAWS {
		return errors.New("-model needs -aws: the simulated account has no Bedrock models; without -aws questions are answered by the offline planner")
	}
	awsCfg, where, cleanup, err := awsConfig(ctx, *useAWS, reg)
	if err != nil {
		return err
	}
	defer cleanup()
	var extra []chatops.Option
	if *modelID != "" {
		model, err := assist.NewBedrock(bedrockruntime.NewFromConfig(awsCfg), *modelID)
		if err != nil {
			return err
		}
		extra = append(extra, chatops.WithAssistant(model))
	}
	exec, err := awsexec.New(reg, awsCfg)
	if err != nil {
		return err
	}
	authz, err := chatops.NewGuardrailAuthorizer(cfg)
	if err != nil {
		return err
	}
	bot, err := chatops.New(append([]chatops.Option{
		chatops.WithAdapter(term),
		chatops.WithConfig(cfg),
		chatops.WithCatalog(reg),
		chatops.WithExecutor(exec),
		chatops.WithAlarmGraphs(exec, 0), // alarm notifications show their graph, fetched as the channel role
		chatops.WithAuthorizer(authz),
		chatops.WithAuditWriter(audit),
		chatops.WithStore(store),
		chatops.WithLogger(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))),
	}, extra...)...,
	)
	if err != nil {
		return err
	}

	fmt.Fprintf(stdout, "opschat quickstart — commands run against %s.\n", where)
	fmt.Fprintf(stdout, "State: %s. ", stateNote)
	fmt.Fprintf(stdout, "Audit log: %s. Type `help`; `> TEXT` answers in a thread, `!N` clicks button N; Ctrl-D quits.\n\n", *auditPath)

	if *samples {
		for _, body := range [][]byte{sampleAlarm, sampleGuardDuty, sampleCustom, sampleUnknown} {
			res, err := bot.TestNotification(ctx, body)
			if err != nil {
				return err
			}
			if err := bot.Post(ctx, res.Deliveries); err != nil {
				return err
			}
		}
	}
	return bot.Run(ctx)
}

// defaultStatePath is where the quickstart keeps its state between runs:
// $XDG_STATE_HOME/opschat/quickstart.db, else ~/.local/state/opschat/, else
// the temporary directory.
func defaultStatePath() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, ".local", "state")
		} else {
			dir = os.TempDir()
		}
	}
	return filepath.Join(dir, "opschat", "quickstart.db")
}

// openStore opens the durable state file (created with its directory), or
// the in-memory store for "memory".
func openStore(path string) (chatops.Store, string, func(), error) {
	if path == "memory" || path == "" {
		return chatops.NewMemoryStore(), "in memory (forgotten at exit)", func() {}, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, "", nil, fmt.Errorf("state directory: %w", err)
	}
	st, err := boltstore.Open(path)
	if errors.Is(err, boltstore.ErrLocked) {
		return nil, "", nil, fmt.Errorf("%w: another quickstart is using %s; pass -state OTHER-FILE or -state memory", err, path)
	}
	if err != nil {
		return nil, "", nil, fmt.Errorf("open state: %w", err)
	}
	return st, path, func() { _ = st.Close() }, nil
}

func loadConfig(path string) (*chatops.Config, error) {
	if path != "" {
		return chatops.LoadConfigFile(path)
	}
	return chatops.LoadConfig(quickstartConfig)
}

func openAudit(path string, stderr io.Writer) (io.Writer, func(), error) {
	if path == "-" {
		return stderr, func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open audit log: %w", err)
	}
	return f, func() { _ = f.Close() }, nil
}

// awsConfig returns the AWS configuration commands run with: the simulated
// account unless the user asked for real AWS.
func awsConfig(ctx context.Context, real bool, cat command.Catalog) (cfg aws.Config, where string, cleanup func(), err error) {
	if real {
		c, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return cfg, "", nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		return c, "your AWS account (default credential chain)", func() {}, nil
	}
	sim := awssim.New(awssim.WithActionMapper(catalogActions(cat)))
	where = fmt.Sprintf("a simulated AWS account (%s, offline at %s)", sim.AccountID(), sim.URL())
	if os.Getenv("AWS_ACCESS_KEY_ID") != "" || os.Getenv("AWS_PROFILE") != "" {
		where += "; your AWS credentials are not used unless you pass -aws"
	}
	return sim.InProcessConfig(), where, sim.Close, nil
}

// sendTestMessage is the offline "Send test message": the file goes through
// the production decode → route → filter → format path and every channel's
// message is printed as the console renders it. A payload that cannot be
// parsed is still shown, with the reason; only an unreadable file fails.
func sendTestMessage(ctx context.Context, cfg *chatops.Config, term *console.Adapter, path, platform string, stdin io.Reader, stdout io.Writer) error {
	show := func(m chat.Message) error {
		if platform == "" {
			_, err := term.Send(ctx, chat.Conversation{Platform: "console", ChannelID: "console"}, m)
			return err
		}
		payload, err := platformPayload(platform, m)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, payload)
		return err
	}
	if platform != "" {
		if _, err := platformPayload(platform, chat.Message{Text: "probe"}); err != nil {
			return err
		}
	}
	var (
		body []byte
		err  error
	)
	if path == "-" {
		body, err = io.ReadAll(stdin)
	} else {
		body, err = os.ReadFile(path)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	bot, err := chatops.New(chatops.WithConfig(cfg), chatops.WithAdapter(term), chatops.WithAuditWriter(io.Discard))
	if err != nil {
		return err
	}
	res, err := bot.TestNotification(ctx, body)
	if err != nil {
		fmt.Fprintf(stdout, "Routing failed: %v\n", err)
		return nil
	}
	if res.Unwrapped != "" {
		fmt.Fprintf(stdout, "A Lambda %s event: each record is routed as the function would route it.\n\n", strings.ToUpper(res.Unwrapped))
	}
	if res.ParseError != nil {
		fmt.Fprintf(stdout, "The payload is not a valid SNS envelope (%v); delivering it as a raw message.\n\n", res.ParseError)
	}
	if res.TopicAssumed {
		fmt.Fprintf(stdout, "No topic in the payload: delivering it as if published to %s.\n\n", res.Topic)
	}
	if res.Unrouted {
		fmt.Fprintf(stdout, "No channel receives this notification: no configuration subscribes to %s, or every filter dropped it. A subscribed channel would see:\n", res.Topic)
		if res.Preview != nil {
			return show(*res.Preview)
		}
		return nil
	}
	for _, d := range res.Deliveries {
		fmt.Fprintf(stdout, "── %s → %s\n", d.Subscription.Name, describe(d.Conversation))
		if err := show(d.Message); err != nil {
			return err
		}
	}
	return nil
}

// platformPayload renders m as the named platform's adapter would send it:
// Slack's chat.postMessage blocks/attachments, the Teams Adaptive Card, the
// Chime webhook Markdown.
func platformPayload(platform string, m chat.Message) (string, error) {
	var v any
	switch strings.ToLower(platform) {
	case "slack":
		r, err := slack.Render(m)
		if err != nil {
			return "", err
		}
		v = r
	case "teams":
		v = teams.Render(m, teams.RenderOptions{})
	case "chime":
		v = map[string]string{"Content": chime.Render(m)}
	default:
		return "", fmt.Errorf("-platform %q: want slack, teams or chime", platform)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func describe(c chat.Conversation) string {
	return fmt.Sprintf("%s channel %s", c.Platform, c.ChannelID)
}
