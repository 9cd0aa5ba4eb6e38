package adaptertest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// TeamsMaxActions is how many actions Teams shows in a card's action bar or
// an action set; more must go into an Action.ShowCard.
const TeamsMaxActions = 6

// cardVersions are the Adaptive Card schema versions Teams renders, with the
// version each element and action type appeared in
// (https://adaptivecards.io/explorer/).
var (
	elementSince = map[string]string{
		"TextBlock": "1.0", "Image": "1.0", "Container": "1.0", "ColumnSet": "1.0", "FactSet": "1.0",
		"ImageSet": "1.0", "Input.Text": "1.0", "Input.Number": "1.0", "Input.Date": "1.0",
		"Input.Time": "1.0", "Input.Toggle": "1.0", "Input.ChoiceSet": "1.0", "Media": "1.1",
		"RichTextBlock": "1.2", "ActionSet": "1.2", "Table": "1.5",
	}
	actionSince = map[string]string{
		"Action.OpenUrl": "1.0", "Action.Submit": "1.0", "Action.ShowCard": "1.0",
		"Action.ToggleVisibility": "1.2", "Action.Execute": "1.4",
	}
	cardKeys = set("type", "$schema", "version", "body", "actions", "fallbackText", "msteams", "speak", "lang",
		"minHeight", "verticalContentAlignment", "selectAction", "backgroundImage", "refresh", "authentication",
		"metadata", "rtl")
)

func set(s ...string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, v := range s {
		m[v] = true
	}
	return m
}

// CheckAdaptiveCard checks an Adaptive Card (its JSON) against the schema 1.5
// rules that decide whether Teams renders it: a known version no newer than
// 1.5, no unknown top-level keys, element and action types known to 1.5 and
// to the card's version, each type's required properties, Table columns and
// rows that agree, unique input IDs, and at most TeamsMaxActions actions in
// any action bar or action set. Every problem is reported
// (errors.Join), each wrapping ErrInvalidPayload with its JSON path. It is
// pure.
func CheckAdaptiveCard(card []byte) error {
	var m map[string]any
	if err := json.Unmarshal(card, &m); err != nil {
		return fmt.Errorf("adaptertest: adaptive card: %w", err)
	}
	c := &cardChecker{ids: map[string]string{}}
	c.card("", m, true)
	return errors.Join(c.errs...)
}

type cardChecker struct {
	errs    []error
	version float64
	ids     map[string]string
}

func (c *cardChecker) fail(path, msg string) {
	c.errs = append(c.errs, fmt.Errorf("%w: %s: %s", ErrInvalidPayload, strings.TrimPrefix(path, "."), msg))
}

// card checks a card; nested cards (Action.ShowCard) inherit the version.
func (c *cardChecker) card(path string, m map[string]any, top bool) {
	if m["type"] != "AdaptiveCard" {
		c.fail(path+".type", fmt.Sprintf("%v, want AdaptiveCard", m["type"]))
	}
	if top {
		for k := range m {
			if !cardKeys[k] {
				c.fail(path+"."+k, "unknown top-level key")
			}
		}
		v, _ := m["version"].(string)
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 1.0 || f > 1.5 {
			c.fail(path+".version", fmt.Sprintf("%q is not a version from 1.0 to 1.5", v))
			f = 1.5
		}
		c.version = f
	}
	body, hasBody := m["body"].([]any)
	if top && !hasBody {
		c.fail(path+".body", "missing")
	}
	for i, e := range body {
		c.element(fmt.Sprintf("%s.body[%d]", path, i), e)
	}
	actions, _ := m["actions"].([]any)
	c.actions(path+".actions", actions)
}

// actions checks an action bar or action set. The maximum counts every
// action, whatever its mode: the official adaptivecards validator does, and
// hosts drop the actions over it.
func (c *cardChecker) actions(path string, actions []any) {
	if len(actions) > TeamsMaxActions {
		c.fail(path, fmt.Sprintf("%d actions, Teams shows %d (put the rest in an Action.ShowCard)", len(actions), TeamsMaxActions))
	}
	for i, a := range actions {
		c.action(fmt.Sprintf("%s[%d]", path, i), a)
	}
}

