package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command"
)

func entries(t *testing.T, js string) []mapEntry {
	t.Helper()
	var e []mapEntry
	require.NoError(t, json.Unmarshal([]byte(js), &e))
	return e
}

func TestFromMap(t *testing.T) {
	t.Parallel()
	members := map[string]inputMember{
		"FunctionName": {required: true}, "Role": {required: true},
		"IamInstanceProfile": {}, "LaunchTemplate": {}, "TagSpecifications": {}, "VersionId": {},
		"TransactItems": {required: true}, "TaggingDirective": {}, "Tags": {},
	}
	tests := []struct {
		name string
		js   string
		want opIAM
	}{
		{"one action", `[{"action":"lambda:InvokeFunction","resource_mappings":{}}]`,
			opIAM{Actions: []string{"lambda:InvokeFunction"}}},
		{"role from a required member is always passed",
			`[{"action":"lambda:CreateFunction"},{"action":"iam:PassRole","arn_override":{"template":"${Role}"}}]`,
			opIAM{Actions: []string{"lambda:CreateFunction", "iam:PassRole"}}},
		{"role gated on optional members, each a condition",
			`[{"action":"ec2:RunInstances"},
			  {"action":"iam:PassRole","arn_override":{"template":"%%iftruthy%${IamInstanceProfile.Arn}%*%%%"}},
			  {"action":"iam:PassRole","arn_override":{"template":"%%iftruthy%${LaunchTemplate.LaunchTemplateId}%arn:${Partition}:x:${Region}::y/*%%%"}}]`,
			opIAM{Actions: []string{"ec2:RunInstances"}, Conditional: []command.ConditionalAction{
				{Action: "iam:PassRole", Param: "iam-instance-profile"}, {Action: "iam:PassRole", Param: "launch-template"}}}},
		{"resource ARN mapping gated on a member",
			`[{"action":"ec2:CreateVpc"},{"action":"ec2:CreateTags","resourcearn_mappings":{"vpc":"%%iftruthy%${TagSpecifications[].ResourceType}%arn:${Partition}:ec2:${Region}:${Account}:vpc/*%%%"}}]`,
			opIAM{Actions: []string{"ec2:CreateVpc"}, Conditional: []command.ConditionalAction{{Action: "ec2:CreateTags", Param: "tag-specifications"}}}},
		{"Exists on an optional member is a condition; NotExists is always",
			`[{"action":"s3:GetObject","conditions":{"lhs":"VersionId","op":"NotExists"}},{"action":"s3:GetObjectVersion","conditions":{"lhs":"VersionId","op":"Exists"}}]`,
			opIAM{Actions: []string{"s3:GetObject"}, Conditional: []command.ConditionalAction{{Action: "s3:GetObjectVersion", Param: "version-id"}}}},
		{"Exists inside a required member is always",
			`[{"action":"dynamodb:ConditionCheckItem","conditions":{"lhs":"TransactItems[].ConditionCheck","op":"Exists"}},{"action":"dynamodb:PutItem","conditions":{"lhs":"TransactItems[].Put","op":"Exists"}}]`,
			opIAM{Actions: []string{"dynamodb:ConditionCheckItem", "dynamodb:PutItem"}}},
		{"other conditions are read as always",
			`[{"action":"s3:PutObject"},{"action":"s3:GetObjectTagging","conditions":{"lhs":"TaggingDirective","op":"NotEquals","rhs":"REPLACE"}}]`,
			opIAM{Actions: []string{"s3:PutObject", "s3:GetObjectTagging"}}},
		{"a member the input does not have is always",
			`[{"action":"s3:PutReplicationConfiguration"},{"action":"iam:PassRole","arn_override":{"template":"${Role2}"}}]`,
			opIAM{Actions: []string{"s3:PutReplicationConfiguration", "iam:PassRole"}}},
		{"a fixed ARN is always", `[{"action":"rds:CreateDBInstance"},{"action":"rds:AddTagsToResource","arn_override":{"template":"*"}}]`,
			opIAM{Actions: []string{"rds:CreateDBInstance", "rds:AddTagsToResource"}}},
		{"an action both gated and not is always",
			`[{"action":"ec2:RunInstances"},{"action":"iam:PassRole","arn_override":{"template":"%%iftruthy%${IamInstanceProfile.Arn}%*%%%"}},{"action":"iam:PassRole"}]`,
			opIAM{Actions: []string{"ec2:RunInstances", "iam:PassRole"}}},
		{"a member spelt as the API spells it", `[{"action":"sqs:CreateQueue"},{"action":"sqs:TagQueue","conditions":{"lhs":"tags","op":"Exists"}}]`,
			opIAM{Actions: []string{"sqs:CreateQueue"}, Conditional: []command.ConditionalAction{{Action: "sqs:TagQueue", Param: "tags"}}}},
		{"duplicates collapse", `[{"action":"budgets:ViewBudget"},{"action":"budgets:ViewBudget"}]`,
			opIAM{Actions: []string{"budgets:ViewBudget"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, fromMap(entries(t, tt.js), members))
		})
	}
}

