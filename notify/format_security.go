package notify

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/opschat/opschat/chat"
)

// Limits of the finding list a batched event shows. Ten entries in at most
// 2,400 characters keep the list inside one Slack section (3,000
// characters) and leave room for the fields in Chime's 4 KB message; the
// rest is counted in an "and N more" line.
const (
	maxListedFindings  = 10
	maxFindingListText = 2400
)

// listedFinding is one line of a batched event's finding list.
type listedFinding struct {
	rank     int
	label    string
	title    string
	resource string
}

// findingList renders findings (already sorted worst first) as Markdown
// bullets, capped by count and length with an "and N more" line.
func findingList(fs []listedFinding) string {
	var b strings.Builder
	shown := 0
	for _, f := range fs {
		line := "- **" + esc(f.label) + "** " + esc(f.title)
		if f.resource != "" {
			line += " — " + esc(f.resource)
		}
		if shown == maxListedFindings || b.Len()+len(line)+1 > maxFindingListText {
			break
		}
		if shown > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
		shown++
	}
	if more := len(fs) - shown; more > 0 {
		fmt.Fprintf(&b, "\n_and %d more_", more)
	}
	return b.String()
}

// severityBreakdown counts findings per label, worst first: "1 CRITICAL, 2 LOW".
func severityBreakdown(fs []listedFinding) string {
	var parts []string
	for i := 0; i < len(fs); {
		j := i
		for j < len(fs) && fs[j].label == fs[i].label {
			j++
		}
		parts = append(parts, fmt.Sprintf("%d %s", j-i, fs[i].label))
		i = j
	}
	return strings.Join(parts, ", ")
}

// shortID turns an ARN into the resource's own name ("sg-0123",
// "example-bucket", "my-role"); anything else is returned as is.
func shortID(id string) string {
	a, ok := parseARN(id)
	if !ok {
		return id
	}
	r := a.resource
	if i := strings.LastIndexAny(r, "/:"); i >= 0 && i+1 < len(r) {
		r = r[i+1:]
	}
	return r
}

// resourceDisplay names a resource for people: its short ID, its Name tag
// when it has a different one, and its type when known.
func resourceDisplay(typ, id, name string) string {
	s := shortID(id)
	if name != "" && name != s {
		s += " (" + name + ")"
	}
	if typ != "" {
		s = typ + " " + s
	}
	return strings.TrimSpace(s)
}

// tagValue reads a tag from a {"Name": "x"} map or a [{"key"|"Key"|"name":
// "Name", "value"|"Value": "x"}] list.
func tagValue(tags any, key string) string {
	switch t := tags.(type) {
	case map[string]any:
		return jobj(t).s(key)
	case []any:
		for _, e := range t {
			o := jobj(asMap(e))
			// EC2-style {Key, Value}, GuardDuty/Macie {key, value}, OCSF {name, value}.
			if firstNonEmpty(o.s("key"), o.s("Key"), o.s("name"), o.s("Name")) == key {
				return firstNonEmpty(o.s("value"), o.s("Value"))
			}
		}
	}
	return ""
}

// securityHubSeverity reads a finding's Severity: the Label, else the
// Normalized (0-100) score.
func securityHubSeverity(s jobj) (rank int, label string) {
	if l := s.s("Label"); l != "" {
		if r := labelRank(l); r > 0 {
			return r, strings.ToUpper(l)
		}
	}
	if v, ok := s.n("Normalized"); ok {
		r := percentRank(v)
		return r, severityName(r)
	}
	return 0, firstNonEmpty(s.s("Label"), "UNKNOWN")
}

func securityHubFindingLink(partition, region, id string) string {
	return consoleURL(partition, region, "securityhub", "home", "#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253A"+url.QueryEscape(url.QueryEscape(id)))
}

// shFinding is one Security Hub finding read from either format: ASFF
// (Security Hub CSPM's "Security Hub Findings - Imported" and custom
// actions) or OCSF (Security Hub's "Findings Imported V2").
type shFinding struct {
	listed                                    listedFinding
	id, description, region, account, product string
	workflow, compliance, types, remediation  string
	link                                      string
	resourceIDs                               []string
}

