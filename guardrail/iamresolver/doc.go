// Package iamresolver fetches managed IAM policy documents with the AWS SDK,
// so channel configurations can name guardrails by policy ARN as AWS Chatbot
// does. It implements guardrail.Fetcher with IAM GetPolicy (to find the
// default version) and GetPolicyVersion (to read it); wrap it in a
// guardrail.CachingResolver, or use NewResolver, which does.
//
// The credentials need iam:GetPolicy and iam:GetPolicyVersion on the policy
// ARNs. Those calls are made by the host with its own configuration, never
// from chat: the built-in blocklist keeps chat users away from IAM.
package iamresolver
