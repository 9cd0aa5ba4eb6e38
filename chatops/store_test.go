package chatops_test

import (
	"github.com/opschat/opschat/chatops"
	"github.com/opschat/opschat/store/boltstore"
	"github.com/opschat/opschat/store/dynamostore"
)

// The durable stores satisfy the bot's Store (checked here, in a test, so
// that chatops itself does not link bbolt or the DynamoDB client).
var (
	_ chatops.Store = (*boltstore.Store)(nil)
	_ chatops.Store = (*dynamostore.Store)(nil)
)
