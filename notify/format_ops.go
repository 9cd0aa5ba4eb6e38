package notify

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opschat/opschat/chat"
)

// titleOf joins the non-empty parts of a title, each escaped.
func titleOf(parts ...string) string {
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, esc(p))
		}
	}
	return strings.Join(out, " | ")
}

// stateOr classifies state with stateSeverity, falling back to def.
func stateOr(state string, def chat.Severity) chat.Severity {
	if s, ok := stateSeverity(state); ok {
		return s
	}
	return def
}

// backupKinds maps Backup detail-types to the job they describe, the key
// of its ID and the console's jobs tab.
var backupKinds = map[string]struct{ name, idKey, tab string }{
	"Backup Job State Change":  {"Backup job", "backupJobId", "backup"},
	"Copy Job State Change":    {"Copy job", "copyJobId", "copy"},
	"Restore Job State Change": {"Restore job", "restoreJobId", "restore"},
}

// ebBackup renders AWS Backup job events. FAILED, ABORTED and EXPIRED jobs
// are critical; a COMPLETED job with a status message is what the console
// calls "Completed with issues", a warning.
func ebBackup(n *Notification, d jobj) {
	kind, ok := backupKinds[n.EventType]
	if !ok {
		kind = backupKinds["Backup Job State Change"]
	}
	// Backup and copy jobs report "state", restore jobs "status".
	state := strings.ToUpper(firstNonEmpty(d.s("state"), d.s("status")))
	msg := d.s("statusMessage")
	switch {
	case state == "FAILED" || state == "ABORTED" || state == "EXPIRED":
		n.Severity = chat.SeverityCritical
	case state == "COMPLETED" && msg != "":
		n.Severity = chat.SeverityWarning
		state = "COMPLETED WITH ISSUES"
	default:
		n.Severity = stateOr(state, chat.SeverityInfo)
	}
	id := d.s(kind.idKey)
	resARN := firstNonEmpty(d.s("resourceArn"), d.s("createdResourceArn"))
	typ := d.s("resourceType")
	n.Title = titleOf("AWS Backup", kind.name, state, resourceDisplay(typ, resARN, ""))
	n.Summary = fmt.Sprintf("AWS Backup %s %s for %s", strings.ToLower(kind.name), state, shortID(resARN))
	n.Description = esc(msg)
	n.ThreadKey = id
	n.TitleLink = consoleURL(n.Partition, n.Region, "backup", "home", "#/jobs/"+kind.tab+"/details/"+url.PathEscape(id))
	addField(n, "State", state, true)
	addField(n, "Status message", msg, false)
	addField(n, "Resource", resARN, false)
	addField(n, "Resource type", typ, true)
	addField(n, "Vault", firstNonEmpty(d.s("backupVaultName"), lastSegment(d.s("backupVaultArn")), lastSegment(d.s("destinationBackupVaultArn"))), true)
	addField(n, "Job ID", id, true)
	if !terminalBackupState(state) {
		// Progress means something only while the job runs.
		addField(n, "Percent done", d.s("percentDone"), true)
	}
	if b, ok := d.n("backupSizeInBytes"); ok && b > 0 {
		addField(n, "Backup size", humanBytes(b), true)
	}
	addField(n, "Created", d.s("creationDate"), true)
	addField(n, "Completed", d.s("completionDate"), true)
	n.Resources = appendUnique(n.Resources, resARN)
	n.Variables["JobId"] = id
	n.Variables["ResourceArn"] = resARN
	n.Variables["State"] = state
}

func terminalBackupState(state string) bool {
	switch state {
	case "COMPLETED", "COMPLETED WITH ISSUES", "FAILED", "ABORTED", "EXPIRED", "PARTIAL":
		return true
	}
	return false
}

func humanBytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	return strconv.FormatFloat(b, 'f', 1, 64) + " " + units[i]
}

