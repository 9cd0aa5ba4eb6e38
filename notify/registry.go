package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"text/template"

	"github.com/opschat/opschat/chat"
)

// FormatterKey selects the notifications a registered Formatter renders.
// Source is the event source ("aws.guardduty", "custom", "aws.cloudwatch");
// EventType is the EventBridge detail-type, the custom notification's
// eventType, or a decoder's type ("CloudWatch Alarm"). An empty part
// matches anything.
type FormatterKey struct {
	Source    string
	EventType string
}

// FormatterRegistry picks the Formatter for a notification: the most
// specific registration wins (source and type, then source, then type),
// else the fallback (DefaultFormatter unless SetFallback changed it). It is
// a value the host builds and passes in: there is no global registry.
//
// A FormatterRegistry is safe for concurrent use; registering while
// notifications are formatted is allowed.
type FormatterRegistry struct {
	mu       sync.RWMutex
	byKey    map[FormatterKey]Formatter
	fallback Formatter
}

// NewFormatterRegistry returns a registry that renders everything with
// DefaultFormatter until the host registers its own formatters.
func NewFormatterRegistry() *FormatterRegistry {
	return &FormatterRegistry{byKey: map[FormatterKey]Formatter{}, fallback: DefaultFormatter()}
}

// Register makes f render the notifications key selects, replacing any
// earlier registration for the same key.
func (r *FormatterRegistry) Register(key FormatterKey, f Formatter) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byKey[key] = f
}

// SetFallback replaces the formatter used when no registration matches.
func (r *FormatterRegistry) SetFallback(f Formatter) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fallback = f
}

// Lookup returns the formatter for n.
func (r *FormatterRegistry) Lookup(n *Notification) Formatter {
	if r == nil {
		return DefaultFormatter()
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, k := range []FormatterKey{{n.Source, n.EventType}, {n.Source, ""}, {"", n.EventType}} {
		if k == (FormatterKey{}) {
			continue
		}
		if f, ok := r.byKey[k]; ok {
			return f
		}
	}
	return r.fallback
}

// Format renders n with the formatter Lookup picks.
func (r *FormatterRegistry) Format(n *Notification) (chat.Message, error) {
	return r.Lookup(n).Format(n)
}

// Template is a Go text/template rendering of a notification. Each part is
// a template over the *Notification ({{.Title}}, {{.Account}},
// {{path .Payload "detail.severity"}}, {{var . "AlarmName"}}); a part left
// empty keeps what Base renders. Templates write neutral Markdown: pipe
// payload strings through "escape".
//
// Functions: escape (chat.EscapeMarkdown), path (PayloadPath), var (a
// notification variable), json (compact JSON), upper, lower, join, default.
type Template struct {
	Title, TitleLink, Text, Summary string
	// Fields are appended after Base's fields (or replace them when
	// ReplaceFields is set); a field whose value renders empty is dropped.
	Fields        []TemplateField
	ReplaceFields bool
	// Severity, when set, renders a severity name that replaces the one
	// Base chose: chat's names ("critical", "warning", "info", "success",
	// "none") or a service's label ("HIGH", "Medium"); see ParseSeverity.
	// It may be constant ("warning") or computed
	// ({{if eq (var . "State") "FAILED"}}critical{{end}}); rendering ""
	// keeps Base's severity. An unknown name fails NewTemplateFormatter
	// (constant) or Format (computed) with an error wrapping
	// ErrInvalidSeverity.
	Severity string
	// DropDetail removes the code blocks Base rendered (the event detail
	// or payload JSON), for templates whose text already says what
	// matters.
	DropDetail bool
	// Base renders the parts the template does not replace; nil means
	// DefaultFormatter.
	Base Formatter
}

// TemplateField is one templated field.
type TemplateField struct {
	Name, Value string
	Short       bool
}

type templateFormatter struct {
	title, link, text, summary, severity *template.Template
	fields                               []*template.Template
	spec                                 Template
}

var templateFuncs = template.FuncMap{
	"escape": chat.EscapeMarkdown,
	"path": func(payload any, p string) string {
		s, _ := PayloadPath(payload, p)
		return s
	},
	"var": func(n *Notification, name string) string { return n.Variables[name] },
	"json": func(v any) (string, error) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return "", err
		}
		return strings.TrimRight(buf.String(), "\n"), nil
	},
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	"join":  func(sep string, ss []string) string { return strings.Join(ss, sep) },
	"default": func(def, s string) string {
		if s == "" {
			return def
		}
		return s
	},
}

