//go:build !alltables

package main

import (
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/common"
	"github.com/opschat/opschat/command/awsexec/services/iamops"
	"github.com/opschat/opschat/command/awsexec/services/shipped"
	"github.com/opschat/opschat/command/awsexec/services/stsops"
)

// allTables reports whether this build registers every shipped table.
const allTables = false

// newRegistry registers the default set (common.Register: 21 services
// on-call engineers use most) so that the first `go run` compiles minutes of
// SDK clients, not half an hour. Every other shipped service is named when
// typed, with the build tag that adds it: linking all 132 SDK clients takes
// about 1,000 CPU-seconds cold, 4.3 GB of memory and makes a 474 MB binary
// (BENCHMARKS.md), which a first run should not cost.
func newRegistry() *awsexec.Registry {
	reg := awsexec.NewRegistry(awsexec.WithNotRegistered(func(service string) (string, bool) {
		advice, ok := shipped.Advice(service)
		if !ok {
			return "", false
		}
		return advice + " The quickstart registers every shipped service when built with `-tags alltables`: `go run -tags alltables ./examples/quickstart`.", true
	}))
	common.Register(reg)
	// IAM and STS are registered so that help knows them; the built-in
	// blocklist refuses them (and every credential service) by name.
	iamops.Register(reg)
	stsops.Register(reg)
	return reg
}
