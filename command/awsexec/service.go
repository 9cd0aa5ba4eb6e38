package awsexec

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/command"
)

// Flags classify an operation. The low three bits hold the IAM access level
// of the operation (a command.AccessLevel); the rest are free for later use.
type Flags uint8

// Access levels as Flags, for generated tables: the highest level, in the
// IAM Service Authorization Reference, of the actions AWS checks for the
// operation. List and Read operations run without confirmation.
const (
	AccessUnknown     = Flags(command.AccessUnknown) // no reference action: asks first
	AccessList        = Flags(command.AccessList)
	AccessRead        = Flags(command.AccessRead)
	AccessTagging     = Flags(command.AccessTagging)
	AccessWrite       = Flags(command.AccessWrite)
	AccessPermissions = Flags(command.AccessPermissions)

	accessMask Flags = 0x07
)

// Pager walks the pages of a paginated operation. The SDK's generated
// paginators satisfy it through PagedOp.
type Pager interface {
	HasMorePages() bool
	NextPage(ctx context.Context) (any, error)
}

// Decorator adds to the chat reply of an operation after it ran, for example
// the metric graphs of cloudwatch describe-alarms. client is the service's
// SDK client with the request's credentials and region; output is the merged
// SDK output.
type Decorator func(ctx context.Context, client any, output any, msg *chat.Message) error

// Operation is one entry of a service table: how to build the input and call
// the SDK for one API operation. Values are built by Op and PagedOp (in
// generated code) and are immutable once registered.
type Operation struct {
	// Name is the CLI name ("describe-alarms"), APIName the API name
	// ("DescribeAlarms").
	Name, APIName string
	Flags         Flags
	Doc           string

	// actions replace the name-derived IAM action when set (IAM);
	// conditional are added when their parameter is given (IAMIf).
	actions     []string
	conditional []command.ConditionalAction

	inputType reflect.Type // the input struct (not the pointer)
	call      func(ctx context.Context, client any, in any) (any, error)
	pager     func(client any, in any, pageSize int32) Pager
	decorate  Decorator
	later     Decorator

	once    sync.Once
	catalog *command.Operation
	fields  map[string]fieldRef
}

// Op describes an operation from its SDK method expression, such as
// (*cloudwatch.Client).DeleteAlarms. The method is referenced statically, so
// the linker keeps exactly the methods of the registered operations and no
// run-time lookup by name is needed.
func Op[C any, I any, O any, F any](name, apiName string, flags Flags, doc string,
	call func(C, context.Context, *I, ...F) (*O, error)) *Operation {
	return &Operation{
		Name:      name,
		APIName:   apiName,
		Flags:     flags,
		Doc:       doc,
		inputType: reflect.TypeFor[I](),
		call: func(ctx context.Context, client any, in any) (any, error) {
			out, err := call(client.(C), ctx, in.(*I))
			if err != nil {
				return nil, err
			}
			return out, nil
		},
	}
}

// sdkPager is the method set of the SDK's generated paginators.
type sdkPager[O any, F any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...F) (*O, error)
}

type pagerAdapter[O any, F any] struct{ p sdkPager[O, F] }

