package notify

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/opschat/opschat/chat"
)

// principalName names who made a CloudTrail call: the user, the role of an
// assumed-role session, or the root account.
func principalName(id jobj) string {
	switch id.s("type") {
	case "Root":
		return "root"
	case "AssumedRole":
		if issuer := id.o("sessionContext").o("sessionIssuer").s("userName"); issuer != "" {
			return "role " + issuer
		}
	case "AWSService":
		return firstNonEmpty(id.s("invokedBy"), "AWS service")
	}
	return firstNonEmpty(id.s("userName"), shortID(id.s("arn")), id.s("principalId"), id.s("type"))
}

// cloudTrailResourceKeys are the request parameters that name the resource
// a call acted on, in the order they are looked for.
var cloudTrailResourceKeys = []string{
	"bucketName", "instanceId", "functionName", "roleName", "userName", "policyArn", "groupId", "groupName",
	"restApiId", "apiId", "stackName", "tableName", "queueUrl", "topicArn", "keyId", "secretId", "name",
	"dBInstanceIdentifier", "dBClusterIdentifier", "clusterName", "repositoryName", "trailName", "detectorId",
}

// ebCloudTrail renders "AWS API Call via CloudTrail" (any source) and
// console sign-ins: who did what to which resource, and whether it
// failed. An error code, a failed sign-in or the root user make it a
// warning.
func ebCloudTrail(n *Notification, d jobj) {
	id := d.o("userIdentity")
	who := principalName(id)
	// eventSource names the service called ("s3.amazonaws.com"); the event
	// source says the same ("aws.s3") when a trail omits it.
	svc := firstNonEmpty(strings.TrimSuffix(d.s("eventSource"), ".amazonaws.com"), strings.TrimPrefix(n.Source, "aws."))
	call := d.s("eventName")
	errCode := d.s("errorCode")
	req := d.o("requestParameters")
	resource := ""
	for _, k := range cloudTrailResourceKeys {
		if s := req.s(k); s != "" {
			resource = s
			break
		}
	}
	outcome := "succeeded"
	n.Severity = chat.SeverityInfo
	if login := d.o("responseElements").s("ConsoleLogin"); login != "" {
		outcome = login
		if !strings.EqualFold(login, "Success") {
			n.Severity = chat.SeverityWarning
		}
	}
	if errCode != "" {
		outcome = errCode
		n.Severity = chat.SeverityWarning
	}
	if id.s("type") == "Root" {
		n.Severity = chat.SeverityWarning
	}
	action := svc + ":" + call
	if n.EventType == "AWS Console Sign In via CloudTrail" {
		action = "console sign-in"
	}
	region := firstNonEmpty(d.s("awsRegion"), n.Region)
	n.Title = titleOf("CloudTrail", action+" by "+who, outcome, resource)
	n.Summary = fmt.Sprintf("CloudTrail: %s by %s %s", action, who, outcome)
	n.Description = esc(d.s("errorMessage"))
	eventID := d.s("eventID")
	n.ThreadKey = eventID
	n.TitleLink = consoleURL(n.Partition, region, "cloudtrail", "home", "#/events/"+url.PathEscape(eventID))
	addField(n, "Outcome", outcome, true)
	addField(n, "Action", action, true)
	addField(n, "Principal", firstNonEmpty(id.s("arn"), who), false)
	addField(n, "Resource", resource, false)
	if errCode != "" {
		addField(n, "Error", strings.TrimSuffix(errCode+": "+d.s("errorMessage"), ": "), false)
	}
	addField(n, "Source IP", d.s("sourceIPAddress"), true)
	addField(n, "User agent", d.s("userAgent"), false)
	if mfa := d.o("additionalEventData").s("MFAUsed"); mfa != "" {
		addField(n, "MFA used", mfa, true)
	}
	addField(n, "Access key", id.s("accessKeyId"), true)
	n.Variables["eventName"] = call
	n.Variables["eventSource"] = d.s("eventSource")
	n.Variables["errorCode"] = errCode
	n.Variables["principal"] = who
	// A call on a REST API stage can show that stage's execution logs
	// around the time of the call.
	if svc == "apigateway" {
		if api, stage := req.s("restApiId"), req.s("stageName"); api != "" && stage != "" && !n.Time.IsZero() {
			n.Logs = &LogTarget{LogGroup: restExecutionLogGroup(api, stage), Region: region,
				Start: n.Time.Add(-5 * time.Minute), End: n.Time.Add(5 * time.Minute)}
		}
	}
}

// restExecutionLogGroup is the log group API Gateway writes a REST API
// stage's execution logs to. HTTP APIs have no execution logs, and their
// access log group is whatever the stage names: there is nothing to guess.
func restExecutionLogGroup(restAPIID, stage string) string {
	return "API-Gateway-Execution-Logs_" + restAPIID + "/" + stage
}