// NewTemplateFormatter parses t. Errors name the part that failed.
func NewTemplateFormatter(t Template) (Formatter, error) {
	tf := &templateFormatter{spec: t}
	parse := func(name, src string) (*template.Template, error) {
		if src == "" {
			return nil, nil
		}
		tpl, err := template.New(name).Funcs(templateFuncs).Option("missingkey=zero").Parse(src)
		if err != nil {
			return nil, fmt.Errorf("notify: template %s: %w", name, err)
		}
		return tpl, nil
	}
	var err error
	if tf.title, err = parse("Title", t.Title); err != nil {
		return nil, err
	}
	if tf.link, err = parse("TitleLink", t.TitleLink); err != nil {
		return nil, err
	}
	if tf.text, err = parse("Text", t.Text); err != nil {
		return nil, err
	}
	if tf.summary, err = parse("Summary", t.Summary); err != nil {
		return nil, err
	}
	if !strings.Contains(t.Severity, "{{") && strings.TrimSpace(t.Severity) != "" {
		// A constant severity is checked now, not on the first notification.
		if _, err := ParseSeverity(t.Severity); err != nil {
			return nil, fmt.Errorf("notify: template Severity: %w", err)
		}
	}
	if tf.severity, err = parse("Severity", t.Severity); err != nil {
		return nil, err
	}
	for i, f := range t.Fields {
		tpl, err := parse(fmt.Sprintf("Fields[%d] (%s)", i, f.Name), f.Value)
		if err != nil {
			return nil, err
		}
		tf.fields = append(tf.fields, tpl)
	}
	return tf, nil
}

func (tf *templateFormatter) Format(n *Notification) (chat.Message, error) {
	base := tf.spec.Base
	if base == nil {
		base = DefaultFormatter()
	}
	m, err := base.Format(n)
	if err != nil {
		return chat.Message{}, err
	}
	exec := func(tpl *template.Template, dst *string) error {
		if tpl == nil {
			return nil
		}
		var b strings.Builder
		if err := tpl.Execute(&b, n); err != nil {
			return fmt.Errorf("notify: template %s: %w", tpl.Name(), err)
		}
		*dst = b.String()
		return nil
	}
	for _, p := range []struct {
		tpl *template.Template
		dst *string
	}{{tf.title, &m.Title}, {tf.link, &m.TitleLink}, {tf.text, &m.Text}, {tf.summary, &m.Summary}} {
		if err := exec(p.tpl, p.dst); err != nil {
			return chat.Message{}, err
		}
	}
	if tf.severity != nil {
		var name string
		if err := exec(tf.severity, &name); err != nil {
			return chat.Message{}, err
		}
		if strings.TrimSpace(name) != "" {
			sev, err := ParseSeverity(name)
			if err != nil {
				return chat.Message{}, fmt.Errorf("notify: template Severity: %w", err)
			}
			m.Severity = sev
		}
	}
	if tf.spec.DropDetail {
		m.CodeBlocks = nil
	}
	if tf.spec.ReplaceFields {
		m.Fields = nil
	}
	for i, tpl := range tf.fields {
		var v string
		if err := exec(tpl, &v); err != nil {
			return chat.Message{}, err
		}
		if v != "" {
			m.Fields = append(m.Fields, chat.Field{Name: tf.spec.Fields[i].Name, Value: v, Short: tf.spec.Fields[i].Short})
		}
	}
	return m, nil
}
