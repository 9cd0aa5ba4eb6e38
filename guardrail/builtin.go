package guardrail

import (
	"strings"
	"sync"
)

// BlocklistName is the name of the built-in blocklist policy and layer.
const BlocklistName = "opschat-builtin-blocklist"

// Statement ids of the built-in blocklist.
const (
	SidBlockCredentialServices = "BlockCredentialServices"
	SidBlockSecretReads        = "BlockSecretReadingActions"
	SidBlockSSMDecryption      = "BlockSSMParameterDecryption"
	// SidInvalidAction names the built-in refusal of a request whose action
	// is not one IAM action ("service:Operation" in ASCII without wildcards
	// or spaces): such a request could never match the blocklist's
	// statements yet would be allowed by an Allow "*".
	SidInvalidAction = "InvalidAction"
	// sidBlockSSMDecryptionAny is the multi-valued twin of
	// SidBlockSSMDecryption; explanations report SidBlockSSMDecryption.
	sidBlockSSMDecryptionAny = "BlockSSMParameterDecryptionAnyValue"
)

// blocklistDoc mirrors AWS Chatbot's list of operations that are blocked in
// chat whatever the policies say: every operation of services that mint,
// manage or reveal credentials, and single operations that return secrets or
// object contents. Every entry is an IAM action (checked against the IAM
// reference in testdata/iam-reference.json), because the same statements go
// to AWS as session policy denies (NewSessionPolicy), where only IAM action
// names match. AWS Chatbot's published list also names s3:HeadObject and
// ecr:GetLogin, which are API or CLI names, not IAM actions: HeadObject is
// authorized as s3:GetObject and "aws ecr get-login" calls
// ecr:GetAuthorizationToken, both listed. Likewise the sso-admin API is
// authorized with the sso prefix.
//
// Beyond AWS Chatbot's list, the credential statement names the other IAM
// prefixes of the services it lists (IAM Identity Center is sso,
// sso-directory, sso-oauth, identitystore and identitystore-auth), Cognito
// identity pools (cognito-identity:GetCredentialsForIdentity hands out AWS
// credentials) and AWS Sign-In (signin: console and OAuth tokens); the
// secret statement names the siblings of listed actions that return the
// same kind of secret (redshift:GetClusterCredentialsWithIAM,
// redshift-serverless:GetCredentials, ecr-public and codeartifact
// authorization tokens, lightsail:GetRelationalDatabaseMasterUserPassword).
//
// The SSM statements are conditioned on KeyWithDecryption
// with negated operators, so a request that does not say "false" explicitly
// (absent, or several values of which one is not "false") is treated as
// decrypting (fail closed); the first catches an absent key, the second a
// multi-valued one, which the first would let through as soon as one value
// is "false".
const blocklistDoc = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "BlockCredentialServices",
      "Effect": "Deny",
      "Action": ["iam:*", "sts:*", "kms:*", "secretsmanager:*", "cognito-idp:*", "cognito-identity:*", "sdb:*",
                 "sso:*", "sso-directory:*", "sso-oauth:*", "identitystore:*", "identitystore-auth:*",
                 "signin:*", "chatbot:*"],
      "Resource": "*"
    },
    {
      "Sid": "BlockSecretReadingActions",
      "Effect": "Deny",
      "Action": [
        "appsync:ListApiKeys",
        "codeartifact:GetAuthorizationToken",
        "codecommit:GetFile", "codecommit:GetCommit", "codecommit:GetDifferences",
        "connect:GetFederationToken",
        "dynamodb:BatchGetItem", "dynamodb:GetItem",
        "ec2:GetPasswordData",
        "ecr:GetAuthorizationToken", "ecr-public:GetAuthorizationToken",
        "gamelift:RequestUploadCredentials", "gamelift:GetInstanceAccess",
        "lightsail:DownloadDefaultKeyPair", "lightsail:GetInstanceAccessDetails",
        "lightsail:GetKeyPair", "lightsail:GetKeyPairs", "lightsail:UpdateRelationalDatabase",
        "lightsail:GetRelationalDatabaseMasterUserPassword",
        "redshift:GetClusterCredentials", "redshift:GetClusterCredentialsWithIAM",
        "redshift-serverless:GetCredentials",
        "storagegateway:DescribeChapCredentials",
        "s3:GetBucketPolicy", "s3:GetObject",
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
    },
    {
      "Sid": "BlockSSMParameterDecryptionAnyValue",
      "Effect": "Deny",
      "Action": "ssm:GetParameter*",
      "Resource": "*",
      "Condition": {"ForAnyValue:StringNotEqualsIgnoreCase": {"chatops:WithDecryption": "false"}}
    }
  ]
}`

var blockReasons = map[string]string{
	SidBlockCredentialServices: "operations of IAM, STS, KMS, Secrets Manager, Cognito, SimpleDB, IAM Identity Center, AWS Sign-In and the chat service itself can create or reveal credentials, so they are never run from chat",
	SidBlockSecretReads:        "this operation can return secrets, credentials or data contents into the channel, so it is never run from chat",
	SidBlockSSMDecryption:      "reading SecureString parameters with decryption would post secrets into the channel; run it without --with-decryption",
	SidInvalidAction:           "the action is not a single IAM action (service:Operation, no wildcards), so it cannot be checked against the blocklist",
	sidBlockSSMDecryptionAny:   "reading SecureString parameters with decryption would post secrets into the channel; run it without --with-decryption",
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
// sentence for the chat user). Like Authorize, it refuses an action that is
// not one IAM action (SidInvalidAction).
func Blocked(req Request) (reason string, blocked bool) {
	if !validRequestAction(req.Action) {
		return blockReasons[SidInvalidAction], true
	}
	unknown := req.unknownResource()
	key := makeActionKey(req.Action)
	rc := reqContext{m: req.Context}
	blocklist().forEachMatch(&key, func(st *Statement) bool {
		if st.appliesBeyondAction(&req, &rc, unknown) {
			reason, blocked = blockReasons[st.Sid], true
		}
		return !blocked
	})
	return reason, blocked
}

// validRequestAction reports whether a request's action names exactly one
// IAM action: "service:Operation", both parts non-empty, ASCII, no
// wildcard, space or control character (see badBytes for why ASCII).
func validRequestAction(a string) bool {
	k := makeActionKey(a)
	return k.valid
}

// BlockedService reports whether the built-in blocklist denies every
// operation of the service with IAM prefix iamPrefix ("iam", "sso-oauth";
// case-insensitive), and why, so the bot can answer "blocked for everyone"
// for a service it has no operation table for. It is false for services of
// which only some operations are blocked (use Blocked or Authorize per
// action) and for anything that is not a service prefix.
func BlockedService(iamPrefix string) (reason string, blocked bool) {
	if iamPrefix == "" || strings.ContainsAny(iamPrefix, ":*? \t") {
		return "", false
	}
	want := asciiLower(iamPrefix) + ":"
	bl := blocklist()
	for i := range bl.statements {
		st := &bl.statements[i]
		if st.Effect != EffectDeny || st.notAction || st.notResource || len(st.conditions) > 0 {
			continue
		}
		for j := range st.actions {
			if t := st.actions[j].toks; len(t) == 2 && t[0].kind == tokLit && t[0].s == want && t[1].kind == tokStar {
				return blockReasons[st.Sid], true
			}
		}
	}
	return "", false
}
