package command

import "slices"

// Partition is an AWS partition and its regions.
type Partition struct {
	ID      string   // "aws", "aws-cn", "aws-us-gov", "aws-iso", ...
	Regions []string // sorted
}

// partitions is the region list --region is validated against, taken from
// the endpoint rules of aws-sdk-go-v2 v1.48 (internal/endpoints/awsrulesfn/
// partitions.json) without the "*-global" pseudo-regions. A region opened
// later can be allowed with WithRegions until this list is updated.
var partitions = []Partition{
	{ID: "aws", Regions: []string{
		"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
		"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
		"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
		"eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
		"il-central-1", "me-central-1", "me-south-1", "me-west-1", "mx-central-1", "sa-east-1", "sa-west-1",
		"us-east-1", "us-east-2", "us-west-1", "us-west-2",
	}},
	{ID: "aws-cn", Regions: []string{"cn-north-1", "cn-northwest-1"}},
	{ID: "aws-us-gov", Regions: []string{"us-gov-east-1", "us-gov-west-1"}},
	{ID: "aws-iso", Regions: []string{"us-iso-east-1", "us-iso-west-1"}},
	{ID: "aws-iso-b", Regions: []string{"us-isob-east-1", "us-isob-west-1"}},
	{ID: "aws-iso-e", Regions: []string{"eu-isoe-west-1"}},
	{ID: "aws-iso-f", Regions: []string{"us-isof-east-1", "us-isof-south-1"}},
	{ID: "aws-eusc", Regions: []string{"eusc-de-east-1"}},
}

// Partitions returns the known partitions and their regions. The result is
// a copy the caller may modify.
func Partitions() []Partition {
	out := make([]Partition, len(partitions))
	for i, p := range partitions {
		out[i] = Partition{ID: p.ID, Regions: slices.Clone(p.Regions)}
	}
	return out
}

// PartitionOf returns the partition ID of a known region ("aws-cn" for
// "cn-north-1"), or "" when the region is not known.
func PartitionOf(region string) string {
	for _, p := range partitions {
		if _, ok := slices.BinarySearch(p.Regions, region); ok {
			return p.ID
		}
	}
	return ""
}

func allRegions() []string {
	var out []string
	for _, p := range partitions {
		out = append(out, p.Regions...)
	}
	return out
}
