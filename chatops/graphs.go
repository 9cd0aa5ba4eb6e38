package chatops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/notify"
)

// Defaults of WithAlarmGraphs.
const (
	// DefaultGraphBudget is how long a notification may wait for its alarm
	// graph: CloudWatch renders a widget in well under a second, and an
	// alarm is worth more on time than with a picture.
	DefaultGraphBudget = 3 * time.Second
	// MaxGraphBytes bounds a graph attached to a notification. The image
	// travels with the delivery job and is kept in its dead letter (base64
	// in JSON) if delivery fails for good; 128 KiB keeps that record well
	// under DynamoDB's 400 KB item limit next to the rest of the message.
	// A 600×300 CloudWatch graph is 15–40 KB.
	MaxGraphBytes = 128 * 1024
)

// Graph session identity: a graph is read by the notification path, not on
// behalf of a chat user, so its role session says so (CloudTrail shows
// "opschat-alarm-graph"; SCPs can match the tag).
const (
	graphSessionName = "opschat-alarm-graph"
	graphPurposeTag  = "opschat:purpose"
	graphPurpose     = "alarm-graph"
)

// ErrGraphTooLarge is the reason a graph above MaxGraphBytes is left out.
var ErrGraphTooLarge = errors.New("chatops: alarm graph too large")

// MetricImager renders CloudWatch metric widgets
// (cloudwatch:GetMetricWidgetImage) through a configuration's role.
// command/awsexec.Executor implements it with the same credential path as
// commands. Implementations are safe for concurrent use and return when ctx
// ends.
type MetricImager interface {
	MetricWidgetImage(ctx context.Context, req GraphRequest) ([]byte, error)
}

// GraphRequest is one graph to render: the widget JSON
// (notify.Notification.MetricWidget) read as the configuration's channel
// role, bounded by the configuration's guardrails as session policies,
// exactly like a command of that channel.
type GraphRequest struct {
	// RoleARN is the configuration's channel role (IAMRoleARN).
	RoleARN string
	// Region is the alarm's region.
	Region string
	// Widget is the MetricWidget JSON.
	Widget string
	// SessionName, SessionTags, PolicyARNs and SessionPolicy are passed to
	// AssumeRole as for commands (see ExecRequest).
	SessionName   string
	SessionTags   map[string]string
	PolicyARNs    []string
	SessionPolicy string
	// Configuration names the configuration the graph is for (for logs;
	// when several share one fetch, the first).
	Configuration string
}

// key identifies what AWS authorises and renders: requests with equal keys
// return the same picture, so one fetch serves them all. Session tags and
// the configuration name are left out on purpose: graph sessions carry only
// the purpose tag, so two configurations sharing a role and guardrails share
// the fetch, while different guardrails never do.
func (r GraphRequest) key() string {
	b, _ := json.Marshal([]any{r.RoleARN, r.Region, r.Widget, r.PolicyARNs, r.SessionPolicy}) // strings only: cannot fail
	return string(b)
}

// alarmGraphs is the WithAlarmGraphs setting.
type alarmGraphs struct {
	imager MetricImager
	budget time.Duration
}

// WithAlarmGraphs shows the metric graph of a CloudWatch alarm in its
// notification: NotificationPipeline fetches each alarm's graph through
// imager as the receiving configuration's channel role (concurrently, one
// fetch per distinct role, region, widget and guardrails) and attaches it
// as a PNG image. A graph not ready within budget (<= 0:
// DefaultGraphBudget), refused by AWS, or larger than MaxGraphBytes is left
// out and logged; the notification is then delivered without it, never
// later than the budget. Configurations without a channel role get no
// graph.
func WithAlarmGraphs(imager MetricImager, budget time.Duration) Option {
	return func(b *Bot) error {
		if isNil(imager) {
			return errors.New("WithAlarmGraphs: nil imager")
		}
		if budget <= 0 {
			budget = DefaultGraphBudget
		}
		b.graphs = &alarmGraphs{imager: imager, budget: budget}
		return nil
	}
}

// graphJob is one distinct fetch and the deliveries waiting for it.
type graphJob struct {
	req     GraphRequest
	targets []int
	name    string // file name, "<alarm>.png"
	alt     string
}

type graphResult struct {
	key  string
	png  []byte
	err  error
	took time.Duration
}

// AttachAlarmGraphs adds to each delivery of a metric alarm the alarm's
// graph, as WithAlarmGraphs describes, and returns ds. It blocks at most
// the graph budget (less when ctx ends first) and never fails: a graph it
// cannot get is left out and logged. Without WithAlarmGraphs it returns ds
// unchanged. NotificationPipeline calls it for every routed envelope;
// callers of NotificationRouter (test notifications, previews) may call it
// themselves.
func (b *Bot) AttachAlarmGraphs(ctx context.Context, ds []notify.Delivery) []notify.Delivery {
	g := b.graphs
	if g == nil || len(ds) == 0 {
		return ds
	}
	jobs, order := b.graphJobs(ctx, ds)
	if len(jobs) == 0 {
		return ds
	}
	fctx, cancel := context.WithTimeout(ctx, g.budget)
	defer cancel()
	// Buffered for every job: a fetch that outlives the budget can still
	// deliver its (discarded) result and exit without anyone reading.
	results := make(chan graphResult, len(jobs))
	for _, key := range order {
		req := jobs[key].req
		go func() {
			start := time.Now()
			png, err := g.imager.MetricWidgetImage(fctx, req)
			results <- graphResult{key: key, png: png, err: err, took: time.Since(start)}
		}()
	}
	got := make(map[string]bool, len(jobs))
	for len(got) < len(jobs) {
		select {
		case r := <-results:
			got[r.key] = true
			b.attachGraph(ctx, ds, jobs[r.key], r)
		case <-fctx.Done():
			for _, key := range order {
				if !got[key] {
					j := jobs[key]
					b.log.WarnContext(ctx, "alarm graph left out: not ready within the budget", "configuration", j.req.Configuration,
						"alarm", j.name, "budget", g.budget.String(), "reason", context.Cause(fctx))
				}
			}
			return ds
		}
	}
	return ds
}

