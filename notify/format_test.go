package notify_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/notify"
)

// ebEvent decodes an EventBridge event built from its parts.
func ebEvent(t *testing.T, source, detailType, region string, resources []string, detail map[string]any) *notify.Notification {
	t.Helper()
	if resources == nil {
		resources = []string{}
	}
	b, err := json.Marshal(map[string]any{
		"version": "0", "id": "11111111-2222-3333-4444-555555555555", "detail-type": detailType, "source": source,
		"account": "123456789012", "time": "2026-11-24T20:05:23Z", "region": region, "resources": resources, "detail": detail,
	})
	require.NoError(t, err)
	n := notify.DecodeMessage(string(b), "")
	require.Equal(t, notify.KindEventBridge, n.Kind, "decode error: %s", n.DecodeError)
	return n
}

func format(t *testing.T, n *notify.Notification) chat.Message {
	t.Helper()
	m, err := notify.DefaultFormatter().Format(n)
	require.NoError(t, err)
	return m
}

func fieldNames(fs []chat.Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

func TestParseSeverity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want chat.Severity
	}{
		{"critical", chat.SeverityCritical},
		{"HIGH", chat.SeverityCritical},
		{"Medium", chat.SeverityWarning},
		{"warning", chat.SeverityWarning},
		{"low", chat.SeverityInfo},
		{"info", chat.SeverityInfo},
		{"success", chat.SeveritySuccess},
		{"ok", chat.SeveritySuccess},
		{"FAILED", chat.SeverityCritical},
		{" none ", chat.SeverityNone},
		{"", chat.SeverityNone},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := notify.ParseSeverity(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := notify.ParseSeverity("purple")
	require.Error(t, err)
	assert.ErrorIs(t, err, notify.ErrInvalidSeverity)
	assert.Contains(t, err.Error(), `"purple"`)
}

// TestGenericSeverityInference covers the generic format: severity and
// state inferred from common fields, on both numeric and named scales, and
// shown before the other fields.
func TestGenericSeverityInference(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		detail     map[string]any
		want       chat.Severity
		wantState  string
		wantFirst  []string
		wantInText string
	}{
		{"named high", map[string]any{"severity": "HIGH", "alpha": "x"}, chat.SeverityCritical, "", []string{"Severity", "alpha"}, ""},
		{"named medium lower case", map[string]any{"severity": "medium"}, chat.SeverityWarning, "", []string{"Severity"}, ""},
		{"cvss scale", map[string]any{"severity": 7.5}, chat.SeverityCritical, "", []string{"Severity"}, ""},
		{"cvss medium", map[string]any{"severity": 5}, chat.SeverityWarning, "", []string{"Severity"}, ""},
		{"normalised 0-100 scale", map[string]any{"severity": 40}, chat.SeverityWarning, "", []string{"Severity"}, ""},
		{"normalised low", map[string]any{"severity": 20}, chat.SeverityInfo, "", []string{"Severity"}, ""},
		{"severity object", map[string]any{"severity": map[string]any{"label": "CRITICAL", "score": 9.1}}, chat.SeverityCritical, "", []string{"Severity"}, ""},
		{"failed state", map[string]any{"state": "FAILED", "statusMessage": "disk full", "zeta": "1"}, chat.SeverityCritical, "FAILED", []string{"State", "Status message", "zeta"}, ""},
		{"expired status", map[string]any{"status": "Expired"}, chat.SeverityWarning, "Expired", []string{"State"}, ""},
		{"succeeded result", map[string]any{"result": "SUCCEEDED"}, chat.SeveritySuccess, "SUCCEEDED", []string{"State"}, ""},
		{"running stays info", map[string]any{"state": "RUNNING"}, chat.SeverityInfo, "RUNNING", []string{"State"}, ""},
		{"error message alone warns", map[string]any{"errorMessage": "throttled", "a": "b"}, chat.SeverityWarning, "", []string{"Error", "a"}, ""},
		{"worst signal wins", map[string]any{"severity": "LOW", "status": "FAILED"}, chat.SeverityCritical, "FAILED", []string{"Severity", "State"}, ""},
		{"reason shown first", map[string]any{"reason": "scale-in", "b": "c"}, chat.SeverityInfo, "", []string{"Reason", "b"}, ""},
		{"nothing to infer", map[string]any{"bucket": "x"}, chat.SeverityInfo, "", []string{"bucket"}, ""},
		{"named level", map[string]any{"level": "error"}, chat.SeverityCritical, "", []string{"Severity"}, ""},
		{"numeric level is shown, not read", map[string]any{"level": 0}, chat.SeverityInfo, "", []string{"Severity"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := ebEvent(t, "aws.example", "Example Event", "eu-west-1", nil, tt.detail)
			assert.Equal(t, tt.want, n.Severity)
			m := format(t, n)
			names := fieldNames(m.Fields)
			require.GreaterOrEqual(t, len(names), len(tt.wantFirst))
			assert.Equal(t, tt.wantFirst, names[:len(tt.wantFirst)])
			if tt.wantState != "" {
				assert.Contains(t, m.Title, "| "+tt.wantState+" |", "the state is in the title")
			}
		})
	}
}

