//go:build alltables

package main

import (
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/all"
)

// allTables reports whether this build registers every shipped table.
const allTables = true

// newRegistry registers every table opschat ships (132 services, IAM and
// STS among them: the blocklist refuses credential services by name).
func newRegistry() *awsexec.Registry {
	reg := awsexec.NewRegistry()
	all.Register(reg)
	return reg
}
