package awsexec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/internal/clijson"
	"github.com/opschat/opschat/internal/jmespath"
)

// Defaults of the executor's options.
const (
	DefaultTimeout  = 15 * time.Second // what AWS Chatbot allows a command
	DefaultMaxItems = 100
	// DefaultMaxText is the output size assumed when the adapter does not
	// say (Slack's section block limit is 3000 characters).
	DefaultMaxText = 3000
	// credentialExpiryWindow refreshes assumed-role credentials this long
	// before they expire, so a command never starts with credentials that
	// die mid-flight.
	credentialExpiryWindow = 2 * time.Minute
)

// maxCached bounds the credential and client caches; a bot with more
// distinct sessions than this starts over, which costs one AssumeRole each.
const maxCached = 512

// STS limits on AssumeRole parameters.
const (
	maxSessionPolicies = 10
	maxSessionTags     = 50
)

// Executor runs invocations through aws-sdk-go-v2 with the services of a
// Registry. It implements chatops.Executor. It is safe for concurrent use;
// it caches assumed-role credentials and SDK clients per role, session
// policies, tags and region.
type Executor struct {
	reg      *Registry
	base     aws.Config
	timeout  time.Duration
	maxItems int
	region   string
	logger   *slog.Logger
	sts      stscreds.AssumeRoleAPIClient

	mu      sync.Mutex
	creds   map[string]*aws.CredentialsCache
	clients map[string]any
}

var _ chatops.Executor = (*Executor)(nil)

// Option configures an Executor.
type Option func(*Executor)

// WithTimeout bounds each command (default 15 s); d <= 0 keeps the default.
func WithTimeout(d time.Duration) Option {
	return func(e *Executor) {
		if d > 0 {
			e.timeout = d
		}
	}
}

// WithMaxItems bounds how many records pagination collects when the request
// does not say (default 100).
func WithMaxItems(n int) Option {
	return func(e *Executor) {
		if n > 0 {
			e.maxItems = n
		}
	}
}

// WithDefaultRegion is the region used when neither the request nor the base
// config has one.
func WithDefaultRegion(region string) Option { return func(e *Executor) { e.region = region } }

// WithLogger logs assumed roles and failures (never credentials).
func WithLogger(l *slog.Logger) Option {
	return func(e *Executor) {
		if l != nil {
			e.logger = l
		}
	}
}

// WithSTSClient sets the client used for AssumeRole; by default it is
// sts.NewFromConfig(base).
func WithSTSClient(c stscreds.AssumeRoleAPIClient) Option { return func(e *Executor) { e.sts = c } }

// New returns an executor over the services of reg, calling AWS with the
// host's base config (credentials of the bot itself, endpoint overrides).
func New(reg *Registry, base aws.Config, opts ...Option) (*Executor, error) {
	if reg == nil {
		return nil, errors.New("awsexec: new: nil registry")
	}
	e := &Executor{
		reg:      reg,
		base:     base.Copy(),
		timeout:  DefaultTimeout,
		maxItems: DefaultMaxItems,
		logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		creds:    map[string]*aws.CredentialsCache{},
		clients:  map[string]any{},
	}
	for _, o := range opts {
		o(e)
	}
	if e.sts == nil {
		cfg := e.base.Copy()
		if cfg.Region == "" {
			cfg.Region = e.region
		}
		if cfg.Region == "" {
			cfg.Region = "us-east-1"
		}
		e.sts = sts.NewFromConfig(cfg)
	}
	return e, nil
}

