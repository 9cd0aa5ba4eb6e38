package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// SNS envelope types (the envelope's "Type" field).
const (
	TypeNotification             = "Notification"
	TypeSubscriptionConfirmation = "SubscriptionConfirmation"
	TypeUnsubscribeConfirmation  = "UnsubscribeConfirmation"
)

// Envelope is one SNS message (or a raw body that was not an SNS envelope).
//
// An Envelope is a plain value: it is safe to read from several goroutines,
// and whoever builds it may fill fields a transport learnt elsewhere (for
// raw message delivery, the x-amz-sns-message-id and x-amz-sns-topic-arn
// HTTP headers or the SQS message attributes).
type Envelope struct {
	Type, MessageID, TopicARN, Subject, Message string
	// Timestamp is exactly as received (the signature covers the raw string);
	// Time parses it.
	Timestamp string
	// HasSubject reports that the envelope carried a non-null Subject key.
	// SNS signs Subject only when it is present, so signature checks need
	// to know even when Subject is "".
	HasSubject bool

	SignatureVersion, Signature, SigningCertURL, SubscribeURL, UnsubscribeURL, Token string

	MessageAttributes map[string]MessageAttribute
	// Raw reports that the body was not an SNS envelope (raw message
	// delivery, a direct EventBridge event, plain text); Message holds the
	// whole body.
	Raw bool
}

// MessageAttribute is one SNS message attribute. Type is the SNS data type:
// "String", "String.Array", "Number" or "Binary" (Binary values are base64).
type MessageAttribute struct {
	Type, Value string
}

// rawEnvelope holds the known envelope keys undecoded, so the envelope test
// can look at which keys exist before committing to their types.
type rawEnvelope struct {
	Type              json.RawMessage `json:"Type"`
	MessageID         json.RawMessage `json:"MessageId"`
	TopicARN          json.RawMessage `json:"TopicArn"`
	Subject           json.RawMessage `json:"Subject"`
	Message           json.RawMessage `json:"Message"`
	Timestamp         json.RawMessage `json:"Timestamp"`
	SignatureVersion  json.RawMessage `json:"SignatureVersion"`
	Signature         json.RawMessage `json:"Signature"`
	SigningCertURL    json.RawMessage `json:"SigningCertURL"`
	SigningCertURL2   json.RawMessage `json:"SigningCertUrl"`
	SubscribeURL      json.RawMessage `json:"SubscribeURL"`
	UnsubscribeURL    json.RawMessage `json:"UnsubscribeURL"`
	UnsubscribeURL2   json.RawMessage `json:"UnsubscribeUrl"`
	Token             json.RawMessage `json:"Token"`
	MessageAttributes json.RawMessage `json:"MessageAttributes"`
}

// ParseEnvelope parses an HTTP/SQS/Lambda body. A JSON object with a "Type"
// key and a "MessageId" or "TopicArn" key is an SNS envelope and its fields
// must have the SNS types; anything else (raw message delivery, an
// EventBridge event, text, even invalid JSON) is returned as an Envelope with
// Raw set and Message holding the body, never as an error. The error is
// reserved for a body that claims to be an envelope but is malformed; it
// names the offending field.
func ParseEnvelope(body []byte) (*Envelope, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return rawEnvelopeOf(body), nil
	}
	fe, ok := scanEnvelope(trimmed)
	if !ok {
		fe, ok = parseEnvelopeFast(trimmed)
	}
	if ok {
		if fe == nil {
			return rawEnvelopeOf(body), nil
		}
		return fe, nil
	}
	var r rawEnvelope
	if err := json.Unmarshal(trimmed, &r); err != nil {
		// Invalid JSON, or a known key of a shape that RawMessage cannot
		// hold (impossible: RawMessage takes anything valid). Either way it
		// is not an envelope we can read, so deliver it as it came.
		return rawEnvelopeOf(body), nil
	}
	if r.Type == nil || (r.MessageID == nil && r.TopicARN == nil) || !bytes.Contains(trimmed, []byte(`"Type"`)) {
		return rawEnvelopeOf(body), nil
	}
	e := &Envelope{}
	fields := []struct {
		name string
		raw  json.RawMessage
		dst  *string
	}{
		{"Type", r.Type, &e.Type},
		{"MessageId", r.MessageID, &e.MessageID},
		{"TopicArn", r.TopicARN, &e.TopicARN},
		{"Subject", r.Subject, &e.Subject},
		{"Message", r.Message, &e.Message},
		{"Timestamp", r.Timestamp, &e.Timestamp},
		{"SignatureVersion", r.SignatureVersion, &e.SignatureVersion},
		{"Signature", r.Signature, &e.Signature},
		{"SigningCertURL", r.SigningCertURL, &e.SigningCertURL},
		{"SigningCertUrl", r.SigningCertURL2, &e.SigningCertURL},
		{"SubscribeURL", r.SubscribeURL, &e.SubscribeURL},
		{"UnsubscribeURL", r.UnsubscribeURL, &e.UnsubscribeURL},
		{"UnsubscribeUrl", r.UnsubscribeURL2, &e.UnsubscribeURL},
		{"Token", r.Token, &e.Token},
	}
	for _, f := range fields {
		if err := decodeString(f.raw, f.dst); err != nil {
			return nil, fmt.Errorf("notify: sns envelope: field %q: %w", f.name, err)
		}
	}
	e.HasSubject = r.Subject != nil && !isJSONNull(r.Subject)
	if e.Type == "" {
		return nil, fmt.Errorf("notify: sns envelope: field %q: empty", "Type")
	}
	if len(r.MessageAttributes) > 0 && !isJSONNull(r.MessageAttributes) {
		attrs, err := decodeAttributes(r.MessageAttributes)
		if err != nil {
			return nil, err
		}
		e.MessageAttributes = attrs
	}
	return e, nil
}

