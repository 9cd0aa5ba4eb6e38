package command_test

import (
	"errors"
	"fmt"

	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/commandtest"
)

func ExampleParseShorthand() {
	v, _ := command.ParseShorthand("Name=tag:env,Values=prod,dev")
	fmt.Println(v)
	v, _ = command.ParseShorthand("Key=[a,b],Nested={x='1,2'}")
	fmt.Println(v)
	_, err := command.ParseShorthand("a=b,")
	fmt.Println(err)
	// Output:
	// map[Name:tag:env Values:[prod dev]]
	// map[Key:[a b] Nested:map[x:1,2]]
	// command: shorthand: expected a value, found nothing usable (at offset 4)
}

func ExampleParse() {
	cat := commandtest.Catalog()
	inv, err := command.Parse("@aws ec2 describe-instances --filters Name=tag:env,Values=prod --region eu-west-1", cat)
	if err != nil {
		panic(err)
	}
	fmt.Println(inv.Action(), inv.Region)
	fmt.Println(inv.Params["filters"])
	fmt.Println(inv.Text)
	// Output:
	// ec2:DescribeInstances eu-west-1
	// [map[Name:tag:env Values:[prod]]]
	// ec2 describe-instances --filters Name=tag:env,Values=prod --region eu-west-1
}

// The IAM actions of an invocation are the real ones AWS checks, with the
// conditional actions of the parameters given; the access level decides
// confirmation.
func ExampleParse_iamActions() {
	cat := commandtest.Catalog()
	for _, text := range []string{
		"lambda invoke --function-name f",
		"s3api get-object --bucket b --key k --version-id v1",
	} {
		inv, err := command.Parse(text, cat)
		if err != nil {
			panic(err)
		}
		fmt.Println(inv.IAMActions, inv.Op.Access, "read-only:", inv.Op.ReadOnly)
	}
	// Output:
	// [lambda:InvokeFunction] Write read-only: false
	// [s3:GetObject s3:GetObjectVersion] Read read-only: true
}

func ExampleParse_suggestion() {
	_, err := command.Parse("@aws cloudwatch describe-alarm --state-value ALARM", commandtest.Catalog())
	fmt.Println(errors.Is(err, command.ErrUnknownOperation))
	var e *command.Error
	if errors.As(err, &e) {
		fmt.Println(e.UserMessage())
	}
	// Output:
	// true
	// `cloudwatch` has no operation `describe-alarm`.
	// Did you mean `describe-alarms`?
	// Send `cloudwatch help` for help.
}

func ExampleParse_refused() {
	_, err := command.Parse("@aws s3api list-buckets \u2014endpoint-url http://attacker.example", commandtest.Catalog())
	fmt.Println(errors.Is(err, command.ErrRefused))
	fmt.Println(err.(*command.Error).UserMessage())
	// Output:
	// true
	// The option `--endpoint-url` is not allowed from chat: it would send requests, signed with the channel's credentials, to another endpoint.
}

func ExampleAnswer() {
	cat := commandtest.Catalog()
	inv, _ := command.Parse("@aws lambda get-function", cat)
	fmt.Println(command.Prompt(inv.Missing[0]))

	// The bot stores inv.Text, then resumes when the reply arrives.
	pending, _ := command.Resume(inv.Text, cat)
	inv, _ = command.Answer(pending, "my-fn", cat)
	fmt.Println(inv.Complete(), inv.Text)
	// Output:
	// Which `--function-name`? (The function name or ARN) Reply with a string (like `value`), or `cancel`.
	// true lambda get-function --function-name my-fn
}

func ExampleNewAlias() {
	cat := commandtest.Catalog()
	a, err := command.NewAlias("stop", "ec2 stop-instances --instance-ids $id", cat)
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Placeholders, a.Action, a.Usage())

	run, _ := command.ParseAliasCommand("@aws run stop i-0abc")
	inv, _ := a.Invocation(run.Args, run.Named, cat)
	fmt.Println(inv.Text)
	// Output:
	// [id] ec2:StopInstances run stop ID
	// ec2 stop-instances --instance-ids i-0abc
}

func ExampleInterpret() {
	cat := commandtest.Catalog()
	for _, text := range []string{"@aws help", "@aws alias list", "@aws --function-name my-fn", "@aws iam list-users"} {
		req, err := command.Interpret(text, cat)
		if err != nil {
			panic(err)
		}
		fmt.Println(req.Kind)
	}
	// Output:
	// help
	// alias
	// params
	// command
}
