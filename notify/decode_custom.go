package notify

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/opschat/opschat/chat"
)

// Custom notification limits, from the AWS Chatbot documentation.
const (
	CustomTitleMax       = 250
	CustomDescriptionMax = 8000
	CustomNextStepMax    = 350
	CustomKeywordMax     = 75
)

// ErrInvalidCustomNotification is wrapped by every custom notification
// validation error (a *CustomNotificationError).
var ErrInvalidCustomNotification = errors.New("invalid custom notification")

// CustomNotification is the AWS Chatbot custom notification schema
// (version "1.0", source "custom").
type CustomNotification struct {
	Version string `json:"version"`
	Source  string `json:"source"`
	ID      string `json:"id,omitempty"`
	Content struct {
		TextType    string   `json:"textType,omitempty"`
		Title       string   `json:"title,omitempty"`
		Description string   `json:"description"`
		NextSteps   []string `json:"nextSteps,omitempty"`
		Keywords    []string `json:"keywords,omitempty"`
	} `json:"content"`
	Metadata struct {
		ThreadID            string            `json:"threadId,omitempty"`
		Summary             string            `json:"summary,omitempty"`
		EventType           string            `json:"eventType,omitempty"`
		RelatedResources    []string          `json:"relatedResources,omitempty"`
		AdditionalContext   map[string]string `json:"additionalContext,omitempty"`
		EnableCustomActions *bool             `json:"enableCustomActions,omitempty"`
	} `json:"metadata"`
}

// readCustom reads a custom notification from a decoded payload, with
// errors that name the field and what was expected.
func readCustom(m jobj) (*CustomNotification, error) {
	var errs []error
	c := &CustomNotification{}
	str := func(o jobj, key, path string, dst *string) {
		v, ok := o[key]
		if !ok || v == nil {
			return
		}
		s, isStr := v.(string)
		if !isStr {
			errs = append(errs, fmt.Errorf("%s must be a string, got %s", path, jsonTypeName(v)))
			return
		}
		*dst = s
	}
	list := func(o jobj, key, path string) []string {
		v, ok := o[key]
		if !ok || v == nil {
			return nil
		}
		arr, isArr := v.([]any)
		if !isArr {
			errs = append(errs, fmt.Errorf("%s must be an array of strings, got %s", path, jsonTypeName(v)))
			return nil
		}
		out := make([]string, 0, len(arr))
		for i, x := range arr {
			s, isStr := x.(string)
			if !isStr {
				errs = append(errs, fmt.Errorf("%s[%d] must be a string, got %s", path, i, jsonTypeName(x)))
				continue
			}
			out = append(out, s)
		}
		return out
	}
	obj := func(o jobj, key, path string) jobj {
		v, ok := o[key]
		if !ok || v == nil {
			return nil
		}
		mm, isObj := v.(map[string]any)
		if !isObj {
			errs = append(errs, fmt.Errorf("%s must be an object, got %s", path, jsonTypeName(v)))
		}
		return jobj(mm)
	}
	str(m, "version", "version", &c.Version)
	str(m, "source", "source", &c.Source)
	str(m, "id", "id", &c.ID)
	content := obj(m, "content", "content")
	str(content, "textType", "content.textType", &c.Content.TextType)
	str(content, "title", "content.title", &c.Content.Title)
	str(content, "description", "content.description", &c.Content.Description)
	c.Content.NextSteps = list(content, "nextSteps", "content.nextSteps")
	c.Content.Keywords = list(content, "keywords", "content.keywords")
	md := obj(m, "metadata", "metadata")
	str(md, "threadId", "metadata.threadId", &c.Metadata.ThreadID)
	str(md, "summary", "metadata.summary", &c.Metadata.Summary)
	str(md, "eventType", "metadata.eventType", &c.Metadata.EventType)
	c.Metadata.RelatedResources = list(md, "relatedResources", "metadata.relatedResources")
	if ac := obj(md, "additionalContext", "metadata.additionalContext"); ac != nil {
		c.Metadata.AdditionalContext = map[string]string{}
		for k, v := range ac {
			s, ok := scalarString(v)
			if !ok {
				errs = append(errs, fmt.Errorf("metadata.additionalContext.%s must be a string, got %s", k, jsonTypeName(v)))
				continue
			}
			c.Metadata.AdditionalContext[k] = s
		}
	}
	if v, ok := md["enableCustomActions"]; ok && v != nil {
		b, isBool := v.(bool)
		if !isBool {
			errs = append(errs, fmt.Errorf("metadata.enableCustomActions must be true or false, got %s", jsonTypeName(v)))
		} else {
			c.Metadata.EnableCustomActions = &b
		}
	}
	if len(errs) > 0 {
		// Report the shape problems together with the rule problems of
		// the fields that could be read.
		if verr := c.Validate(); verr != nil {
			for _, p := range verr.(*CustomNotificationError).Problems {
				errs = append(errs, errors.New(p))
			}
		}
		return nil, customErr(errs)
	}
	return c, nil
}

// CustomNotificationError lists every problem of a custom notification,
// each naming its field ("content.description is required").
type CustomNotificationError struct {
	Problems []string
}

