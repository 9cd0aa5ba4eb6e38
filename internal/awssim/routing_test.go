package awssim_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/budgets"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/common"
	"github.com/opschat/opschat/command/awsexec/services/iamops"
	"github.com/opschat/opschat/command/awsexec/services/stsops"
	"github.com/opschat/opschat/internal/awssim"
)

// otherSigningName are operations signed for another name than their
// service's, as in AWS.
var otherSigningName = map[string]string{
	"s3api ListDirectoryBuckets":   "s3express",
	"s3api WriteGetObjectResponse": "s3-object-lambda",
}

// TestEveryShippedOperationIsRouted sends every operation of every shipped
// table (the common set, iam and sts) with the real SDK client to the
// simulated account and checks that the account names the same service and
// operation. For the query, JSON and CBOR protocols the name is on the
// wire; for REST-JSON and REST-XML (lambda, s3, route53, guardduty,
// securityhub) it comes from the generated route table, which this proves
// complete. Input validation is switched off and each top-level string and
// number member is filled, so every path label has a value.
func TestEveryShippedOperationIsRouted(t *testing.T) {
	sim := awssim.New()
	defer sim.Close()
	cfg := routingConfig(t, sim)

	reg := awsexec.NewRegistry()
	common.Register(reg)
	iamops.Register(reg)
	stsops.Register(reg)

	clients := shippedClients(cfg)
	names := reg.Services()
	require.Len(t, names, len(clients), "every shipped service needs a client here")
	total := 0
	for _, name := range names {
		c, ok := clients[name]
		require.True(t, ok, "no client for %s", name)
		svc, _ := reg.Lookup(name)
		t.Run(name, func(t *testing.T) {
			cv := reflect.ValueOf(c.client)
			for _, opName := range reg.Operations(name) {
				op, ok := svc.Operation(opName)
				require.True(t, ok)
				m := cv.MethodByName(op.APIName)
				require.True(t, m.IsValid(), "%s has no method %s", name, op.APIName)
				in := reflect.New(m.Type().In(1).Elem())
				fillLabels(in.Elem())
				sim.Reset()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				res := m.Call([]reflect.Value{reflect.ValueOf(ctx), in})
				cancel()
				reqs := sim.Requests()
				if !assert.Len(t, reqs, 1, "%s %s: the SDK sent no request (error %v)", name, op.APIName, res[1].Interface()) {
					continue
				}
				if signing, ok := otherSigningName[name+" "+op.APIName]; ok {
					assert.Equal(t, signing, reqs[0].Service, "%s %s", name, op.APIName)
				} else {
					assert.Equal(t, c.signing, reqs[0].Service, "%s %s", name, op.APIName)
				}
				assert.Equal(t, op.APIName, reqs[0].Operation, "%s %s: %s %s?%s", name, op.APIName, reqs[0].Method, reqs[0].Path, reqs[0].RawQuery)
				total++
			}
		})
	}
	t.Logf("%d operations of %d services routed", total, len(names))
	assert.Greater(t, total, 1500)
}

// shippedClient is an SDK client of a shipped table and the signing name
// the simulated account records for it.
type shippedClient struct {
	client  any
	signing string
}

// shippedClients has a client per shipped service (common, iam, sts).
func shippedClients(cfg aws.Config) map[string]shippedClient {
	return map[string]shippedClient{
		"autoscaling":    {autoscaling.NewFromConfig(cfg), "autoscaling"},
		"budgets":        {budgets.NewFromConfig(cfg), "budgets"},
		"cloudformation": {cloudformation.NewFromConfig(cfg), "cloudformation"},
		"cloudwatch":     {cloudwatch.NewFromConfig(cfg), "monitoring"},
		"codepipeline":   {codepipeline.NewFromConfig(cfg), "codepipeline"},
		"dynamodb":       {dynamodb.NewFromConfig(cfg), "dynamodb"},
		"ec2":            {ec2.NewFromConfig(cfg), "ec2"},
		"ecs":            {ecs.NewFromConfig(cfg), "ecs"},
		"elbv2":          {elasticloadbalancingv2.NewFromConfig(cfg), "elasticloadbalancing"},
		"guardduty":      {guardduty.NewFromConfig(cfg), "guardduty"},
		"iam":            {iam.NewFromConfig(cfg), "iam"},
		"kinesis":        {kinesis.NewFromConfig(cfg), "kinesis"},
		"lambda":         {lambda.NewFromConfig(cfg), "lambda"},
		"logs":           {cloudwatchlogs.NewFromConfig(cfg), "logs"},
		"rds":            {rds.NewFromConfig(cfg), "rds"},
		"route53":        {route53.NewFromConfig(cfg), "route53"},
		"s3api":          {s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true; o.DisableS3ExpressSessionAuth = aws.Bool(true) }), "s3"},
		"securityhub":    {securityhub.NewFromConfig(cfg), "securityhub"},
		"sns":            {sns.NewFromConfig(cfg), "sns"},
		"sqs":            {sqs.NewFromConfig(cfg), "sqs"},
		"ssm":            {ssm.NewFromConfig(cfg), "ssm"},
		"stepfunctions":  {sfn.NewFromConfig(cfg), "states"},
		"sts":            {sts.NewFromConfig(cfg), "sts"},
	}
}

// routingConfig is the simulated account's config with input validation
// removed, no retries, and a dialer that sends every host (SDK host
// prefixes such as S3's "{RequestRoute}.") to the server.
func routingConfig(t *testing.T, sim *awssim.Server) aws.Config {
	t.Helper()
	cfg := sim.Config()
	u, err := url.Parse(sim.URL())
	require.NoError(t, err)
	var d net.Dialer
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, u.Host)
		},
	}}
	cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	cfg.APIOptions = append(cfg.APIOptions, func(s *middleware.Stack) error {
		// Not every operation has validation; a missing step is fine.
		_, _ = s.Initialize.Remove("OperationInputValidation")
		return nil
	})
	return cfg
}

// fillLabels gives every top-level string and integer member a value, so
// required path labels are never empty.
func fillLabels(v reflect.Value) {
	for i := range v.NumField() {
		f := v.Field(i)
		if !f.CanSet() {
			continue
		}
		switch {
		case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.String:
			s := reflect.New(f.Type().Elem())
			s.Elem().SetString("x1")
			f.Set(s)
		case f.Kind() == reflect.Pointer && (f.Type().Elem().Kind() == reflect.Int32 || f.Type().Elem().Kind() == reflect.Int64) &&
			v.Type().Field(i).Name != "ContentLength": // a length without a body is refused by net/http
			n := reflect.New(f.Type().Elem())
			n.Elem().SetInt(1)
			f.Set(n)
		case f.Kind() == reflect.String:
			// An enum takes its first value: the SDK checks some (S3's
			// checksum algorithm) before sending.
			s := "x1"
			if vals := f.MethodByName("Values"); vals.IsValid() {
				if l := vals.Call(nil)[0]; l.Len() > 0 {
					s = l.Index(0).String()
				}
			}
			f.SetString(s)
		}
	}
}
