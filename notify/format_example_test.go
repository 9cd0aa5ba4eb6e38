package notify_test

import (
	"fmt"
	"log"

	"github.com/opschat/opschat/notify"
)

// A Security Hub event batches findings; the first is not the worst. The
// message says how many there are and the worst severity, and lists every
// finding worst first with the resource it is about.
func ExampleDecodeMessage_securityHubBatch() {
	event := `{"version":"0","id":"1","detail-type":"Security Hub Findings - Imported","source":"aws.securityhub",
 "account":"123456789012","time":"2026-11-24T20:05:23Z","region":"us-east-1","resources":[],
 "detail":{"findings":[
  {"Id":"f-1","Title":"S3.9 Server access logging should be enabled","Severity":{"Label":"LOW"},
   "Resources":[{"Type":"AwsS3Bucket","Id":"arn:aws:s3:::app-logs"}]},
  {"Id":"f-2","Title":"EC2.19 Unrestricted access to high-risk ports","Severity":{"Label":"CRITICAL"},
   "Resources":[{"Type":"AwsEc2SecurityGroup","Id":"arn:aws:ec2:us-east-1:123456789012:security-group/sg-0a1b","Tags":{"Name":"legacy-admin"}}]}]}}`
	n := notify.DecodeMessage(event, "")
	fmt.Println(n.Severity)
	fmt.Println(n.Title)
	fmt.Println(n.Description)
	// Output:
	// critical
	// Security Hub | 2 findings, worst CRITICAL | us-east-1
	// - **CRITICAL** EC2.19 Unrestricted access to high-risk ports — AwsEc2SecurityGroup sg-0a1b (legacy-admin)
	// - **LOW** S3.9 Server access logging should be enabled — AwsS3Bucket app-logs
}

// A template can set the severity (here: a failed nightly job only
// informs, its team looks in the morning) and drop the raw detail block
// the generic format adds for an event type it does not know.
func ExampleTemplate_severity() {
	tpl, err := notify.NewTemplateFormatter(notify.Template{
		Severity:   `{{if eq (var . "jobName") "nightly-report"}}info{{end}}`,
		DropDetail: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	n := notify.DecodeMessage(`{"version":"0","id":"1","detail-type":"Batch Job State Change","source":"aws.batch",
 "account":"123456789012","time":"2026-11-24T20:05:23Z","region":"us-east-1","resources":[],
 "detail":{"jobName":"nightly-report","status":"FAILED","attempts":[{"exitCode":1}]}}`, "")
	m, err := tpl.Format(n)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n.Severity, "→", m.Severity)
	fmt.Println(m.Title)
	fmt.Println(len(m.CodeBlocks), "code blocks")
	// Output:
	// critical → info
	// Batch | Batch Job State Change | FAILED | us-east-1
	// 0 code blocks
}

// CloudWatch metrics of a REST API name the API, but its execution log
// group is keyed by the API's ID: the host tells the formatter the IDs so
// alarms on a REST API stage get Show logs buttons.
func ExampleWithRESTAPIIDs() {
	alarm := `{"AlarmName":"orders-5xx","NewStateValue":"ALARM","StateChangeTime":"2026-11-24T20:00:00.000+0000",
 "AlarmArn":"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:orders-5xx",
 "Trigger":{"MetricName":"5XXError","Namespace":"AWS/ApiGateway","Statistic":"SUM","Period":60,"EvaluationPeriods":5,
  "Dimensions":[{"name":"ApiName","value":"orders"},{"name":"Stage","value":"prod"}]}}`
	f := notify.NewDefaultFormatter(notify.WithRESTAPIIDs(map[string]string{"orders": "a1b2c3d4e5"}))
	m, err := f.Format(notify.DecodeMessage(alarm, ""))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Buttons[0].Label + ": " + m.Buttons[0].Value)
	// Output:
	// Show logs: logs filter-log-events --log-group-name API-Gateway-Execution-Logs_a1b2c3d4e5/prod --start-time 1795550100000 --end-time 1795550400000 --limit 30 --region eu-west-1
}
