package assist_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/assist"
)

var fixedNow = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

func newPlanner(t testing.TB) *assist.Planner {
	p, err := assist.NewPlanner(assist.WithClock(func() time.Time { return fixedNow }))
	require.NoError(t, err)
	return p
}

func TestPlannerFollowUps(t *testing.T) {
	t.Parallel()
	thread := func(first string) []assist.Turn {
		return []assist.Turn{{Role: assist.RoleUser, Text: first}, {Role: assist.RoleAssistant, Text: "(an answer)"}}
	}
	for _, c := range []struct {
		first, q string
		cmds     []string
		text     string
		declined bool
	}{
		{first: "how many stopped instances in us-east-1?", q: "and in Ireland?",
			cmds: []string{"ec2 describe-instances --filters Name=instance-state-name,Values=stopped", "--region eu-west-1"}, text: "There are 2 stopped instances in eu-west-1"},
		{first: "stopped instances in us-east-1", q: "what about running ones?", cmds: []string{"Values=running", "--region us-east-1"}, text: "1 running instance in us-east-1"},
		{first: "instances in us-east-1", q: "tagged env=staging", cmds: []string{"Name=tag:env,Values=staging"}, text: "1 instance tagged env=staging in us-east-1: i-0b2"},
		{first: "what's wrong with checkout-api?", q: "and in us-west-2?", cmds: []string{"--function-name checkout-api", "--region us-west-2"}, text: "**checkout-api** in us-west-2"},
		{first: "list my tables in us-east-1", q: "and queues?", cmds: []string{"sqs list-queues"}, text: "2 queues"},
		{first: "list my tables in us-east-1", q: "thanks!", declined: true},
		{first: "how do I fix throttling?", q: "and in Ireland?", declined: true},
	} {
		t.Run(c.first+" → "+c.q, func(t *testing.T) {
			t.Parallel()
			tools := newFakeTools(t)
			a, err := newPlanner(t).Answer(context.Background(), assist.Question{Text: c.q, Region: "us-east-1", History: thread(c.first)}, tools)
			require.NoError(t, err)
			assert.Equal(t, c.declined, a.Declined, a.Text)
			ran := strings.Join(tools.commands(), "\n")
			for _, want := range c.cmds {
				assert.Contains(t, ran, want)
			}
			assert.Contains(t, a.Text, c.text)
		})
	}
}

