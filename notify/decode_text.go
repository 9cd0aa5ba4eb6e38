package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/opschat/opschat/chat"
)

// parseQuotedLines reads CloudFormation's "Key='value'" lines. Values may
// span lines (ResourceProperties holds JSON); a line that does not start a
// new key continues the previous value.
func parseQuotedLines(msg string) (map[string]string, []string) {
	vals := map[string]string{}
	var order []string
	var cur string
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimRight(line, "\r")
		if k, v, ok := strings.Cut(line, "='"); ok && isIdent(k) {
			cur = k
			order = append(order, k)
			vals[k] = v
			continue
		}
		if cur != "" {
			vals[cur] += "\n" + line
		}
	}
	for k, v := range vals {
		v = strings.TrimRight(v, "\n ")
		vals[k] = strings.TrimSuffix(v, "'")
	}
	return vals, order
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// decodeCloudFormationText decodes the notification CloudFormation sends to
// a stack's NotificationARNs; nil when msg is not one.
func decodeCloudFormationText(msg string) *Notification {
	if !strings.Contains(msg, "StackId='") {
		return nil
	}
	v, _ := parseQuotedLines(msg)
	stackID := v["StackId"]
	a, ok := parseARN(stackID)
	if !ok || v["ResourceStatus"] == "" {
		return nil
	}
	status := v["ResourceStatus"]
	stackName := firstNonEmpty(v["StackName"], lastSegmentN(a.resource, 1))
	n := &Notification{
		Kind:      KindCloudFormationSNS,
		Source:    "aws.cloudformation",
		Service:   "CloudFormation",
		EventType: "CloudFormation Resource Status Change",
		ID:        v["EventId"],
		Severity:  cfnSeverity(status),
		Account:   a.account,
		Region:    a.region,
		Partition: a.partition,
		ThreadKey: stackID,
		Resources: []string{stackID},
		Text:      msg,
		Variables: map[string]string{},
	}
	subject := stackName
	if lid := v["LogicalResourceId"]; lid != "" && lid != stackName {
		subject += " / " + lid
	}
	n.Title = strings.TrimSpace(fmt.Sprintf("CloudFormation | %s | %s | %s", esc(subject), esc(status), esc(a.region)))
	n.Summary = fmt.Sprintf("CloudFormation %s is %s", subject, status)
	if r := v["ResourceStatusReason"]; r != "" {
		n.Description = esc(r)
	}
	n.TitleLink = cfnStackLink(a.partition, a.region, stackID)
	if t, err := time.Parse(time.RFC3339Nano, v["Timestamp"]); err == nil {
		n.Time = t.UTC()
	}
	addField(n, "Status", status, true)
	addField(n, "Stack", stackName, true)
	if v["LogicalResourceId"] != "" && v["LogicalResourceId"] != stackName {
		addField(n, "Resource", fmt.Sprintf("%s (%s)", v["LogicalResourceId"], v["ResourceType"]), false)
		addField(n, "Physical ID", v["PhysicalResourceId"], true)
	}
	for k, val := range v {
		n.Variables[k] = val
	}
	return n
}

func lastSegmentN(resource string, i int) string {
	parts := strings.Split(resource, "/")
	if i < len(parts) {
		return parts[i]
	}
	return ""
}

// decodeBudgets decodes an AWS Budgets alert email-style text notification;
// nil when msg is not one.
func decodeBudgets(msg, subject string) *Notification {
	if !strings.Contains(msg, "AWS Budget Notification") && !strings.HasPrefix(subject, "AWS Budgets:") {
		return nil
	}
	kv := map[string]string{}
	var order []string
	var account, sentence string
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "AWS Account ") {
			account = strings.TrimSpace(strings.TrimPrefix(line, "AWS Account "))
			continue
		}
		if strings.HasPrefix(line, "You requested that we alert you") {
			sentence = line
			continue
		}
		if k, val, ok := strings.Cut(line, ": "); ok && len(k) < 40 && !strings.Contains(k, "http") {
			if _, dup := kv[k]; !dup {
				order = append(order, k)
			}
			kv[k] = strings.TrimSpace(val)
		}
	}
	name := kv["Budget Name"]
	if name == "" && sentence == "" {
		return nil
	}
	n := &Notification{
		Kind:      KindBudgets,
		Source:    "aws.budgets",
		Service:   "Budgets",
		EventType: "AWS Budgets Notification",
		Severity:  chat.SeverityWarning,
		Account:   account,
		ThreadKey: "budget/" + account + "/" + name,
		Text:      msg,
		Variables: map[string]string{"BudgetName": name, "Account": account},
		Partition: "aws",
	}
	if strings.Contains(strings.ToUpper(kv["Alert Type"]), "FORECAST") {
		n.Severity = chat.SeverityInfo
	}
	n.Title = fmt.Sprintf("AWS Budgets | %s", esc(firstNonEmpty(name, strings.TrimPrefix(subject, "AWS Budgets: "))))
	n.Summary = firstNonEmpty(subject, "AWS Budgets alert for "+name)
	n.Description = esc(sentence)
	n.TitleLink = "https://" + consoleHost("aws") + "/billing/home#/budgets"
	for _, k := range order {
		if k == "Budget Name" {
			continue
		}
		addField(n, k, kv[k], true)
		n.Variables[strings.ReplaceAll(k, " ", "")] = kv[k]
	}
	return n
}
