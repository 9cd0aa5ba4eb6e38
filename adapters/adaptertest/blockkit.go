package adaptertest

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// ErrInvalidPayload is wrapped by every problem CheckBlockKit and
// CheckAdaptiveCard report, so tests can tell a validation failure from a
// payload that is not JSON at all.
var ErrInvalidPayload = errors.New("adaptertest: invalid payload")

// Slack's documented Block Kit limits
// (https://docs.slack.dev/reference/block-kit/blocks and
// .../composition-objects), counted in characters of the string Slack
// receives: after entity escaping, so "&" counts as the five of "&amp;".
const (
	slackMaxBlocks        = 50
	slackMaxSectionText   = 3000
	slackMaxSectionFields = 10
	slackMaxFieldText     = 2000
	slackMaxHeaderText    = 150
	slackMaxContextElems  = 10
	slackMaxContextText   = 3000
	slackMaxActionsElems  = 25
	slackMaxButtonText    = 75
	slackMaxButtonValue   = 2000
	slackMaxButtonURL     = 3000
	slackMaxActionID      = 255
	slackMaxBlockID       = 255
	slackMaxImageURL      = 3000
	slackMaxAltText       = 2000
	slackMaxMessageText   = 40000
)

// entity matches what may follow '&' in escaped Slack text.
var slackEntity = regexp.MustCompile(`^&(amp|lt|gt);`)

// CheckBlockKit checks a chat.postMessage payload (the JSON of text, blocks
// and attachments) against Slack's documented Block Kit limits and rules:
// known block and element types, required properties, lengths measured as
// sent (after escaping), https image URLs or slack_file references (one of
// id and url), action_ids unique within the message, and in mrkdwn text no
// '&' that does not start an entity and no '<' that does not open a link. Every problem is reported (errors.Join),
// each wrapping ErrInvalidPayload and naming its JSON path. It is pure.
func CheckBlockKit(payload []byte) error {
	var msg map[string]any
	if err := json.Unmarshal(payload, &msg); err != nil {
		return fmt.Errorf("adaptertest: block kit payload: %w", err)
	}
	c := &slackChecker{actionIDs: map[string]string{}, blockIDs: map[string]string{}}
	for k, v := range msg {
		switch k {
		case "text":
			s, _ := v.(string)
			c.length("text", s, slackMaxMessageText)
		case "blocks":
			c.blocks("blocks", v)
		case "attachments":
			atts, ok := v.([]any)
			if !ok {
				c.fail("attachments", "not an array")
				continue
			}
			for i, a := range atts {
				c.attachment(fmt.Sprintf("attachments[%d]", i), a)
			}
		default:
			c.fail(k, "unknown top-level key")
		}
	}
	if _, ok := msg["text"]; !ok && msg["blocks"] == nil && msg["attachments"] == nil {
		c.fail("", "no text, blocks or attachments")
	}
	if c.total > slackMaxBlocks {
		c.fail("", fmt.Sprintf("%d blocks in the message, Slack allows %d", c.total, slackMaxBlocks))
	}
	return errors.Join(c.errs...)
}

type slackChecker struct {
	errs      []error
	total     int
	actionIDs map[string]string // action_id → path of its first use
	blockIDs  map[string]string
}

func (c *slackChecker) fail(path, msg string) {
	c.errs = append(c.errs, fmt.Errorf("%w: %s: %s", ErrInvalidPayload, path, msg))
}

func (c *slackChecker) length(path, s string, max int) {
	if n := utf8.RuneCountInString(s); n > max {
		c.fail(path, fmt.Sprintf("%d characters, Slack allows %d", n, max))
	}
}

func (c *slackChecker) attachment(path string, v any) {
	a, ok := v.(map[string]any)
	if !ok {
		c.fail(path, "not an object")
		return
	}
	for k, v := range a {
		switch k {
		case "color", "fallback":
			if _, ok := v.(string); !ok {
				c.fail(path+"."+k, "not a string")
			}
		case "blocks":
			c.blocks(path+".blocks", v)
		default:
			c.fail(path+"."+k, "unknown attachment key (legacy fields are not rendered with blocks)")
		}
	}
}

func (c *slackChecker) blocks(path string, v any) {
	list, ok := v.([]any)
	if !ok {
		c.fail(path, "not an array")
		return
	}
	if len(list) > slackMaxBlocks {
		c.fail(path, fmt.Sprintf("%d blocks, Slack allows %d", len(list), slackMaxBlocks))
	}
	c.total += len(list)
	for i, b := range list {
		c.block(fmt.Sprintf("%s[%d]", path, i), b)
	}
}

