package awssim_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/internal/awssim"
)

// TestCLIAndSDKReadTheSameAnswer reads the account's fixture data with the
// real AWS CLI (/usr/bin/aws, JSON output) and with the Go SDK, one service
// per protocol family (awsJson, query, REST-JSON from serializers and from
// schemas, REST-XML with named list members, CLI error exit): both clients
// must decode the same values, so the answers are valid for each.
func TestCLIAndSDKReadTheSameAnswer(t *testing.T) {
	if err := awssim.CLIAvailable(); err != nil {
		t.Skipf("skipping: %v", err)
	}
	sim := awssim.New()
	defer sim.Close()
	cfg := sim.Config()
	ctx := context.Background()
	cases := []struct {
		name string
		args []string
		// sdk reads the same with the Go SDK; path picks the CLI's value.
		sdk  func() (any, error)
		path []any
	}{
		{"dynamodb describe-table", []string{"dynamodb", "describe-table", "--table-name", "orders"}, func() (any, error) {
			o, err := dynamodb.NewFromConfig(cfg).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")})
			if err != nil {
				return nil, err
			}
			return float64(aws.ToInt64(o.Table.ItemCount)), nil
		}, []any{"Table", "ItemCount"}},
		{"rds describe-db-instances", []string{"rds", "describe-db-instances"}, func() (any, error) {
			o, err := rds.NewFromConfig(cfg).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{})
			if err != nil {
				return nil, err
			}
			return aws.ToString(o.DBInstances[1].DBInstanceStatus), nil
		}, []any{"DBInstances", 1, "DBInstanceStatus"}},
		{"guardduty list-detectors", []string{"guardduty", "list-detectors"}, func() (any, error) {
			o, err := guardduty.NewFromConfig(cfg).ListDetectors(ctx, &guardduty.ListDetectorsInput{})
			if err != nil {
				return nil, err
			}
			return o.DetectorIds[0], nil
		}, []any{"DetectorIds", 0}},
		{"lambda get-function", []string{"lambda", "get-function", "--function-name", awssim.AlarmingFunction}, func() (any, error) {
			o, err := lambda.NewFromConfig(cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(awssim.AlarmingFunction)})
			if err != nil {
				return nil, err
			}
			return aws.ToString(o.Configuration.Handler), nil
		}, []any{"Configuration", "Handler"}},
		{"route53 list-hosted-zones", []string{"route53", "list-hosted-zones"}, func() (any, error) {
			o, err := route53.NewFromConfig(cfg).ListHostedZones(ctx, &route53.ListHostedZonesInput{})
			if err != nil {
				return nil, err
			}
			return aws.ToString(o.HostedZones[1].Name), nil
		}, []any{"HostedZones", 1, "Name"}},
	}
	var wg sync.WaitGroup
	runs := make([]*awssim.CLIRun, len(cases))
	errs := make([]error, len(cases))
	for i, c := range cases {
		wg.Go(func() { runs[i], errs[i] = sim.RunCLI(ctx, append(c.args, "--output", "json")...) })
	}
	wg.Wait()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.NoError(t, errs[i])
			run := runs[i]
			require.Equal(t, 0, run.ExitCode, run.Stderr)
			var doc any
			require.NoError(t, json.Unmarshal([]byte(run.Stdout), &doc), run.Stdout)
			got := doc
			for _, p := range c.path {
				switch k := p.(type) {
				case string:
					m, ok := got.(map[string]any)
					require.True(t, ok, "CLI output at %v: %s", c.path, run.Stdout)
					got = m[k]
				case int:
					l, ok := got.([]any)
					require.True(t, ok && len(l) > k, "CLI output at %v: %s", c.path, run.Stdout)
					got = l[k]
				}
			}
			want, err := c.sdk()
			require.NoError(t, err)
			assert.Equal(t, want, got)
			assert.NotEmpty(t, want)
		})
	}

	// A name that does not exist: the CLI exits 254 with the service's code.
	run, err := sim.RunCLI(ctx, "dynamodb", "describe-table", "--table-name", "nope")
	require.NoError(t, err)
	assert.NotEqual(t, 0, run.ExitCode)
	assert.Contains(t, run.Stderr, "ResourceNotFoundException")
}