func TestGenericFormatKeepsStatusMessageOfManyFields(t *testing.T) {
	t.Parallel()
	// The old generic format listed the first 10 fields alphabetically, so
	// a failed job's state and statusMessage fell off.
	detail := map[string]any{"state": "FAILED", "statusMessage": "Access denied to vault"}
	for i := 0; i < 20; i++ {
		detail[fmt.Sprintf("a%02d", i)] = "v"
	}
	n := ebEvent(t, "aws.example", "Job State Change", "us-east-1", nil, detail)
	m := format(t, n)
	assert.Equal(t, []string{"State", "Status message"}, fieldNames(m.Fields)[:2])
	require.Len(t, m.CodeBlocks, 1, "what is left out is in the detail block")
	assert.Equal(t, chat.SeverityCritical, m.Severity)
}

func TestGenericJSONInfersSeverity(t *testing.T) {
	t.Parallel()
	n := notify.DecodeMessage(`{"title":"Disk full","severity":"critical","host":"db-1"}`, "")
	require.Equal(t, notify.KindJSON, n.Kind)
	assert.Equal(t, chat.SeverityCritical, n.Severity)
	assert.Equal(t, "Severity", n.Fields[0].Name)
}

// securityHubBatch builds a Security Hub event with findings of the given
// labels, in that order.
func securityHubBatch(t *testing.T, partition, region string, labels []string, titleLen int) *notify.Notification {
	t.Helper()
	var findings []any
	for i, l := range labels {
		title := fmt.Sprintf("finding %d %s", i, l)
		if titleLen > len(title) {
			title += strings.Repeat("x", titleLen-len(title))
		}
		findings = append(findings, map[string]any{
			"Id":           fmt.Sprintf("arn:%s:securityhub:%s:123456789012:finding/%d", partition, region, i),
			"Title":        title,
			"Region":       region,
			"AwsAccountId": "123456789012",
			"ProductName":  "Security Hub",
			"Severity":     map[string]any{"Label": l},
			"Resources": []any{map[string]any{"Type": "AwsEc2SecurityGroup", "Id": fmt.Sprintf("arn:%s:ec2:%s:123456789012:security-group/sg-%04d", partition, region, i),
				"Tags": map[string]any{"Name": fmt.Sprintf("sg-name-%d", i)}}},
		})
	}
	return ebEvent(t, "aws.securityhub", "Security Hub Findings - Imported", region, nil, map[string]any{"findings": findings})
}

func TestSecurityHubShowsEveryFindingWorstFirst(t *testing.T) {
	t.Parallel()
	n := securityHubBatch(t, "aws", "us-east-1", []string{"LOW", "CRITICAL", "MEDIUM"}, 0)
	m := format(t, n)
	assert.Equal(t, chat.SeverityCritical, m.Severity, "the worst finding sets the severity, not the first")
	assert.Contains(t, m.Title, "3 findings, worst CRITICAL")
	lines := strings.Split(m.Text, "\n")
	require.Len(t, lines, 3)
	assert.True(t, strings.HasPrefix(lines[0], "- **CRITICAL** finding 1"), lines[0])
	assert.True(t, strings.HasPrefix(lines[1], "- **MEDIUM** finding 2"), lines[1])
	assert.True(t, strings.HasPrefix(lines[2], "- **LOW** finding 0"), lines[2])
	assert.Contains(t, lines[0], "sg-0001 (sg-name-1)", "each finding names its resource with its Name tag")
	breakdown, _ := fieldValue(m.Fields, "Findings")
	assert.Equal(t, "3 (1 CRITICAL, 1 MEDIUM, 1 LOW)", breakdown)
	assert.Equal(t, "arn:aws:securityhub:us-east-1:123456789012:finding/1", n.ThreadKey, "threads follow the worst finding")
	assert.Equal(t, "3", n.Variables["FindingCount"])
	assert.Equal(t, "CRITICAL", n.Variables["SeverityLabel"])
	related, _ := fieldValue(m.Fields, "Related resources")
	assert.Len(t, strings.Split(related, "\n"), 3, "every affected resource, none of the finding ARNs")
	assert.NotContains(t, related, "securityhub")
}

