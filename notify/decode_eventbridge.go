package notify

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/opschat/opschat/chat"
)

// decodeEventBridge decodes an EventBridge event: the common envelope, then
// a rich decoder for the source/detail-type when there is one, else the
// generic rendering of any event.
func decodeEventBridge(m jobj) (*Notification, error) {
	detail := m.o("detail")
	if detail == nil {
		return nil, fmt.Errorf("eventbridge event: \"detail\" must be an object")
	}
	source, dt := m.s("source"), m.s("detail-type")
	n := &Notification{
		Kind:      KindEventBridge,
		Source:    source,
		Service:   serviceName(source),
		EventType: dt,
		ID:        m.s("id"),
		Account:   m.s("account"),
		Region:    m.s("region"),
		Resources: m.strings("resources"),
		Variables: map[string]string{},
	}
	if t, err := time.Parse(time.RFC3339, m.s("time")); err == nil {
		n.Time = t.UTC()
	}
	for _, r := range n.Resources {
		if a, ok := parseARN(r); ok {
			n.Partition = a.partition
			break
		}
	}
	if n.Partition == "" {
		n.Partition = partitionOf(n.Region)
	}
	n.Variables["source"] = source
	n.Variables["detail-type"] = dt
	n.Variables["account"] = n.Account
	n.Variables["region"] = n.Region
	n.Variables["id"] = n.ID
	for k, v := range detail {
		if s, ok := scalarString(v); ok {
			n.Variables[k] = s
		}
	}
	if d := richDecoderFor(source, dt); d != nil {
		d(n, detail)
	} else {
		genericEvent(n, detail)
	}
	if n.Summary == "" {
		n.Summary = stripMarkdown(n.Title)
	}
	return n, nil
}

type richDecoder func(n *Notification, d jobj)

// richDecoderFor picks the rich decoder of an event: the exact
// source and detail-type, else every type of the source ("source|*"),
// else the detail-type from any source ("*|detail-type": CloudTrail
// events keep the source of the service called).
func richDecoderFor(source, detailType string) richDecoder {
	for _, k := range [...]string{source + "|" + detailType, source + "|*", "*|" + detailType} {
		if d := richDecoders[k]; d != nil {
			return d
		}
	}
	return nil
}