func TestLevel(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]command.AccessLevel{
		"List": command.AccessList, "Read": command.AccessRead, "Tagging": command.AccessTagging,
		"Write": command.AccessWrite, "Permissions management": command.AccessPermissions,
		"Permissions management, Write": command.AccessPermissions, "Read, Write": command.AccessWrite,
	} {
		got, err := level(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := level("Admin")
	require.ErrorIs(t, err, command.ErrUnknownAccessLevel)
}

func testInput() *iamInput {
	return &iamInput{used: map[string]bool{}, ref: reference{
		"s3":     {"GetObject": "Read", "GetObjectVersion": "Read", "ListBucket": "List", "PutObject": "Write", "PutObjectAcl": "Permissions management", "PutObjectTagging": "Tagging"},
		"lambda": {"InvokeFunction": "Write", "GetFunction": "Read"},
	}}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	s3 := svc{CLI: "s3api", SDK: "s3", IAM: "s3", Map: "S3"}
	lambda := svc{CLI: "lambda", SDK: "lambda", IAM: "lambda", Map: "Lambda"}
	tests := []struct {
		name     string
		s        svc
		api      string
		previous map[string]opIAM
		mapping  map[string][]mapEntry
		want     opIAM
		access   command.AccessLevel
	}{
		{"name-derived and right: the table says nothing", lambda, "GetFunction", nil, nil, opIAM{}, command.AccessRead},
		{"previous table kept without a map", s3, "ListObjectsV2", map[string]opIAM{"ListObjectsV2": {Actions: []string{"s3:ListBucket"}}}, nil,
			opIAM{Actions: []string{"s3:ListBucket"}}, command.AccessList},
		{"map wins over the previous table, spelling made canonical", lambda, "Invoke",
			map[string]opIAM{"Invoke": {Actions: []string{"lambda:Wrong"}}},
			map[string][]mapEntry{"Lambda.Invoke": {{Action: "lambda:invokefunction"}}},
			opIAM{Actions: []string{"lambda:InvokeFunction"}}, command.AccessWrite},
		{"hand fix wins over everything; a conditional action does not raise a mutating level", s3, "CopyObject", nil,
			map[string][]mapEntry{"S3.CopyObject": {{Action: "s3:ListBucket"}}},
			opIAM{Actions: []string{"s3:GetObject", "s3:PutObject"}}, command.AccessWrite},
		{"an action missing from the reference leaves the level Unknown", lambda, "GetAlias", nil, nil, opIAM{}, command.AccessUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := testInput()
			in.mapping = tt.mapping
			o, access := in.decide(tt.s, opInfo{API: tt.api, CLI: "x"}, map[string]inputMember{}, tt.previous)
			assert.Equal(t, tt.want.Actions, o.Actions)
			if tt.want.Conditional != nil {
				assert.Equal(t, tt.want.Conditional, o.Conditional)
			}
			assert.Equal(t, tt.access, access)
		})
	}
	// decide works on copies: the shared hand fixes stay as written.
	in := testInput()
	o, _ := in.decide(s3, opInfo{API: "CopyObject"}, nil, nil)
	o.Actions[0] = "changed"
	assert.Equal(t, "s3:GetObject", handFixes["s3.CopyObject"].Actions[0])

	// A read-only operation whose conditional action writes takes the
	// conditional action's level.
	in = testInput()
	in.mapping = map[string][]mapEntry{"S3.GetObject": {{Action: "s3:GetObject"}}}
	_, access := in.decide(svc{CLI: "s3api", SDK: "s3x", IAM: "s3", Map: "S3"}, opInfo{API: "GetObject"}, map[string]inputMember{"ACL": {}},
		map[string]opIAM{})
	assert.Equal(t, command.AccessRead, access)
	in.mapping = map[string][]mapEntry{"S3.GetObject": {{Action: "s3:GetObject"}, {Action: "s3:PutObjectAcl", Conditions: &struct {
		LHS string `json:"lhs"`
		Op  string `json:"op"`
	}{LHS: "ACL", Op: "Exists"}}}}
	o, access = in.decide(svc{CLI: "s3api", SDK: "s3x", IAM: "s3", Map: "S3"}, opInfo{API: "GetObject"}, map[string]inputMember{"ACL": {}}, nil)
	assert.Equal(t, []command.ConditionalAction{{Action: "s3:PutObjectAcl", Param: "acl"}}, o.Conditional)
	assert.Equal(t, command.AccessPermissions, access)
}