// graphJobs groups the deliveries that have a graph by distinct request.
func (b *Bot) graphJobs(ctx context.Context, ds []notify.Delivery) (map[string]*graphJob, []string) {
	jobs := map[string]*graphJob{}
	var order []string
	for i := range ds {
		d := &ds[i]
		if d.Notification == nil {
			continue
		}
		widget, ok := d.Notification.MetricWidget()
		if !ok {
			continue
		}
		req, err := b.graphRequest(d, widget)
		if err != nil {
			b.log.DebugContext(ctx, "alarm graph not fetched", "conversation", d.Conversation.String(), "reason", err.Error())
			continue
		}
		k := req.key()
		j, ok := jobs[k]
		if !ok {
			name := graphName(d.Notification)
			j = &graphJob{req: req, name: name + ".png", alt: "CloudWatch graph of alarm " + name}
			jobs[k] = j
			order = append(order, k)
		}
		j.targets = append(j.targets, i)
	}
	return jobs, order
}

// graphRequest is the request for d's graph: its configuration's channel
// role and guardrails.
func (b *Bot) graphRequest(d *notify.Delivery, widget string) (GraphRequest, error) {
	if d.Subscription == nil {
		return GraphRequest{}, errors.New("delivery has no subscription")
	}
	cc := b.config.byName(d.Subscription.Name)
	if cc == nil {
		return GraphRequest{}, fmt.Errorf("no configuration named %q", d.Subscription.Name)
	}
	if cc.IAMRoleARN == "" {
		return GraphRequest{}, fmt.Errorf("configuration %s has no channel role", cc.Name)
	}
	sp, err := cc.SessionPolicy(d.Conversation, "")
	if err != nil {
		return GraphRequest{}, err
	}
	return GraphRequest{
		RoleARN:       cc.IAMRoleARN,
		Region:        d.Notification.Region,
		Widget:        widget,
		SessionName:   graphSessionName,
		SessionTags:   map[string]string{graphPurposeTag: graphPurpose},
		PolicyARNs:    sp.ManagedARNs,
		SessionPolicy: sp.Document,
		Configuration: cc.Name,
	}, nil
}

// attachGraph adds r's image to every delivery of j, or logs why not.
func (b *Bot) attachGraph(ctx context.Context, ds []notify.Delivery, j *graphJob, r graphResult) {
	err := r.err
	switch {
	case err != nil:
	case len(r.png) == 0:
		err = errors.New("empty image")
	case len(r.png) > MaxGraphBytes:
		err = fmt.Errorf("%w: %d bytes, at most %d", ErrGraphTooLarge, len(r.png), MaxGraphBytes)
	}
	if err != nil {
		b.log.WarnContext(ctx, "alarm graph left out", "configuration", j.req.Configuration, "alarm", j.name,
			"took", r.took.String(), "error", err.Error())
		return
	}
	b.log.DebugContext(ctx, "alarm graph attached", "configuration", j.req.Configuration, "alarm", j.name,
		"bytes", len(r.png), "took", r.took.String(), "deliveries", len(j.targets))
	img := chat.Image{Data: r.png, ContentType: "image/png", Name: j.name, AltText: j.alt}
	for _, i := range j.targets {
		m := &ds[i].Message
		// Clip: deliveries of one envelope may share the backing array
		// of Images; appending must not write into another's.
		m.Images = append(slices.Clip(m.Images), img)
	}
}

var fileNameBad = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// graphName is the alarm's name made safe as a file name ("alarm" when
// unknown), at most 100 characters.
func graphName(n *notify.Notification) string {
	s := fileNameBad.ReplaceAllString(n.Variables["AlarmName"], "-")
	if len(s) > 100 {
		s = s[:100]
	}
	if s == "" || s == "-" {
		return "alarm"
	}
	return s
}

// byName returns the configuration called name, or nil.
func (c *Config) byName(name string) *ChannelConfig {
	for i := range c.Configurations {
		if c.Configurations[i].Name == name {
			return &c.Configurations[i]
		}
	}
	return nil
}

// graphRouter attaches alarm graphs to what a notify router returns: the
// Router of NotificationPipeline when WithAlarmGraphs is set.
type graphRouter struct {
	bot    *Bot
	router *notify.Router
}

func (r graphRouter) Route(ctx context.Context, env *notify.Envelope) ([]notify.Delivery, error) {
	ds, err := r.router.Route(ctx, env)
	if err != nil {
		return nil, err
	}
	return r.bot.AttachAlarmGraphs(ctx, ds), nil
}