func readASFF(f jobj) shFinding {
	rank, label := securityHubSeverity(f.o("Severity"))
	res := jobj(asMap(firstAny(f.a("Resources"))))
	sf := shFinding{
		listed: listedFinding{rank: rank, label: label, title: firstNonEmpty(f.s("Title"), f.s("Id")),
			resource: resourceDisplay(res.s("Type"), res.s("Id"), tagValue(res["Tags"], "Name"))},
		id: f.s("Id"), description: f.s("Description"), region: f.s("Region"), account: f.s("AwsAccountId"),
		product: f.s("ProductName"), workflow: f.o("Workflow").s("Status"), compliance: f.o("Compliance").s("Status"),
		types: strings.Join(f.strings("Types"), ", "),
	}
	if rec := f.o("Remediation").o("Recommendation"); rec != nil {
		sf.remediation = strings.TrimSpace(rec.s("Text") + " " + rec.s("Url"))
	}
	for _, r := range f.a("Resources") {
		sf.resourceIDs = appendUnique(sf.resourceIDs, jobj(asMap(r)).s("Id"))
	}
	return sf
}

// ocsfSeverityRanks maps OCSF severity_id (1 informational ... 5
// critical, 6 fatal) to labelRank's scale.
var ocsfSeverityRanks = map[int]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 5}

func readOCSF(f jobj) shFinding {
	info := f.o("finding_info")
	label := strings.ToUpper(f.s("severity"))
	rank := labelRank(label)
	if id, ok := f.n("severity_id"); ok && rank == 0 {
		rank = ocsfSeverityRanks[int(id)]
		label = severityName(rank)
	}
	res := jobj(asMap(firstAny(f.a("resources"))))
	sf := shFinding{
		listed: listedFinding{rank: rank, label: firstNonEmpty(label, "UNKNOWN"), title: firstNonEmpty(info.s("title"), info.s("uid")),
			resource: resourceDisplay(res.s("type"), firstNonEmpty(res.s("uid"), res.s("name")), tagValue(res["tags"], "Name"))},
		id: info.s("uid"), description: info.s("desc"), region: f.o("cloud").s("region"), account: f.o("cloud").o("account").s("uid"),
		product: f.o("metadata").o("product").s("name"), workflow: f.s("status"), compliance: f.o("compliance").s("status"),
		types: strings.Join(info.strings("types"), ", "), remediation: f.o("remediation").s("desc"),
		link: info.s("src_url"),
	}
	for _, r := range f.a("resources") {
		sf.resourceIDs = appendUnique(sf.resourceIDs, jobj(asMap(r)).s("uid"))
	}
	return sf
}

// ebSecurityHub renders every finding of a Security Hub event, worst
// first: an event can carry several findings (custom actions on a
// selection, batched imports) and the first is not the most severe.
func ebSecurityHub(n *Notification, d jobj) {
	var fs []shFinding
	ocsf := false
	for _, v := range d.a("findings") {
		f := jobj(asMap(v))
		switch {
		case f == nil:
			continue
		case f.has("finding_info"):
			ocsf = true
			fs = append(fs, readOCSF(f))
		default:
			fs = append(fs, readASFF(f))
		}
	}
	if len(fs) == 0 {
		genericEvent(n, d)
		return
	}
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].listed.rank > fs[j].listed.rank })
	worst := fs[0]
	label := worst.listed.label
	n.Severity = rankSeverity(worst.listed.rank)
	region := firstNonEmpty(worst.region, n.Region)
	id := worst.id
	n.ThreadKey = id
	if ocsf {
		// OCSF findings may carry their own link (finding_info.src_url);
		// otherwise the findings list is the best page we can name.
		n.TitleLink = consoleURL(n.Partition, region, "securityhub", "v2/home", "#/findings")
		if strings.HasPrefix(worst.link, "https://") {
			n.TitleLink = worst.link
		}
	} else {
		n.TitleLink = securityHubFindingLink(n.Partition, region, id)
	}
	// The event's resources are the finding ARNs; the affected resources
	// are what an engineer needs.
	n.Resources = nil
	listed := make([]listedFinding, len(fs))
	products := []string{}
	accounts := []string{}
	for i, f := range fs {
		listed[i] = f.listed
		for _, r := range f.resourceIDs {
			n.Resources = appendUnique(n.Resources, r)
		}
		products = appendUnique(products, f.product)
		accounts = appendUnique(accounts, f.account)
	}
	if len(fs) == 1 {
		n.ID = firstNonEmpty(id, n.ID)
		n.Title = fmt.Sprintf("Security Hub | %s | %s | %s", esc(label), esc(worst.listed.title), esc(region))
		n.Summary = fmt.Sprintf("Security Hub %s finding: %s", label, worst.listed.title)
		n.Description = esc(worst.description)
		addField(n, "Severity", label, true)
		addField(n, "Resource", worst.listed.resource, false)
		addField(n, "Workflow", worst.workflow, true)
		addField(n, "Compliance", worst.compliance, true)
		addField(n, "Account", worst.account, true)
		addField(n, "Product", worst.product, true)
		addField(n, "Type", worst.types, false)
	} else {
		n.Title = fmt.Sprintf("Security Hub | %d findings, worst %s | %s", len(fs), esc(label), esc(region))
		n.Summary = fmt.Sprintf("%d Security Hub findings, worst %s: %s", len(fs), label, worst.listed.title)
		n.Description = findingList(listed)
		addField(n, "Severity", label, true)
		addField(n, "Findings", fmt.Sprintf("%d (%s)", len(fs), severityBreakdown(listed)), true)
		addField(n, "Account", strings.Join(accounts, ", "), true)
		addField(n, "Product", strings.Join(products, ", "), true)
	}
	addField(n, "Remediation", worst.remediation, false)
	n.Variables["FindingId"] = id
	n.Variables["SeverityLabel"] = label
	n.Variables["FindingCount"] = strconv.Itoa(len(fs))
}

