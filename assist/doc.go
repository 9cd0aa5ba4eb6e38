// Package assist answers questions asked in plain language in a chat
// channel ("@aws what lambda functions do I have in us-west-1?", "@aws
// what's wrong with checkout-api?", "@aws how do I fix Lambda throttling?"),
// as AWS Chatbot does with Amazon Q.
//
// # Place in the data flow
//
// The bot (chatops) hands a message to an Assistant when it is a question
// rather than a command (command.Interpret fails with ErrUnknownService on
// its first word, say). The assistant never touches AWS itself: it asks the
// bot to run READ-ONLY commands through Tools.Run, and the bot runs them as
// typed commands are run (parse → guardrails of the asking user and the
// channel → executor), so a model is held to exactly the same rules as a
// person. A command that would change something is not run: it comes back
// in Answer.Proposed, and the bot shows it with a Run button whose click
// goes through the usual confirmation. The bot posts Answer.Text (neutral
// Markdown, at most MaxAnswerChars) in the thread, with a "run again"
// button for each of Answer.Ran.
//
// # Implementations
//
// Planner (NewPlanner) needs no model and no network: it maps English
// questions about the account to one or a few read-only commands of the
// catalog (resource nouns and their synonyms, regions by code or by city,
// states such as "stopped" or "firing", tags, names, "how many", and a
// diagnosis of a named resource: its alarms in ALARM, its Lambda
// configuration, recent errors in its log group) and summarises their
// results. It declines general questions and change requests plainly,
// saying how to enable a model.
//
// Bedrock (NewBedrock) calls an Amazon Bedrock model through the Converse
// API and offers it one tool, run_aws_cli_command, whose calls go through
// Tools.Run. Each answer has a budget (tool calls, tokens per response, a
// 120 s deadline); running out gives a partial answer that says so.
//
// Package assist/agents is the client of Bedrock agent connectors
// ("@aws connector add", "@aws ask NAME …").
//
// # Wiring a Tools for the bot
//
//	Run(ctx, line):
//	  inv, err := command.Parse(line, catalog, command.WithDefaultRegion(channelRegion))
//	  err                      → ToolResult{Command: line, Err: err}  (its UserMessage reaches the model)
//	  !inv.Op.ReadOnly         → ToolResult{Command: inv.Text, NeedsConfirmation: true}  (not run)
//	  authorizer refuses       → ToolResult{Command: inv.Text, Denied: reason}
//	  executor fails           → ToolResult{Command: inv.Text, Err: err}
//	  otherwise                → ToolResult{Command: inv.Text, Data: the response as JSON after --query}
//
// Every call of Run is an attempt the bot audits like a typed command.
package assist
