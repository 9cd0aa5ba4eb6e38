package awsexec

import (
	"reflect"
	"strings"
	"time"

	"github.com/opschat/opschat/command"
)

// maxDepth bounds how deep the catalog describes nested structures; deeper
// members are still accepted as JSON, only not listed. Recursive shapes
// (a structure containing itself) stop at the first repetition.
const maxDepth = 8

var (
	timeType  = reflect.TypeFor[time.Time]()
	bytesType = reflect.TypeFor[[]byte]()
)

// fieldRef locates a top-level parameter in the input struct.
type fieldRef struct {
	index int
	param *command.Param
}

// describe builds the catalog entry of op on first use.
func (s *Service) describe(op *Operation) {
	op.once.Do(func() {
		c := &command.Operation{
			Name:      op.Name,
			APIName:   op.APIName,
			Doc:       op.Doc,
			Paginated: op.Paginated(),
		}
		s.fillIAM(c, op)
		op.fields = make(map[string]fieldRef)
		t := op.inputType
		req := s.required(t)
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			p := s.param(CLIName(f.Name), f.Type, 0, map[reflect.Type]bool{t: true})
			p.Required = req[f.Name]
			c.Params = append(c.Params, p)
		}
		for i, p := range c.Params {
			// Params and struct fields are in the same order minus unexported fields.
			idx := exportedIndex(t, i)
			op.fields[p.Name] = fieldRef{index: idx, param: &c.Params[i]}
		}
		op.catalog = c
	})
}

func exportedIndex(t reflect.Type, n int) int {
	for i := 0; i < t.NumField(); i++ {
		if !t.Field(i).IsExported() {
			continue
		}
		if n == 0 {
			return i
		}
		n--
	}
	return -1
}

// required returns the required member names of a struct type.
func (s *Service) required(t reflect.Type) map[string]bool {
	key := t.Name()
	if strings.HasSuffix(t.PkgPath(), "/types") {
		key = "types." + key
	}
	names := s.Info.Required[key]
	if len(names) == 0 {
		return nil
	}
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// param describes a Go type of the SDK as a catalog parameter.
func (s *Service) param(name string, t reflect.Type, depth int, seen map[reflect.Type]bool) command.Param {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	p := command.Param{Name: name}
	switch {
	case t == timeType:
		p.Type = command.TypeTimestamp
	case t == bytesType:
		p.Type = command.TypeBlob
	default:
		switch t.Kind() {
		case reflect.String:
			p.Type = command.TypeString
			p.Enum = enumValues(t)
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			p.Type = command.TypeInteger
		case reflect.Float32, reflect.Float64:
			p.Type = command.TypeFloat
		case reflect.Bool:
			p.Type = command.TypeBoolean
		case reflect.Slice, reflect.Array:
			p.Type = command.TypeList
			e := s.param("", t.Elem(), depth+1, seen)
			p.Elem = &e
		case reflect.Map:
			p.Type = command.TypeMap
			e := s.param("", t.Elem(), depth+1, seen)
			p.Elem = &e
		case reflect.Struct:
			p.Type = command.TypeStructure
			if depth >= maxDepth || seen[t] {
				break
			}
			seen[t] = true
			req := s.required(t)
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				if !f.IsExported() {
					continue
				}
				m := s.param(s.memberName(t, f.Name), f.Type, depth+1, seen)
				m.Required = req[f.Name]
				p.Members = append(p.Members, m)
			}
			delete(seen, t)
		case reflect.Interface:
			u := s.unions[t]
			if u == nil {
				p.Type = command.TypeDocument
				break
			}
			// A union is a structure of which exactly one member is set, as
			// the CLI reads it.
			p.Type = command.TypeStructure
			if depth >= maxDepth || seen[t] {
				break
			}
			seen[t] = true
			for _, n := range u.names {
				vf, _ := u.members[n].Elem().FieldByName("Value")
				p.Members = append(p.Members, s.param(n, vf.Type, depth+1, seen))
			}
			delete(seen, t)
		default:
			p.Type = command.TypeDocument
		}
	}
	return p
}

// enumValues returns the values of an SDK enum type through its Values
// method. The method name is a constant, which keeps the linker's dead code
// elimination intact (a variable name would not).
func enumValues(t reflect.Type) []string {
	if t.PkgPath() == "" {
		return nil
	}
	m := reflect.Zero(t).MethodByName("Values")
	if !m.IsValid() || m.Type().NumIn() != 0 || m.Type().NumOut() != 1 {
		return nil
	}
	vals := m.Call(nil)[0]
	if vals.Kind() != reflect.Slice || vals.Len() == 0 {
		return nil
	}
	out := make([]string, vals.Len())
	for i := range out {
		out[i] = vals.Index(i).String()
	}
	return out
}