// appendResource adds id to the related resources unless it is there
// already, as itself or as the last part of an ARN listed.
func appendResource(rs []string, id string) []string {
	for _, r := range rs {
		if strings.HasSuffix(r, "/"+id) || strings.HasSuffix(r, ":"+id) {
			return rs
		}
	}
	return appendUnique(rs, id)
}

func firstAny(a []any) any {
	if len(a) == 0 {
		return nil
	}
	return a[0]
}

func ebGuardDuty(n *Notification, d jobj) {
	sev, _ := d.n("severity")
	var label string
	switch {
	case sev >= 9:
		n.Severity, label = chat.SeverityCritical, "Critical"
	case sev >= 7:
		n.Severity, label = chat.SeverityCritical, "High"
	case sev >= 4:
		n.Severity, label = chat.SeverityWarning, "Medium"
	default:
		n.Severity, label = chat.SeverityInfo, "Low"
	}
	region := firstNonEmpty(d.s("region"), n.Region)
	n.Title = fmt.Sprintf("GuardDuty finding | %s | %s", esc(d.s("title")), esc(region))
	n.Description = esc(d.s("description"))
	id := d.s("id")
	n.ThreadKey = firstNonEmpty(id, d.s("arn"))
	n.TitleLink = consoleURL(n.Partition, region, "guardduty", "home", "#/findings?macros=current&fId="+url.QueryEscape(id))
	addField(n, "Severity", fmt.Sprintf("%s (%s)", label, strconv.FormatFloat(sev, 'f', -1, 64)), true)
	addField(n, "Finding type", d.s("type"), true)
	addField(n, "Account", d.s("accountId"), true)
	res := d.o("resource")
	addField(n, "Resource type", res.s("resourceType"), true)
	if inst := res.o("instanceDetails"); inst != nil {
		addField(n, "Instance", resourceDisplay("", inst.s("instanceId"), tagValue(inst["tags"], "Name")), true)
		n.Resources = appendUnique(n.Resources, inst.s("instanceId"))
	}
	if ak := res.o("accessKeyDetails"); ak != nil {
		addField(n, "Principal", firstNonEmpty(ak.s("userName"), ak.s("principalId")), true)
	}
	svc := d.o("service")
	if c, ok := svc.n("count"); ok {
		addField(n, "Count", strconv.FormatFloat(c, 'f', -1, 64), true)
	}
	addField(n, "First seen", svc.s("eventFirstSeen"), true)
	addField(n, "Last seen", svc.s("eventLastSeen"), true)
	if act := svc.o("action"); act != nil {
		addField(n, "Action", act.s("actionType"), true)
		if remote := act.o("networkConnectionAction").o("remoteIpDetails"); remote != nil {
			addField(n, "Remote IP", remote.s("ipAddressV4"), true)
		}
	}
	n.Variables["FindingId"] = id
	n.Variables["FindingType"] = d.s("type")
	n.Variables["Severity"] = strconv.FormatFloat(sev, 'f', -1, 64)
}