// Error lists the problems.
func (e *CustomNotificationError) Error() string {
	return "custom notification is invalid: " + strings.Join(e.Problems, "; ")
}

// Unwrap returns ErrInvalidCustomNotification.
func (e *CustomNotificationError) Unwrap() error { return ErrInvalidCustomNotification }

func customErr(errs []error) error {
	e := &CustomNotificationError{}
	for _, err := range errs {
		e.Problems = append(e.Problems, err.Error())
	}
	return e
}

// Validate checks c against the custom notification rules and limits and
// reports every problem at once (errors.Join), each naming its field.
func (c *CustomNotification) Validate() error {
	var errs []error
	if c.Version != "1.0" {
		errs = append(errs, fmt.Errorf("version must be \"1.0\", got %q", c.Version))
	}
	if c.Source != "custom" {
		errs = append(errs, fmt.Errorf("source must be \"custom\", got %q", c.Source))
	}
	if c.Content.TextType != "" && c.Content.TextType != "client-markdown" {
		errs = append(errs, fmt.Errorf("content.textType must be \"client-markdown\", got %q", c.Content.TextType))
	}
	if n := utf8.RuneCountInString(c.Content.Title); n > CustomTitleMax {
		errs = append(errs, fmt.Errorf("content.title is %d characters, the limit is %d", n, CustomTitleMax))
	}
	if c.Content.Description == "" {
		errs = append(errs, errors.New("content.description is required"))
	} else if n := utf8.RuneCountInString(c.Content.Description); n > CustomDescriptionMax {
		errs = append(errs, fmt.Errorf("content.description is %d characters, the limit is %d", n, CustomDescriptionMax))
	}
	for i, s := range c.Content.NextSteps {
		if n := utf8.RuneCountInString(s); n > CustomNextStepMax {
			errs = append(errs, fmt.Errorf("content.nextSteps[%d] is %d characters, the limit is %d", i, n, CustomNextStepMax))
		}
	}
	for i, s := range c.Content.Keywords {
		if n := utf8.RuneCountInString(s); n > CustomKeywordMax {
			errs = append(errs, fmt.Errorf("content.keywords[%d] is %d characters, the limit is %d", i, n, CustomKeywordMax))
		}
	}
	if len(errs) > 0 {
		return customErr(errs)
	}
	return nil
}

// slackLink matches Slack-style <url|label> links, which custom
// notifications use in practice (the AWS sample does); they are turned
// into the neutral [label](url) so every platform renders them.
var (
	slackLink = regexp.MustCompile(`<(https?://[^|>\s]+)\|([^>]*)>`)
	// slackBold is Slack's *bold*, which neutral Markdown would read as
	// italic; it becomes **bold**.
	slackBold = regexp.MustCompile(`(^|[\s(])\*([^*\s][^*\n]*?)\*([\s).,;:!?]|$)`)
)

// clientMarkdown turns the Slack-flavoured Markdown custom notifications
// are written in (AWS renders "client-markdown" in the client's dialect)
// into neutral Markdown: <url|label> links and *bold*. Emphasis inside a
// link label is dropped, as neutral Markdown does not nest.
func clientMarkdown(s string) string {
	s = slackLink.ReplaceAllStringFunc(s, func(m string) string {
		sub := slackLink.FindStringSubmatch(m)
		label := strings.NewReplacer("*", "", "_", "", "[", "(", "]", ")").Replace(sub[2])
		return "[" + label + "](" + sub[1] + ")"
	})
	return slackBold.ReplaceAllString(s, "$1**$2**$3")
}

func decodeCustom(m jobj) (*Notification, error) {
	c, err := readCustom(m)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	n := &Notification{
		Kind:        KindCustom,
		Source:      "custom",
		Service:     "Custom",
		EventType:   c.Metadata.EventType,
		ID:          c.ID,
		Title:       clientMarkdown(c.Content.Title),
		Description: clientMarkdown(c.Content.Description),
		Summary:     c.Metadata.Summary,
		ThreadKey:   c.Metadata.ThreadID,
		Resources:   c.Metadata.RelatedResources,
		Keywords:    c.Content.Keywords,
		Severity:    chat.SeverityNone,
		Variables:   map[string]string{},
	}
	for _, s := range c.Content.NextSteps {
		n.NextSteps = append(n.NextSteps, clientMarkdown(s))
	}
	if c.Metadata.EnableCustomActions != nil && !*c.Metadata.EnableCustomActions {
		n.CustomActionsDisabled = true
	}
	for k, v := range c.Metadata.AdditionalContext {
		n.Fields = append(n.Fields, chat.Field{Name: k, Value: v, Short: true})
		n.Variables[k] = v
	}
	sortFields(n.Fields)
	n.Variables["id"] = c.ID
	n.Variables["threadId"] = c.Metadata.ThreadID
	n.Variables["eventType"] = c.Metadata.EventType
	return n, nil
}

func sortFields(fs []chat.Field) {
	sort.Slice(fs, func(i, j int) bool { return fs[i].Name < fs[j].Name })
}
