package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command/awsexec/services/shipped"
)

// broadSample is one or more everyday commands per category of issue 14
// (compute, containers, serverless, data stores, networking and CDN,
// observability, security findings, cost, backup, CI/CD, analytics,
// messaging), reads and writes, most outside the default set.
var broadSample = []string{
	"ec2 describe-instances", "lightsail get-instances", "batch describe-job-queues",
	"eks list-clusters", "ecr describe-repositories", "apprunner list-services", "eks delete-cluster --name old",
	"lambda list-functions", "stepfunctions list-state-machines", "apigateway get-rest-apis", "events list-rules", "scheduler list-schedules",
	"dynamodb list-tables", "rds describe-db-instances", "elasticache describe-cache-clusters", "redshift describe-clusters", "efs describe-file-systems", "opensearch list-domain-names",
	"elbv2 describe-load-balancers", "route53 list-hosted-zones", "cloudfront list-distributions", "acm list-certificates", "wafv2 list-web-acls --scope REGIONAL",
	"cloudwatch describe-alarms", "logs describe-log-groups", "cloudtrail lookup-events", "synthetics describe-canaries", "xray get-trace-summaries",
	"securityhub get-findings", "guardduty list-detectors", "inspector2 list-findings", "accessanalyzer list-analyzers", "configservice describe-config-rules",
	"ce get-cost-and-usage", "budgets describe-budgets --account-id 123456789012", "savingsplans describe-savings-plans",
	"backup list-backup-jobs", "dlm get-lifecycle-policies",
	"codepipeline list-pipelines", "codebuild list-projects", "deploy list-applications", "cloudformation describe-stacks",
	"athena list-work-groups", "glue get-databases", "emr list-clusters", "kinesis list-streams", "kafka list-clusters-v2",
	"sqs list-queues", "sns list-topics", "mq list-brokers", "sesv2 list-email-identities",
}

// blockedSample are credential services: refused for everyone by name,
// registered or not.
var blockedSample = []string{
	"kms list-keys", "secretsmanager list-secrets", "sso list-accounts", "sso-admin list-instances",
	"cognito-idp list-user-pools --max-results 10", "iam list-users", "sts get-caller-identity",
}

// TestQuickstartBroadSample types a broad sample of services through the
// quickstart: each one answers (runs, prompts, asks to confirm or is
// refused by the guardrail) and none gets "I don't know the service". In
// the default build a shipped service outside the default set is named,
// with the build tag that registers it; with -tags alltables it answers.
func TestQuickstartBroadSample(t *testing.T) {
	for _, c := range broadSample {
		svc := strings.Fields(c)[0]
		_, ok := shipped.Lookup(svc)
		require.True(t, ok, "%s: the sample names a shipped service", c)
	}
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	script := strings.Join(append(append([]string{}, broadSample...), blockedSample...), "\n") + "\n"
	var out, errOut bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-samples=false", "-state", "memory", "-audit", audit},
		strings.NewReader(script), &out, &errOut), errOut.String())
	assert.NotContains(t, out.String(), "I don't know the service")

	records := auditByText(t, audit)
	reg := newRegistry()
	for _, c := range broadSample {
		rec, ok := records[c]
		if !assert.True(t, ok, "%s: no audit record", c) {
			continue
		}
		_, registered := reg.Lookup(strings.Fields(c)[0])
		switch {
		case registered:
			assert.Contains(t, []string{"succeeded", "pending", "denied"}, rec.Outcome, "%s: %s %s", c, rec.Error, rec.Reason)
		case allTables:
			t.Errorf("%s: every shipped service is registered with -tags alltables", c)
		default:
			assert.Equal(t, "invalid", rec.Outcome, c)
			assert.Contains(t, rec.Error, "-tags alltables", c)
		}
	}
	for _, c := range blockedSample {
		rec, ok := records[c]
		if assert.True(t, ok, "%s: no audit record", c) {
			assert.Equal(t, "denied", rec.Outcome, c)
			assert.Contains(t, rec.Reason, "never run from chat", c)
		}
	}
}

type auditLine struct {
	Text, Outcome, Error, Reason string
}

func auditByText(t *testing.T, path string) map[string]auditLine {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	out := map[string]auditLine{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l auditLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		if _, seen := out[l.Text]; !seen {
			out[l.Text] = l
		}
	}
	require.NoError(t, sc.Err())
	return out
}
