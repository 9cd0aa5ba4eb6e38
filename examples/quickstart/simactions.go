package main

import (
	"strings"

	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/internal/awssim"
)

// catalogActions maps the simulated account's requests to the IAM actions
// the command catalog says AWS checks, so the session policies a command
// carries are evaluated by the simulator exactly as the local guardrail
// check evaluated them (lambda Invoke is lambda:InvokeFunction, s3
// ListObjectsV2 is s3:ListBucket, ...).
func catalogActions(cat command.Catalog) awssim.ActionMapper {
	index := map[string][]string{}
	for _, name := range cat.Services() {
		svc, ok := cat.Service(name)
		if !ok {
			continue
		}
		prefix := svc.IAMPrefix
		if prefix == "" {
			prefix = command.IAMPrefix(name)
		}
		for _, opName := range cat.Operations(name) {
			op, ok := cat.Operation(name, opName)
			if !ok || op.APIName == "" || len(op.Actions) == 0 {
				continue
			}
			index[prefix+":"+op.APIName] = op.Actions
		}
	}
	return func(service, apiName string) []string {
		def := awssim.DefaultActionMapper(service, apiName)
		if len(def) == 0 {
			return nil
		}
		prefix, _, _ := strings.Cut(def[0], ":")
		if acts, ok := index[prefix+":"+apiName]; ok {
			return acts
		}
		return def
	}
}
