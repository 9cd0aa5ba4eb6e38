package delivery

import (
	"context"
	"log/slog"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// MeterName is the instrumentation scope of this package's metrics.
const MeterName = "github.com/opschat/opschat/notify/delivery"

// Metric names. The AWS/Chatbot metric each one mirrors is in its
// description.
const (
	MetricEventsProcessed   = "opschat.notify.events_processed"
	MetricUnsupportedEvents = "opschat.notify.unsupported_events"
	MetricDeliverySuccess   = "opschat.notify.delivery.success"
	MetricDeliveryFailure   = "opschat.notify.delivery.failure"
	MetricDeliveryDuplicate = "opschat.notify.delivery.duplicate"
	MetricThrottled         = "opschat.notify.delivery.throttled"
	MetricRetried           = "opschat.notify.delivery.retried"
	MetricDigests           = "opschat.notify.delivery.digests"
	MetricAnchorUpdates     = "opschat.notify.delivery.anchor_updates"
	MetricBacklog           = "opschat.notify.delivery.backlog"
	MetricLatency           = "opschat.notify.delivery.latency"
)

// Metric attributes: success, failure, duplicate, digests, anchor updates,
// backlog and latency carry the configuration name and platform; retried and throttled
// carry the platform, and throttled also whether the local limiter or the
// platform (HTTP 429) throttled. Events counters carry none (the
// configuration is not known before routing).
const (
	attrConfiguration           = "configuration"
	attrPlatform                = "platform"
	attrThrottleSource          = "source"
	throttleLocal, throttlePlat = "local", "platform"
)

type instruments struct {
	events, unsupported, success, failure, duplicate, throttled, retried, digests, anchorUpdates metric.Int64Counter
	backlog                                                                                      metric.Int64UpDownCounter
	latency                                                                                      metric.Float64Histogram
}

func newInstruments(mp metric.MeterProvider) (*instruments, error) {
	if mp == nil {
		mp = noop.NewMeterProvider()
	}
	m := mp.Meter(MeterName)
	var (
		in   instruments
		errs []error
	)
	counter := func(dst *metric.Int64Counter, name, desc string) {
		c, err := m.Int64Counter(name, metric.WithDescription(desc), metric.WithUnit("{message}"))
		errs = append(errs, err)
		*dst = c
	}
	counter(&in.events, MetricEventsProcessed, "Events received and routed (AWS/Chatbot EventsProcessed).")
	counter(&in.unsupported, MetricUnsupportedEvents, "Events that could not be decoded or routed (AWS/Chatbot UnsupportedEvents).")
	counter(&in.success, MetricDeliverySuccess, "Notifications delivered to a channel (AWS/Chatbot MessageDeliverySuccess).")
	counter(&in.failure, MetricDeliveryFailure, "Notifications that failed permanently and were dead-lettered (AWS/Chatbot MessageDeliveryFailure).")
	counter(&in.duplicate, MetricDeliveryDuplicate, "Notifications skipped because they were already delivered to the channel.")
	counter(&in.throttled, MetricThrottled, "Sends delayed by the local rate limiter or refused by the platform with HTTP 429 (AWS/Chatbot EventsThrottled).")
	counter(&in.retried, MetricRetried, "Send attempts retried after a retryable error.")
	counter(&in.digests, MetricDigests, "Digest messages posted instead of individual notifications during a storm.")
	counter(&in.anchorUpdates, MetricAnchorUpdates, "First messages of threads edited to show a later state (an alarm's current state).")
	bl, err := m.Int64UpDownCounter(MetricBacklog, metric.WithDescription("Notifications queued for delivery."), metric.WithUnit("{message}"))
	errs = append(errs, err)
	in.backlog = bl
	lat, err := m.Float64Histogram(MetricLatency, metric.WithDescription("Time from enqueue to delivery."), metric.WithUnit("s"))
	errs = append(errs, err)
	in.latency = lat
	for _, e := range errs {
		if e != nil {
			return nil, e
		}
	}
	return &in, nil
}

func attrs(config, platform string) metric.MeasurementOption {
	return metric.WithAttributes(attribute.String(attrConfiguration, config), attribute.String(attrPlatform, platform))
}

// LogLevel is a channel configuration's LoggingLevel, as in AWS Chatbot:
// NONE logs nothing, ERROR logs failures, INFO logs every delivery.
type LogLevel int

// Log levels. The zero value is LogNone, AWS Chatbot's default.
const (
	LogNone LogLevel = iota
	LogError
	LogInfo
)

// ParseLogLevel parses "NONE", "ERROR" or "INFO" (any case; "" is NONE).
// Unknown values are reported as false and read as LogError, so that a typo
// never hides failures.
func ParseLogLevel(s string) (LogLevel, bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", "NONE":
		return LogNone, true
	case "ERROR":
		return LogError, true
	case "INFO":
		return LogInfo, true
	default:
		return LogError, false
	}
}

// String returns "NONE", "ERROR" or "INFO".
func (l LogLevel) String() string {
	switch l {
	case LogError:
		return "ERROR"
	case LogInfo:
		return "INFO"
	default:
		return "NONE"
	}
}

func (l LogLevel) allows(level slog.Level) bool {
	switch l {
	case LogInfo:
		return true
	case LogError:
		return level >= slog.LevelError
	default:
		return false
	}
}

type logger struct{ l *slog.Logger }

func (g logger) log(ctx context.Context, lvl LogLevel, level slog.Level, msg string, args ...any) {
	if g.l == nil || !lvl.allows(level) {
		return
	}
	g.l.Log(ctx, level, msg, args...)
}

// always logs whatever the configuration's LoggingLevel: for what an
// operator must see (lost notifications, Store failures).
func (g logger) always(ctx context.Context, level slog.Level, msg string, args ...any) {
	if g.l == nil {
		return
	}
	g.l.Log(ctx, level, msg, args...)
}
