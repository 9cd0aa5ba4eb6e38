package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

var (
	// ErrTableMismatch is returned by CreateTable when a table of that name
	// exists with another key schema.
	ErrTableMismatch = errors.New("dynamostore: existing table has another key schema")
	// ErrTTLUnsupported is returned by CreateTable when the table exists but
	// the endpoint cannot enable TTL (some emulators). The Store still
	// works, since expiry is also checked on read; expired items are just
	// never deleted.
	ErrTTLUnsupported = errors.New("dynamostore: endpoint does not support TimeToLive")
)

// TableAPI is the part of *dynamodb.Client that CreateTable uses.
type TableAPI interface {
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	DescribeTimeToLive(ctx context.Context, in *dynamodb.DescribeTimeToLiveInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTimeToLiveOutput, error)
	UpdateTimeToLive(ctx context.Context, in *dynamodb.UpdateTimeToLiveInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

var _ TableAPI = (*dynamodb.Client)(nil)

// tableWait bounds how long CreateTable waits for a new table to become
// active; ctx may end it sooner.
const tableWait = 5 * time.Minute

// CreateTable creates the table a Store needs (on-demand billing, partition
// key namespace, sort key key), waits until it is active and enables TTL on
// the expires attribute. It is idempotent: an existing table with the same
// key schema is fine, and TTL already enabled is left alone. Hosts that
// manage infrastructure with CloudFormation use the snippet in the package
// doc instead.
func CreateTable(ctx context.Context, client TableAPI, table string) error {
	if client == nil || table == "" {
		return errors.New("dynamostore: create table: nil client or empty table name")
	}
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(AttrNamespace), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrKey), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: wantSchema(),
	})
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("dynamostore: create table %s: %w", table, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Second, 10*time.Second
	})
	desc, err := waiter.WaitForOutput(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, tableWait)
	if err != nil {
		return fmt.Errorf("dynamostore: create table %s: wait until active: %w", table, err)
	}
	if got := desc.Table.KeySchema; !sameSchema(got, wantSchema()) {
		return fmt.Errorf("%w: table %s has %s, want %s", ErrTableMismatch, table, schemaString(got), schemaString(wantSchema()))
	}
	return enableTTL(ctx, client, table)
}

func enableTTL(ctx context.Context, client TableAPI, table string) error {
	ttl, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	if err != nil {
		return fmt.Errorf("dynamostore: create table %s: describe TTL: %w", table, err)
	}
	if d := ttl.TimeToLiveDescription; d != nil {
		on := d.TimeToLiveStatus == types.TimeToLiveStatusEnabled || d.TimeToLiveStatus == types.TimeToLiveStatusEnabling
		switch {
		case on && aws.ToString(d.AttributeName) == AttrExpires:
			return nil
		case on:
			return fmt.Errorf("dynamostore: create table %s: TTL is enabled on attribute %q, want %q",
				table, aws.ToString(d.AttributeName), AttrExpires)
		}
	}
	_, err = client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(AttrExpires),
			Enabled:       aws.Bool(true),
		},
	})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "UnknownOperationException" {
		return fmt.Errorf("dynamostore: create table %s: enable TTL: %w: %w", table, ErrTTLUnsupported, err)
	}
	if err != nil {
		return fmt.Errorf("dynamostore: create table %s: enable TTL: %w", table, err)
	}
	return nil
}

func wantSchema() []types.KeySchemaElement {
	return []types.KeySchemaElement{
		{AttributeName: aws.String(AttrNamespace), KeyType: types.KeyTypeHash},
		{AttributeName: aws.String(AttrKey), KeyType: types.KeyTypeRange},
	}
}

func sameSchema(a, b []types.KeySchemaElement) bool {
	return slices.EqualFunc(a, b, func(x, y types.KeySchemaElement) bool {
		return aws.ToString(x.AttributeName) == aws.ToString(y.AttributeName) && x.KeyType == y.KeyType
	})
}

func schemaString(s []types.KeySchemaElement) string {
	out := ""
	for i, e := range s {
		if i > 0 {
			out += ", "
		}
		out += aws.ToString(e.AttributeName) + " " + string(e.KeyType)
	}
	return "[" + out + "]"
}
