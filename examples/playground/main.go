// Command playground serves a chat page in the browser for an opschat bot
// on a simulated AWS account, offline: type commands and questions, click
// the buttons of confirmations and alarms, fill in prompts, paste any
// notification payload to see it through the production routing path, and
// switch every message between the web, Slack, Teams and Chime renderings
// of the real adapters, with the raw payloads to copy.
//
//	go run ./examples/playground                    # http://127.0.0.1:8080/
//	go run ./examples/playground -addr 127.0.0.1:9000 -state memory
//
// It listens on loopback only and opens nothing by itself.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/opschat/opschat/adapters/web"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/cloudwatchlogsops"
	"github.com/opschat/opschat/command/awsexec/services/cloudwatchops"
	"github.com/opschat/opschat/command/awsexec/services/ec2ops"
	"github.com/opschat/opschat/command/awsexec/services/iamops"
	"github.com/opschat/opschat/command/awsexec/services/lambdaops"
	"github.com/opschat/opschat/command/awsexec/services/stsops"
	"github.com/opschat/opschat/internal/awssim"
	"github.com/opschat/opschat/notify"
	"github.com/opschat/opschat/store/boltstore"
)

//go:embed playground.yaml
var playgroundConfig []byte

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
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "playground:", err)
		os.Exit(1)
	}
}

// options are the program's flags.
type options struct {
	addr       string
	configFile string
	statePath  string
	auditPath  string
	samples    bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("playground", flag.ContinueOnError)
	flags.SetOutput(stderr)
	var o options
	flags.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen `ADDRESS` (loopback only)")
	flags.StringVar(&o.configFile, "config", "", "channel configuration `FILE` (YAML or JSON) instead of the embedded one; its web channel is local/playground")
	flags.StringVar(&o.statePath, "state", defaultStatePath(), "state `FILE` (aliases, regions, pending confirmations) kept across runs; \"memory\" keeps nothing")
	flags.StringVar(&o.auditPath, "audit", filepath.Join(os.TempDir(), "opschat-playground-audit.jsonl"), "audit log `FILE` (- for stderr)")
	flags.BoolVar(&o.samples, "samples", true, "post the sample notifications at start")
	if err := flags.Parse(args); err != nil {
		return err
	}
	p, err := start(ctx, o, stderr)
	if err != nil {
		return err
	}
	defer p.close()
	fmt.Fprintf(stdout, "opschat playground on %s (commands run against %s; state: %s; audit log: %s)\n", p.url(), p.where, p.stateNote, o.auditPath)
	fmt.Fprintf(stdout, "Open %s in a browser. Ctrl-C stops.\n", p.url())
	return p.serve(ctx)
}

// playground is the running program: the page's adapter, the bot and the
// simulated account, listening but not yet serving.
type playground struct {
	page      *web.Adapter
	bot       *chatops.Bot
	ln        net.Listener
	where     string
	stateNote string
	closers   []func()
}