// ebRDS renders RDS instance, cluster and snapshot events: failures are
// critical; failovers, low storage and availability changes (restarts,
// shutdowns) need a look.
func ebRDS(n *Notification, d jobj) {
	cats := d.strings("EventCategories")
	n.Severity = chat.SeverityInfo
	for _, c := range cats {
		switch strings.ToLower(c) {
		case "failure":
			n.Severity = worse(n.Severity, chat.SeverityCritical)
		case "failover", "low storage", "availability", "read replica":
			n.Severity = worse(n.Severity, chat.SeverityWarning)
		}
	}
	id, srcType, eventID := d.s("SourceIdentifier"), d.s("SourceType"), d.s("EventID")
	name := tagValue(d["Tags"], "Name")
	n.Title = titleOf("RDS", resourceDisplay("", id, name), strings.Join(cats, ", "), eventID, n.Region)
	n.Summary = fmt.Sprintf("RDS %s %s: %s", strings.ToLower(strings.ReplaceAll(srcType, "_", " ")), id, d.s("Message"))
	n.Description = esc(d.s("Message"))
	n.ThreadKey = firstNonEmpty(d.s("SourceArn"), id)
	var fragment string
	switch srcType {
	case "DB_INSTANCE":
		fragment = "#database:id=" + url.QueryEscape(id) + ";is-cluster=false"
	case "DB_CLUSTER":
		fragment = "#database:id=" + url.QueryEscape(id) + ";is-cluster=true"
	case "SNAPSHOT", "DB_SNAPSHOT":
		fragment = "#db-snapshot:id=" + url.QueryEscape(id)
	case "CLUSTER_SNAPSHOT", "DB_CLUSTER_SNAPSHOT":
		fragment = "#db-cluster-snapshot:id=" + url.QueryEscape(id)
	default:
		fragment = "#events:"
	}
	n.TitleLink = consoleURL(n.Partition, n.Region, "rds", "home", fragment)
	addField(n, "Event", eventID, true)
	addField(n, "Category", strings.Join(cats, ", "), true)
	addField(n, "Source", resourceDisplay(srcType, id, name), false)
	addField(n, "Time", d.s("Date"), true)
	n.Resources = appendUnique(n.Resources, d.s("SourceArn"))
	n.Variables["SourceIdentifier"] = id
	n.Variables["EventID"] = eventID
}

func millisTime(o jobj, k string) time.Time {
	if v, ok := o.n(k); ok && v > 0 {
		return time.UnixMilli(int64(v)).UTC()
	}
	return time.Time{}
}

// ebStepFunctions renders Step Functions execution status changes with
// the error and cause of a failed execution.
func ebStepFunctions(n *Notification, d jobj) {
	status := d.s("status")
	n.Severity = stateOr(status, chat.SeverityInfo)
	if status == "ABORTED" {
		n.Severity = chat.SeverityWarning
	}
	execARN, smARN := d.s("executionArn"), d.s("stateMachineArn")
	machine := shortID(smARN)
	n.Title = titleOf("Step Functions", machine+" / "+d.s("name"), status)
	n.Summary = fmt.Sprintf("Step Functions execution %s of %s %s", d.s("name"), machine, status)
	if e := d.s("error"); e != "" {
		n.Description = "**" + esc(e) + "**"
		if c := d.s("cause"); c != "" {
			n.Description += ": " + esc(c)
		}
	}
	n.ThreadKey = execARN
	n.TitleLink = consoleURL(n.Partition, n.Region, "states", "home", "#/v2/executions/details/"+url.PathEscape(execARN))
	addField(n, "Status", status, true)
	addField(n, "Error", d.s("error"), true)
	addField(n, "Cause", d.s("cause"), false)
	addField(n, "State machine", machine, true)
	addField(n, "Execution", d.s("name"), true)
	start, stop := millisTime(d, "startDate"), millisTime(d, "stopDate")
	if !start.IsZero() {
		addField(n, "Started", start.Format(time.RFC3339), true)
	}
	if !stop.IsZero() && !start.IsZero() {
		addField(n, "Duration", stop.Sub(start).String(), true)
	}
	if r, ok := d.n("redriveCount"); ok && r > 0 {
		addField(n, "Redrives", strconv.FormatFloat(r, 'f', -1, 64), true)
	}
	n.Variables["executionArn"] = execARN
	n.Variables["stateMachineArn"] = smARN
}