func TestSecurityHubNormalizedSeverityWithoutLabel(t *testing.T) {
	t.Parallel()
	n := ebEvent(t, "aws.securityhub", "Security Hub Findings - Imported", "us-east-1", nil, map[string]any{"findings": []any{
		map[string]any{"Id": "a", "Title": "low one", "Severity": map[string]any{"Normalized": 10}},
		map[string]any{"Id": "b", "Title": "high one", "Severity": map[string]any{"Normalized": 75}},
	}})
	assert.Equal(t, chat.SeverityCritical, n.Severity)
	assert.Contains(t, n.Title, "worst HIGH")
	assert.True(t, strings.HasPrefix(n.Description, "- **HIGH** high one"))
}

func TestSecurityHubListIsCapped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		count     int
		titleLen  int
		wantShown int
	}{
		{"count cap", 25, 0, 10},
		{"length cap", 10, 600, 3},
		{"fits", 4, 0, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			labels := make([]string, tt.count)
			for i := range labels {
				labels[i] = []string{"LOW", "MEDIUM", "HIGH", "CRITICAL", "INFORMATIONAL"}[i%5]
			}
			m := format(t, securityHubBatch(t, "aws", "us-east-1", labels, tt.titleLen))
			shown := strings.Count(m.Text, "\n- ") + 1
			assert.Equal(t, tt.wantShown, shown)
			if more := tt.count - tt.wantShown; more > 0 {
				assert.True(t, strings.HasSuffix(m.Text, fmt.Sprintf("_and %d more_", more)), m.Text[max(0, len(m.Text)-40):])
			} else {
				assert.NotContains(t, m.Text, "more_")
			}
			assert.LessOrEqual(t, len(m.Text), 2400+40, "the list stays within one Slack section")
			assert.True(t, strings.HasPrefix(m.Text, "- **CRITICAL**"), "worst first even when capped")
			related, _ := fieldValue(m.Fields, "Related resources")
			assert.LessOrEqual(t, len(strings.Split(related, "\n")), 11)
			if tt.count > 10 {
				assert.True(t, strings.HasSuffix(related, fmt.Sprintf("and %d more", tt.count-10)), related)
			}
		})
	}
}

func TestRichFormatLinksPerPartition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		partition, region, host string
	}{
		{"aws", "eu-west-1", "https://console.aws.amazon.com/"},
		{"aws-cn", "cn-northwest-1", "https://console.amazonaws.cn/"},
		{"aws-us-gov", "us-gov-east-1", "https://console.amazonaws-us-gov.com/"},
	}
	for _, tt := range tests {
		t.Run(tt.partition, func(t *testing.T) {
			t.Parallel()
			arn := func(svc, res string) string {
				return fmt.Sprintf("arn:%s:%s:%s:123456789012:%s", tt.partition, svc, tt.region, res)
			}
			events := map[string]*notify.Notification{
				"securityhub": securityHubBatch(t, tt.partition, tt.region, []string{"LOW", "HIGH"}, 0),
				"backup": ebEvent(t, "aws.backup", "Backup Job State Change", tt.region, []string{arn("ec2", "volume/vol-1")},
					map[string]any{"backupJobId": "job-1", "state": "FAILED", "resourceArn": arn("ec2", "volume/vol-1")}),
				"stepfunctions": ebEvent(t, "aws.states", "Step Functions Execution Status Change", tt.region, []string{arn("states", "execution:m:e")},
					map[string]any{"executionArn": arn("states", "execution:m:e"), "status": "FAILED"}),
				"cloudtrail": ebEvent(t, "aws.iam", "AWS API Call via CloudTrail", tt.region, nil,
					map[string]any{"eventSource": "iam.amazonaws.com", "eventName": "CreateUser", "eventID": "e-1", "awsRegion": tt.region, "userIdentity": map[string]any{"type": "Root"}}),
				"rds": ebEvent(t, "aws.rds", "RDS DB Instance Event", tt.region, []string{arn("rds", "db:x")},
					map[string]any{"SourceIdentifier": "x", "SourceType": "DB_INSTANCE", "EventCategories": []any{"failure"}}),
			}
			for name, n := range events {
				assert.Equal(t, tt.partition, n.Partition, name)
				assert.True(t, strings.HasPrefix(n.TitleLink, tt.host), "%s: %s", name, n.TitleLink)
				assert.Contains(t, n.TitleLink, "region="+tt.region, name)
			}
		})
	}
}

