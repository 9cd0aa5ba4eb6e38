package awsexec

import (
	"regexp"
	"strings"
)

var (
	specialCase = regexp.MustCompile(`[A-Z]{2,}s$`)
	firstCap    = regexp.MustCompile(`(.)([A-Z][a-z]+)`)
	endCap      = regexp.MustCompile(`([a-z0-9])([A-Z])`)
)

// CLIName converts an API name to the AWS CLI's spelling exactly as
// botocore's xform_name does with "-": "DescribeDBInstances" →
// "describe-db-instances", "ListObjectsV2" → "list-objects-v2",
// "DescribeVpcEndpointServiceACLs" → "describe-vpc-endpoint-service-acls".
// It is used for operation and top-level parameter names.
func CLIName(name string) string {
	const sep = "-"
	if strings.Contains(name, sep) {
		return name
	}
	if m := specialCase.FindString(name); m != "" {
		name = name[:len(name)-len(m)] + sep + strings.ToLower(m)
	}
	s1 := firstCap.ReplaceAllString(name, "${1}"+sep+"${2}")
	return strings.ToLower(endCap.ReplaceAllString(s1, "${1}"+sep+"${2}"))
}