// Execute implements chatops.Executor: it builds the SDK input from the
// invocation, assumes req.RoleARN (with req's session name, session policies
// and tags), calls the operation (following pages up to the item limit)
// within the timeout, and renders the result for chat.
func (e *Executor) Execute(ctx context.Context, req chatops.ExecRequest) (*chatops.ExecResult, error) {
	inv := req.Invocation
	if inv == nil {
		return nil, errors.New("awsexec: execute: nil invocation")
	}
	svc, ok := e.reg.Lookup(inv.Service)
	if !ok {
		return nil, &userError{msg: fmt.Sprintf("no AWS service %q is registered", inv.Service), err: ErrUnknownService}
	}
	op, ok := svc.Operation(inv.Operation)
	if !ok {
		return nil, &userError{msg: fmt.Sprintf("%s has no operation %q", inv.Service, inv.Operation), err: ErrUnknownOperation}
	}
	input, err := svc.BuildInput(op, inv.Params)
	if err != nil {
		return nil, err
	}
	region := firstNonEmpty(req.Region, inv.Region, e.base.Region, e.region)
	if region == "" {
		return nil, &userError{msg: "no AWS region: add --region (for example --region us-east-1)", err: errors.New("no region")}
	}
	client, err := e.client(svc, region, req)
	if err != nil {
		return nil, err
	}
	maxItems := firstPositive(inv.MaxItems, req.MaxItems, e.maxItems)
	startAt := parseStartingToken(inv.StartingToken)
	if startAt.token != "" {
		if err := setStartingToken(input, startAt.token); err != nil {
			return nil, &userError{msg: fmt.Sprintf("%s %s: --starting-token: %v", inv.Service, inv.Operation, err), err: err}
		}
	}

	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	f, err := e.call(cctx, op, client, input, maxItems, int32(min(max(inv.PageSize, 0), 1<<30)), startAt)
	out := f.out
	if err != nil {
		e.logger.LogAttrs(ctx, slog.LevelInfo, "awsexec: command failed", slog.String("command", inv.Text),
			slog.String("role", req.RoleARN), slog.String("region", region), slog.String("error", err.Error()))
		return nil, classify(err, svc, op, req.RoleARN, e.timeout, cctx.Err())
	}
	total := countItems(out)
	shown := total
	if total > maxItems {
		trimItems(out, maxItems)
		shown = maxItems
	}
	msg := chat.Message{}
	if op.decorate != nil {
		if err := op.decorate(cctx, client, out, &msg); err != nil {
			e.logger.LogAttrs(ctx, slog.LevelWarn, "awsexec: decorate", slog.String("command", inv.Text), slog.String("error", err.Error()))
		}
	}
	dur := time.Since(start)
	result := svc.CLIShape(out)
	if inv.Query != "" {
		result, err = jmespath.Search(inv.Query, result)
		if err != nil {
			return nil, &userError{msg: fmt.Sprintf("--query %q: %v", inv.Query, err), err: err}
		}
	}
	var late *lateDecoration
	if op.later != nil && !req.NoFollowUp {
		// Start the slower extras (alarm graphs) now, while the answer is
		// rendered and posted: they arrive a chat round trip sooner and
		// use the other cores meanwhile.
		late = e.startLate(ctx, op.later, client, out)
	}
	p := page{shown: shown, total: total, more: f.more, limit: maxItems, token: f.continuation(shown, total, input)}
	render(&msg, inv.Service+" "+inv.Operation, inv.Output, inv.Display, result, p, capabilities(req.Capabilities))
	account := ""
	if a, err := arn.Parse(req.RoleARN); err == nil {
		account = a.AccountID
	}
	msg.Context = append(msg.Context, contextLine(account, region, req.RoleARN))
	data, err := clijson.Append(nil, result)
	if err != nil {
		data = nil // the message is what matters; Data is a convenience
	}
	res := &chatops.ExecResult{Message: msg, Region: region, Account: account, Duration: dur, Data: data}
	if late != nil {
		res.FollowUp = late.followUp(e, inv.Text, msg)
	}
	return res, nil
}

// lateDecoration is a late decorator (DecorateLater) started when the
// operation answered; followUp hands its outcome to ExecResult.FollowUp.
type lateDecoration struct {
	d           Decorator
	client, out any
	done        chan struct{}
	extra       chat.Message // set before done closes
	err         error
	cut         bool // d failed and Execute's context had ended: worth a re-run
}

// startLate runs d under Execute's context with the command timeout of its
// own (Execute returns long before it ends). It only reads out, as the
// answer's shaping does.
func (e *Executor) startLate(ctx context.Context, d Decorator, client, out any) *lateDecoration {
	l := &lateDecoration{d: d, client: client, out: out, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		dctx, cancel := context.WithTimeout(ctx, e.timeout)
		defer cancel()
		l.err = d(dctx, client, out, &l.extra)
		l.cut = l.err != nil && ctx.Err() != nil
	}()
	return l
}

// followUp returns the ExecResult.FollowUp that waits for the late
// decorator and returns msg with what it added (images, files, context
// lines) after what msg has. A host that ended Execute's context before
// the decorator finished (chatops keeps it for the command's whole time)
// gets it run again under FollowUp's own: its AWS calls are then made
// twice.
func (l *lateDecoration) followUp(e *Executor, command string, msg chat.Message) func(context.Context) (chat.Message, error) {
	return func(ctx context.Context) (chat.Message, error) {
		select {
		case <-l.done:
		case <-ctx.Done():
			return msg, ctx.Err()
		}
		extra, err := l.extra, l.err
		if l.cut && ctx.Err() == nil {
			dctx, cancel := context.WithTimeout(ctx, e.timeout)
			extra = chat.Message{}
			err = l.d(dctx, l.client, l.out, &extra)
			cancel()
		}
		if err != nil {
			e.logger.LogAttrs(ctx, slog.LevelWarn, "awsexec: decorate", slog.String("command", command), slog.String("error", err.Error()))
		}
		m := msg
		m.Images = append(slices.Clip(msg.Images), extra.Images...)
		m.Files = append(slices.Clip(msg.Files), extra.Files...)
		m.Context = append(slices.Clip(msg.Context), extra.Context...)
		return m, err
	}
}