func (c *slackChecker) block(path string, v any) {
	b, ok := v.(map[string]any)
	if !ok {
		c.fail(path, "not an object")
		return
	}
	if id, ok := b["block_id"].(string); ok {
		c.length(path+".block_id", id, slackMaxBlockID)
		if first, dup := c.blockIDs[id]; dup {
			c.fail(path+".block_id", "duplicate of "+first)
		}
		c.blockIDs[id] = path
	}
	typ, _ := b["type"].(string)
	switch typ {
	case "section":
		text, hasText := b["text"]
		fields, hasFields := b["fields"].([]any)
		if !hasText && !hasFields {
			c.fail(path, "section needs text or fields")
		}
		if hasText {
			c.textObject(path+".text", text, slackMaxSectionText, "")
		}
		if len(fields) > slackMaxSectionFields {
			c.fail(path+".fields", fmt.Sprintf("%d fields, Slack allows %d", len(fields), slackMaxSectionFields))
		}
		for i, f := range fields {
			c.textObject(fmt.Sprintf("%s.fields[%d]", path, i), f, slackMaxFieldText, "")
		}
	case "header":
		c.textObject(path+".text", b["text"], slackMaxHeaderText, "plain_text")
	case "context":
		elems, _ := b["elements"].([]any)
		if len(elems) == 0 || len(elems) > slackMaxContextElems {
			c.fail(path+".elements", fmt.Sprintf("%d elements, Slack allows 1 to %d", len(elems), slackMaxContextElems))
		}
		for i, e := range elems {
			p := fmt.Sprintf("%s.elements[%d]", path, i)
			if m, ok := e.(map[string]any); ok && m["type"] == "image" {
				c.image(p, m, "alt_text")
				continue
			}
			c.textObject(p, e, slackMaxContextText, "")
		}
	case "actions":
		elems, _ := b["elements"].([]any)
		if len(elems) == 0 || len(elems) > slackMaxActionsElems {
			c.fail(path+".elements", fmt.Sprintf("%d elements, Slack allows 1 to %d", len(elems), slackMaxActionsElems))
		}
		for i, e := range elems {
			c.button(fmt.Sprintf("%s.elements[%d]", path, i), e)
		}
	case "image":
		c.image(path, b, "alt_text")
		if t, ok := b["title"]; ok {
			c.textObject(path+".title", t, slackMaxAltText, "plain_text")
		}
	case "divider":
	default:
		c.fail(path+".type", fmt.Sprintf("block type %q is not one the renderers may produce", typ))
	}
}

func (c *slackChecker) image(path string, m map[string]any, altKey string) {
	u, _ := m["image_url"].(string)
	sf, isFile := m["slack_file"].(map[string]any)
	switch {
	case isFile && u != "":
		c.fail(path, "both image_url and slack_file: Slack takes one source")
	case isFile:
		// A file uploaded to Slack: by ID (what the renderer writes) or
		// by its Slack URL.
		id, _ := sf["id"].(string)
		fu, _ := sf["url"].(string)
		if (id == "") == (fu == "") {
			c.fail(path+".slack_file", "needs exactly one of id and url")
		}
	case u == "":
		c.fail(path+".image_url", "missing")
	case !strings.HasPrefix(u, "https://"):
		c.fail(path+".image_url", "not https: Slack refuses to fetch it")
	default:
		c.length(path+".image_url", u, slackMaxImageURL)
	}
	alt, _ := m[altKey].(string)
	if alt == "" {
		c.fail(path+"."+altKey, "missing")
	}
	c.length(path+"."+altKey, alt, slackMaxAltText)
}

func (c *slackChecker) button(path string, v any) {
	e, ok := v.(map[string]any)
	if !ok || e["type"] != "button" {
		c.fail(path, "not a button")
		return
	}
	c.textObject(path+".text", e["text"], slackMaxButtonText, "plain_text")
	id, _ := e["action_id"].(string)
	if id == "" {
		c.fail(path+".action_id", "missing")
	}
	c.length(path+".action_id", id, slackMaxActionID)
	if first, dup := c.actionIDs[id]; dup {
		c.fail(path+".action_id", fmt.Sprintf("%q repeats %s: action_ids must be unique in the message", id, first))
	}
	c.actionIDs[id] = path
	if val, ok := e["value"].(string); ok {
		c.length(path+".value", val, slackMaxButtonValue)
	}
	if u, ok := e["url"].(string); ok {
		c.length(path+".url", u, slackMaxButtonURL)
	}
	if st, ok := e["style"].(string); ok && st != "primary" && st != "danger" {
		c.fail(path+".style", fmt.Sprintf("unknown style %q", st))
	}
}

// textObject checks a composition text object; want restricts its type.
func (c *slackChecker) textObject(path string, v any, max int, want string) {
	o, ok := v.(map[string]any)
	if !ok {
		c.fail(path, "not a text object")
		return
	}
	typ, _ := o["type"].(string)
	text, _ := o["text"].(string)
	switch {
	case typ != "plain_text" && typ != "mrkdwn":
		c.fail(path+".type", fmt.Sprintf("unknown text type %q", typ))
	case want != "" && typ != want:
		c.fail(path+".type", fmt.Sprintf("%s where Slack requires %s", typ, want))
	}
	if text == "" {
		c.fail(path+".text", "empty: Slack requires at least one character")
	}
	c.length(path+".text", text, max)
	if typ == "mrkdwn" {
		c.escaped(path+".text", text)
	}
}

// escaped checks that mrkdwn text was escaped: every '&' starts an entity
// and every '<' opens a link to an http(s) or mailto URL, so the text Slack
// counts is the text the limits were checked against.
func (c *slackChecker) escaped(path, s string) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '&':
			if !slackEntity.MatchString(s[i:]) {
				c.fail(path, fmt.Sprintf("unescaped '&' at byte %d", i))
				return
			}
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				c.fail(path, fmt.Sprintf("unclosed '<' at byte %d", i))
				return
			}
			link := s[i+1 : i+end]
			if !strings.HasPrefix(link, "https://") && !strings.HasPrefix(link, "http://") && !strings.HasPrefix(link, "mailto:") {
				c.fail(path, fmt.Sprintf("control sequence <%s> at byte %d", link, i))
				return
			}
		case '>':
			c.fail(path, fmt.Sprintf("unescaped '>' at byte %d", i))
			return
		}
		if s[i] == '<' {
			i += strings.IndexByte(s[i:], '>')
		}
	}
}