func TestRichFormatSeverities(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name               string
		source, detailType string
		detail             map[string]any
		want               chat.Severity
		titleHas           string
	}{
		{"backup failed", "aws.backup", "Backup Job State Change", map[string]any{"state": "FAILED", "statusMessage": "no access"}, chat.SeverityCritical, "FAILED"},
		{"backup aborted", "aws.backup", "Backup Job State Change", map[string]any{"state": "ABORTED"}, chat.SeverityCritical, "ABORTED"},
		{"backup expired", "aws.backup", "Backup Job State Change", map[string]any{"state": "EXPIRED"}, chat.SeverityCritical, "EXPIRED"},
		{"backup completed with issues", "aws.backup", "Backup Job State Change", map[string]any{"state": "COMPLETED", "statusMessage": "Windows VSS failed"}, chat.SeverityWarning, "COMPLETED WITH ISSUES"},
		{"backup completed", "aws.backup", "Backup Job State Change", map[string]any{"state": "COMPLETED"}, chat.SeveritySuccess, "COMPLETED"},
		{"restore failed uses status", "aws.backup", "Restore Job State Change", map[string]any{"status": "FAILED", "restoreJobId": "r-1"}, chat.SeverityCritical, "Restore job"},
		{"inspector untriaged uses score", "aws.inspector2", "Inspector2 Finding", map[string]any{"severity": "UNTRIAGED", "inspectorScore": 8.1, "status": "ACTIVE", "title": "CVE-1"}, chat.SeverityCritical, "UNTRIAGED"},
		{"inspector closed", "aws.inspector2", "Inspector2 Finding", map[string]any{"severity": "HIGH", "status": "CLOSED", "title": "CVE-2"}, chat.SeveritySuccess, "CLOSED"},
		{"inspector medium", "aws.inspector2", "Inspector2 Finding", map[string]any{"severity": "MEDIUM", "status": "ACTIVE", "title": "CVE-3"}, chat.SeverityWarning, "MEDIUM"},
		{"macie low", "aws.macie", "Macie Finding", map[string]any{"severity": map[string]any{"score": 1, "description": "Low"}, "type": "Policy:IAMUser/S3BucketEncryptionDisabled"}, chat.SeverityInfo, "Low"},
		{"macie score only", "aws.macie", "Macie Finding", map[string]any{"severity": map[string]any{"score": 2}}, chat.SeverityWarning, "MEDIUM"},
		{"access analyzer cross-account", "aws.access-analyzer", "Access Analyzer Finding", map[string]any{"status": "ACTIVE", "isPublic": false, "resource": "arn:aws:iam::123456789012:role/x"}, chat.SeverityWarning, "external access"},
		{"access analyzer resolved", "aws.access-analyzer", "Access Analyzer Finding", map[string]any{"status": "RESOLVED", "isPublic": true}, chat.SeveritySuccess, "RESOLVED"},
		{"spot interruption", "aws.ec2", "EC2 Spot Instance Interruption Warning", map[string]any{"instance-id": "i-1", "instance-action": "hibernate"}, chat.SeverityWarning, "hibernate in 2 minutes"},
		{"cloudtrail error", "aws.s3", "AWS API Call via CloudTrail", map[string]any{"eventSource": "s3.amazonaws.com", "eventName": "DeleteBucket", "errorCode": "AccessDenied", "userIdentity": map[string]any{"type": "IAMUser", "userName": "bob"}}, chat.SeverityWarning, "AccessDenied"},
		{"cloudtrail ok", "aws.s3", "AWS API Call via CloudTrail", map[string]any{"eventSource": "s3.amazonaws.com", "eventName": "DeleteBucket", "userIdentity": map[string]any{"type": "IAMUser", "userName": "bob"}}, chat.SeverityInfo, "s3:DeleteBucket by bob"},
		{"console sign-in failure", "aws.signin", "AWS Console Sign In via CloudTrail", map[string]any{"eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "responseElements": map[string]any{"ConsoleLogin": "Failure"}, "userIdentity": map[string]any{"type": "IAMUser", "userName": "eve"}}, chat.SeverityWarning, "Failure"},
		{"step functions aborted", "aws.states", "Step Functions Execution Status Change", map[string]any{"status": "ABORTED", "stateMachineArn": "arn:aws:states:us-east-1:1:stateMachine:m", "name": "e"}, chat.SeverityWarning, "m / e"},
		{"step functions timed out", "aws.states", "Step Functions Execution Status Change", map[string]any{"status": "TIMED_OUT"}, chat.SeverityCritical, "TIMED"},
		{"step functions succeeded", "aws.states", "Step Functions Execution Status Change", map[string]any{"status": "SUCCEEDED"}, chat.SeveritySuccess, "SUCCEEDED"},
		{"trusted advisor warn", "aws.trustedadvisor", "Trusted Advisor Check Item Refresh Notification", map[string]any{"status": "WARN", "check-name": "Low Utilization"}, chat.SeverityWarning, "WARN"},
		{"ecs deployment completed", "aws.ecs", "ECS Deployment State Change", map[string]any{"eventType": "INFO", "eventName": "SERVICE_DEPLOYMENT_COMPLETED"}, chat.SeveritySuccess, "COMPLETED"},
		{"ecs task start impaired", "aws.ecs", "ECS Service Action", map[string]any{"eventType": "WARN", "eventName": "SERVICE_TASK_START_IMPAIRED"}, chat.SeverityWarning, "TASK"},
		{"run command failed", "aws.ssm", "EC2 Command Status-change Notification", map[string]any{"status": "Failed", "document-name": "AWS-RunShellScript"}, chat.SeverityCritical, "Failed"},
		{"run command success", "aws.ssm", "EC2 Command Status-change Notification", map[string]any{"status": "Success", "document-name": "AWS-RunShellScript"}, chat.SeveritySuccess, "Success"},
		{"opsitem resolved", "aws.ssm", "OpsItem Update", map[string]any{"status": "Resolved", "title": "disk"}, chat.SeveritySuccess, "Resolved"},
		{"opsitem open sev 1", "aws.ssm", "OpsItem Create", map[string]any{"status": "Open", "title": "disk", "severity": "1"}, chat.SeverityCritical, "Open"},
		{"config item deleted", "aws.config", "Configuration Item Change Notification", map[string]any{"configurationItemDiff": map[string]any{"changeType": "DELETE"}, "configurationItem": map[string]any{"resourceType": "AWS::S3::Bucket", "resourceId": "b"}}, chat.SeverityWarning, "DELETE"},
		{"glue crawler succeeded", "aws.glue", "Glue Crawler State Change", map[string]any{"crawlerName": "c", "state": "Succeeded"}, chat.SeveritySuccess, "Succeeded"},
		{"emr step failed", "aws.emr", "EMR Step Status Change", map[string]any{"stepId": "s-1", "clusterId": "j-1", "state": "FAILED", "severity": "ERROR", "name": "etl"}, chat.SeverityCritical, "EMR step"},
		{"emr cluster waiting", "aws.emr", "EMR Cluster State Change", map[string]any{"clusterId": "j-1", "state": "WAITING", "severity": "INFO"}, chat.SeverityInfo, "WAITING"},
		{"rds low storage", "aws.rds", "RDS DB Instance Event", map[string]any{"SourceIdentifier": "db", "EventCategories": []any{"low storage"}, "SourceType": "DB_INSTANCE"}, chat.SeverityWarning, "low storage"},
		{"rds backup", "aws.rds", "RDS DB Snapshot Event", map[string]any{"SourceIdentifier": "snap", "EventCategories": []any{"creation"}, "SourceType": "SNAPSHOT"}, chat.SeverityInfo, "snap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := ebEvent(t, tt.source, tt.detailType, "us-east-1", nil, tt.detail)
			assert.Equal(t, tt.want, n.Severity)
			assert.Contains(t, stripEsc(n.Title), tt.titleHas)
			assert.NotContains(t, n.TitleLink, "/events/home", "a rich format links to the service, not EventBridge")
			m := format(t, n)
			assert.Empty(t, m.CodeBlocks, "a rich format shows no raw detail block")
		})
	}
}