// ebTrustedAdvisor renders a Trusted Advisor check item refresh: ERROR is
// critical (red), WARN a warning (yellow), OK a success (green).
func ebTrustedAdvisor(n *Notification, d jobj) {
	status := d.s("status")
	switch strings.ToUpper(status) {
	case "ERROR":
		n.Severity = chat.SeverityCritical
	case "WARN", "WARNING":
		n.Severity = chat.SeverityWarning
	case "OK":
		n.Severity = chat.SeveritySuccess
	default:
		n.Severity = chat.SeverityInfo
	}
	check, resID := d.s("check-name"), d.s("resource_id")
	item := d.o("check-item-detail")
	n.Title = titleOf("Trusted Advisor", check, status, shortID(resID))
	n.Summary = fmt.Sprintf("Trusted Advisor %s: %s %s", check, status, shortID(resID))
	n.ThreadKey = firstNonEmpty(d.s("uuid"), check+"/"+resID)
	// Trusted Advisor is a global console; checks are not regional pages.
	n.TitleLink = "https://" + consoleHost(n.Partition) + "/trustedadvisor/home#/dashboard"
	addField(n, "Status", status, true)
	addField(n, "Check", check, true)
	addField(n, "Resource", resID, false)
	keys := make([]string, 0, len(item))
	for k := range item {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if s, ok := scalarString(item[k]); ok && s != "" {
			name := k
			if strings.EqualFold(k, "Status") || strings.EqualFold(k, "Check") || strings.EqualFold(k, "Resource") {
				// The item's own colour (Red, Yellow, Green) is not the check status.
				name = "Item " + strings.ToLower(k)
			}
			addField(n, name, s, len(s) < 40)
		}
	}
	n.Resources = appendUnique(n.Resources, resID)
	n.Variables["check-name"] = check
}

// ebSpot renders an EC2 Spot interruption warning (two minutes before the
// instance is stopped, hibernated or terminated) and rebalance
// recommendations; both are warnings.
func ebSpot(n *Notification, d jobj) {
	id := d.s("instance-id")
	action := d.s("instance-action")
	n.Severity = chat.SeverityWarning
	what := "rebalance recommended"
	if action != "" {
		what = action + " in 2 minutes"
	}
	n.Title = titleOf("EC2 Spot", id, what, n.Region)
	n.Summary = fmt.Sprintf("Spot instance %s: %s", id, what)
	n.ThreadKey = firstNonEmpty(firstOf(n.Resources), id)
	n.TitleLink = consoleURL(n.Partition, n.Region, "ec2", "home", "#InstanceDetails:instanceId="+url.QueryEscape(id))
	addField(n, "Instance", id, true)
	addField(n, "Action", firstNonEmpty(action, "rebalance recommendation"), true)
	if t := d.s("instance-action-time"); t != "" {
		addField(n, "At", t, true)
	}
	n.Variables["instance-id"] = id
}

// ebECSService renders ECS deployment state changes and service actions
// for the service named in the event's resources.
func ebECSService(n *Notification, d jobj) {
	event, typ := d.s("eventName"), d.s("eventType")
	switch {
	case strings.Contains(event, "FAILED"), typ == "ERROR":
		n.Severity = chat.SeverityCritical
	case typ == "WARN", strings.Contains(event, "ROLLBACK"), strings.Contains(event, "IMPAIRED"):
		n.Severity = chat.SeverityWarning
	case strings.HasSuffix(event, "_COMPLETED"), event == "SERVICE_STEADY_STATE":
		n.Severity = chat.SeveritySuccess
	default:
		n.Severity = chat.SeverityInfo
	}
	cluster, service := "", ""
	for _, r := range n.Resources {
		if a, ok := parseARN(r); ok && strings.HasPrefix(a.resource, "service/") {
			parts := strings.Split(a.resource, "/")
			service = parts[len(parts)-1]
			if len(parts) == 3 {
				cluster = parts[1]
			}
			break
		}
	}
	cluster = firstNonEmpty(cluster, lastSegment(d.s("clusterArn")))
	state := strings.TrimPrefix(event, "SERVICE_")
	state = strings.TrimPrefix(state, "DEPLOYMENT_")
	n.Title = titleOf("ECS service", service, state, cluster)
	n.Summary = fmt.Sprintf("ECS service %s: %s", service, event)
	n.Description = esc(d.s("reason"))
	n.ThreadKey = firstNonEmpty(d.s("deploymentId"), firstOf(n.Resources))
	page := "v2/clusters/" + url.PathEscape(cluster) + "/services/" + url.PathEscape(service)
	if n.EventType == "ECS Deployment State Change" {
		page += "/deployments"
	} else {
		page += "/events"
	}
	n.TitleLink = consoleURL(n.Partition, n.Region, "ecs", page, "")
	addField(n, "Event", event, true)
	addField(n, "Service", service, true)
	addField(n, "Cluster", cluster, true)
	addField(n, "Deployment", d.s("deploymentId"), true)
	addField(n, "Reason", d.s("reason"), false)
	addField(n, "Updated", d.s("updatedAt"), true)
	n.Variables["service"] = service
	n.Variables["cluster"] = cluster
}

