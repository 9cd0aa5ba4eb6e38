package agents_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentruntime"

	"github.com/opschat/opschat/assist/agents"
	"github.com/opschat/opschat/internal/bedrocksim"
)

func ExampleParseConnector() {
	// "@aws connector add runbooks arn:aws:bedrock:us-west-2:123456789012:agent/AGENT12345 TSTALIASID"
	conn, err := agents.ParseConnector("runbooks", "arn:aws:bedrock:us-west-2:123456789012:agent/AGENT12345", "TSTALIASID")
	if err != nil {
		panic(err)
	}
	fmt.Println(conn.Name, conn.Region, conn.AgentID)

	_, err = agents.ParseConnector("run books", "arn:aws:bedrock:us-west-2:123456789012:agent/AGENT12345", "TSTALIASID")
	fmt.Println(err)
	// Output:
	// runbooks us-west-2 AGENT12345
	// agents: invalid connector: the name "run books" may only hold letters, digits, - and _, and must start with a letter or digit
}

func ExampleClient_Ask() {
	// A scripted agent on loopback stands in for Amazon Bedrock.
	sim := bedrocksim.New()
	sim.AddAgent(bedrocksim.Agent{ID: "AGENT12345", AliasID: "TSTALIASID", Reply: func(_, text string, turn int) bedrocksim.AgentReply {
		if turn == 0 {
			return bedrocksim.AgentReply{Chunks: []string{"Restart the task, ", "then watch the 5xx alarm."}}
		}
		return bedrocksim.AgentReply{Chunks: []string{"Roll back with the previous task definition."}}
	}})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	api := bedrockagentruntime.NewFromConfig(aws.Config{
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	}, func(o *bedrockagentruntime.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	client, err := agents.New(api)
	if err != nil {
		panic(err)
	}
	conn, _ := agents.ParseConnector("runbooks", "arn:aws:bedrock:us-west-2:123456789012:agent/AGENT12345", "TSTALIASID")
	session := agents.SessionID("slack/T123/C456/1733480000.000100") // the thread
	for _, q := range []string{"payments returns 502s, what do I do?", "and if that fails?"} {
		r, err := client.Ask(context.Background(), conn, session, q)
		if err != nil {
			panic(err)
		}
		fmt.Println(r.Text)
	}
	// Output:
	// Restart the task, then watch the 5xx alarm.
	// Roll back with the previous task definition.
}