func capabilities(c chat.Capabilities) chat.Capabilities {
	if c.MaxText <= 0 {
		c.MaxText = DefaultMaxText
	}
	return c
}

func contextLine(account, region, role string) string {
	parts := []string{}
	if account != "" {
		parts = append(parts, "account "+account)
	}
	parts = append(parts, "region "+region)
	if role != "" {
		name := role
		if i := strings.LastIndexByte(role, '/'); i >= 0 {
			name = role[i+1:]
		}
		parts = append(parts, "role "+chat.EscapeMarkdown(name))
	}
	return strings.Join(parts, " · ")
}

// client returns a cached SDK client of svc for the region and identity of req.
func (e *Executor) client(svc *Service, region string, req chatops.ExecRequest) (any, error) {
	credKey := ""
	var creds aws.CredentialsProvider
	if req.RoleARN != "" {
		var err error
		credKey, creds, err = e.credentials(req)
		if err != nil {
			return nil, err
		}
	}
	key := svc.Name + "\x00" + region + "\x00" + credKey
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.clients[key]; ok {
		return c, nil
	}
	cfg := e.base.Copy()
	cfg.Region = region
	if creds != nil {
		cfg.Credentials = creds
	}
	c := svc.newClient(cfg)
	if len(e.clients) >= maxCached {
		clear(e.clients) // rare: many roles × regions; rebuilding clients is cheap
	}
	e.clients[key] = c
	return c, nil
}

// credentials returns the cached assumed-role credentials for req's role,
// session policies (managed ARNs and the inline document) and tags.
func (e *Executor) credentials(req chatops.ExecRequest) (string, aws.CredentialsProvider, error) {
	if _, err := arn.Parse(req.RoleARN); err != nil {
		return "", nil, &userError{msg: fmt.Sprintf("%q is not a role ARN", req.RoleARN), err: err}
	}
	if len(req.PolicyARNs) > maxSessionPolicies {
		// Dropping some would widen the session beyond the guardrails.
		return "", nil, &userError{msg: fmt.Sprintf("the channel has %d guardrail policies; AWS accepts at most %d session policies", len(req.PolicyARNs), maxSessionPolicies),
			err: errors.New("too many session policies")}
	}
	policies := append([]string(nil), req.PolicyARNs...)
	sort.Strings(policies)
	tags := SessionTags(req.SessionTags)
	name := SessionName(req.SessionName)
	// The inline session policy is part of the key: a session started with
	// another channel's guardrails must never be reused.
	keyParts, _ := json.Marshal([]any{req.RoleARN, name, policies, req.SessionPolicy, tags})
	key := string(keyParts)

	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.creds[key]; ok {
		return key, c, nil
	}
	provider := stscreds.NewAssumeRoleProvider(e.sts, req.RoleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = name
		if req.SessionPolicy != "" {
			o.Policy = aws.String(req.SessionPolicy)
		}
		for _, p := range policies {
			o.PolicyARNs = append(o.PolicyARNs, ststypes.PolicyDescriptorType{Arn: aws.String(p)})
		}
		for _, t := range tags {
			o.Tags = append(o.Tags, ststypes.Tag{Key: aws.String(t[0]), Value: aws.String(t[1])})
		}
	})
	c := aws.NewCredentialsCache(provider, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = credentialExpiryWindow })
	if len(e.creds) >= maxCached {
		clear(e.creds)
	}
	e.creds[key] = c
	e.logger.Debug("awsexec: new role session", slog.String("role", req.RoleARN), slog.String("session", name))
	return key, c, nil
}

var sessionNameBad = regexp.MustCompile(`[^\w+=,.@-]`)

// SessionName makes s a valid STS RoleSessionName: characters outside
// [\w+=,.@-] become '-', at most 64 characters, at least 2 ("opschat" when
// nothing is left).
func SessionName(s string) string {
	s = sessionNameBad.ReplaceAllString(s, "-")
	if len(s) > 64 {
		s = s[:64]
	}
	if len(s) < 2 {
		return "opschat"
	}
	return s
}

// SessionTags makes tags valid STS session tags, sorted by key: characters
// outside letters, digits, spaces and _.:/=+-@ become '_', keys are cut to
// 128 characters, values to 256, and at most 50 tags are kept.
func SessionTags(tags map[string]string) [][2]string {
	out := make([][2]string, 0, len(tags))
	seen := map[string]bool{}
	for k, v := range tags {
		k = clean(k, 128)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, [2]string{k, clean(v, 256)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	if len(out) > maxSessionTags {
		out = out[:maxSessionTags]
	}
	return out
}

func clean(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	for i, c := range r {
		if !(unicode.IsLetter(c) || unicode.IsNumber(c) || unicode.Is(unicode.Zs, c) || strings.ContainsRune("_.:/=+-@", c)) {
			r[i] = '_'
		}
	}
	return string(r)
}

func firstPositive(n ...int) int {
	for _, x := range n {
		if x > 0 {
			return x
		}
	}
	return 0
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
