package awsexec_test

import (
	"context"
	"fmt"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/command"
	"github.com/opschat/opschat/command/awsexec"
	"github.com/opschat/opschat/command/awsexec/services/cloudwatchops"
	"github.com/opschat/opschat/internal/awssim"
)

// The registry is the catalog the command parser validates against: every
// operation of the registered services, with typed parameters.
func ExampleRegistry() {
	reg := awsexec.NewRegistry()
	cloudwatchops.Register(reg)

	op, _ := reg.Operation("cloudwatch", "describe-alarms")
	fmt.Println(op.APIName, "read-only:", op.ReadOnly, "paginated:", op.Paginated)
	for _, p := range op.Params {
		if p.Name == "state-value" || p.Name == "max-records" {
			fmt.Println(" ", p.Name, p.Type, p.Enum)
		}
	}
	op, _ = reg.Operation("cloudwatch", "set-alarm-state")
	fmt.Println(op.APIName, "read-only:", op.ReadOnly)
	// Output:
	// DescribeAlarms read-only: true paginated: true
	//   max-records integer []
	//   state-value string [OK ALARM INSUFFICIENT_DATA]
	// SetAlarmState read-only: false
}

// The executor assumes the channel's role and renders the result for chat.
// Here it runs against the simulated account of internal/awssim.
func ExampleExecutor() {
	sim := awssim.New()
	defer sim.Close()
	reg := awsexec.NewRegistry()
	cloudwatchops.Register(reg)
	exec, err := awsexec.New(reg, sim.Config())
	if err != nil {
		panic(err)
	}
	op, _ := reg.Operation("cloudwatch", "describe-alarms")
	res, err := exec.Execute(context.Background(), chatops.ExecRequest{
		Invocation: &command.Invocation{
			Service: "cloudwatch", Operation: "describe-alarms", Op: op,
			Params: map[string]any{"state-value": "ALARM"},
			Query:  "MetricAlarms[].{Alarm:AlarmName,Metric:MetricName}",
		},
		RoleARN:      "arn:aws:iam::123456789012:role/opschat-readonly",
		SessionName:  "opschat-U123ABC",
		Capabilities: chat.Capabilities{Images: true, MaxText: 3000},
	})
	if err != nil {
		panic(err)
	}
	fmt.Print(res.Message.CodeBlocks[0].Content)
	// The graphs follow the answer: chatops edits the posted reply with
	// FollowUp's message.
	full, err := res.FollowUp(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(len(full.Images), "graph:", full.Images[0].Name)
	fmt.Println(full.Context[len(full.Context)-1])
	// Output:
	// Alarm                Metric
	// -------------------  ------
	// checkout-api-errors  Errors
	// 1 graph: checkout-api-errors.png
	// account 123456789012 · region us-east-1 · role opschat-readonly
}
