package notify

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/opschat/opschat/chat"
)

// Custom action limits, from AWS::Chatbot::CustomAction.
const (
	CustomActionButtonTextMax = 50
	CustomActionCriteriaMax   = 5
	CustomActionVariablesMax  = 5
	CustomActionCommandMax    = 5000
)

// Criteria operators of custom action attachments.
const (
	CriterionHasValue = "HAS_VALUE"
	CriterionEquals   = "EQUALS"
)

// ButtonCustomActionPrefix starts the ID of every custom action button
// ("custom-action:restart-service"); the Value is the command text.
const ButtonCustomActionPrefix = "custom-action:"

// ErrInvalidCustomAction is wrapped by CustomAction.Validate errors.
var ErrInvalidCustomAction = errors.New("invalid custom action")

// CustomAction is modelled on AWS::Chatbot::CustomAction: a command with
// $variables, shown as a button on the notifications its attachments select.
type CustomAction struct {
	// Name is the ActionName (^[a-zA-Z0-9_-]{1,64}$).
	Name string
	// CommandText is the command the button runs, with $Variable references
	// ("cloudwatch describe-alarms --alarm-names $AlarmName").
	CommandText string
	Attachments []CustomActionAttachment
}

// CustomActionAttachment decides when the action's button appears and what
// it is called.
type CustomActionAttachment struct {
	// ButtonText is the button label (1-50 characters).
	ButtonText string
	// NotificationType selects notifications: it is compared, ignoring
	// case, with the notification's Service ("CloudWatch", "GuardDuty",
	// "Custom"), its Source ("aws.guardduty") and its EventType (the
	// EventBridge detail-type or the custom notification's eventType).
	// Empty selects every notification.
	NotificationType string
	// Criteria must all hold (at most 5).
	Criteria []CustomActionCriterion
	// Variables maps a variable name to where its value comes from: a
	// dotted path into the decoded payload ("detail.instance-id",
	// "Trigger.Dimensions.0.value") or the name of one of the
	// notification's built-in Variables. At most 5. Variables not listed
	// here resolve to the notification's built-in Variables.
	Variables map[string]string
}

// CustomActionCriterion is one condition on a variable.
type CustomActionCriterion struct {
	Operator     string // HAS_VALUE or EQUALS
	VariableName string
	Value        string // for EQUALS
}

var (
	actionNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	varNameRE    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)
	notifTypeRE  = regexp.MustCompile(`^[a-zA-Z0-9-]{1,100}$`)
)

