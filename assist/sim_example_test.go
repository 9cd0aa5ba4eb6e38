package assist_test

import (
	"github.com/opschat/opschat/assist"
	"github.com/opschat/opschat/internal/bedrocksim"
)

func newExampleSim() *bedrocksim.Server {
	return bedrocksim.New(bedrocksim.Script{Match: "tables", Replies: []bedrocksim.Reply{
		{ToolCalls: []bedrocksim.ToolCall{{Name: assist.ToolName, Input: map[string]any{"command": "dynamodb list-tables --region us-east-1"}}}},
		{Text: "You have two tables: orders and sessions."},
	}})
}