func (c *cardChecker) since(path, typ, v string) {
	f, _ := strconv.ParseFloat(v, 64)
	if f > c.version {
		c.fail(path, fmt.Sprintf("%s needs card version %s, the card says %.1f", typ, v, c.version))
	}
}

func (c *cardChecker) element(path string, v any) {
	e, ok := v.(map[string]any)
	if !ok {
		c.fail(path, "not an object")
		return
	}
	typ, _ := e["type"].(string)
	v15, known := elementSince[typ]
	if !known {
		c.fail(path+".type", fmt.Sprintf("element type %q is not in schema 1.5", typ))
		return
	}
	c.since(path+".type", typ, v15)
	if id, ok := e["id"].(string); ok && id != "" {
		if first, dup := c.ids[id]; dup {
			c.fail(path+".id", fmt.Sprintf("%q repeats %s", id, first))
		}
		c.ids[id] = path
	}
	str := func(k string) string { s, _ := e[k].(string); return s }
	list := func(k string) []any { l, _ := e[k].([]any); return l }
	switch typ {
	case "TextBlock":
		if str("text") == "" {
			c.fail(path+".text", "TextBlock needs text")
		}
	case "RichTextBlock":
		inl := list("inlines")
		if len(inl) == 0 {
			c.fail(path+".inlines", "RichTextBlock needs inlines")
		}
		for i, r := range inl {
			c.textRun(fmt.Sprintf("%s.inlines[%d]", path, i), r)
		}
	case "Image":
		if str("url") == "" {
			c.fail(path+".url", "Image needs url")
		}
	case "Container":
		items := list("items")
		if len(items) == 0 {
			c.fail(path+".items", "Container needs items")
		}
		for i, it := range items {
			c.element(fmt.Sprintf("%s.items[%d]", path, i), it)
		}
	case "ColumnSet":
		for i, col := range list("columns") {
			p := fmt.Sprintf("%s.columns[%d]", path, i)
			cm, _ := col.(map[string]any)
			if cm == nil || cm["type"] != "Column" {
				c.fail(p, "not a Column")
				continue
			}
			items, _ := cm["items"].([]any)
			for j, it := range items {
				c.element(fmt.Sprintf("%s.items[%d]", p, j), it)
			}
		}
	case "FactSet":
		facts := list("facts")
		if len(facts) == 0 {
			c.fail(path+".facts", "FactSet needs facts")
		}
		for i, f := range facts {
			fm, _ := f.(map[string]any)
			if _, ok := fm["title"].(string); !ok {
				c.fail(fmt.Sprintf("%s.facts[%d].title", path, i), "missing")
			}
			if _, ok := fm["value"].(string); !ok {
				c.fail(fmt.Sprintf("%s.facts[%d].value", path, i), "missing")
			}
		}
	case "ImageSet":
		if len(list("images")) == 0 {
			c.fail(path+".images", "ImageSet needs images")
		}
	case "ActionSet":
		acts := list("actions")
		if len(acts) == 0 {
			c.fail(path+".actions", "ActionSet needs actions")
		}
		c.actions(path+".actions", acts)
	case "Table":
		c.table(path, e)
	case "Media":
		if len(list("sources")) == 0 {
			c.fail(path+".sources", "Media needs sources")
		}
	default: // inputs
		if str("id") == "" {
			c.fail(path+".id", typ+" needs an id")
		}
		if _, ok := e["label"]; ok && c.version < 1.3 {
			c.fail(path+".label", "input labels need card version 1.3")
		}
		if typ == "Input.ChoiceSet" {
			for i, ch := range list("choices") {
				cm, _ := ch.(map[string]any)
				if _, ok := cm["title"].(string); !ok {
					c.fail(fmt.Sprintf("%s.choices[%d].title", path, i), "missing")
				}
				if _, ok := cm["value"].(string); !ok {
					c.fail(fmt.Sprintf("%s.choices[%d].value", path, i), "missing")
				}
			}
		}
		if typ == "Input.Toggle" && str("title") == "" {
			c.fail(path+".title", "Input.Toggle needs a title")
		}
	}
}