// fastEnvelope decodes a well-formed envelope in one pass; anything it
// cannot take (a field of the wrong type, invalid JSON) goes through the
// slower path that classifies the body and names the bad field.
type fastEnvelope struct {
	Type              *string                                   `json:"Type"`
	MessageID         *string                                   `json:"MessageId"`
	TopicARN          *string                                   `json:"TopicArn"`
	Subject           *string                                   `json:"Subject"`
	Message           *string                                   `json:"Message"`
	Timestamp         *string                                   `json:"Timestamp"`
	SignatureVersion  *string                                   `json:"SignatureVersion"`
	Signature         *string                                   `json:"Signature"`
	SigningCertURL    *string                                   `json:"SigningCertURL"`
	SubscribeURL      *string                                   `json:"SubscribeURL"`
	UnsubscribeURL    *string                                   `json:"UnsubscribeURL"`
	Token             *string                                   `json:"Token"`
	MessageAttributes map[string]*struct{ Type, Value *string } `json:"MessageAttributes"`
}

// parseEnvelopeFast returns (envelope, true) for an SNS envelope, (nil,
// true) for a JSON object that is not one, and (nil, false) when the slow
// path must decide.
func parseEnvelopeFast(body []byte) (*Envelope, bool) {
	var f fastEnvelope
	if err := json.Unmarshal(body, &f); err != nil {
		return nil, false
	}
	// encoding/json matches keys case-insensitively; SNS keys are exact.
	if f.Type == nil || (f.MessageID == nil && f.TopicARN == nil) || !bytes.Contains(body, []byte(`"Type"`)) {
		return nil, true
	}
	if *f.Type == "" {
		return nil, false
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	e := &Envelope{
		Type: *f.Type, MessageID: str(f.MessageID), TopicARN: str(f.TopicARN),
		Subject: str(f.Subject), HasSubject: f.Subject != nil, Message: str(f.Message), Timestamp: str(f.Timestamp),
		SignatureVersion: str(f.SignatureVersion), Signature: str(f.Signature), SigningCertURL: str(f.SigningCertURL),
		SubscribeURL: str(f.SubscribeURL), UnsubscribeURL: str(f.UnsubscribeURL), Token: str(f.Token),
	}
	if len(f.MessageAttributes) > 0 {
		e.MessageAttributes = make(map[string]MessageAttribute, len(f.MessageAttributes))
		for k, a := range f.MessageAttributes {
			if a == nil {
				e.MessageAttributes[k] = MessageAttribute{}
				continue
			}
			e.MessageAttributes[k] = MessageAttribute{Type: str(a.Type), Value: str(a.Value)}
		}
	}
	return e, true
}

func rawEnvelopeOf(body []byte) *Envelope {
	return &Envelope{Message: string(body), Raw: true}
}

func isJSONNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// decodeString sets *dst from a JSON string; absent and null leave it alone.
func decodeString(raw json.RawMessage, dst *string) error {
	if raw == nil || isJSONNull(raw) {
		return nil
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '"' {
		return fmt.Errorf("want a string, got %s", jsonKind(t))
	}
	return json.Unmarshal(raw, dst)
}

func decodeAttributes(raw json.RawMessage) (map[string]MessageAttribute, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("notify: sns envelope: field %q: want an object, got %s", "MessageAttributes", jsonKind(bytes.TrimSpace(raw)))
	}
	attrs := make(map[string]MessageAttribute, len(m))
	for name, v := range m {
		var a struct {
			Type  json.RawMessage `json:"Type"`
			Value json.RawMessage `json:"Value"`
		}
		if err := json.Unmarshal(v, &a); err != nil {
			return nil, fmt.Errorf("notify: sns envelope: field %q: want an object, got %s", "MessageAttributes."+name, jsonKind(bytes.TrimSpace(v)))
		}
		var attr MessageAttribute
		if err := decodeString(a.Type, &attr.Type); err != nil {
			return nil, fmt.Errorf("notify: sns envelope: field %q: %w", "MessageAttributes."+name+".Type", err)
		}
		if err := decodeString(a.Value, &attr.Value); err != nil {
			return nil, fmt.Errorf("notify: sns envelope: field %q: %w", "MessageAttributes."+name+".Value", err)
		}
		attrs[name] = attr
	}
	return attrs, nil
}

func jsonKind(t []byte) string {
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// Time parses Timestamp (RFC 3339, as SNS writes it: 2012-05-02T00:54:06.655Z).
func (e *Envelope) Time() (time.Time, error) {
	if e.Timestamp == "" {
		return time.Time{}, fmt.Errorf("notify: envelope %q: no timestamp", e.MessageID)
	}
	t, err := time.Parse(time.RFC3339Nano, e.Timestamp)
	if err != nil {
		return time.Time{}, fmt.Errorf("notify: envelope %q: timestamp: %w", e.MessageID, err)
	}
	return t, nil
}

// Handler receives envelopes from sources. It returns nil only when the
// envelope was delivered to every target or failed permanently and was
// recorded; a non-nil error means the source must retry (not acknowledge).
//
// Sources may call HandleEnvelope from several goroutines at once;
// implementations must be safe for concurrent use.
type Handler interface {
	HandleEnvelope(ctx context.Context, env *Envelope) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, env *Envelope) error

// HandleEnvelope calls f.
func (f HandlerFunc) HandleEnvelope(ctx context.Context, env *Envelope) error { return f(ctx, env) }