// richDecoders is keyed by "source|detail-type" ("source|*" for every type
// of a source, "*|detail-type" for a type from any source). It is
// read-only after package initialisation.
var richDecoders = map[string]richDecoder{
	"aws.cloudwatch|CloudWatch Alarm State Change":                       ebAlarm,
	"aws.health|AWS Health Event":                                        ebHealth,
	"aws.health|AWS Health Abuse Event":                                  ebHealth,
	"aws.securityhub|Security Hub Findings - Imported":                   ebSecurityHub,
	"aws.securityhub|Security Hub Findings - Custom Action":              ebSecurityHub,
	"aws.securityhub|Findings Imported V2":                               ebSecurityHub,
	"aws.guardduty|GuardDuty Finding":                                    ebGuardDuty,
	"aws.cloudformation|CloudFormation Stack Status Change":              ebCloudFormation,
	"aws.cloudformation|CloudFormation Resource Status Change":           ebCloudFormation,
	"aws.codepipeline|CodePipeline Pipeline Execution State Change":      ebCodePipeline,
	"aws.codepipeline|CodePipeline Stage Execution State Change":         ebCodePipeline,
	"aws.codepipeline|CodePipeline Action Execution State Change":        ebCodePipeline,
	"aws.codebuild|CodeBuild Build State Change":                         ebCodeBuild,
	"aws.codedeploy|CodeDeploy Deployment State-change Notification":     ebCodeDeploy,
	"aws.codedeploy|CodeDeploy Instance State-change Notification":       ebCodeDeploy,
	"aws.ec2|EC2 Instance State-change Notification":                     ebEC2,
	"aws.ecs|ECS Task State Change":                                      ebECS,
	"aws.autoscaling|*":                                                  ebAutoScaling,
	"aws.ssm|EC2 Automation Execution Status-change Notification":        ebSSMAutomation,
	"aws.ssm|EC2 Automation Step Status-change Notification":             ebSSMAutomation,
	"aws.config|Config Rules Compliance Change":                          ebConfig,
	"aws.config|Configuration Item Change Notification":                  ebConfigItem,
	"aws.inspector2|Inspector2 Finding":                                  ebInspector,
	"aws.macie|Macie Finding":                                            ebMacie,
	"aws.access-analyzer|Access Analyzer Finding":                        ebAccessAnalyzer,
	"aws.backup|Backup Job State Change":                                 ebBackup,
	"aws.backup|Copy Job State Change":                                   ebBackup,
	"aws.backup|Restore Job State Change":                                ebBackup,
	"aws.rds|RDS DB Instance Event":                                      ebRDS,
	"aws.rds|RDS DB Cluster Event":                                       ebRDS,
	"aws.rds|RDS DB Snapshot Event":                                      ebRDS,
	"aws.rds|RDS DB Cluster Snapshot Event":                              ebRDS,
	"aws.states|Step Functions Execution Status Change":                  ebStepFunctions,
	"aws.trustedadvisor|Trusted Advisor Check Item Refresh Notification": ebTrustedAdvisor,
	"aws.ec2|EC2 Spot Instance Interruption Warning":                     ebSpot,
	"aws.ec2|EC2 Instance Rebalance Recommendation":                      ebSpot,
	"aws.ecs|ECS Deployment State Change":                                ebECSService,
	"aws.ecs|ECS Service Action":                                         ebECSService,
	"aws.ssm|EC2 Command Status-change Notification":                     ebRunCommand,
	"aws.ssm|EC2 Command Invocation Status-change Notification":          ebRunCommand,
	"aws.ssm|OpsItem Create":                                             ebOpsItem,
	"aws.ssm|OpsItem Update":                                             ebOpsItem,
	"aws.glue|Glue Job State Change":                                     ebGlue,
	"aws.glue|Glue Crawler State Change":                                 ebGlue,
	"aws.emr|EMR Cluster State Change":                                   ebEMR,
	"aws.emr|EMR Step Status Change":                                     ebEMR,
	"*|AWS API Call via CloudTrail":                                      ebCloudTrail,
	"*|AWS Console Sign In via CloudTrail":                               ebCloudTrail,
}