func TestRichDecodersSurviveWrongShapes(t *testing.T) {
	t.Parallel()
	// Every rich decoder reads through typed getters: wrong types and
	// missing keys give empty values, never a panic.
	junk := map[string]any{"findings": "nope", "severity": []any{1}, "state": map[string]any{}, "resources": 3,
		"userIdentity": "x", "configurationItem": []any{}, "Tags": 5, "principal": "p", "detail": nil}
	for _, key := range []string{
		"aws.securityhub|Security Hub Findings - Imported", "aws.inspector2|Inspector2 Finding", "aws.macie|Macie Finding",
		"aws.access-analyzer|Access Analyzer Finding", "aws.backup|Copy Job State Change", "aws.rds|RDS DB Cluster Event",
		"aws.states|Step Functions Execution Status Change", "aws.trustedadvisor|Trusted Advisor Check Item Refresh Notification",
		"aws.ec2|EC2 Instance Rebalance Recommendation", "aws.ecs|ECS Service Action", "aws.ssm|EC2 Command Invocation Status-change Notification",
		"aws.ssm|OpsItem Update", "aws.config|Configuration Item Change Notification", "aws.glue|Glue Job State Change",
		"aws.emr|EMR Cluster State Change", "aws.kms|AWS API Call via CloudTrail",
	} {
		source, dt, _ := strings.Cut(key, "|")
		assert.NotPanics(t, func() {
			n := ebEvent(t, source, dt, "us-east-1", nil, junk)
			_ = format(t, n)
		}, key)
	}
}