// ebRunCommand renders Run Command status changes of a command or of one
// instance's invocation.
func ebRunCommand(n *Notification, d jobj) {
	status := d.s("status")
	n.Severity = stateOr(status, chat.SeverityInfo)
	id, doc, inst := d.s("command-id"), d.s("document-name"), d.s("instance-id")
	what := doc
	if inst != "" {
		what += " on " + inst
	}
	n.Title = titleOf("Run Command", what, status)
	n.Summary = fmt.Sprintf("Run Command %s: %s", what, status)
	n.ThreadKey = id
	page := "run-command/" + url.PathEscape(id)
	if inst != "" {
		page += "/" + url.PathEscape(inst)
	}
	n.TitleLink = consoleURL(n.Partition, n.Region, "systems-manager", page, "")
	addField(n, "Status", status, true)
	addField(n, "Document", doc, true)
	addField(n, "Instance", inst, true)
	addField(n, "Command ID", id, true)
	if cmds := d.o("parameters").strings("commands"); len(cmds) > 0 {
		addField(n, "Commands", strings.Join(cmds, "\n"), false)
	}
	addField(n, "Requested", d.s("requested-date-time"), true)
	if inst == "" {
		for _, r := range n.Resources {
			if a, ok := parseARN(r); ok && strings.HasPrefix(a.resource, "instance/") {
				addField(n, "Target", shortID(r), true)
			}
		}
	}
	n.Variables["command-id"] = id
}

// ebOpsItem renders OpsCenter OpsItem create and update events; an open
// OpsItem is work waiting for someone, a resolved one is done.
func ebOpsItem(n *Notification, d jobj) {
	status := d.s("status")
	switch strings.ToUpper(status) {
	case "OPEN":
		n.Severity = chat.SeverityWarning
	default:
		n.Severity = stateOr(status, chat.SeverityInfo)
	}
	if s, ok := d.n("severity"); ok && s <= 2 && strings.EqualFold(status, "OPEN") {
		// OpsItem severity 1 and 2 are the two most severe of four.
		n.Severity = chat.SeverityCritical
	}
	id := d.s("ops-item-id")
	n.Title = titleOf("OpsCenter", d.s("title"), status)
	n.Summary = fmt.Sprintf("OpsItem %s %s: %s", id, status, d.s("title"))
	n.Description = esc(d.s("description"))
	n.ThreadKey = id
	n.TitleLink = consoleURL(n.Partition, n.Region, "systems-manager", "opsitems/"+url.PathEscape(id), "")
	addField(n, "Status", status, true)
	addField(n, "OpsItem", id, true)
	addField(n, "Severity", d.s("severity"), true)
	addField(n, "Type", d.s("ops-item-type"), true)
	addField(n, "Source", d.s("source"), true)
	addField(n, "Created by", d.s("created-by"), false)
	addField(n, "Modified by", d.s("modified-by"), false)
	n.Variables["ops-item-id"] = id
}

// maxChangedProperties caps how many changed properties a configuration
// item change lists.
const maxChangedProperties = 8