func TestPlanner(t *testing.T) {
	t.Parallel()
	cases := []struct {
		q, region string
		// cmds are substrings each found in one of the commands run.
		cmds     []string
		text     []string // substrings of the answer
		notText  []string
		declined bool
	}{
		// Listing by noun and synonym.
		{q: "what lambda functions do I have in us-west-1?", cmds: []string{"lambda list-functions --query \"Functions[].{name:FunctionName,runtime:Runtime}\" --region us-west-1"},
			text: []string{"3 functions in us-west-1: checkout-api (python3.12), orders-worker (nodejs20.x), billing-cron (python3.11)."}},
		{q: "list my lambdas", region: "eu-west-1", cmds: []string{"lambda list-functions", "--region eu-west-1"}, text: []string{"3 functions in eu-west-1"}},
		{q: "show functions", cmds: []string{"lambda list-functions"}, text: []string{"3 functions:"}, notText: []string{" in "}},
		{q: "which Python functions do we run?", region: "us-east-1", cmds: []string{"starts_with(Runtime || '', 'python')"},
			text: []string{"2 Python functions in us-east-1: checkout-api (python3.12), billing-cron (python3.11)."}},
		{q: "functions named orders", region: "us-east-1", cmds: []string{"contains(FunctionName, 'orders')"}, text: []string{"1 function with “orders” in the name in us-east-1: orders-worker"}},
		{q: "functions starting with bill", region: "us-east-1", cmds: []string{"starts_with(FunctionName, 'bill')"}, text: []string{"billing-cron"}, notText: []string{"orders"}},
		{q: "how many alarms are firing?", region: "us-east-1", cmds: []string{"cloudwatch describe-alarms --state-value ALARM"},
			text: []string{"There are 2 firing alarms in us-east-1: checkout-api-errors (since 09:12 UTC), db-cpu-high (since Dec 5 22:01 UTC)."}},
		{q: "which alarms are in alarm", region: "us-east-1", cmds: []string{"--state-value ALARM"}, text: []string{"2 firing alarms"}},
		{q: "list cloudwatch alarms", region: "us-east-1", cmds: []string{"cloudwatch describe-alarms --query"}, text: []string{"3 alarms in us-east-1", "latency-p99 (OK since 08:00 UTC)"}},
		{q: "any alarms in OK state?", region: "us-east-1", cmds: []string{"--state-value OK"}, text: []string{"1 OK alarm in us-east-1: latency-p99"}},
		{q: "alarms with insufficient data", region: "us-east-1", cmds: []string{"--state-value INSUFFICIENT_DATA"}, text: []string{"No alarms with insufficient data in us-east-1."}},
		{q: "what instances do I have?", region: "us-east-1", cmds: []string{"ec2 describe-instances --query"}, text: []string{"3 instances in us-east-1: web-1 (i-0a1, t3.micro, running), i-0b2 (t3.small, stopped), batch (i-0c3, m5.large, stopped)."}},
		{q: "how many stopped instances are there in us-east-2?", cmds: []string{"ec2 describe-instances --filters Name=instance-state-name,Values=stopped", "--region us-east-2"},
			text: []string{"There are 2 stopped instances in us-east-2"}},
		{q: "running servers in Ireland", cmds: []string{"Values=running", "--region eu-west-1"}, text: []string{"1 running instance in eu-west-1: web-1"}},
		{q: "list VMs in Frankfurt", cmds: []string{"ec2 describe-instances", "--region eu-central-1"}, text: []string{"in eu-central-1"}},
		{q: "EC2 instances in N. Virginia", cmds: []string{"--region us-east-1"}},
		{q: "instances in Oregon and Tokyo", cmds: []string{"--region us-west-2", "--region ap-northeast-1"}, text: []string{"in us-west-2", "in ap-northeast-1"}},
		{q: "instances tagged env=prod", region: "us-east-1", cmds: []string{"--filters Name=tag:env,Values=prod"}, text: []string{"2 instances tagged env=prod in us-east-1"}},
		{q: "stopped instances with tag env:prod", region: "us-east-1", cmds: []string{"--filters Name=instance-state-name,Values=stopped Name=tag:env,Values=prod"},
			text: []string{"1 stopped instance tagged env=prod in us-east-1: batch"}},
		{q: "Instances tagged Team=Payments", region: "us-east-1", cmds: []string{"Name=tag:Team,Values=Payments"}, text: []string{"No instances tagged Team=Payments"}},
		{q: "lambdas tagged env=prod", region: "us-east-1", cmds: []string{"lambda list-functions"}, text: []string{"can't filter by tag"}},
		{q: "unattached EBS volumes", region: "us-east-1", cmds: []string{"ec2 describe-volumes --filters Name=status,Values=available"}, text: []string{"1 unattached volume in us-east-1: vol-1 (available, 100 GiB)."}},
		{q: "show vpcs", region: "us-east-1", cmds: []string{"ec2 describe-vpcs"}, text: []string{"main (vpc-1, 10.0.0.0/16)"}},
		{q: "security groups in us-east-1", cmds: []string{"ec2 describe-security-groups"}, text: []string{"2 security groups in us-east-1: default (sg-1), web (sg-2)."}},
		{q: "list subnets", region: "us-east-1", cmds: []string{"ec2 describe-subnets"}, text: []string{"subnet-1 (10.0.1.0/24, us-east-1a)"}},
		{q: "what S3 buckets do I have?", region: "us-east-1", cmds: []string{"s3api list-buckets --query \"Buckets[].Name\""}, text: []string{"2 buckets: logs-archive, static-site."}, notText: []string{"us-east-1"}},
		{q: "show me my queues", region: "us-east-1", cmds: []string{"sqs list-queues"}, text: []string{"2 queues in us-east-1: orders, orders-dlq."}},
		{q: "how many DynamoDB tables?", region: "us-east-1", cmds: []string{"dynamodb list-tables"}, text: []string{"There are 2 tables in us-east-1: orders, sessions."}},
		{q: "list stacks", region: "us-east-1", cmds: []string{"cloudformation describe-stacks"}, text: []string{"app (UPDATE\\_COMPLETE), net (UPDATE\\_IN\\_PROGRESS)"}},
		{q: "which stacks failed?", region: "us-east-1", cmds: []string{"cloudformation list-stacks --stack-status-filter CREATE_FAILED"}, text: []string{"1 failed stack in us-east-1: old-app (ROLLBACK\\_COMPLETE)."}},
		{q: "stacks in progress", region: "us-east-1", cmds: []string{"ends_with(StackStatus, 'IN_PROGRESS')"}, text: []string{"1 in progress stack in us-east-1: net"}},
		{q: "list log groups", region: "us-east-1", cmds: []string{"logs describe-log-groups"}, text: []string{"3 log groups in us-east-1"}},
		{q: "what ECS clusters are there?", region: "us-east-1", cmds: []string{"ecs list-clusters"}, text: []string{"1 ECS cluster in us-east-1: prod."}},
		{q: "ecs services", region: "us-east-1", cmds: []string{"ecs list-services"}, text: []string{"1 ECS service in us-east-1: payments."}},
		{q: "list RDS databases", region: "us-east-1", cmds: []string{"rds describe-db-instances"}, text: []string{"orders-db (postgres, available), reporting-db (mysql, stopped)"}},
		{q: "stopped databases", region: "us-east-1", cmds: []string{"DBInstanceStatus == 'stopped'"}, text: []string{"1 stopped database in us-east-1: reporting-db"}},
		{q: "aurora clusters", region: "us-east-1", cmds: []string{"rds describe-db-clusters"}, text: []string{"No DB clusters in us-east-1."}},
		{q: "load balancers in us-east-1", cmds: []string{"elbv2 describe-load-balancers"}, text: []string{"web-alb (application, active)"}},
		{q: "what step functions do I have", region: "us-east-1", cmds: []string{"stepfunctions list-state-machines"}, text: []string{"1 state machine in us-east-1: order-flow."}},
		{q: "sns topics", region: "us-east-1", cmds: []string{"sns list-topics"}, text: []string{"1 topic in us-east-1: alerts."}},
		{q: "kinesis streams", region: "us-east-1", cmds: []string{"kinesis list-streams"}, text: []string{"clicks"}},
		{q: "auto scaling groups", region: "us-east-1", cmds: []string{"autoscaling describe-auto-scaling-groups"}, text: []string{"web-asg (2 of 3 desired running)"}},
		{q: "list pipelines", region: "us-east-1", cmds: []string{"codepipeline list-pipelines"}, text: []string{"deploy-web"}},
		{q: "ssm parameters", region: "us-east-1", cmds: []string{"ssm describe-parameters"}, text: []string{"/app/db-url"}},
		{q: "hosted zones", region: "us-east-1", cmds: []string{"route53 list-hosted-zones"}, text: []string{"1 hosted zone: example.com."}},
		{q: "guardduty detectors", region: "us-east-1", cmds: []string{"guardduty list-detectors"}, text: []string{"abc123"}},
		{q: "list functions and tables in us-west-2", cmds: []string{"lambda list-functions", "dynamodb list-tables"}, text: []string{"3 functions in us-west-2", "2 tables in us-west-2"}},
		{q: "instances in all regions", region: "us-east-1", cmds: []string{"ec2 describe-instances"}, text: []string{"I don't search every region; I looked in us-east-1"}},

		// Diagnosis of a named resource.
		{q: "what's wrong with checkout-api?", region: "us-east-1",
			cmds: []string{
				"cloudwatch describe-alarms --state-value ALARM --query \"MetricAlarms | [?contains(AlarmName, 'checkout-api') || contains(to_string(Dimensions), 'checkout-api')]",
				"lambda get-function-configuration --function-name checkout-api",
				"logs filter-log-events --log-group-name /aws/lambda/checkout-api --filter-pattern ERROR --start-time 1796547600000",
			},
			text: []string{
				"**checkout-api** in us-east-1",
				"1 alarm firing: checkout-api-errors (since 09:12 UTC): Threshold Crossed",
				"checkout-api is a Lambda function (python3.12, 512 MB, 30 s timeout",
				"2 ERROR log events in /aws/lambda/checkout-api in the last hour; the latest: \\[ERROR\\] Timeout calling payments at handler",
			}},
		{q: "is Image-Resize down?", region: "us-east-1", cmds: []string{"describe-alarms", "--function-name Image-Resize", "describe-log-groups --log-group-name-pattern Image-Resize"},
			text: []string{"No alarm mentioning Image-Resize is firing", "no Lambda function or log group named Image-Resize"}},
		{q: "why is image-resize failing", region: "us-east-1", cmds: []string{"describe-alarms", "get-function-configuration", "filter-log-events"},
			text: []string{"Its state is Failed: The function's VPC subnet has no free IP addresses.", "Its last update failed."}},
		{q: "problems with payments in eu-west-1", cmds: []string{"--region eu-west-1", "get-function-configuration --function-name payments", "describe-log-groups", "filter-log-events --log-group-name /ecs/payments"},
			text: []string{"**payments** in eu-west-1", "2 ERROR log events in /ecs/payments"}},
		{q: "check orders-db", region: "us-east-1", cmds: []string{"describe-alarms", "get-function-configuration", "describe-log-groups"},
			text: []string{"1 alarm firing: db-cpu-high (since Dec 5 22:01 UTC)"}},

		{q: "show me errors for checkout-api", region: "us-east-1", cmds: []string{"filter-log-events --log-group-name /aws/lambda/checkout-api"}, text: []string{"2 ERROR log events"}},
		{q: "are there any issues with checkout-api in Oregon?", cmds: []string{"--region us-west-2"}, text: []string{"**checkout-api** in us-west-2"}},
		{q: "logs for image-resize", region: "us-east-1", cmds: []string{"filter-log-events --log-group-name /aws/lambda/image-resize"}},

		// Declined: general questions, changes, unknown things.
		{q: "how do I fix Lambda concurrency issues?", declined: true, text: []string{"general question", "assist.NewBedrock", "README"}},
		{q: "How can I reduce my S3 costs", declined: true},
		{q: "why do alarms flap?", declined: true},
		{q: "what is a VPC endpoint?", declined: true},
		{q: "explain step functions", declined: true},
		{q: "stop instance i-0b2", declined: true, text: []string{"never change anything", "`ec2 stop-instances help`"}},
		{q: "please reboot the web servers", declined: true, text: []string{"`ec2 reboot-instances help`"}},
		{q: "can you delete the old-app stack", declined: true, text: []string{"`cloudformation delete-stack help`"}},
		{q: "restart my databases", declined: true, text: []string{"never change anything"}},
		{q: "invoke checkout-api", declined: true},
		{q: "scale web-asg to 5", declined: true},
		{q: "tag instance i-0a1 env=prod", declined: true},
		{q: "purge the orders queue", declined: true, text: []string{"`sqs purge-queue help`"}},
		{q: "list my EKS clusters", declined: true, text: []string{"no Amazon EKS commands"}},
		{q: "what's the weather like", declined: true, text: []string{"couldn't tell which resources"}},
		{q: "", declined: true},
		{q: "???", declined: true},
		{q: "hello", declined: true},
	}
	require.GreaterOrEqual(t, len(cases), 50)
	p := newPlanner(t)
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			t.Parallel()
			tools := newFakeTools(t)
			a, err := p.Answer(context.Background(), assist.Question{Text: c.q, Region: c.region}, tools)
			require.NoError(t, err)
			require.NotNil(t, a)
			ran := tools.commands()
			assert.Equal(t, c.declined, a.Declined, a.Text)
			assert.Empty(t, a.Proposed, "the planner never proposes")
			if c.declined {
				assert.Empty(t, ran, "a declined question runs nothing")
			}
			if !c.declined {
				require.NotEmpty(t, ran)
			}
			for i, want := range c.cmds {
				// Each expected substring is in one of the commands run.
				found := false
				for _, line := range ran {
					if strings.Contains(line, want) {
						found = true
						break
					}
				}
				assert.True(t, found, "command %d: %q not in %q", i, want, ran)
			}
			assert.Equal(t, tools.succeeded(), a.Ran, "every command that ran is listed, normalised")
			for _, want := range c.text {
				assert.Contains(t, a.Text, want)
			}
			for _, not := range c.notText {
				assert.NotContains(t, a.Text, not)
			}
			assert.LessOrEqual(t, len([]rune(a.Text)), assist.MaxAnswerChars)
		})
	}
}