// isUserNotification reports whether a JSON payload is an AWS User
// Notifications NotificationEvent (schema v1.0), the form User
// Notifications delivers to chat channels.
func isUserNotification(m jobj) bool {
	return m.has("messageComponents") && m.has("sourceEventMetadata") && m.has("notificationType")
}

// decodeUserNotification renders an AWS User Notifications event: its
// headline and summary, its dimensions as fields in their order, the
// source event's console link; the notification type sets the severity
// (ALERT critical, WARNING warning, others info).
func decodeUserNotification(m jobj) *Notification {
	mc := m.o("messageComponents")
	meta := m.o("sourceEventMetadata")
	n := &Notification{
		Kind:      KindUserNotification,
		Source:    meta.s("source"),
		Service:   serviceName(meta.s("source")),
		EventType: meta.s("eventType"),
		ID:        m.s("id"),
		Account:   meta.s("relatedAccount"),
		Region:    meta.s("eventOriginRegion"),
		Variables: map[string]string{},
	}
	ntype := m.s("notificationType")
	switch strings.ToUpper(ntype) {
	case "ALERT":
		n.Severity = chat.SeverityCritical
	case "WARNING":
		n.Severity = chat.SeverityWarning
	default:
		n.Severity = chat.SeverityInfo
	}
	if strings.EqualFold(m.s("eventStatus"), "HEALTHY") && n.Severity != chat.SeverityInfo {
		// A HEALTHY status ends the issue an earlier ALERT opened.
		n.Severity = chat.SeveritySuccess
	}
	headline := firstNonEmpty(mc.s("headline"), n.EventType, "AWS User Notification")
	n.Title = esc(headline)
	n.Summary = headline
	n.Description = esc(firstNonEmpty(mc.s("paragraphSummary"), mc.s("completeDescription")))
	if t, err := time.Parse(time.RFC3339, firstNonEmpty(meta.s("eventOccurrenceTime"), m.s("startTime"))); err == nil {
		n.Time = t.UTC()
	}
	if u := m.s("sourceEventDetailUrl"); strings.HasPrefix(u, "https://") {
		n.TitleLink = u
	}
	addField(n, "Type", ntype, true)
	addField(n, "Status", m.s("eventStatus"), true)
	for _, dv := range mc.a("dimensions") {
		do := jobj(asMap(dv))
		addField(n, do.s("name"), do.s("value"), len(do.s("value")) < 40)
		n.Variables[do.s("name")] = do.s("value")
	}
	for _, r := range meta.a("relatedResources") {
		ro := jobj(asMap(r))
		n.Resources = appendUnique(n.Resources, firstNonEmpty(ro.s("arn"), ro.s("id")))
	}
	for _, r := range n.Resources {
		if a, ok := parseARN(r); ok {
			n.Partition = a.partition
			break
		}
	}
	n.ThreadKey = firstNonEmpty(meta.s("sourceEventId"), n.ID)
	n.Variables["notificationType"] = ntype
	n.Variables["source"] = n.Source
	n.Variables["eventType"] = n.EventType
	return n
}

// ebHealth renders AWS Health events: open issues are critical, scheduled
// changes warnings, closed events good news.
func ebHealth(n *Notification, d jobj) {
	category := d.s("eventTypeCategory")
	status := d.s("statusCode")
	switch {
	case status == "closed":
		n.Severity = chat.SeveritySuccess
	case category == "issue":
		n.Severity = chat.SeverityCritical
	case category == "scheduledChange":
		n.Severity = chat.SeverityWarning
	default:
		n.Severity = chat.SeverityInfo
	}
	service := d.s("service")
	n.Title = fmt.Sprintf("AWS Health | %s | %s", esc(firstNonEmpty(d.s("eventTypeCode"), n.EventType)), esc(firstNonEmpty(d.s("eventRegion"), n.Region, "global")))
	for _, dv := range d.a("eventDescription") {
		dd := jobj(asMap(dv))
		if dd.s("language") == "" || strings.HasPrefix(dd.s("language"), "en") {
			n.Description = esc(dd.s("latestDescription"))
			break
		}
	}
	eventARN := d.s("eventArn")
	n.ThreadKey = eventARN
	n.TitleLink = "https://health.aws.amazon.com/health/home#/account/event-log?eventID=" + url.QueryEscape(eventARN)
	if n.Partition != "aws" {
		n.TitleLink = "https://" + consoleHost(n.Partition) + "/health/home#/account/event-log?eventID=" + url.QueryEscape(eventARN)
	}
	addField(n, "Service", service, true)
	addField(n, "Category", category, true)
	addField(n, "Status", status, true)
	addField(n, "Start", d.s("startTime"), true)
	addField(n, "End", d.s("endTime"), true)
	for _, e := range d.a("affectedEntities") {
		if id := jobj(asMap(e)).s("entityValue"); id != "" {
			n.Resources = appendUnique(n.Resources, id)
		}
	}
	n.Variables["eventArn"] = eventARN
}
