// Package notify is everything between "an SNS message arrived" and "this
// chat.Message goes to these conversations".
//
// Sources (notify/snshttp, notify/sqssource, notify/lambdasource) turn
// transport bodies into an Envelope with ParseEnvelope and hand it to a
// Handler. The Router decodes the envelope's message into a Notification
// (CloudWatch alarms, EventBridge events with a rich format for each
// common service, AWS User Notifications, Budgets and CloudFormation text,
// AWS Chatbot custom notifications, and anything else as a generic
// notification whose severity and state are inferred from common fields:
// nothing is dropped), matches it against each Subscription's
// topics, SNS filter policy and EventBridge pattern, formats it into a
// chat.Message (severity, console links per partition, fields, buttons,
// thread key) and returns one Delivery per conversation. notify/delivery
// posts them.
//
// Filters are compiled once and evaluated many times: CompilePattern
// (EventBridge event patterns), CompileFilterPolicy (SNS subscription
// filter policies, attribute or payload scope) and PatternSet, which
// indexes thousands of patterns so that matching one event costs about the
// same as matching one pattern.
//
// Hosts change the rendering with a FormatterRegistry (their own Formatter
// or a Template per source, detail-type or custom eventType, which can also
// set the severity and drop the raw detail block) and add
// buttons with CustomAction, modelled on AWS::Chatbot::CustomAction.
// Preview renders a single payload for tools (the quickstart's -notify).
//
// The package imports chat only; it never imports chatops.
package notify