// start builds the playground and listens on o.addr. The caller serves it
// and closes it.
func start(ctx context.Context, o options, stderr io.Writer) (_ *playground, err error) {
	p := &playground{}
	defer func() {
		if err != nil {
			p.close()
		}
	}()
	// Listen first: a refused address fails before anything is built.
	p.ln, err = web.ListenLoopback(o.addr)
	if err != nil {
		return nil, err
	}
	p.closers = append(p.closers, func() { _ = p.ln.Close() })
	cfg, err := loadConfig(o.configFile)
	if err != nil {
		return nil, err
	}
	audit, closeAudit, err := openAudit(o.auditPath, stderr)
	if err != nil {
		return nil, err
	}
	p.closers = append(p.closers, closeAudit)
	store, note, closeStore, err := openStore(o.statePath)
	if err != nil {
		return nil, err
	}
	p.closers = append(p.closers, closeStore)
	p.stateNote = note

	reg := awsexec.NewRegistry()
	cloudwatchops.Register(reg)
	cloudwatchlogsops.Register(reg)
	ec2ops.Register(reg)
	lambdaops.Register(reg)
	// IAM and STS are registered so that the parser knows them and the
	// built-in blocklist can refuse them by name.
	iamops.Register(reg)
	stsops.Register(reg)

	sim := awssim.New()
	p.closers = append(p.closers, sim.Close)
	p.where = fmt.Sprintf("a simulated AWS account (%s, offline at %s)", sim.AccountID(), sim.URL())
	exec, err := awsexec.New(reg, sim.InProcessConfig())
	if err != nil {
		return nil, err
	}
	authz, err := chatops.NewGuardrailAuthorizer(cfg)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	p.page, err = web.New(
		web.WithTitle("opschat playground"),
		web.WithLogger(log),
		web.WithViews(slackView(), teamsView(), chimeView()),
		web.WithNotify(p.testNotification),
		// Pasted payloads can be large (Security Hub batches).
		web.WithMaxBody(256<<10),
	)
	if err != nil {
		return nil, err
	}
	p.closers = append(p.closers, func() { _ = p.page.Close() })
	p.bot, err = chatops.New(
		chatops.WithAdapter(p.page),
		chatops.WithConfig(cfg),
		chatops.WithCatalog(reg),
		chatops.WithExecutor(exec),
		chatops.WithAlarmGraphs(exec, 0), // alarm notifications show their graph, fetched as the channel role
		chatops.WithAuthorizer(authz),
		chatops.WithAuditWriter(audit),
		chatops.WithStore(store),
		chatops.WithLogger(log),
	)
	if err != nil {
		return nil, err
	}
	if o.samples {
		for _, body := range [][]byte{sampleAlarm, sampleGuardDuty, sampleCustom, sampleUnknown} {
			res, err := p.bot.TestNotification(ctx, body)
			if err != nil {
				return nil, err
			}
			if err := p.bot.Post(ctx, res.Deliveries); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

func (p *playground) url() string { return "http://" + p.ln.Addr().String() + "/" }

// serve runs the bot and the page until ctx is done.
func (p *playground) serve(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	botErr := make(chan error, 1)
	go func() { botErr <- p.bot.Run(ctx) }()
	err := p.page.Serve(ctx, p.ln)
	cancel()
	return errors.Join(err, <-botErr)
}

func (p *playground) close() {
	for i := len(p.closers) - 1; i >= 0; i-- {
		p.closers[i]()
	}
	p.closers = nil
}

// testNotification is the page's "Send test message": the payload goes
// through the production decode → route → filter → format path and is
// posted to every channel that receives it. When routing drops it, it is
// still shown, as the default formatter renders it, marked as a preview.
func (p *playground) testNotification(ctx context.Context, body []byte) (string, error) {
	res, err := p.bot.TestNotification(ctx, body)
	if err != nil {
		return "", err
	}
	var notes []string
	if res.ParseError != nil {
		notes = append(notes, fmt.Sprintf("Not a valid SNS envelope (%v): delivered as a raw message.", res.ParseError))
	}
	if res.TopicAssumed {
		notes = append(notes, "No topic in the payload: routed as if published to "+res.Topic+".")
	}
	if len(res.Deliveries) == 0 {
		notes = append(notes, "No channel receives it: no configuration subscribes to "+nameOr(res.Topic, "its topic")+
			", or every filter dropped it. Shown here as a preview only.")
		_, m := notify.Preview(body)
		m.Context = append(m.Context, "_Preview: no configuration subscribes; not delivered._")
		if _, err := p.page.Send(ctx, p.page.Conversation(), m); err != nil {
			return "", err
		}
		return strings.Join(notes, " "), nil
	}
	if err := p.bot.Post(ctx, res.Deliveries); err != nil {
		return "", err
	}
	names := make([]string, len(res.Deliveries))
	for i, d := range res.Deliveries {
		names[i] = d.Subscription.Name
	}
	notes = append(notes, fmt.Sprintf("Delivered to %s.", strings.Join(names, ", ")))
	return strings.Join(notes, " "), nil
}

// defaultStatePath is $XDG_STATE_HOME/opschat/playground.db, else under
// ~/.local/state, else the temporary directory.
func defaultStatePath() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, ".local", "state")
		} else {
			dir = os.TempDir()
		}
	}
	return filepath.Join(dir, "opschat", "playground.db")
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
		return nil, "", nil, fmt.Errorf("%w: another playground is using %s; pass -state OTHER-FILE or -state memory", err, path)
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
	return chatops.LoadConfig(playgroundConfig)
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