// serviceName turns "aws.guardduty" into "GuardDuty" where known.
func serviceName(source string) string {
	switch source {
	case "aws.cloudwatch":
		return "CloudWatch"
	case "aws.health":
		return "Health"
	case "aws.securityhub":
		return "SecurityHub"
	case "aws.guardduty":
		return "GuardDuty"
	case "aws.cloudformation":
		return "CloudFormation"
	case "aws.codepipeline":
		return "CodePipeline"
	case "aws.codebuild":
		return "CodeBuild"
	case "aws.codedeploy":
		return "CodeDeploy"
	case "aws.ec2":
		return "EC2"
	case "aws.ecs":
		return "ECS"
	case "aws.autoscaling":
		return "AutoScaling"
	case "aws.ssm":
		return "SystemsManager"
	case "aws.config":
		return "Config"
	case "aws.inspector2":
		return "Inspector"
	case "aws.access-analyzer":
		return "AccessAnalyzer"
	case "aws.states":
		return "StepFunctions"
	case "aws.trustedadvisor":
		return "TrustedAdvisor"
	case "aws.rds":
		return "RDS"
	case "aws.emr":
		return "EMR"
	case "aws.signin":
		return "SignIn"
	case "custom":
		return "Custom"
	}
	s := strings.TrimPrefix(source, "aws.")
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func esc(s string) string { return chat.EscapeMarkdown(s) }

func field(name, value string, short bool) chat.Field {
	return chat.Field{Name: name, Value: value, Short: short}
}

// addField appends a field when value is set.
func addField(n *Notification, name, value string, short bool) {
	if value != "" {
		n.Fields = append(n.Fields, field(name, value, short))
	}
}

func asSlice(v any) []any {
	a, _ := v.([]any)
	return a
}

func ebAlarm(n *Notification, d jobj) {
	name := d.s("alarmName")
	st := d.o("state")
	prev := d.o("previousState")
	state := st.s("value")
	n.Severity = alarmSeverity(state)
	n.Title = strings.TrimSpace(fmt.Sprintf("%s | %s | %s", esc(alarmTitle(state, prev.s("value"))), esc(name), esc(n.Region)))
	n.Summary = fmt.Sprintf("CloudWatch alarm %s is %s", name, state)
	n.Description = esc(st.s("reason"))
	if t := parseAlarmTime(st.s("timestamp")); !t.IsZero() {
		n.Time = t
	}
	alarmARN := ""
	if len(n.Resources) > 0 {
		alarmARN = n.Resources[0]
	}
	n.ThreadKey = firstNonEmpty(alarmARN, name)
	n.TitleLink = consoleURL(n.Partition, n.Region, "cloudwatch", "home", "#alarmsV2:alarm/"+url.PathEscape(name))
	cfg := d.o("configuration")
	addField(n, "Description", cfg.s("description"), false)
	addField(n, "State", stateChange(prev.s("value"), state), true)
	if rule := cfg.s("alarmRule"); rule != "" {
		n.EventType = "CloudWatch Composite Alarm State Change"
		addField(n, "Alarm rule", rule, false)
	}
	n.Variables["AlarmName"] = name
	n.Variables["AlarmArn"] = alarmARN
	n.Variables["NewStateValue"] = state
	var period float64
	var ns string
	var dims []dim
	graph := &alarmGraph{title: name, region: n.Region, at: n.Time}
	for _, mv := range cfg.a("metrics") {
		mq := jobj(asMap(mv))
		returns, hasReturn := mq.b("returnData")
		if expr := mq.s("expression"); expr != "" {
			addField(n, "Expression", fmt.Sprintf("%s = %s", firstNonEmpty(mq.s("label"), mq.s("id")), expr), false)
			graph.metrics = append(graph.metrics, graphMetric{id: mq.s("id"), label: mq.s("label"), expr: expr, visible: !hasReturn || returns})
			continue
		}
		ms := mq.o("metricStat")
		mm := ms.o("metric")
		ds := dimensionMap(mm.o("dimensions"))
		p, _ := ms.n("period")
		graph.metrics = append(graph.metrics, graphMetric{id: mq.s("id"), label: mq.s("label"), ns: mm.s("namespace"), name: mm.s("name"),
			dims: ds, stat: ms.s("stat"), period: p, visible: !hasReturn || returns})
		if ns == "" {
			ns, dims = mm.s("namespace"), ds
			period, _ = ms.n("period")
		}
		addField(n, "Metric", fmt.Sprintf("%s %s/%s%s", ms.s("stat"), mm.s("namespace"), mm.s("name"), dimString(ds)), true)
		n.Variables["MetricName"] = mm.s("name")
	}
	n.Variables["Namespace"] = ns
	for _, dd := range dims {
		n.Variables[dd.name] = dd.value
	}
	// The event does not carry EvaluationPeriods; one period is the window.
	n.Logs, n.restAPI = alarmLogTarget(ns, dims, n.Region, n.Time, period, 1)
	graph.period = period
	if len(graph.metrics) > 0 {
		n.graph = graph
	}
}

func cfnSeverity(status string) chat.Severity {
	switch {
	case strings.Contains(status, "FAILED"), strings.Contains(status, "ROLLBACK_COMPLETE"), strings.Contains(status, "ROLLBACK_IN_PROGRESS"):
		return chat.SeverityCritical
	case strings.HasSuffix(status, "_COMPLETE"):
		return chat.SeveritySuccess
	case strings.HasSuffix(status, "_IN_PROGRESS"):
		return chat.SeverityInfo
	}
	return chat.SeverityNone
}

func cfnStackLink(partition, region, stackID string) string {
	return consoleURL(partition, region, "cloudformation", "home", "#/stacks/stackinfo?stackId="+url.QueryEscape(stackID))
}

func ebCloudFormation(n *Notification, d jobj) {
	status := d.o("status-details").s("status")
	reason := d.o("status-details").s("status-reason")
	stackID := d.s("stack-id")
	if stackID == "" && len(n.Resources) > 0 {
		stackID = n.Resources[0]
	}
	stackName := stackID
	if a, ok := parseARN(stackID); ok {
		if parts := strings.Split(a.resource, "/"); len(parts) >= 2 {
			stackName = parts[1]
		}
	}
	n.Severity = cfnSeverity(status)
	subject := stackName
	if lid := d.s("logical-resource-id"); lid != "" {
		subject = stackName + " / " + lid
		addField(n, "Resource", fmt.Sprintf("%s (%s)", lid, d.s("resource-type")), false)
		addField(n, "Physical ID", d.s("physical-resource-id"), true)
	}
	n.Title = strings.TrimSpace(fmt.Sprintf("CloudFormation | %s | %s | %s", esc(subject), esc(status), esc(n.Region)))
	n.Description = esc(reason)
	n.ThreadKey = stackID
	n.TitleLink = cfnStackLink(n.Partition, n.Region, stackID)
	addField(n, "Status", status, true)
	addField(n, "Stack", stackName, true)
	n.Variables["StackId"] = stackID
	n.Variables["StackName"] = stackName
	n.Variables["status"] = status
}

func pipelineSeverity(state string) chat.Severity {
	switch strings.ToUpper(state) {
	case "FAILED", "FAILURE", "FAULT", "TIMED_OUT", "TIMEOUT":
		return chat.SeverityCritical
	case "SUCCEEDED", "SUCCESS", "READY":
		return chat.SeveritySuccess
	case "STOPPED", "CANCELED", "CANCELLED", "SUPERSEDED", "ABANDONED", "STOP":
		return chat.SeverityWarning
	case "STARTED", "RESUMED", "IN_PROGRESS", "START", "STOPPING":
		return chat.SeverityInfo
	}
	return chat.SeverityNone
}

func ebCodePipeline(n *Notification, d jobj) {
	pipeline, state := d.s("pipeline"), d.s("state")
	n.Severity = pipelineSeverity(state)
	what := pipeline
	if st := d.s("stage"); st != "" {
		what += " / " + st
	}
	if ac := d.s("action"); ac != "" {
		what += " / " + ac
	}
	n.Title = strings.TrimSpace(fmt.Sprintf("CodePipeline | %s | %s", esc(what), esc(state)))
	exec := d.s("execution-id")
	n.ThreadKey = pipeline + "/" + exec
	n.TitleLink = consoleURL(n.Partition, n.Region, "codesuite", "codepipeline/pipelines/"+url.PathEscape(pipeline)+"/executions/"+url.PathEscape(exec)+"/timeline", "")
	addField(n, "Pipeline", pipeline, true)
	addField(n, "State", state, true)
	addField(n, "Execution ID", exec, true)
	addField(n, "Stage", d.s("stage"), true)
	addField(n, "Action", d.s("action"), true)
	if t := d.o("type"); t != nil {
		addField(n, "Provider", t.s("provider"), true)
	}
	n.Variables["pipeline"] = pipeline
}

func ebCodeBuild(n *Notification, d jobj) {
	project, status := d.s("project-name"), d.s("build-status")
	n.Severity = pipelineSeverity(status)
	n.Title = strings.TrimSpace(fmt.Sprintf("CodeBuild | %s | %s", esc(project), esc(status)))
	buildID := d.s("build-id")
	n.ThreadKey = buildID
	buildRef := buildID
	if a, ok := parseARN(buildID); ok {
		buildRef = strings.TrimPrefix(a.resource, "build/")
	}
	n.TitleLink = consoleURL(n.Partition, n.Region, "codesuite", "codebuild/"+url.PathEscape(n.Account)+"/projects/"+url.PathEscape(project)+"/build/"+url.PathEscape(buildRef), "")
	addField(n, "Project", project, true)
	addField(n, "Status", status, true)
	info := d.o("additional-information")
	addField(n, "Initiator", info.s("initiator"), true)
	addField(n, "Source version", info.s("source-version"), true)
	if phase := d.s("current-phase"); phase != "" {
		addField(n, "Phase", fmt.Sprintf("%s (%s)", phase, d.s("current-phase-context")), false)
	}
	if logs := info.o("logs"); logs != nil {
		addField(n, "Logs", logs.s("deep-link"), false)
	}
	n.Variables["project-name"] = project
}

func ebCodeDeploy(n *Notification, d jobj) {
	state := d.s("state")
	n.Severity = pipelineSeverity(state)
	app, group, id := d.s("application"), d.s("deploymentGroup"), d.s("deploymentId")
	what := app + " / " + group
	if inst := d.s("instanceId"); inst != "" {
		what += " / " + inst
	}
	n.Title = strings.TrimSpace(fmt.Sprintf("CodeDeploy | %s | %s", esc(what), esc(state)))
	n.ThreadKey = id
	n.TitleLink = consoleURL(n.Partition, n.Region, "codesuite", "codedeploy/deployments/"+url.PathEscape(id), "")
	addField(n, "Application", app, true)
	addField(n, "Deployment group", group, true)
	addField(n, "Deployment ID", id, true)
	addField(n, "State", state, true)
	addField(n, "Instance", d.s("instanceId"), true)
	n.Variables["deploymentId"] = id
}

func ebEC2(n *Notification, d jobj) {
	id, state := d.s("instance-id"), d.s("state")
	switch state {
	case "running":
		n.Severity = chat.SeveritySuccess
	case "stopping", "stopped", "shutting-down":
		n.Severity = chat.SeverityWarning
	case "terminated":
		n.Severity = chat.SeverityCritical
	default:
		n.Severity = chat.SeverityInfo
	}
	n.Title = strings.TrimSpace(fmt.Sprintf("EC2 | %s | %s | %s", esc(id), esc(state), esc(n.Region)))
	n.ThreadKey = firstNonEmpty(firstOf(n.Resources), id)
	n.TitleLink = consoleURL(n.Partition, n.Region, "ec2", "home", "#InstanceDetails:instanceId="+url.QueryEscape(id))
	addField(n, "Instance", id, true)
	addField(n, "State", state, true)
	n.Variables["instance-id"] = id
}

func ebECS(n *Notification, d jobj) {
	last, desired := d.s("lastStatus"), d.s("desiredStatus")
	switch {
	case last == "STOPPED" && d.s("stopCode") != "" && d.s("stopCode") != "UserInitiated" && d.s("stopCode") != "ServiceSchedulerInitiated":
		n.Severity = chat.SeverityCritical
	case last == "STOPPED":
		n.Severity = chat.SeverityWarning
	case last == "RUNNING":
		n.Severity = chat.SeveritySuccess
	default:
		n.Severity = chat.SeverityInfo
	}
	taskARN, clusterARN := d.s("taskArn"), d.s("clusterArn")
	cluster := lastSegment(clusterARN)
	task := lastSegment(taskARN)
	group := d.s("group")
	n.Title = strings.TrimSpace(fmt.Sprintf("ECS task | %s | %s | %s", esc(firstNonEmpty(group, task)), esc(last), esc(cluster)))
	n.Description = esc(d.s("stoppedReason"))
	n.ThreadKey = taskARN
	n.TitleLink = consoleURL(n.Partition, n.Region, "ecs", "v2/clusters/"+url.PathEscape(cluster)+"/tasks/"+url.PathEscape(task), "")
	addField(n, "Cluster", cluster, true)
	addField(n, "Task", task, true)
	addField(n, "Last status", last, true)
	addField(n, "Desired status", desired, true)
	addField(n, "Stop code", d.s("stopCode"), true)
	addField(n, "Task definition", lastSegment(d.s("taskDefinitionArn")), true)
	for _, c := range d.a("containers") {
		co := jobj(asMap(c))
		v := co.s("lastStatus")
		if code, ok := co.n("exitCode"); ok {
			v += fmt.Sprintf(" (exit %d)", int(code))
		}
		if r := co.s("reason"); r != "" {
			v += ": " + r
		}
		addField(n, "Container "+co.s("name"), v, false)
	}
	n.Variables["taskArn"] = taskARN
	n.Variables["cluster"] = cluster
}

func ebAutoScaling(n *Notification, d jobj) {
	group := d.s("AutoScalingGroupName")
	switch {
	case strings.Contains(n.EventType, "Unsuccessful"):
		n.Severity = chat.SeverityCritical
	case strings.Contains(n.EventType, "Successful"):
		n.Severity = chat.SeveritySuccess
	default:
		n.Severity = chat.SeverityInfo
	}
	n.Title = strings.TrimSpace(fmt.Sprintf("Auto Scaling | %s | %s", esc(group), esc(n.EventType)))
	n.Description = esc(firstNonEmpty(d.s("Description"), d.s("StatusMessage")))
	n.ThreadKey = firstNonEmpty(d.s("ActivityId"), group)
	n.TitleLink = consoleURL(n.Partition, n.Region, "ec2", "home", "#AutoScalingGroupDetails:id="+url.QueryEscape(group)+";view=activity")
	addField(n, "Group", group, true)
	addField(n, "Status", d.s("StatusCode"), true)
	addField(n, "Instance", d.s("EC2InstanceId"), true)
	addField(n, "Cause", d.s("Cause"), false)
	addField(n, "Status message", d.s("StatusMessage"), false)
	n.Variables["AutoScalingGroupName"] = group
}

func ebSSMAutomation(n *Notification, d jobj) {
	status := d.s("Status")
	switch status {
	case "Failed", "TimedOut":
		n.Severity = chat.SeverityCritical
	case "Cancelled":
		n.Severity = chat.SeverityWarning
	case "Success":
		n.Severity = chat.SeveritySuccess
	default:
		n.Severity = chat.SeverityInfo
	}
	id, doc := d.s("ExecutionId"), d.s("Definition")
	what := doc
	if step := d.s("StepName"); step != "" {
		what += " / " + step
	}
	n.Title = strings.TrimSpace(fmt.Sprintf("Systems Manager Automation | %s | %s", esc(what), esc(status)))
	n.ThreadKey = id
	n.TitleLink = consoleURL(n.Partition, n.Region, "systems-manager", "automation/execution/"+url.PathEscape(id), "")
	addField(n, "Document", doc, true)
	addField(n, "Version", d.s("DefinitionVersion"), true)
	addField(n, "Status", status, true)
	addField(n, "Execution ID", id, true)
	addField(n, "Step", d.s("StepName"), true)
	addField(n, "Action", d.s("Action"), true)
	addField(n, "Executed by", d.s("ExecutedBy"), false)
	n.Variables["ExecutionId"] = id
}

func ebConfig(n *Notification, d jobj) {
	nr := d.o("newEvaluationResult")
	compliance := nr.s("complianceType")
	old := d.o("oldEvaluationResult").s("complianceType")
	switch compliance {
	case "NON_COMPLIANT":
		n.Severity = chat.SeverityWarning
	case "COMPLIANT":
		n.Severity = chat.SeveritySuccess
	default:
		n.Severity = chat.SeverityInfo
	}
	rule, resID, resType := d.s("configRuleName"), d.s("resourceId"), d.s("resourceType")
	n.Title = strings.TrimSpace(fmt.Sprintf("Config | %s | %s | %s", esc(rule), esc(resID), esc(compliance)))
	n.Description = esc(nr.s("annotation"))
	n.ThreadKey = rule + "/" + resType + "/" + resID
	n.TitleLink = consoleURL(n.Partition, firstNonEmpty(d.s("awsRegion"), n.Region), "config", "home", "#/resources/details?resourceId="+url.QueryEscape(resID)+"&resourceType="+url.QueryEscape(resType))
	addField(n, "Rule", rule, true)
	addField(n, "Resource", fmt.Sprintf("%s (%s)", resID, resType), false)
	addField(n, "Compliance", stateChange(old, compliance), true)
	n.Resources = appendUnique(n.Resources, resID)
	n.Variables["configRuleName"] = rule
	n.Variables["resourceId"] = resID
}

func lastSegment(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func firstOf(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}

func appendUnique(ss []string, s string) []string {
	if s == "" {
		return ss
	}
	for _, x := range ss {
		if x == s {
			return ss
		}
	}
	return append(ss, s)
}

// stripMarkdown undoes EscapeMarkdown and drops emoji shortcodes, for
// plain-text summaries.
func stripMarkdown(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	out := b.String()
	if strings.HasPrefix(out, ":") {
		if j := strings.Index(out[1:], ": "); j >= 0 {
			out = out[j+3:]
		}
	}
	return strings.TrimSpace(out)
}