// What the generator writes, previousIAM reads back.
func TestPreviousIAMRoundTrip(t *testing.T) {
	t.Parallel()
	o := opIAM{Actions: []string{"s3:GetObject", "s3:PutObject"}, Conditional: []command.ConditionalAction{{Param: "acl", Action: "s3:PutObjectAcl"}, {Param: "tagging", Action: "s3:PutObjectTagging"}}}
	src := `package x

func Service() *awsexec.Service {
	return awsexec.NewService("s3api", "s3", s3.NewFromConfig, info(),
		awsexec.Op("copy-object", "CopyObject", awsexec.AccessWrite, "Copies.", (*s3.Client).CopyObject)` + iamSuffix(o) + `,
		awsexec.PagedOp("list-objects-v2", "ListObjectsV2", awsexec.AccessList, "Lists.", (*s3.Client).ListObjectsV2, s3.NewListObjectsV2Paginator)` + iamSuffix(opIAM{Actions: []string{"s3:ListBucket"}}) + `,
		awsexec.Op("get-object", "GetObject", awsexec.AccessRead, "Gets.", (*s3.Client).GetObject)` + iamSuffix(opIAM{Conditional: []command.ConditionalAction{{Param: "version-id", Action: "s3:GetObjectVersion"}}}) + `,
		awsexec.Op("put-bucket-acl", "PutBucketAcl", awsexec.AccessPermissions, "Puts.", (*s3.Client).PutBucketAcl),
	)
}
`
	path := filepath.Join(t.TempDir(), "zz_generated.go")
	require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
	got, err := previousIAM(path)
	require.NoError(t, err)
	assert.Equal(t, map[string]opIAM{
		"CopyObject":    o,
		"ListObjectsV2": {Actions: []string{"s3:ListBucket"}},
		"GetObject":     {Conditional: []command.ConditionalAction{{Param: "version-id", Action: "s3:GetObjectVersion"}}},
	}, got)

	none, err := previousIAM(filepath.Join(t.TempDir(), "absent.go"))
	require.NoError(t, err)
	assert.Empty(t, none)
}
