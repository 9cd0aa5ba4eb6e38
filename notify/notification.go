package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opschat/opschat/chat"
)

// Kind names the decoder that produced a Notification.
type Kind string

// Decoder kinds.
const (
	KindCloudWatchAlarm   Kind = "cloudwatch-alarm"    // a CloudWatch alarm as SNS delivers it
	KindEventBridge       Kind = "eventbridge"         // an EventBridge event (rich or generic)
	KindCustom            Kind = "custom"              // an AWS Chatbot custom notification
	KindBudgets           Kind = "budgets"             // an AWS Budgets text notification
	KindCloudFormationSNS Kind = "cloudformation-text" // CloudFormation's Key='value' notification
	KindUserNotification  Kind = "user-notification"   // an AWS User Notifications event
	KindJSON              Kind = "json"                // any other JSON
	KindText              Kind = "text"                // any other text
)

// Notification is a decoded notification in one normalised shape, whatever
// service sent it. Formatters turn it into a chat.Message; templates and
// custom actions read it.
//
// Title, Description and NextSteps are neutral Markdown (see chat.Message):
// decoders escape every string that came from AWS or from a payload, except
// the content of custom notifications, whose publisher writes Markdown on
// purpose (AWS Chatbot renders it as the client's Markdown). Fields are
// literal text.
//
// Reading a Notification from several goroutines is safe (Payload decodes
// once); modifying one while others read it is not.
type Notification struct {
	Kind Kind
	// Source is the event source ("aws.cloudwatch", "aws.guardduty",
	// "custom", "aws.budgets") or "" when unknown.
	Source string
	// Service is a short service name ("CloudWatch", "GuardDuty"), also the
	// name custom action attachments use as NotificationType.
	Service string
	// EventType is the EventBridge detail-type, the custom notification's
	// eventType, or a decoder-specific type ("CloudWatch Alarm").
	EventType string
	// ID is the event's own identifier (EventBridge id, custom id, alarm
	// ARN plus state change time) when it has one.
	ID          string
	Title       string
	TitleLink   string
	Description string
	Summary     string
	Severity    chat.Severity
	Fields      []chat.Field
	NextSteps   []string
	Keywords    []string
	Account     string
	Region      string
	// Partition is "aws", "aws-cn" or "aws-us-gov" (from ARNs or the region).
	Partition string
	Resources []string
	// ThreadKey groups updates about the same thing: the alarm ARN, the
	// finding ID, the stack ID, a custom threadId.
	ThreadKey string
	Time      time.Time
	// Text is the message exactly as received; Payload returns it decoded.
	Text    string
	payload *lazyPayload
	// Variables are named values custom actions substitute into their
	// command text ($AlarmName) and test in their criteria.
	Variables map[string]string
	// CustomActionsDisabled is set by custom notifications with
	// "enableCustomActions": false.
	CustomActionsDisabled bool
	// Logs, when set, lets the formatter add Show logs / Show error logs.
	Logs *LogTarget
	// restAPI is a REST API stage whose log group the formatter can find
	// when the host maps API names to IDs (WithRESTAPIIDs).
	restAPI *restAPIRef
	// graph holds what MetricWidget needs; the JSON is built only when asked for.
	graph *alarmGraph
	// DecodeError says why a payload that looked like a known format could
	// not be decoded as one (it is then shown as generic JSON or text).
	DecodeError string
	// Envelope is the SNS envelope the notification came in, when known.
	Envelope *Envelope `json:"-"`
}

// lazyPayload decodes the message on first use: the alarm hot path never
// builds the generic map unless a template or custom action asks for it.
type lazyPayload struct {
	once sync.Once
	raw  string
	v    any
}

// Payload returns the decoded JSON message (map[string]any with json.Number
// numbers), or nil for text. It is decoded once, on first use, and is safe
// to call from several goroutines.
func (n *Notification) Payload() any {
	p := n.payload
	if p == nil {
		return nil
	}
	p.once.Do(func() {
		if p.raw == "" {
			return
		}
		dec := json.NewDecoder(strings.NewReader(p.raw))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			p.v = v
		}
	})
	return p.v
}

// SetPayload sets what Payload returns; host Decoders use it.
func (n *Notification) SetPayload(v any) {
	p := &lazyPayload{v: v}
	p.once.Do(func() {})
	n.payload = p
}

// LogTarget is the CloudWatch Logs window a CloudWatch alarm refers to.
type LogTarget struct {
	LogGroup   string
	Region     string
	Start, End time.Time
}

// Decode decodes an envelope's message into a Notification. It never fails:
// a message no decoder recognises becomes a KindJSON or KindText
// notification that shows the payload, and a message that claims a known
// format but breaks its rules (a custom notification without a description)
// is shown the same way with DecodeError saying what was wrong.
func Decode(env *Envelope) *Notification {
	return completeFromEnvelope(decodeMessage(env.Message, env.Subject), env)
}

// Decoder recognises a payload format of the host's own (Alertmanager,
// an in-house event schema) so it renders as richly as the built-in ones.
// Decoders run before the built-in decoders; one that returns ok=false
// passes. Implementations must be safe for concurrent use.
type Decoder interface {
	Decode(env *Envelope) (n *Notification, ok bool)
}

// DecoderFunc adapts a function to Decoder.
type DecoderFunc func(env *Envelope) (*Notification, bool)

// Decode calls f.
func (f DecoderFunc) Decode(env *Envelope) (*Notification, bool) { return f(env) }

