package assist_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/jmespath/go-jmespath"

	"github.com/opschat/opschat/assist"
	"github.com/opschat/opschat/command"
)

// exampleTools runs commands against canned responses; a bot's Tools runs
// them through the guardrails and the executor instead.
type exampleTools struct{ responses map[string]string }

func (exampleTools) Catalog() command.Catalog { return realCatalog() }

func (e exampleTools) Run(_ context.Context, line string) assist.ToolResult {
	inv, err := command.Parse(line, realCatalog())
	if err != nil {
		return assist.ToolResult{Command: line, Err: err}
	}
	if !inv.Op.ReadOnly {
		return assist.ToolResult{Command: inv.Text, NeedsConfirmation: true}
	}
	var v any
	_ = json.Unmarshal([]byte(e.responses[inv.Service+" "+inv.Operation]), &v)
	if inv.Query != "" {
		v, _ = jmespath.Search(inv.Query, v)
	}
	data, _ := json.Marshal(v)
	return assist.ToolResult{Command: inv.Text, Data: data}
}

func ExamplePlanner() {
	planner, err := assist.NewPlanner()
	if err != nil {
		panic(err)
	}
	tools := exampleTools{responses: map[string]string{
		"ec2 describe-instances": `{"Reservations":[{"Instances":[{"InstanceId":"i-0b2","InstanceType":"t3.small","State":{"Name":"stopped"}}]}]}`,
	}}
	a, err := planner.Answer(context.Background(), assist.Question{Text: "How many stopped servers do I have in Ireland?"}, tools)
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Text)
	fmt.Println(a.Ran[0])

	a, _ = planner.Answer(context.Background(), assist.Question{Text: "terminate i-0b2"}, tools)
	fmt.Println(a.Declined, len(a.Ran), len(a.Proposed))
	// Output:
	// There is 1 stopped instance in eu-west-1: i-0b2 (t3.small, stopped).
	// ec2 describe-instances --filters Name=instance-state-name,Values=stopped --query 'Reservations[].Instances[][].{id:InstanceId,type:InstanceType,state:State.Name,name:Tags[?Key=='\''Name'\''].Value|[0]}' --region eu-west-1
	// true 0 0
}

func ExampleBedrock() {
	// A scripted model on loopback stands in for Amazon Bedrock.
	sim := newExampleSim()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	client := bedrockruntime.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	}, func(o *bedrockruntime.Options) { o.BaseEndpoint = aws.String(srv.URL) })

	bot, err := assist.NewBedrock(client, "anthropic.claude-3-5-haiku-20241022-v1:0",
		assist.WithMaxToolCalls(4), assist.WithTimeout(30*time.Second))
	if err != nil {
		panic(err)
	}
	tools := exampleTools{responses: map[string]string{"dynamodb list-tables": `{"TableNames":["orders","sessions"]}`}}
	a, err := bot.Answer(context.Background(), assist.Question{Text: "Which tables do I have?", Region: "us-east-1"}, tools)
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Text)
	fmt.Println(a.Ran)
	// Output:
	// You have two tables: orders and sessions.
	// [dynamodb list-tables --region us-east-1]
}