func TestUserNotification(t *testing.T) {
	t.Parallel()
	n := decodeSample(t, "testdata/samples/user-notification.json")
	assert.Equal(t, notify.KindUserNotification, n.Kind)
	assert.Equal(t, chat.SeverityCritical, n.Severity)
	assert.Equal(t, "aws.cloudwatch", n.Source)
	assert.Equal(t, "CloudWatch Alarm State Change", n.EventType)
	assert.Equal(t, []string{"Type", "Status", "Alarm name", "State", "Metric"}, fieldNames(n.Fields), "dimensions in their order")
	healthy := notify.DecodeMessage(`{"schemaVersion":"v1.0","notificationType":"ALERT","eventStatus":"HEALTHY","sourceEventMetadata":{},"messageComponents":{"headline":"ok again"},"sourceEventDetailUrl":"javascript:alert(1)"}`, "")
	assert.Equal(t, chat.SeveritySuccess, healthy.Severity)
	assert.Empty(t, healthy.TitleLink, "only https links are kept")
}

func restAPIAlarm(dims string) string {
	return `{"AlarmName":"orders-5xx","NewStateValue":"ALARM","OldStateValue":"OK","NewStateReason":"r",
"StateChangeTime":"2026-11-24T20:00:41.117+0000","Region":"EU (Ireland)","AlarmArn":"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:orders-5xx",
"Trigger":{"MetricName":"5XXError","Namespace":"AWS/ApiGateway","Statistic":"SUM","Dimensions":` + dims + `,"Period":60,"EvaluationPeriods":5,"ComparisonOperator":"GreaterThanThreshold","Threshold":1}}`
}