// ebInspector renders an Amazon Inspector finding (one per event): the
// severity label, or the Inspector score when the vendor has not triaged
// it; a closed finding is a success.
func ebInspector(n *Notification, d jobj) {
	label := strings.ToUpper(d.s("severity"))
	rank := labelRank(label)
	score, hasScore := d.n("inspectorScore")
	if (rank <= 1 || label == "UNTRIAGED") && hasScore {
		rank = cvssRank(score)
		if label == "" {
			label = severityName(rank)
		}
	}
	status := d.s("status")
	n.Severity = rankSeverity(rank)
	if strings.EqualFold(status, "CLOSED") {
		n.Severity = chat.SeveritySuccess
	}
	res := jobj(asMap(firstAny(d.a("resources"))))
	resName := tagValue(res["tags"], "Name")
	resource := resourceDisplay(res.s("type"), res.s("id"), resName)
	region := firstNonEmpty(res.s("region"), n.Region)
	arn := d.s("findingArn")
	n.Title = strings.TrimSpace(fmt.Sprintf("Inspector | %s | %s | %s", esc(label), esc(d.s("title")), esc(status)))
	n.Summary = fmt.Sprintf("Inspector %s finding on %s: %s", label, firstNonEmpty(shortID(res.s("id")), "a resource"), d.s("title"))
	n.Description = esc(d.s("description"))
	n.ThreadKey = arn
	n.TitleLink = consoleURL(n.Partition, region, "inspector", "v2/home", "#/findings/all?search=findingArn%3D%255Coperator%255C%253AEQUALS%255C%253A"+url.QueryEscape(url.QueryEscape(arn)))
	sevText := label
	if hasScore {
		sevText += " (score " + strconv.FormatFloat(score, 'f', -1, 64) + ")"
	}
	addField(n, "Severity", sevText, true)
	addField(n, "Status", status, true)
	addField(n, "Resource", resource, false)
	vuln := d.o("packageVulnerabilityDetails")
	addField(n, "Vulnerability", vuln.s("vulnerabilityId"), true)
	for i, p := range vuln.a("vulnerablePackages") {
		if i == 3 {
			addField(n, "More packages", strconv.Itoa(len(vuln.a("vulnerablePackages"))-3), true)
			break
		}
		po := jobj(asMap(p))
		v := strings.TrimSpace(po.s("name") + " " + po.s("version"))
		if fixed := po.s("fixedInVersion"); fixed != "" && fixed != "NotAvailable" {
			v += " → " + fixed
		}
		addField(n, "Package", v, false)
	}
	addField(n, "Fix available", d.s("fixAvailable"), true)
	addField(n, "Exploit available", d.s("exploitAvailable"), true)
	addField(n, "Type", d.s("type"), true)
	addField(n, "Account", d.s("awsAccountId"), true)
	addField(n, "Remediation", d.o("remediation").o("recommendation").s("text"), false)
	n.Resources = appendResource(n.Resources, res.s("id"))
	n.Variables["findingArn"] = arn
	n.Variables["SeverityLabel"] = label
	n.Variables["ResourceId"] = res.s("id")
}

