package main

import "github.com/opschat/opschat/command"

// handFixes are IAM actions written by hand, keyed by SDK package and API
// name. Each entry follows the AWS documentation it cites ("API reference"
// is the operation's page in the service's API reference, whose text is
// also the SDK's doc comment; "SAR" is the IAM Service Authorization
// Reference). They win over the iam-dataset map: they cover operations
// newer than it, and places where it over- or under-states.
var handFixes = map[string]opIAM{
	// S3 API reference, version-specific permissions: a request naming a
	// version is authorized as the *Version* action. AWS then no longer
	// needs the unversioned one, but we keep it: the model can only add
	// actions, and requiring one too many only refuses a command.
	"s3.GetObject":           {Conditional: ifGiven("version-id", "s3:GetObjectVersion")},
	"s3.GetObjectAcl":        {Conditional: ifGiven("version-id", "s3:GetObjectVersionAcl")},
	"s3.GetObjectTagging":    {Conditional: ifGiven("version-id", "s3:GetObjectVersionTagging")},
	"s3.GetObjectAttributes": {Conditional: ifGiven("version-id", "s3:GetObjectVersionAttributes")},
	"s3.PutObjectAcl":        {Conditional: ifGiven("version-id", "s3:PutObjectVersionAcl")},
	"s3.PutObjectTagging":    {Conditional: ifGiven("version-id", "s3:PutObjectVersionTagging")},
	"s3.DeleteObjectTagging": {Conditional: ifGiven("version-id", "s3:DeleteObjectVersionTagging")},
	"s3.DeleteObject":        {Conditional: ifGiven("version-id", "s3:DeleteObjectVersion")},
	// S3 API reference, PutObject "Permissions": s3:PutObject always,
	// s3:PutObjectAcl to set an ACL, s3:PutObjectTagging to set tags.
	"s3.PutObject": {
		Conditional: append(ifGiven("tagging", "s3:PutObjectTagging"), aclGrants("s3:PutObjectAcl")...),
	},
	// S3 API reference, CopyObject "Permissions": s3:GetObject on the
	// source and s3:PutObject on the destination; tags and ACLs as for
	// PutObject. (The iam-dataset map also lists s3:ListBucket,
	// s3:GetObjectVersion and s3:PutObjectAcl unconditionally, which would
	// refuse every copy under a guardrail that grants what AWS documents.)
	"s3.CopyObject": {
		Actions:     []string{"s3:GetObject", "s3:PutObject"},
		Conditional: append(ifGiven("tagging", "s3:PutObjectTagging"), aclGrants("s3:PutObjectAcl")...),
	},
	// S3 API reference: "To use this operation, you must have permission
	// to perform the s3:PutIntelligentTieringConfiguration action" (the
	// iam-dataset map names an action that does not exist).
	"s3.DeleteBucketIntelligentTieringConfiguration": {Actions: []string{"s3:PutIntelligentTieringConfiguration"}},
	// S3 API reference: "you must have the s3:PutBucketOwnershipControls
	// permission".
	"s3.DeleteBucketOwnershipControls": {Actions: []string{"s3:PutBucketOwnershipControls"}},
	// S3 API reference (metadata configurations): "The IAM policy action
	// name is the same for the V1 and V2 API operations".
	"s3.CreateBucketMetadataConfiguration": {Actions: []string{"s3:CreateBucketMetadataTableConfiguration"}},
	"s3.GetBucketMetadataConfiguration":    {Actions: []string{"s3:GetBucketMetadataTableConfiguration"}},
	"s3.DeleteBucketMetadataConfiguration": {Actions: []string{"s3:DeleteBucketMetadataTableConfiguration"}},
	// S3 API reference: directory-bucket operations are authorized through
	// S3 Express One Zone actions (s3express:CreateSession for
	// CreateSession and RenameObject, s3express:ListAllMyDirectoryBuckets
	// for ListDirectoryBuckets).
	"s3.CreateSession":        {Actions: []string{"s3express:CreateSession"}},
	"s3.RenameObject":         {Actions: []string{"s3express:CreateSession"}},
	"s3.ListDirectoryBuckets": {Actions: []string{"s3express:ListAllMyDirectoryBuckets"}},

	// CloudFormation API reference: EstimateTemplateCost takes no role, and
	// the SAR lists cloudformation:EstimateTemplateCost alone (Read); the
	// iam-dataset map adds iam:PassRole on "*", which would make a cost
	// estimate ask for confirmation and need PassRole.
	"cloudformation.EstimateTemplateCost": {Actions: []string{"cloudformation:EstimateTemplateCost"}},
	// SNS API reference, CreateTopic: roles are passed only through the
	// delivery-status attributes (the map lists iam:PassRole always).
	"sns.CreateTopic": {Conditional: ifGiven("attributes", "iam:PassRole")},

	// SQS developer guide, "Amazon SQS API permissions": the batch actions
	// are authorized by the single-message actions (SAR has no *Batch).
	"sqs.ChangeMessageVisibilityBatch": {Actions: []string{"sqs:ChangeMessageVisibility"}},
	"sqs.DeleteMessageBatch":           {Actions: []string{"sqs:DeleteMessage"}},
	"sqs.SendMessageBatch":             {Actions: []string{"sqs:SendMessage"}},
	// SNS API reference, PublishBatch: uses the sns:Publish permission.
	"sns.PublishBatch": {Actions: []string{"sns:Publish"}},

	// Lambda API reference, InvokeWithResponseStream: "requires permission
	// for the lambda:InvokeFunction action" (SAR has no separate action).
	"lambda.InvokeWithResponseStream": {Actions: []string{"lambda:InvokeFunction"}},

	// Budgets user guide, "Budgets actions": every Describe* operation is
	// authorized by budgets:ViewBudget.
	"budgets.DescribeBudgetNotificationsForAccount": {Actions: []string{"budgets:ViewBudget"}},

	// Security Hub API reference: "GetFindings and GetFindingsV2 both use
	// securityhub:GetFindings in the Action element of an IAM policy
	// statement", likewise BatchUpdateFindings(V2), and
	// "GetFindingStatisticsV2 uses securityhub:GetAdhocInsightResults".
	"securityhub.GetFindingsV2":          {Actions: []string{"securityhub:GetFindings"}},
	"securityhub.BatchUpdateFindingsV2":  {Actions: []string{"securityhub:BatchUpdateFindings"}},
	"securityhub.GetFindingStatisticsV2": {Actions: []string{"securityhub:GetAdhocInsightResults"}},

	// SSM API reference, Register/DeregisterDefaultHostManagementConfiguration:
	// the service setting permissions plus iam:GetRole and iam:PassRole for
	// the role (registering) or iam:DeleteRole when the registered role is
	// service-managed (deregistering; the account's state decides, so it is
	// always required here). With PermissionModel SERVICE_MANAGED, AWS also
	// checks iam:CreateRole and iam:AttachRolePolicy.
	"ssm.RegisterDefaultHostManagementConfiguration": {
		Actions: []string{"ssm:GetServiceSetting", "ssm:UpdateServiceSetting", "iam:GetRole", "iam:PassRole"},
		Conditional: []command.ConditionalAction{
			{Param: "permission-model", Action: "iam:CreateRole"},
			{Param: "permission-model", Action: "iam:AttachRolePolicy"},
		},
	},
	"ssm.DeregisterDefaultHostManagementConfiguration": {
		Actions: []string{"ssm:GetServiceSetting", "ssm:ResetServiceSetting", "iam:DeleteRole"},
	},
}

func ifGiven(param, action string) []command.ConditionalAction {
	return []command.ConditionalAction{{Param: param, Action: action}}
}

// aclGrants are the S3 parameters that set an object ACL.
func aclGrants(action string) []command.ConditionalAction {
	var out []command.ConditionalAction
	for _, p := range []string{"acl", "grant-full-control", "grant-read", "grant-read-acp", "grant-write-acp"} {
		out = append(out, command.ConditionalAction{Param: p, Action: action})
	}
	return out
}

// accessOverrides replace the access level the reference gives an
// operation's actions, keyed like handFixes. An entry is acceptable only
// where IAM calls an action Write although it only reads (it starts a
// query whose results are read later): such commands then run without
// confirmation. Each entry says why, and the reference test in
// services/common must list it too (it checks every level against the
// reference). None is needed for the shipped tables: logs:StartQuery,
// logs:StartLiveTail and the like are already Read in the reference; the
// classic case, athena:StartQueryExecution (Write), is not shipped.
var accessOverrides = map[string]command.AccessLevel{}
