package awsexec_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/s3ops"
)

const (
	listObjectsXML = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>logs</Name><Prefix>app/</Prefix><Delimiter>/</Delimiter><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>app/a.log</Key><LastModified>2026-11-02T08:30:05.000Z</LastModified><ETag>&quot;e1&quot;</ETag><Size>1234</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><Key>app/b.gz</Key><LastModified>2026-11-03T23:59:59.000Z</LastModified><ETag>&quot;e2&quot;</ETag><Size>0</Size><StorageClass>STANDARD</StorageClass></Contents><CommonPrefixes><Prefix>app/2026/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>app/old logs/</Prefix></CommonPrefixes></ListBucketResult>`
	listBucketsXML = `<?xml version="1.0" encoding="UTF-8"?>
<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o</ID></Owner><Buckets><Bucket><Name>logs</Name><CreationDate>2026-11-02T08:30:05.000Z</CreationDate></Bucket><Bucket><Name>site-assets</Name><CreationDate>2025-01-31T00:00:00.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>`
)

// TestS3LsMatchesAWSCLI runs "s3 ls" through the AWS CLI (/usr/bin/aws) and
// through the chat mapping (command.Parse → s3api operation → DisplayText)
// against the same loopback S3, and compares the requests' parameters and
// the printed listings.
func TestS3LsMatchesAWSCLI(t *testing.T) {
	const cli = "/usr/bin/aws"
	if _, err := os.Stat(cli); err != nil {
		t.Skipf("the AWS CLI is not installed (apt-get install -y awscli): %v", err)
	}
	var mu sync.Mutex
	var queries []url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.Query())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/xml")
		if r.URL.Query().Get("list-type") == "2" {
			_, _ = w.Write([]byte(listObjectsXML))
			return
		}
		_, _ = w.Write([]byte(listBucketsXML))
	}))
	defer srv.Close()

	reg := awsexec.NewRegistry()
	s3ops.Register(reg)
	client := s3.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("x", "y", "")}, func(o *s3.Options) { o.UsePathStyle = true })
	svc, ok := reg.Lookup("s3api")
	require.True(t, ok)

	for _, target := range []string{"", "s3://logs/app/"} {
		t.Run("s3 ls "+target, func(t *testing.T) {
			args := []string{"s3", "ls"}
			if target != "" {
				args = append(args, target)
			}
			cmd := exec.Command(cli, append(args, "--endpoint-url", srv.URL)...)
			cmd.Env = []string{"AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=y", "AWS_DEFAULT_REGION=us-east-1",
				"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
				"AWS_PAGER=", "TZ=UTC", "HOME=" + t.TempDir(), "PATH=/usr/bin:/bin"}
			mu.Lock()
			queries = nil
			mu.Unlock()
			want, err := cmd.Output()
			require.NoError(t, err)
			mu.Lock()
			require.NotEmpty(t, queries)
			cliQuery := queries[len(queries)-1]
			queries = nil
			mu.Unlock()

			inv, err := command.Parse(strings.Join(args, " "), reg)
			require.NoError(t, err)
			op, ok := svc.Operation(inv.Operation)
			require.True(t, ok)
			input, err := svc.BuildInput(op, inv.Params)
			require.NoError(t, err)
			var out any
			if target == "" {
				out, err = client.ListBuckets(context.Background(), input.(*s3.ListBucketsInput))
			} else {
				out, err = client.ListObjectsV2(context.Background(), input.(*s3.ListObjectsV2Input))
			}
			require.NoError(t, err)
			mu.Lock()
			goQuery := queries[len(queries)-1]
			mu.Unlock()
			for _, k := range []string{"list-type", "prefix", "delimiter"} {
				assert.Equal(t, cliQuery.Get(k), goQuery.Get(k), "query parameter %s", k)
			}
			got, ok := awsexec.DisplayText(inv.Display, svc.CLIShape(out))
			require.True(t, ok)
			assert.Equal(t, strings.TrimRight(string(want), "\n"), got)
		})
	}
}