func TestAPIGatewayShowLogs(t *testing.T) {
	t.Parallel()
	rest := notify.DecodeMessage(restAPIAlarm(`[{"name":"ApiName","value":"orders"},{"name":"Stage","value":"prod"}]`), "")
	http := notify.DecodeMessage(restAPIAlarm(`[{"name":"ApiId","value":"h1t2t3p4"},{"name":"Stage","value":"prod"}]`), "")

	m := format(t, rest)
	assert.Empty(t, m.Buttons, "a REST API alarm names the API, not its ID: no guessed group")

	for _, ids := range []map[string]string{{"orders": "a1b2c3d4e5"}, {"eu-west-1/orders": "a1b2c3d4e5", "orders": "wrong"}} {
		f := notify.NewDefaultFormatter(notify.WithRESTAPIIDs(ids))
		m, err := f.Format(rest)
		require.NoError(t, err)
		require.Len(t, m.Buttons, 2)
		assert.Contains(t, m.Buttons[0].Value, "--log-group-name API-Gateway-Execution-Logs_a1b2c3d4e5/prod ")
		assert.Contains(t, m.Buttons[0].Value, "--region eu-west-1")
		assert.Contains(t, m.Buttons[0].Value, "--start-time 1795550141117 --end-time 1795550441117", "five one-minute periods")
	}

	f := notify.NewDefaultFormatter(notify.WithRESTAPIIDs(map[string]string{"orders": "a1b2c3d4e5"}))
	m, err := f.Format(http)
	require.NoError(t, err)
	assert.Empty(t, m.Buttons, "an HTTP API has no execution logs and no default access log group")
	assert.Nil(t, http.Logs)

	ct := decodeSample(t, "testdata/samples/eventbridge-cloudtrail-apigateway.json")
	require.NotNil(t, ct.Logs, "a CloudTrail call on a REST API stage names its ID")
	assert.Equal(t, "API-Gateway-Execution-Logs_a1b2c3d4e5/prod", ct.Logs.LogGroup)
}

func TestTemplateSeverityAndDropDetail(t *testing.T) {
	t.Parallel()
	generic := ebEvent(t, "aws.example", "Job State Change", "us-east-1", nil, map[string]any{"state": "FAILED", "list": []any{1, 2}})
	require.NotEmpty(t, format(t, generic).CodeBlocks)
	tests := []struct {
		name       string
		tpl        notify.Template
		want       chat.Severity
		wantBlocks bool
	}{
		{"zero template keeps everything", notify.Template{}, chat.SeverityCritical, true},
		{"constant severity", notify.Template{Severity: "warning"}, chat.SeverityWarning, true},
		{"service label", notify.Template{Severity: "Low"}, chat.SeverityInfo, true},
		{"computed severity", notify.Template{Severity: `{{if eq (var . "state") "FAILED"}}info{{end}}`}, chat.SeverityInfo, true},
		{"computed empty keeps base", notify.Template{Severity: `{{if eq (var . "state") "OK"}}info{{end}}`}, chat.SeverityCritical, true},
		{"drop detail", notify.Template{DropDetail: true}, chat.SeverityCritical, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := notify.NewTemplateFormatter(tt.tpl)
			require.NoError(t, err)
			m, err := f.Format(generic)
			require.NoError(t, err)
			assert.Equal(t, tt.want, m.Severity)
			assert.Equal(t, tt.wantBlocks, len(m.CodeBlocks) > 0)
			assert.Equal(t, format(t, generic).Title, m.Title, "untemplated parts stay")
		})
	}
	_, err := notify.NewTemplateFormatter(notify.Template{Severity: "sev-purple"})
	require.Error(t, err, "a constant unknown severity fails fast")
	assert.ErrorIs(t, err, notify.ErrInvalidSeverity)
	f, err := notify.NewTemplateFormatter(notify.Template{Severity: `{{var . "state"}}-ish`})
	require.NoError(t, err)
	_, err = f.Format(generic)
	require.Error(t, err)
	assert.True(t, errors.Is(err, notify.ErrInvalidSeverity))
}

func TestSecurityHubOCSFFindings(t *testing.T) {
	t.Parallel()
	n := ebEvent(t, "aws.securityhub", "Findings Imported V2", "us-east-1", nil, map[string]any{"findings": []any{
		map[string]any{"finding_info": map[string]any{"uid": "u-1", "title": "informational"}, "severity_id": 1},
		map[string]any{"finding_info": map[string]any{"uid": "u-2", "title": "high by id", "src_url": "https://example.com/f/u-2"}, "severity_id": 4,
			"resources": []any{map[string]any{"uid": "arn:aws:s3:::b", "type": "AWS::S3::Bucket", "tags": []any{map[string]any{"name": "Name", "value": "bee"}}}}},
	}})
	assert.Equal(t, chat.SeverityCritical, n.Severity)
	assert.Contains(t, n.Title, "2 findings, worst HIGH")
	assert.True(t, strings.HasPrefix(n.Description, "- **HIGH** high by id — AWS::S3::Bucket b (bee)"), n.Description)
	assert.Equal(t, "https://example.com/f/u-2", n.TitleLink, "an OCSF finding's own https link is used")
	assert.Equal(t, "u-2", n.ThreadKey)
}
