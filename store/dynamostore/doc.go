// Package dynamostore is a Store on one DynamoDB table, for hosts that run
// several replicas which must share state: a confirmation asked by one
// replica can be answered through another, and a notification is delivered
// once however many replicas receive it.
//
// An item is one entry: partition key "namespace" (S), sort key "key" (S),
// "value" (B, left out when empty), and for entries with a TTL "expires"
// (N, Unix seconds rounded up: the table's TTL attribute) and "expires_ns"
// (N, Unix nanoseconds). DynamoDB's TTL reaper deletes expired items late
// (often hours later), so every read also compares expires_ns with the
// clock, and PutIfAbsent's condition is
// "attribute_not_exists(key) OR expires_ns <= now": an expired item that is
// still there counts as absent. List is a paginated Query with begins_with;
// reads are strongly consistent unless WithEventuallyConsistentReads.
//
// Limits are DynamoDB's: an item is at most 400 KB (MaxItemSize, names and
// values together; a larger Put fails with ErrTooLarge before any request),
// a namespace at most 2048 bytes and a key at most 1024 bytes, neither empty
// (ErrInvalidKey).
//
// CreateTable makes the table from code (tests, small setups). A host that
// manages infrastructure with CloudFormation pastes this instead:
//
//	OpsChatStateTable:
//	  Type: AWS::DynamoDB::Table
//	  Properties:
//	    TableName: opschat-state
//	    BillingMode: PAY_PER_REQUEST
//	    AttributeDefinitions:
//	      - AttributeName: namespace
//	        AttributeType: S
//	      - AttributeName: key
//	        AttributeType: S
//	    KeySchema:
//	      - AttributeName: namespace
//	        KeyType: HASH
//	      - AttributeName: key
//	        KeyType: RANGE
//	    TimeToLiveSpecification:
//	      AttributeName: expires
//	      Enabled: true
//	    PointInTimeRecoverySpecification:
//	      PointInTimeRecoveryEnabled: true
//	    SSESpecification:
//	      SSEEnabled: true
//
// and grants the bot's own role (not the roles it assumes for chat
// commands) these actions on the table's ARN:
//
//	Statement:
//	  - Effect: Allow
//	    Action: [dynamodb:GetItem, dynamodb:PutItem, dynamodb:DeleteItem, dynamodb:Query]
//	    Resource: !GetAtt OpsChatStateTable.Arn
//
// The store may hold chat platform tokens: keep the table encrypted and its
// access limited to the bot.
package dynamostore