func (c *cardChecker) textRun(path string, v any) {
	r, ok := v.(map[string]any)
	if !ok || r["type"] != "TextRun" {
		c.fail(path, "not a TextRun")
		return
	}
	if _, ok := r["text"].(string); !ok {
		c.fail(path+".text", "TextRun needs text")
	}
	if sa, ok := r["selectAction"]; ok {
		c.action(path+".selectAction", sa)
	}
}

// table checks a 1.5 Table: columns, and rows of TableRow whose cells are
// TableCells with items, one per column.
func (c *cardChecker) table(path string, e map[string]any) {
	cols, _ := e["columns"].([]any)
	if len(cols) == 0 {
		c.fail(path+".columns", "Table needs columns")
	}
	for i, col := range cols {
		cm, _ := col.(map[string]any)
		if cm == nil {
			c.fail(fmt.Sprintf("%s.columns[%d]", path, i), "not an object")
			continue
		}
		if _, ok := cm["width"]; !ok {
			c.fail(fmt.Sprintf("%s.columns[%d].width", path, i), "missing (Teams sizes columns from it)")
		}
	}
	rows, _ := e["rows"].([]any)
	for i, row := range rows {
		p := fmt.Sprintf("%s.rows[%d]", path, i)
		rm, _ := row.(map[string]any)
		if rm == nil || rm["type"] != "TableRow" {
			c.fail(p, "not a TableRow")
			continue
		}
		cells, _ := rm["cells"].([]any)
		if len(cells) != len(cols) {
			c.fail(p+".cells", fmt.Sprintf("%d cells for %d columns", len(cells), len(cols)))
		}
		for j, cell := range cells {
			cp := fmt.Sprintf("%s.cells[%d]", p, j)
			cm, _ := cell.(map[string]any)
			if cm == nil || cm["type"] != "TableCell" {
				c.fail(cp, "not a TableCell")
				continue
			}
			items, _ := cm["items"].([]any)
			if len(items) == 0 {
				c.fail(cp+".items", "TableCell needs items")
			}
			for k, it := range items {
				c.element(fmt.Sprintf("%s.items[%d]", cp, k), it)
			}
		}
	}
}

func (c *cardChecker) action(path string, v any) {
	a, ok := v.(map[string]any)
	if !ok {
		c.fail(path, "not an object")
		return
	}
	typ, _ := a["type"].(string)
	v15, known := actionSince[typ]
	if !known {
		c.fail(path+".type", fmt.Sprintf("action type %q is not in schema 1.5", typ))
		return
	}
	c.since(path+".type", typ, v15)
	if mode, ok := a["mode"].(string); ok {
		if mode != "primary" && mode != "secondary" {
			c.fail(path+".mode", fmt.Sprintf("unknown mode %q", mode))
		}
		c.since(path+".mode", "mode", "1.5")
	}
	if st, ok := a["style"].(string); ok && st != "default" && st != "positive" && st != "destructive" {
		c.fail(path+".style", fmt.Sprintf("unknown style %q", st))
	}
	switch typ {
	case "Action.OpenUrl":
		if u, _ := a["url"].(string); u == "" {
			c.fail(path+".url", "Action.OpenUrl needs url")
		}
	case "Action.ShowCard":
		card, ok := a["card"].(map[string]any)
		if !ok {
			c.fail(path+".card", "Action.ShowCard needs card")
			return
		}
		c.card(path+".card", card, false)
	case "Action.ToggleVisibility":
		if t, _ := a["targetElements"].([]any); len(t) == 0 {
			c.fail(path+".targetElements", "Action.ToggleVisibility needs targetElements")
		}
	}
	// A selectAction is invisible; any other action is a button and needs
	// a label.
	if t, _ := a["title"].(string); t == "" && !strings.HasSuffix(path, "selectAction") {
		c.fail(path+".title", "an action shown as a button needs a title")
	}
}
