package command

import (
	"slices"
	"strings"
)

// StaticService is one service of a StaticCatalog with its operations.
type StaticService struct {
	Service
	Operations []Operation
}

// StaticCatalog is a Catalog built from values: for tests, and for hosts
// that expose a fixed set of commands. It is immutable once built and safe
// for concurrent use; callers must not modify the returned *Operation.
type StaticCatalog struct {
	names []string
	svcs  map[string]*staticService
}

type staticService struct {
	svc   Service
	names []string
	ops   map[string]*Operation
}

var _ Catalog = (*StaticCatalog)(nil)

// NewStaticCatalog builds a catalog from services. Names are lower-cased;
// a service without IAMPrefix gets IAMPrefix(name); an operation without
// APIName gets the CamelCase of its CLI name, one without Actions the
// name-derived IAMPrefix:APIName, and one without Access AccessRead when
// ReadOnly is set and AccessWrite otherwise (hand-written catalogs that
// predate access levels keep their meaning). ReadOnly is then always
// Access.ReadOnly(). The inputs are copied.
func NewStaticCatalog(services ...StaticService) *StaticCatalog {
	c := &StaticCatalog{svcs: make(map[string]*staticService, len(services))}
	for _, s := range services {
		svc := s.Service
		svc.Name = strings.ToLower(svc.Name)
		if svc.IAMPrefix == "" {
			svc.IAMPrefix = IAMPrefix(svc.Name)
		}
		ss := &staticService{svc: svc, ops: make(map[string]*Operation, len(s.Operations))}
		for _, op := range s.Operations {
			op := cloneOperation(op)
			op.Name = strings.ToLower(op.Name)
			if op.APIName == "" {
				op.APIName = camel(op.Name)
			}
			if len(op.Actions) == 0 {
				op.Actions = []string{svc.IAMPrefix + ":" + op.APIName}
			}
			if op.Access == AccessUnknown {
				op.Access = AccessWrite
				if op.ReadOnly {
					op.Access = AccessRead
				}
			}
			op.ReadOnly = op.Access.ReadOnly()
			if _, dup := ss.ops[op.Name]; !dup {
				ss.names = append(ss.names, op.Name)
			}
			ss.ops[op.Name] = op
		}
		slices.Sort(ss.names)
		if _, dup := c.svcs[svc.Name]; !dup {
			c.names = append(c.names, svc.Name)
		}
		c.svcs[svc.Name] = ss
	}
	slices.Sort(c.names)
	return c
}

func cloneOperation(op Operation) *Operation {
	op.Params = cloneParams(op.Params)
	op.Actions = slices.Clone(op.Actions)
	op.ConditionalActions = slices.Clone(op.ConditionalActions)
	return &op
}

func cloneParams(ps []Param) []Param {
	if ps == nil {
		return nil
	}
	out := make([]Param, len(ps))
	for i, p := range ps {
		p.Enum = slices.Clone(p.Enum)
		p.Members = cloneParams(p.Members)
		if p.Elem != nil {
			e := cloneParams([]Param{*p.Elem})[0]
			p.Elem = &e
		}
		out[i] = p
	}
	return out
}

// camel turns "describe-instances" into "DescribeInstances".
func camel(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, "-") {
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]))
		b.WriteString(part[1:])
	}
	return b.String()
}

// Services implements Catalog.
func (c *StaticCatalog) Services() []string { return slices.Clone(c.names) }

// Service implements Catalog.
func (c *StaticCatalog) Service(name string) (Service, bool) {
	s, ok := c.svcs[name]
	if !ok {
		return Service{}, false
	}
	return s.svc, true
}

// Operations implements Catalog.
func (c *StaticCatalog) Operations(service string) []string {
	s, ok := c.svcs[service]
	if !ok {
		return nil
	}
	return slices.Clone(s.names)
}

// Operation implements Catalog.
func (c *StaticCatalog) Operation(service, name string) (*Operation, bool) {
	s, ok := c.svcs[service]
	if !ok {
		return nil, false
	}
	op, ok := s.ops[name]
	return op, ok
}