// ebMacie renders an Amazon Macie finding: its severity description
// (Low, Medium, High), the bucket and object, and what sensitive data
// was found.
func ebMacie(n *Notification, d jobj) {
	sev := d.o("severity")
	label := sev.s("description")
	rank := labelRank(label)
	if rank == 0 {
		if s, ok := sev.n("score"); ok {
			// Macie scores 1 (low) to 3 (high).
			rank = int(s) + 1
			label = severityName(rank)
		}
	}
	n.Severity = rankSeverity(rank)
	ra := d.o("resourcesAffected")
	bucket := ra.o("s3Bucket")
	object := ra.o("s3Object")
	where := bucket.s("name")
	if key := object.s("key"); key != "" {
		where += "/" + key
	}
	region := firstNonEmpty(d.s("region"), n.Region)
	id := d.s("id")
	n.Title = strings.TrimSpace(fmt.Sprintf("Macie | %s | %s | %s", esc(label), esc(firstNonEmpty(d.s("title"), d.s("type"))), esc(where)))
	n.Summary = fmt.Sprintf("Macie %s finding on %s: %s", label, where, d.s("type"))
	n.Description = esc(d.s("description"))
	n.ThreadKey = id
	n.TitleLink = consoleURL(n.Partition, region, "macie", "home", "#findings?macros=current&itemId="+url.QueryEscape(id))
	addField(n, "Severity", label, true)
	addField(n, "Finding type", d.s("type"), true)
	addField(n, "Bucket", resourceDisplay("", bucket.s("name"), tagValue(bucket["tags"], "Name")), true)
	addField(n, "Object", object.s("key"), false)
	if pa := bucket.o("publicAccess").s("effectivePermission"); pa != "" {
		addField(n, "Public access", pa, true)
	}
	var found []string
	for _, c := range d.o("classificationDetails").o("result").a("sensitiveData") {
		co := jobj(asMap(c))
		var kinds []string
		for _, det := range co.a("detections") {
			do := jobj(asMap(det))
			kinds = append(kinds, fmt.Sprintf("%s ×%s", do.s("type"), firstNonEmpty(do.s("count"), "?")))
		}
		found = append(found, fmt.Sprintf("%s: %s", co.s("category"), strings.Join(kinds, ", ")))
	}
	addField(n, "Sensitive data", strings.Join(found, "\n"), false)
	if c, ok := d.n("count"); ok {
		addField(n, "Occurrences", strconv.FormatFloat(c, 'f', -1, 64), true)
	}
	addField(n, "Account", d.s("accountId"), true)
	n.Resources = appendUnique(n.Resources, bucket.s("arn"))
	n.Variables["FindingId"] = id
	n.Variables["BucketName"] = bucket.s("name")
	n.Variables["SeverityLabel"] = label
}

// ebAccessAnalyzer renders an IAM Access Analyzer finding: public access
// is critical, other external access a warning while the finding is
// active; archived and resolved findings are good news.
func ebAccessAnalyzer(n *Notification, d jobj) {
	status := d.s("status")
	public, _ := d.b("isPublic")
	switch {
	case strings.EqualFold(status, "RESOLVED"), strings.EqualFold(status, "ARCHIVED"):
		n.Severity = chat.SeveritySuccess
	case public:
		n.Severity = chat.SeverityCritical
	default:
		n.Severity = chat.SeverityWarning
	}
	access := "external access"
	if public {
		access = "public access"
	}
	res, typ := d.s("resource"), d.s("resourceType")
	region := firstNonEmpty(d.s("region"), n.Region)
	n.Title = strings.TrimSpace(fmt.Sprintf("Access Analyzer | %s | %s to %s", esc(status), esc(access), esc(resourceDisplay(typ, res, ""))))
	n.Summary = fmt.Sprintf("Access Analyzer: %s to %s (%s)", access, shortID(res), status)
	id := d.s("id")
	n.ThreadKey = id
	fragment := "#/findings"
	if a, ok := parseARN(d.s("analyzerArn")); ok {
		fragment = "#/findings/details/" + url.PathEscape(lastSegment(a.resource)) + "/" + url.PathEscape(id)
	}
	n.TitleLink = consoleURL(n.Partition, region, "access-analyzer", "home", fragment)
	addField(n, "Status", status, true)
	addField(n, "Access", access, true)
	addField(n, "Resource", res, false)
	addField(n, "Resource type", typ, true)
	var principals []string
	for k, v := range d.o("principal") {
		if s, ok := scalarString(v); ok {
			principals = append(principals, k+": "+s)
		}
	}
	sort.Strings(principals)
	addField(n, "Principal", strings.Join(principals, "\n"), false)
	addField(n, "Actions", strings.Join(d.strings("action"), ", "), false)
	var conds []string
	for k, v := range d.o("condition") {
		if s, ok := scalarString(v); ok {
			conds = append(conds, k+" = "+s)
		}
	}
	sort.Strings(conds)
	addField(n, "Condition", strings.Join(conds, "\n"), false)
	addField(n, "Error", d.s("error"), false)
	addField(n, "Account", firstNonEmpty(d.s("resourceOwnerAccount"), d.s("accountId")), true)
	n.Resources = appendUnique(n.Resources, res)
	n.Variables["FindingId"] = id
	n.Variables["resource"] = res
}
