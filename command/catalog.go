package command

import (
	"fmt"
	"strings"
)

// ParamType is the type of an operation parameter, as the AWS CLI reads it.
type ParamType int

// Parameter types. They follow the Smithy shapes the SDKs are generated from.
const (
	TypeString    ParamType = iota // also enums (see Param.Enum)
	TypeInteger                    // int32/int64
	TypeFloat                      // float32/float64
	TypeBoolean                    // --flag / --no-flag
	TypeTimestamp                  // ISO 8601 or epoch seconds
	TypeBlob                       // bytes; given as text (never file://)
	TypeList                       // space-separated values, JSON array or shorthand list
	TypeMap                        // JSON object or shorthand Key=Value,...
	TypeStructure                  // JSON object or shorthand Name=...,Values=...
	TypeDocument                   // any JSON value
)

var paramTypeNames = [...]string{"string", "integer", "float", "boolean", "timestamp", "blob", "list", "map", "structure", "document"}

// String returns the lower-case type name ("integer").
func (t ParamType) String() string {
	if t < 0 || int(t) >= len(paramTypeNames) {
		return "unknown"
	}
	return paramTypeNames[t]
}

// Param describes one parameter of an operation, or one member of a
// structure, or the element of a list or map.
type Param struct {
	// Name is the CLI name in kebab case without dashes ("instance-ids").
	// For structure members it is the member name as the API spells it
	// ("Name", "Values"), which is what shorthand and JSON use.
	Name     string
	Type     ParamType
	Required bool
	// Enum lists the allowed values of a string parameter, when the API
	// defines them.
	Enum []string
	// Doc is a one-line description.
	Doc string
	// Elem is the element of a list, or the value of a map.
	Elem *Param
	// Members are the fields of a structure.
	Members []Param
}

// Operation describes one operation of a service.
type Operation struct {
	// Name is the CLI name ("describe-instances").
	Name string
	// APIName is the API operation name ("DescribeInstances").
	APIName string
	Doc     string
	Params  []Param
	// Actions are the IAM actions AWS checks for every call of the
	// operation, in full form ("lambda:InvokeFunction"; "s3:GetObject",
	// "s3:PutObject" for s3api copy-object). They often differ from
	// IAMPrefix:APIName. A catalog always fills them; Parse falls back to
	// IAMPrefix:APIName only for a catalog that does not.
	Actions []string
	// ConditionalActions are further actions AWS checks only when a
	// parameter is given.
	ConditionalActions []ConditionalAction
	// Access is the highest access level of Actions.
	Access AccessLevel
	// ReadOnly is Access.ReadOnly(): List and Read operations run without
	// confirmation; every other operation asks first. It is kept as a field
	// for callers that only need the yes/no.
	ReadOnly bool
	// Paginated operations can be followed across pages.
	Paginated bool
}

// Service describes one AWS service as the CLI names it.
type Service struct {
	// Name is the CLI name ("ec2", "s3api", "logs", "elbv2").
	Name string
	// IAMPrefix is the IAM action prefix ("ec2", "s3", "logs",
	// "elasticloadbalancing").
	IAMPrefix string
	Doc       string
}

// Catalog lists the services and operations commands are validated against.
// command/awsexec implements it from aws-sdk-go-v2; tests use a static one.
// Implementations are safe for concurrent use.
type Catalog interface {
	// Services returns the CLI names of all services, sorted.
	Services() []string
	// Service returns the service named by its CLI name.
	Service(name string) (Service, bool)
	// Operations returns the CLI names of the service's operations, sorted.
	Operations(service string) []string
	// Operation returns the operation of the service, both by CLI name.
	Operation(service, name string) (*Operation, bool)
}

// ServiceAdvisor is implemented by catalogs that know services they do not
// hold: a host that registers some of the tables it could. For such a
// service the parser answers with the advice instead of "I don't know the
// service" and edit-distance suggestions, which would be wrong: the service
// exists, the bot just lacks it. The error is still ErrUnknownService.
type ServiceAdvisor interface {
	// NotRegistered returns what to tell a user who typed a service the
	// catalog does not hold; ok is false for names it knows nothing about.
	NotRegistered(service string) (advice string, ok bool)
}

// unknownService is the error for a first word that names no service of
// cat, with the catalog's advice when it has some.
func unknownService(cat Catalog, word string) *Error {
	e := &Error{Kind: ErrUnknownService, Subject: word, HelpCommand: "help"}
	if a, ok := cat.(ServiceAdvisor); ok {
		name := strings.ToLower(word)
		if advice, ok := a.NotRegistered(name); ok {
			e.Msg = advice
			return e
		}
		if cli, ok := otherServiceNames[name]; ok {
			if _, registered := cat.Service(cli); !registered {
				if advice, ok := a.NotRegistered(cli); ok {
					e.Msg = fmt.Sprintf("The AWS CLI calls `%s` `%s`. %s", word, cli, advice)
					return e
				}
			}
		}
	}
	e.Msg = fmt.Sprintf("I don't know the service `%s`.", word)
	e.Suggestions = SuggestService(word, cat)
	return e
}
