package notify_test

import (
	"context"
	"fmt"
	"log"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/notify"
)

const exampleFinding = `{"version":"0","id":"c8c4daa7","detail-type":"GuardDuty Finding","source":"aws.guardduty",
 "account":"123456789012","time":"2026-11-24T20:05:23Z","region":"us-east-1","resources":[],
 "detail":{"id":"16afba5c","type":"UnauthorizedAccess:EC2/SSHBruteForce","severity":8,
  "title":"198.51.100.0 is performing SSH brute force attacks against i-99999999.",
  "resource":{"resourceType":"Instance","instanceDetails":{"instanceId":"i-99999999"}}}}`

// A host replaces the rendering of one event type with a Go template over
// the decoded notification, and extends the default rendering of another
// with its own Formatter, without forking the package.
func ExampleFormatterRegistry() {
	reg := notify.NewFormatterRegistry()

	// A template for GuardDuty findings: a runbook link in the text and a
	// field taken from the payload. Parts not given keep the default.
	tpl, err := notify.NewTemplateFormatter(notify.Template{
		Title: `GuardDuty: {{escape (path .Payload "detail.type")}}`,
		Text:  `{{.Description}}See the [SSH brute force runbook](https://wiki.example.com/runbooks/ssh).`,
		Fields: []notify.TemplateField{
			{Name: "Instance", Value: `{{path .Payload "detail.resource.instanceDetails.instanceId"}}`, Short: true},
		},
		ReplaceFields: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	reg.Register(notify.FormatterKey{Source: "aws.guardduty", EventType: "GuardDuty Finding"}, tpl)

	// Extend the default rendering of CloudWatch alarms with a team tag.
	reg.Register(notify.FormatterKey{Source: "aws.cloudwatch"}, notify.FormatterFunc(func(n *notify.Notification) (chat.Message, error) {
		m, err := notify.DefaultFormatter().Format(n)
		m.Context = append(m.Context, "Owner: team-payments")
		return m, err
	}))

	n := notify.DecodeMessage(exampleFinding, "")
	m, err := reg.Format(n)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Title)
	fmt.Println(m.Text)
	for _, f := range m.Fields {
		fmt.Printf("%s: %s\n", f.Name, f.Value)
	}
	// Output:
	// GuardDuty: UnauthorizedAccess:EC2/SSHBruteForce
	// See the [SSH brute force runbook](https://wiki.example.com/runbooks/ssh).
	// Instance: i-99999999
}

// A router built from two channel configurations: every alarm to #ops, and
// only high-severity GuardDuty findings to #security.
func ExampleRouter() {
	highFindings, err := notify.CompilePattern([]byte(`{"source":["aws.guardduty"],"detail":{"severity":[{"numeric":[">=",7]}]}}`))
	if err != nil {
		log.Fatal(err)
	}
	topic := "arn:aws:sns:us-east-1:123456789012:ops-alerts"
	r, err := notify.NewRouter([]notify.Subscription{
		{Name: "ops", Conversation: chat.Conversation{Platform: chat.PlatformSlack, ChannelID: "C-OPS"}, TopicARNs: []string{topic}},
		{Name: "security", Conversation: chat.Conversation{Platform: chat.PlatformSlack, ChannelID: "C-SEC"}, TopicARNs: []string{topic}, EventPattern: highFindings},
	})
	if err != nil {
		log.Fatal(err)
	}
	env := &notify.Envelope{Type: notify.TypeNotification, MessageID: "m-1", TopicARN: topic, Message: exampleFinding}
	deliveries, err := r.Route(context.Background(), env)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range deliveries {
		fmt.Printf("%s %s %s\n", d.Conversation.ChannelID, d.DedupKey, d.Message.Severity)
	}
	// Output:
	// C-OPS ops/m-1 critical
	// C-SEC security/m-1 critical
}

func ExampleCompileFilterPolicy() {
	policy, err := notify.CompileFilterPolicy([]byte(`{"store":["example_corp"],"price_usd":[{"numeric":[">=",100]}]}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(policy.MatchAttributes(map[string]notify.MessageAttribute{
		"store":     {Type: "String", Value: "example_corp"},
		"price_usd": {Type: "Number", Value: "210.75"},
	}))
	_, err = notify.CompileFilterPolicy([]byte(`{"store":[{"regex":"ex.*"}]}`))
	fmt.Println(err)
	// Output:
	// true
	// notify: filter policy is not valid: Unrecognized match type regex at "store"
}

func ExamplePatternSet() {
	set := notify.NewPatternSet()
	for id, src := range map[string]string{
		"ec2":       `{"source":["aws.ec2"]}`,
		"stopped":   `{"detail":{"state":["stopped"]}}`,
		"guardduty": `{"source":["aws.guardduty"]}`,
	} {
		p, err := notify.CompilePattern([]byte(src))
		if err != nil {
			log.Fatal(err)
		}
		if err := set.Add(id, p); err != nil {
			log.Fatal(err)
		}
	}
	ids, err := set.Match([]byte(`{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"instance-id":"i-1","state":"stopped"}}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ids)
	// Output:
	// [ec2 stopped]
}
