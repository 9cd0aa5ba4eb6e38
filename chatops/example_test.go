package chatops_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"github.com/opschat/opschat/adapters/fake"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/command/commandtest"
	"github.com/opschat/opschat/notify"
)

const exampleConfig = `
configurations:
  - ConfigurationName: ops
    Platform: fake
    WorkspaceId: T1
    ChannelId: C1
    IamRoleArn: arn:aws:iam::123456789012:role/ops
    SnsTopicArns: ["arn:aws:sns:us-east-1:123456789012:alarms"]
    GuardrailPolicyDocuments:
      ReadAndStop: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","ec2:StopInstances"],"Resource":"*"}]}'
`

// printExecutor stands in for command/awsexec: it prints what would run.
type printExecutor struct{}

func (printExecutor) Execute(ctx context.Context, req chatops.ExecRequest) (*chatops.ExecResult, error) {
	return &chatops.ExecResult{Message: chat.Message{Text: "ran " + req.Invocation.Action() + " as " + req.RoleARN}}, nil
}

// Embedding: a bot with the standard guardrail authorizer, driven through
// the fake adapter as a host's own tests would drive it.
func Example() {
	cfg, err := chatops.LoadConfig([]byte(exampleConfig))
	if err != nil {
		log.Fatal(err)
	}
	authz, err := chatops.NewGuardrailAuthorizer(cfg)
	if err != nil {
		log.Fatal(err)
	}
	a := fake.New()
	bot, err := chatops.New(
		chatops.WithAdapter(a),
		chatops.WithConfig(cfg),
		chatops.WithCatalog(commandtest.Catalog()), // awsexec.NewRegistry() in production
		chatops.WithExecutor(printExecutor{}),      // awsexec.New(reg, awsCfg) in production
		chatops.WithAuthorizer(authz),
		chatops.WithAuditWriter(io.Discard),
	)
	if err != nil {
		log.Fatal(err)
	}
	a.SetHandler(bot) // a real adapter: go bot.Run(ctx)

	ctx := context.Background()
	conv := a.Conversation("T1", "C1")
	for _, text := range []string{"@aws ec2 describe-instances", "@aws lambda invoke --function-name checkout-api", "@aws ec2 stop-instances --instance-ids i-1"} {
		if err := a.Say(ctx, conv, "U1", text); err != nil {
			log.Fatal(err)
		}
		last, _ := a.Last()
		fmt.Println(last.Message.Title, "|", firstLineOf(last.Message.Text))
	}
	// Output:
	// | ran ec2:DescribeInstances as arn:aws:iam::123456789012:role/ops
	// Not allowed | `lambda:InvokeFunction` is not allowed: no statement in the guardrail policies (`ReadAndStop`) allows it (the resource is not known in advance, so only statements with Resource "*" can allow it)
	// Run this command? | `ec2:StopInstances` (Write) changes resources. Use the buttons, or reply `yes` or `cancel` in this thread.
}

// A custom authorizer: any function deciding on the request. Here, nobody
// may run commands in production channels at night.
func ExampleAuthorizerFunc() {
	quietHours := chatops.AuthorizerFunc(func(ctx context.Context, req chatops.AuthRequest) (chatops.AuthResult, error) {
		if req.Config.Tags["env"] == "prod" && req.Time.Hour() < 6 && !req.Invocation.Op.ReadOnly {
			return chatops.AuthResult{Reason: "no changes to production between 00:00 and 06:00"}, nil
		}
		return chatops.AuthResult{Allowed: true}, nil
	})
	_, err := chatops.New(chatops.WithAuthorizer(quietHours), chatops.WithExecutor(printExecutor{}))
	fmt.Println(err)
	// Output: <nil>
}

// Notifications: the pipeline routes an SNS message to the subscribed
// channels and delivers it reliably; a source (snshttp, sqssource,
// lambdasource) hands envelopes to it.
func ExampleBot_NotificationPipeline() {
	cfg, err := chatops.LoadConfig([]byte(exampleConfig))
	if err != nil {
		log.Fatal(err)
	}
	a := fake.New()
	bot, err := chatops.New(chatops.WithAdapter(a), chatops.WithConfig(cfg), chatops.WithAuditWriter(io.Discard))
	if err != nil {
		log.Fatal(err)
	}
	pipeline, err := bot.NotificationPipeline()
	if err != nil {
		log.Fatal(err)
	}
	defer pipeline.Close()

	body, err := os.ReadFile("../notify/testdata/samples/cloudwatch-alarm-lambda.json")
	if err != nil {
		log.Fatal(err)
	}
	env, err := notify.ParseEnvelope(body)
	if err != nil {
		log.Fatal(err)
	}
	env.TopicARN = "arn:aws:sns:us-east-1:123456789012:alarms"
	// Returns only when every channel has it, or with an error the source
	// must not acknowledge.
	if err := pipeline.HandleEnvelope(context.Background(), env); err != nil {
		log.Fatal(err)
	}
	last, _ := a.Last()
	fmt.Println(last.Ref.Conversation.ChannelID, strings.Contains(last.Message.Title, "checkout-api-errors"))
	// Output: C1 true
}

func firstLineOf(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
