// Package shipped names every service table opschat ships, by the AWS
// CLI's service name, without importing any of them.
//
// A host registers the tables it wants (common.Register, per-service
// packages, or all.Register for every one); each costs compile time and
// binary size. When a user types a service the host did not register,
// "I don't know the service" would be wrong and unhelpful: the service
// exists and the host could add it. awsexec.WithNotRegistered(Advice) makes
// the parser say so instead, at no build cost: this package is a sorted
// list of strings.
package shipped

import (
	"fmt"
	"sort"
	"strings"
)

// Table is one shipped service table.
type Table struct {
	Service string // the AWS CLI's service name: "s3api", "elbv2"
	Package string // import path of the table package; its Register adds it
}

// Lookup returns the shipped table of the CLI service name (lower case).
func Lookup(service string) (Table, bool) {
	service = strings.ToLower(service)
	i := sort.Search(len(tables), func(i int) bool { return tables[i].Service >= service })
	if i < len(tables) && tables[i].Service == service {
		return tables[i], true
	}
	return Table{}, false
}

// Tables returns every shipped table, sorted by service name.
func Tables() []Table { return append([]Table(nil), tables[:]...) }

// Advice says, for a service opschat ships but the bot does not register,
// that it exists and which package registers it. ok is false for services
// opschat does not ship. It has the signature awsexec.WithNotRegistered
// takes.
func Advice(service string) (advice string, ok bool) {
	t, ok := Lookup(service)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("`%s` is an AWS service opschat has a table for, but this bot does not register it (its owner can add `%s`, or `services/all` for every shipped service).",
		t.Service, t.Package), true
}
