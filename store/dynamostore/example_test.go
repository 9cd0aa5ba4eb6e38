package dynamostore_test

import (
	"context"
	"errors"
	"log"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/opschat/opschat/store/dynamostore"
)

// Every replica builds the same Store on the shared table. (Not run: it
// needs AWS credentials; the tests run the same calls against dynalite.)
func Example() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	client := dynamodb.NewFromConfig(cfg)
	// Usually done once by CloudFormation (see the package doc); safe to
	// repeat at start-up.
	if err := dynamostore.CreateTable(ctx, client, "opschat-state"); err != nil && !errors.Is(err, dynamostore.ErrTTLUnsupported) {
		log.Fatal(err)
	}
	st, err := dynamostore.New(client, "opschat-state")
	if err != nil {
		log.Fatal(err)
	}
	// Whichever replica receives the SNS message first delivers it.
	if first, err := st.PutIfAbsent(ctx, "dedup", "sns/5c1e", nil, time.Hour); err == nil && first {
		log.Print("deliver")
	}
}
