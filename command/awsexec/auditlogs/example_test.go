package auditlogs_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/opschat/opschat/command/awsexec/auditlogs"
	"github.com/opschat/opschat/internal/awssim"
)

// The sink is an io.Writer for the audit log: each JSON record goes to the
// log group of its channel configuration.
func ExampleSink() {
	sim := awssim.New() // a simulated account; use cloudwatchlogs.NewFromConfig(cfg) with a real config
	defer sim.Close()
	sink, err := auditlogs.New(cloudwatchlogs.NewFromConfig(sim.Config()), auditlogs.WithStream("replica-1"))
	if err != nil {
		panic(err)
	}
	fmt.Fprintln(sink, `{"time":"2026-11-24T10:00:00Z","configuration":"prod-alerts","platform":"slack","command":"cloudwatch describe-alarms"}`)
	if err := sink.Close(context.Background()); err != nil {
		panic(err)
	}
	for _, r := range sim.Requests() {
		fmt.Println(r.Operation, r.Params["logGroupName"])
	}
	// Output:
	// CreateLogGroup /aws/chatbot/prod-alerts
	// CreateLogStream /aws/chatbot/prod-alerts
	// PutLogEvents /aws/chatbot/prod-alerts
}
