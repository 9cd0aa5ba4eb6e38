package awsexec_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"

	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
)

func TestDisplayS3Ls(t *testing.T) {
	t.Parallel()
	when := time.Date(2026, 11, 2, 8, 30, 5, 0, time.UTC)
	tests := []struct {
		name string
		out  any
		want string
		ok   bool
	}{
		{"buckets", &s3.ListBucketsOutput{Buckets: []types.Bucket{
			{Name: aws.String("logs"), CreationDate: aws.Time(when)},
			{Name: aws.String("site"), CreationDate: aws.Time(when.Add(time.Hour))},
		}}, "2026-11-02 08:30:05 logs\n2026-11-02 09:30:05 site", true},
		{"objects and prefixes", &s3.ListObjectsV2Output{Name: aws.String("logs"), Prefix: aws.String("app/"),
			CommonPrefixes: []types.CommonPrefix{{Prefix: aws.String("app/2026/")}},
			Contents: []types.Object{
				{Key: aws.String("app/a.log"), Size: aws.Int64(1234), LastModified: aws.Time(when)},
				{Key: aws.String("app/b.gz"), Size: aws.Int64(0), LastModified: aws.Time(when)},
			}},
			"                           PRE 2026/\n2026-11-02 08:30:05       1234 a.log\n2026-11-02 08:30:05          0 b.gz", true},
		{"empty bucket", &s3.ListObjectsV2Output{Name: aws.String("logs")}, "", true},
		{"something else", &s3.GetBucketLocationOutput{}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := awsexec.DisplayText(command.DisplayS3Ls, awsexec.CLIShape(tt.out))
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
	_, ok := awsexec.DisplayText("", map[string]any{"Buckets": []any{}})
	assert.False(t, ok)
	_, ok = awsexec.DisplayText(command.DisplayS3Ls, []any{"queried"})
	assert.False(t, ok)
}