// ebConfigItem renders a Config configuration item change: what resource
// changed, how (create, update, delete) and which properties.
func ebConfigItem(n *Notification, d jobj) {
	ci := d.o("configurationItem")
	diff := d.o("configurationItemDiff")
	change := diff.s("changeType")
	status := ci.s("configurationItemStatus")
	switch {
	case change == "DELETE", status == "ResourceDeleted", status == "ResourceDeletedNotRecorded":
		n.Severity = chat.SeverityWarning
	default:
		n.Severity = chat.SeverityInfo
	}
	typ, id := ci.s("resourceType"), ci.s("resourceId")
	name := firstNonEmpty(tagValue(ci["tags"], "Name"), ci.s("resourceName"))
	region := firstNonEmpty(ci.s("awsRegion"), n.Region)
	n.Title = titleOf("Config", resourceDisplay(typ, id, name), firstNonEmpty(change, status), region)
	n.Summary = fmt.Sprintf("Config: %s %s %s", typ, id, firstNonEmpty(change, status))
	n.ThreadKey = typ + "/" + id
	n.TitleLink = consoleURL(n.Partition, region, "config", "home", "#/resources/details?resourceId="+url.QueryEscape(id)+"&resourceType="+url.QueryEscape(typ))
	addField(n, "Change", change, true)
	addField(n, "Status", status, true)
	addField(n, "Resource", resourceDisplay(typ, id, name), false)
	props := diff.o("changedProperties")
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var lines []string
	for i, k := range keys {
		if i == maxChangedProperties {
			lines = append(lines, fmt.Sprintf("and %d more", len(keys)-i))
			break
		}
		lines = append(lines, k+" ("+strings.ToLower(jobj(asMap(props[k])).s("changeType"))+")")
	}
	addField(n, "Changed properties", strings.Join(lines, "\n"), false)
	addField(n, "Captured", ci.s("configurationItemCaptureTime"), true)
	n.Resources = appendUnique(n.Resources, ci.s("ARN"))
	n.Variables["resourceId"] = id
	n.Variables["resourceType"] = typ
}

// ebGlue renders Glue job and crawler state changes.
func ebGlue(n *Notification, d jobj) {
	state := d.s("state")
	n.Severity = stateOr(state, chat.SeverityInfo)
	if strings.EqualFold(d.s("severity"), "ERROR") {
		n.Severity = worse(n.Severity, chat.SeverityCritical)
	}
	if job := d.s("jobName"); job != "" {
		run := d.s("jobRunId")
		n.Title = titleOf("Glue job", job, state)
		n.Summary = fmt.Sprintf("Glue job %s %s", job, state)
		n.ThreadKey = firstNonEmpty(run, job)
		n.TitleLink = consoleURL(n.Partition, n.Region, "gluestudio", "home", "#/job/"+url.PathEscape(job)+"/run/"+url.PathEscape(run))
		addField(n, "State", state, true)
		addField(n, "Job", job, true)
		addField(n, "Run ID", run, true)
		n.Variables["jobName"] = job
	} else {
		crawler := d.s("crawlerName")
		n.Title = titleOf("Glue crawler", crawler, state)
		n.Summary = fmt.Sprintf("Glue crawler %s %s", crawler, state)
		n.ThreadKey = crawler
		n.TitleLink = consoleURL(n.Partition, n.Region, "glue", "home", "#/v2/data-catalog/crawlers/view/"+url.PathEscape(crawler))
		addField(n, "State", state, true)
		addField(n, "Crawler", crawler, true)
		n.Variables["crawlerName"] = crawler
	}
	n.Description = esc(firstNonEmpty(d.s("errorMessage"), d.s("message")))
	addField(n, "Error", d.s("errorMessage"), false)
}

// ebEMR renders EMR cluster and step state changes; EMR's own severity
// (INFO, WARN, ERROR, CRITICAL) and the state both count.
func ebEMR(n *Notification, d jobj) {
	state := d.s("state")
	n.Severity = stateOr(state, chat.SeverityInfo)
	if s, ok := labelSeverity(d.s("severity")); ok {
		n.Severity = worse(n.Severity, s)
	}
	cluster := d.s("clusterId")
	what := firstNonEmpty(d.s("name"), cluster)
	kind := "EMR cluster"
	if step := d.s("stepId"); step != "" {
		kind = "EMR step"
	}
	n.Title = titleOf(kind, what, state)
	n.Summary = fmt.Sprintf("%s %s %s", kind, what, state)
	n.Description = esc(d.s("message"))
	n.ThreadKey = firstNonEmpty(d.s("stepId"), cluster)
	n.TitleLink = consoleURL(n.Partition, n.Region, "emr", "home", "#/clusterDetails/"+url.PathEscape(cluster))
	addField(n, "State", state, true)
	addField(n, "Severity", d.s("severity"), true)
	addField(n, "Cluster", cluster, true)
	addField(n, "Step", d.s("stepId"), true)
	addField(n, "On failure", d.s("actionOnFailure"), true)
	// stateChangeReason is a JSON string: {"code":"...","message":"..."}.
	if r := d.s("stateChangeReason"); r != "" && r != "{}" {
		addField(n, "Reason", r, false)
	}
	n.Variables["clusterId"] = cluster
}