// Validate checks the limits AWS enforces and reports every problem at once.
func (a *CustomAction) Validate() error {
	var errs []error
	if !actionNameRE.MatchString(a.Name) {
		errs = append(errs, fmt.Errorf("ActionName %q must be 1-64 letters, digits, '-' or '_'", a.Name))
	}
	if a.CommandText == "" {
		errs = append(errs, errors.New("Definition.CommandText is required"))
	} else if utf8.RuneCountInString(a.CommandText) > CustomActionCommandMax {
		errs = append(errs, fmt.Errorf("Definition.CommandText is longer than %d characters", CustomActionCommandMax))
	}
	for i, at := range a.Attachments {
		p := fmt.Sprintf("Attachments[%d]", i)
		if n := utf8.RuneCountInString(at.ButtonText); n < 1 || n > CustomActionButtonTextMax {
			errs = append(errs, fmt.Errorf("%s.ButtonText must be 1-%d characters, got %d", p, CustomActionButtonTextMax, n))
		}
		if at.NotificationType != "" && !notifTypeRE.MatchString(at.NotificationType) {
			errs = append(errs, fmt.Errorf("%s.NotificationType %q must be 1-100 letters, digits or '-'", p, at.NotificationType))
		}
		if len(at.Criteria) > CustomActionCriteriaMax {
			errs = append(errs, fmt.Errorf("%s.Criteria has %d items, at most %d are allowed", p, len(at.Criteria), CustomActionCriteriaMax))
		}
		for j, c := range at.Criteria {
			cp := fmt.Sprintf("%s.Criteria[%d]", p, j)
			if c.Operator != CriterionHasValue && c.Operator != CriterionEquals {
				errs = append(errs, fmt.Errorf("%s.Operator %q must be HAS_VALUE or EQUALS", cp, c.Operator))
			}
			if !varNameRE.MatchString(c.VariableName) {
				errs = append(errs, fmt.Errorf("%s.VariableName %q must be 1-100 letters, digits, '-' or '_'", cp, c.VariableName))
			}
			if len(c.Value) > 1024 {
				errs = append(errs, fmt.Errorf("%s.Value is longer than 1024 characters", cp))
			}
		}
		if len(at.Variables) > CustomActionVariablesMax {
			errs = append(errs, fmt.Errorf("%s.Variables has %d entries, at most %d are allowed", p, len(at.Variables), CustomActionVariablesMax))
		}
		for k, v := range at.Variables {
			if !varNameRE.MatchString(k) {
				errs = append(errs, fmt.Errorf("%s.Variables key %q must be 1-100 letters, digits, '-' or '_'", p, k))
			}
			if len(v) > 1024 {
				errs = append(errs, fmt.Errorf("%s.Variables[%s] is longer than 1024 characters", p, k))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("notify: custom action %q: %w", a.Name, errors.Join(append([]error{ErrInvalidCustomAction}, errs...)...))
	}
	return nil
}

// CustomActionButtons returns the buttons actions put on n: one per attachment whose
// notification type and criteria select n and whose command's variables
// all resolve. A notification with CustomActionsDisabled gets none.
func CustomActionButtons(n *Notification, actions []CustomAction) []chat.Button {
	if n.CustomActionsDisabled {
		return nil
	}
	var out []chat.Button
	for _, a := range actions {
		for _, at := range a.Attachments {
			if !at.selects(n) {
				continue
			}
			lookup := func(name string) (string, bool) { return at.variable(n, name) }
			ok := true
			for _, c := range at.Criteria {
				v, found := lookup(c.VariableName)
				switch c.Operator {
				case CriterionHasValue:
					ok = ok && found && v != ""
				case CriterionEquals:
					ok = ok && found && v == c.Value
				default:
					ok = false
				}
			}
			if !ok {
				continue
			}
			cmd, err := ExpandCommand(a.CommandText, lookup)
			if err != nil {
				continue // a button that cannot build its command is not shown
			}
			out = append(out, chat.Button{ID: ButtonCustomActionPrefix + a.Name, Label: at.ButtonText, Value: cmd})
			break // one button per action
		}
	}
	return out
}

func (at *CustomActionAttachment) selects(n *Notification) bool {
	t := at.NotificationType
	if t == "" {
		return true
	}
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "-")) }
	t = norm(t)
	for _, cand := range []string{n.Service, n.Source, n.EventType} {
		if cand != "" && norm(cand) == t {
			return true
		}
	}
	return false
}

func (at *CustomActionAttachment) variable(n *Notification, name string) (string, bool) {
	if src, ok := at.Variables[name]; ok {
		if v, ok := n.Variables[src]; ok {
			return v, true
		}
		return PayloadPath(n.Payload(), src)
	}
	v, ok := n.Variables[name]
	return v, ok
}

// PayloadPath resolves a dotted path ("detail.instance-id",
// "Trigger.Dimensions.0.value") in a decoded JSON payload to a scalar's text.
func PayloadPath(payload any, path string) (string, bool) {
	cur := payload
	for _, seg := range strings.Split(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[seg]
			if !ok {
				return "", false
			}
			cur = next
		case []any:
			var i int
			if _, err := fmt.Sscanf(seg, "%d", &i); err != nil || i < 0 || i >= len(v) || fmt.Sprint(i) != seg {
				return "", false
			}
			cur = v[i]
		default:
			return "", false
		}
	}
	return scalarString(cur)
}

// ExpandCommand replaces each $Name in text with the value lookup gives,
// quoted when it holds anything but plain word characters, so a value from
// a payload stays one argument. "$$" is a literal "$". It fails on a
// variable that lookup does not know.
func ExpandCommand(text string, lookup func(string) (string, bool)) (string, error) {
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c != '$' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(text) && text[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		j := i + 1
		braced := j < len(text) && text[j] == '{'
		if braced {
			j++
		}
		start := j
		for j < len(text) && (isIdentByte(text[j]) || text[j] == '-') {
			j++
		}
		name := text[start:j]
		if braced {
			if j >= len(text) || text[j] != '}' {
				return "", fmt.Errorf("notify: command text: unclosed ${ at position %d", i)
			}
			j++
		}
		if name == "" {
			b.WriteByte('$')
			continue
		}
		v, ok := lookup(name)
		if !ok {
			return "", fmt.Errorf("notify: command text: variable $%s has no value in this notification", name)
		}
		b.WriteString(quoteArg(v))
		i = j - 1
	}
	return b.String(), nil
}

func isIdentByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
}