// DecodeWith tries each decoder in order, then the built-in ones. The
// envelope fills what a decoder left empty (account and region from the
// topic ARN, time, ID, partition).
func DecodeWith(env *Envelope, decoders ...Decoder) *Notification {
	for _, d := range decoders {
		if n, ok := d.Decode(env); ok && n != nil {
			if n.Text == "" {
				n.Text = env.Message
			}
			if n.Variables == nil {
				n.Variables = map[string]string{}
			}
			return completeFromEnvelope(n, env)
		}
	}
	return Decode(env)
}

func completeFromEnvelope(n *Notification, env *Envelope) *Notification {
	n.Envelope = env
	if n.Region == "" || n.Account == "" {
		if a, ok := parseARN(env.TopicARN); ok {
			if n.Region == "" {
				n.Region = a.region
			}
			if n.Account == "" {
				n.Account = a.account
			}
			if n.Partition == "" {
				n.Partition = a.partition
			}
		}
	}
	if n.Partition == "" {
		n.Partition = partitionOf(n.Region)
	}
	if n.Time.IsZero() {
		if t, err := env.Time(); err == nil {
			n.Time = t
		}
	}
	if n.ID == "" {
		n.ID = env.MessageID
	}
	if (n.Kind == KindJSON || n.Kind == KindText) && n.Title == "Notification" {
		if a, ok := parseARN(env.TopicARN); ok {
			n.Title = "Notification from " + chat.EscapeMarkdown(a.resource)
			n.Summary = "Notification from " + a.resource
		}
	}
	return n
}

// DecodeMessage decodes a message body (without an envelope); subject is
// the SNS Subject when known.
func DecodeMessage(message, subject string) *Notification {
	n := decodeMessage(message, subject)
	if n.Partition == "" {
		n.Partition = partitionOf(n.Region)
	}
	return n
}

func decodeMessage(message, subject string) *Notification {
	trimmed := strings.TrimSpace(message)
	if strings.HasPrefix(trimmed, "{") && strings.Contains(trimmed, `"NewStateValue"`) && strings.Contains(trimmed, `"AlarmName"`) {
		// The hot path: a CloudWatch alarm, decoded straight into a struct.
		if a, err := parseAlarm(trimmed); err == nil {
			return decodeAlarm(a, message)
		}
	}
	if strings.HasPrefix(trimmed, "{") {
		dec := json.NewDecoder(strings.NewReader(trimmed))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err == nil && !dec.More() {
			return decodeJSON(jobj(m), message, subject)
		}
	}
	if n := decodeCloudFormationText(message); n != nil {
		return n
	}
	if n := decodeBudgets(message, subject); n != nil {
		return n
	}
	return decodeText(message, subject)
}

func decodeJSON(m jobj, raw, subject string) *Notification {
	var n *Notification
	var err error
	switch {
	case m.has("AlarmName") && m.has("NewStateValue"):
		// decodeMessage tried the typed decoder first; reaching here
		// means it failed, and this says why.
		var a *snsAlarm
		if a, err = parseAlarm(raw); err == nil {
			n = decodeAlarm(a, raw)
		}
	case m.s("source") == "custom" || (m.has("content") && m.s("version") != "" && m.has("source")):
		n, err = decodeCustom(m)
	case m.has("detail-type") && m.has("source") && m.has("detail"):
		n, err = decodeEventBridge(m)
	case isUserNotification(m):
		n = decodeUserNotification(m)
	default:
		n = decodeGenericJSON(m, subject)
	}
	if err != nil {
		n = decodeGenericJSON(m, subject)
		n.DecodeError = err.Error()
	}
	n.SetPayload(map[string]any(m))
	n.Text = raw
	return n
}

func decodeText(message, subject string) *Notification {
	title := strings.TrimSpace(subject)
	if title == "" {
		title = "Notification"
	}
	return &Notification{
		Kind:        KindText,
		Title:       chat.EscapeMarkdown(title),
		Description: chat.EscapeMarkdown(strings.TrimSpace(message)),
		Summary:     title,
		Text:        message,
		Variables:   map[string]string{},
	}
}

// jobj is a decoded JSON object with typed getters that return zero values
// for absent or mistyped keys, so decoders stay readable.
type jobj map[string]any

func (o jobj) has(k string) bool { _, ok := o[k]; return ok }

func (o jobj) s(k string) string {
	s, _ := scalarString(o[k])
	return s
}

func (o jobj) o(k string) jobj {
	m, _ := o[k].(map[string]any)
	return jobj(m)
}

func (o jobj) a(k string) []any {
	a, _ := o[k].([]any)
	return a
}

func (o jobj) n(k string) (float64, bool) {
	switch v := o[k].(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case float64:
		return v, true
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	return 0, false
}

func (o jobj) b(k string) (bool, bool) {
	b, ok := o[k].(bool)
	return b, ok
}

func (o jobj) strings(k string) []string {
	var out []string
	for _, v := range o.a(k) {
		if s, ok := scalarString(v); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// scalarString renders a JSON scalar as text; objects and arrays are not scalars.
func scalarString(v any) (string, bool) {
	switch tv := v.(type) {
	case string:
		return tv, true
	case json.Number:
		return tv.String(), true
	case float64:
		return strconv.FormatFloat(tv, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(tv), true
	}
	return "", false
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// prettyJSON indents a decoded payload for a code block.
func prettyJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimRight(buf.String(), "\n")
}

type arn struct {
	partition, service, region, account, resource string
}

func parseARN(s string) (arn, bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return arn{}, false
	}
	return arn{partition: parts[1], service: parts[2], region: parts[3], account: parts[4], resource: parts[5]}, true
}

func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}
