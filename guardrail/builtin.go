package guardrail

import (
	"sync"
)

// BlocklistName is the name of the built-in blocklist policy and layer.
const BlocklistName = "opschat-builtin-blocklist"

// Statement ids of the built-in blocklist.
const (
	SidBlockCredentialServices = "BlockCredentialServices"
	SidBlockSecretReads        = "BlockSecretReadingActions"
	SidBlockSSMDecryption      = "BlockSSMParameterDecryption"
)

// blocklistDoc mirrors AWS Chatbot's list of operations that are blocked in
// chat whatever the policies say: every operation of services that mint,
// manage or reveal credentials, and single operations that return secrets or
// object contents. The SSM statement is conditioned on KeyWithDecryption with
// a negated operator, so a request that does not say "false" explicitly is
// treated as decrypting (fail closed).
const blocklistDoc = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "BlockCredentialServices",
      "Effect": "Deny",
      "Action": ["iam:*", "sts:*", "kms:*", "secretsmanager:*", "cognito-idp:*", "sdb:*",
                 "sso:*", "sso-admin:*", "identitystore:*", "chatbot:*"],
      "Resource": "*"
    },
    {
      "Sid": "BlockSecretReadingActions",
      "Effect": "Deny",
      "Action": [
        "appsync:ListApiKeys",
        "codecommit:GetFile", "codecommit:GetCommit", "codecommit:GetDifferences",
        "connect:GetFederationToken",
        "dynamodb:BatchGetItem", "dynamodb:GetItem",
        "ec2:GetPasswordData",
        "ecr:GetAuthorizationToken", "ecr:GetLogin",
        "gamelift:RequestUploadCredentials", "gamelift:GetInstanceAccess",
        "lightsail:DownloadDefaultKeyPair", "lightsail:GetInstanceAccessDetails",
        "lightsail:GetKeyPair", "lightsail:GetKeyPairs", "lightsail:UpdateRelationalDatabase",
        "redshift:GetClusterCredentials",
        "storagegateway:DescribeChapCredentials",
        "s3:GetBucketPolicy", "s3:GetObject", "s3:HeadObject",
        "snowball:GetJobUnlockCode"
      ],
      "Resource": "*"
    },
    {
      "Sid": "BlockSSMParameterDecryption",
      "Effect": "Deny",
      "Action": "ssm:GetParameter*",
      "Resource": "*",
      "Condition": {"StringNotEqualsIgnoreCase": {"chatops:WithDecryption": "false"}}
    }
  ]
}`

var blockReasons = map[string]string{
	SidBlockCredentialServices: "operations of IAM, STS, KMS, Secrets Manager, Cognito user pools, SimpleDB, IAM Identity Center and the chat service itself can create or reveal credentials, so they are never run from chat",
	SidBlockSecretReads:        "this operation can return secrets, credentials or data contents into the channel, so it is never run from chat",
	SidBlockSSMDecryption:      "reading SecureString parameters with decryption would post secrets into the channel; run it without --with-decryption",
}

// blocklist is compiled once; the Policy is immutable, so sharing it is safe.
var blocklist = sync.OnceValue(func() *Policy {
	p, err := ParseNamedPolicy(BlocklistName, []byte(blocklistDoc))
	if err != nil {
		panic("guardrail: built-in blocklist does not parse: " + err.Error())
	}
	return p
})

// BlocklistPolicy returns the built-in blocklist as a policy (Deny
// statements only), e.g. to show it to administrators.
func BlocklistPolicy() *Policy { return blocklist() }

// BlocklistLayer returns the built-in blocklist as a deny-only layer.
// Authorize always applies it first.
func BlocklistLayer() Layer {
	return Layer{Name: "built-in blocklist", Policies: []*Policy{blocklist()}, DenyOnly: true}
}

// Blocked reports whether the built-in blocklist denies req, and why (a
// sentence for the chat user).
func Blocked(req Request) (reason string, blocked bool) {
	unknown := req.unknownResource()
	for i := range blocklist().statements {
		st := &blocklist().statements[i]
		if st.applies(&req, unknown) {
			return blockReasons[st.Sid], true
		}
	}
	return "", false
}