func (a pagerAdapter[O, F]) HasMorePages() bool { return a.p.HasMorePages() }
func (a pagerAdapter[O, F]) NextPage(ctx context.Context) (any, error) {
	out, err := a.p.NextPage(ctx)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PagedOp is Op for operations the SDK has a paginator for, such as
// (*cloudwatch.Client).DescribeAlarms with cloudwatch.NewDescribeAlarmsPaginator.
func PagedOp[C any, I any, O any, F any, PC any, PO any, P sdkPager[O, F]](name, apiName string, flags Flags, doc string,
	call func(C, context.Context, *I, ...F) (*O, error), newPager func(PC, *I, ...func(*PO)) P) *Operation {
	op := Op(name, apiName, flags, doc, call)
	op.pager = func(client any, in any, pageSize int32) Pager {
		return pagerAdapter[O, F]{p: newPager(client.(PC), in.(*I), func(o *PO) { setLimit(o, pageSize) })}
	}
	return op
}

// setLimit sets the Limit (page size) of SDK paginator options, which every
// generated paginator has as an int32 field; 0 leaves the service default.
func setLimit(opts any, n int32) {
	if n <= 0 {
		return
	}
	f := reflect.ValueOf(opts).Elem().FieldByName("Limit")
	if f.IsValid() && f.CanSet() && f.Kind() == reflect.Int32 {
		f.SetInt(int64(n))
	}
}

// IAM sets the IAM actions AWS checks for the operation, in full form
// ("lambda:InvokeFunction"), where they are not the name-derived
// IAMPrefix:APIName. Generated tables call it while building the table;
// it returns o for chaining.
func (o *Operation) IAM(actions ...string) *Operation {
	o.actions = actions
	return o
}

// IAMIf adds an IAM action AWS checks only when the CLI parameter param is
// given ("version-id", "s3:GetObjectVersion"). It returns o for chaining.
func (o *Operation) IAMIf(param, action string) *Operation {
	o.conditional = append(o.conditional, command.ConditionalAction{Action: action, Param: param})
	return o
}

// Access returns the operation's IAM access level.
func (o *Operation) Access() command.AccessLevel { return command.AccessLevel(o.Flags & accessMask) }

// ReadOnly reports whether the operation only reads: its access level is
// List or Read. It decides whether the bot asks for confirmation.
func (o *Operation) ReadOnly() bool { return o.Access().ReadOnly() }

// Paginated reports whether the SDK has a paginator for the operation.
func (o *Operation) Paginated() bool { return o.pager != nil }

// ServiceInfo holds what generated tables know about a service beyond its
// operations.
type ServiceInfo struct {
	// Doc is a one-line description.
	Doc string
	// Required lists the required members of each input and shape, keyed by
	// Go type name: "DescribeAlarmsInput" for inputs, "types.Dimension" for
	// shapes of the types package. Generated from the SDK's validators.
	Required map[string][]string
	// MemberNames maps Go field names of structure members onto the API's
	// spelling where the SDK capitalised it ("LogStreamName" →
	// "logStreamName"); keys are "types.Shape.Field" where the spelling
	// differs between shapes, else the field name alone.
	MemberNames map[string]string
	// NewDocument wraps a decoded JSON value as the service's
	// document.Interface (document.NewLazyDocument); nil when the service
	// has no document types.
	NewDocument func(v any) any
	// Unions lists the members of each union interface of the service.
	Unions []Union
}

// Union describes a union shape: an interface type and its member types.
type Union struct {
	iface   reflect.Type
	members map[string]reflect.Type // member name -> *XMemberY type
	names   []string
}

// UnionOf describes the union interface U from one value of each member type
// ("S": &types.AttributeValueMemberS{}).
func UnionOf[U any](members map[string]U) Union {
	u := Union{iface: reflect.TypeFor[U](), members: make(map[string]reflect.Type, len(members))}
	for name, m := range members {
		u.members[name] = reflect.TypeOf(m)
		u.names = append(u.names, name)
	}
	sort.Strings(u.names)
	return u
}

// Service is the table of one AWS service: its CLI name, IAM prefix, client
// constructor and operations. Generated packages under services/ build them;
// a Service is immutable once added to a Registry and safe for concurrent use.
type Service struct {
	Name      string // CLI name ("logs")
	IAMPrefix string // IAM action prefix ("logs")
	Info      ServiceInfo

	newClient func(cfg aws.Config) any
	ops       map[string]*Operation
	names     []string
	unions    map[reflect.Type]*Union
	plans     *sync.Map // reflect.Type → []fieldPlan, filled as outputs are shaped
}

// NewService builds a service table from the SDK client constructor (such as
// cloudwatch.NewFromConfig) and the operations.
func NewService[C any, F any](name, iamPrefix string, newClient func(aws.Config, ...F) C, info ServiceInfo, ops ...*Operation) *Service {
	s := &Service{
		Name:      name,
		IAMPrefix: iamPrefix,
		Info:      info,
		newClient: func(cfg aws.Config) any { return newClient(cfg) },
		ops:       make(map[string]*Operation, len(ops)),
		unions:    make(map[reflect.Type]*Union, len(info.Unions)),
		plans:     &sync.Map{},
	}
	for _, op := range ops {
		s.ops[op.Name] = op
		s.names = append(s.names, op.Name)
	}
	sort.Strings(s.names)
	for i := range info.Unions {
		s.unions[info.Unions[i].iface] = &info.Unions[i]
	}
	return s
}

// memberName returns the API spelling of field f of struct type t.
func (s *Service) memberName(t reflect.Type, f string) string {
	if len(s.Info.MemberNames) == 0 {
		return f
	}
	if strings.HasSuffix(t.PkgPath(), "/types") {
		if n, ok := s.Info.MemberNames["types."+t.Name()+"."+f]; ok {
			return n
		}
	}
	if n, ok := s.Info.MemberNames[f]; ok {
		return n
	}
	return f
}

// Operation returns the operation by CLI name.
func (s *Service) Operation(name string) (*Operation, bool) {
	op, ok := s.ops[name]
	return op, ok
}

// Decorate sets the decorator of an operation; it is meant for the package
// that registers the service, before the service is added to a registry.
func (s *Service) Decorate(op string, d Decorator) error {
	o, ok := s.ops[op]
	if !ok {
		return fmt.Errorf("awsexec: decorate %s %s: %w", s.Name, op, ErrUnknownOperation)
	}
	o.decorate = d
	return nil
}

// DecorateLater sets a decorator whose work does not hold the answer back:
// the executor returns the reply as soon as the operation answered and
// starts d (with the same client and output, within the executor's timeout)
// at once, alongside the answer's rendering and posting; ExecResult.FollowUp
// waits for d and returns the reply with what d added, and chatops edits
// the posted answer to include it. d runs concurrently with the executor's
// shaping of the same output, so it must only read output. It suits extras
// that cost round trips of their own, such as the alarm graphs of
// cloudwatch describe-alarms (one GetMetricWidgetImage each). A request
// with ExecRequest.NoFollowUp does not run d.
func (s *Service) DecorateLater(op string, d Decorator) error {
	o, ok := s.ops[op]
	if !ok {
		return fmt.Errorf("awsexec: decorate %s %s: %w", s.Name, op, ErrUnknownOperation)
	}
	o.later = d
	return nil
}

// Registry holds the services a host chose to register and implements
// command.Catalog. There is no global registry: a host builds one and passes
// it to the parser and the executor. It is safe for concurrent use; adding
// services while commands run is allowed.
type Registry struct {
	mu       sync.RWMutex
	services map[string]*Service
	names    []string
	advise   func(service string) (string, bool)
}

var (
	_ command.Catalog        = (*Registry)(nil)
	_ command.ServiceAdvisor = (*Registry)(nil)
)

// RegistryOption configures a Registry.
type RegistryOption func(*Registry)

// WithNotRegistered sets what the parser tells a user who types a service
// the registry does not hold: advise returns the text, or false for a name
// it knows nothing about (then the user gets "I don't know the service"
// and suggestions). shipped.Advice knows every table opschat ships, so a
// host that registers a few says "this bot does not register eks" instead
// of pretending eks does not exist. Credential services are refused as
// blocked before this is asked.
func WithNotRegistered(advise func(service string) (advice string, ok bool)) RegistryOption {
	return func(r *Registry) { r.advise = advise }
}

// NewRegistry returns an empty registry.
func NewRegistry(opts ...RegistryOption) *Registry {
	r := &Registry{services: make(map[string]*Service)}
	for _, o := range opts {
		if o != nil {
			o(r)
		}
	}
	return r
}

// NotRegistered implements command.ServiceAdvisor with the function given
// to WithNotRegistered; a registered service is never advised about.
func (r *Registry) NotRegistered(service string) (string, bool) {
	if r.advise == nil {
		return "", false
	}
	if _, ok := r.Lookup(service); ok {
		return "", false
	}
	return r.advise(service)
}

// Add registers services; a service registered again under the same CLI name
// replaces the earlier one.
func (r *Registry) Add(services ...*Service) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range services {
		if _, ok := r.services[s.Name]; !ok {
			r.names = append(r.names, s.Name)
		}
		r.services[s.Name] = s
	}
	sort.Strings(r.names)
}

// Lookup returns the registered service table by CLI name.
func (r *Registry) Lookup(name string) (*Service, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.services[name]
	return s, ok
}

// Services implements command.Catalog.
func (r *Registry) Services() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]string(nil), r.names...)
}

// Service implements command.Catalog.
func (r *Registry) Service(name string) (command.Service, bool) {
	s, ok := r.Lookup(name)
	if !ok {
		return command.Service{}, false
	}
	return command.Service{Name: s.Name, IAMPrefix: s.IAMPrefix, Doc: s.Info.Doc}, true
}

// Operations implements command.Catalog.
func (r *Registry) Operations(service string) []string {
	s, ok := r.Lookup(service)
	if !ok {
		return nil
	}
	return append([]string(nil), s.names...)
}

// Operation implements command.Catalog. The parameter list is built by
// reflection over the SDK input struct on first use and cached; callers must
// not modify the returned value.
func (r *Registry) Operation(service, name string) (*command.Operation, bool) {
	s, ok := r.Lookup(service)
	if !ok {
		return nil, false
	}
	op, ok := s.ops[name]
	if !ok {
		return nil, false
	}
	s.describe(op)
	return op.catalog, true
}

// IAMAction returns the main IAM action of the operation
// ("lambda:InvokeFunction" for invoke): IAMActions(op)[0].
func (s *Service) IAMAction(op *Operation) string {
	if len(op.actions) > 0 {
		return op.actions[0]
	}
	return s.IAMPrefix + ":" + op.APIName
}

// IAMActions returns every IAM action AWS checks for the operation: the
// table's list, or the name-derived IAMPrefix:APIName where the table says
// nothing. The caller must not modify the result.
func (s *Service) IAMActions(op *Operation) []string {
	if len(op.actions) > 0 {
		return op.actions
	}
	return []string{s.IAMPrefix + ":" + op.APIName}
}

// ConditionalActions returns the actions AWS checks only when a parameter
// is given. The caller must not modify the result.
func (s *Service) ConditionalActions(op *Operation) []command.ConditionalAction {
	return op.conditional
}

// fillIAM copies the operation's IAM data into its catalog entry.
func (s *Service) fillIAM(c *command.Operation, op *Operation) {
	c.Actions = append([]string(nil), s.IAMActions(op)...)
	c.ConditionalActions = append([]command.ConditionalAction(nil), op.conditional...)
	c.Access = op.Access()
	c.ReadOnly = op.ReadOnly()
}

func firstSentence(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	return s
}
