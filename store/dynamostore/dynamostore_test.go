package dynamostore_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/internal/dynalite"
	"github.com/opschat/opschat/internal/memstore"
	"github.com/opschat/opschat/store/dynamostore"
	"github.com/opschat/opschat/store/storetest"
)

// server is one dynalite for a test (and its subtests), with a fresh table
// for each caller of table.
type server struct {
	client *dynamodb.Client
	n      atomic.Int64
}

func newServer(t testing.TB) *server {
	t.Helper()
	endpoint := dynalite.Start(t)
	client := dynamodb.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "not-a-secret", ""),
	})
	return &server{client: client}
}

// table creates a new table. dynalite has no UpdateTimeToLive, which
// CreateTable reports as ErrTTLUnsupported after creating the table.
func (s *server) table(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("opschat-test-%d", s.n.Add(1))
	err := dynamostore.CreateTable(context.Background(), s.client, name)
	if err != nil {
		require.ErrorIs(t, err, dynamostore.ErrTTLUnsupported)
	}
	return name
}

func (s *server) store(t testing.TB, api dynamostore.API, opts ...dynamostore.Option) *dynamostore.Store {
	t.Helper()
	if api == nil {
		api = s.client
	}
	st, err := dynamostore.New(api, s.table(t), opts...)
	require.NoError(t, err)
	return st
}

func TestConformance(t *testing.T) {
	srv := newServer(t)
	storetest.RunWithClock(t, func(t *testing.T, now func() time.Time) storetest.Store {
		return srv.store(t, nil, dynamostore.WithNow(now))
	}, storetest.WithValueLimit(dynamostore.MaxItemSize, dynamostore.ErrTooLarge))
}

func TestConformanceRealClock(t *testing.T) {
	srv := newServer(t)
	storetest.Run(t, func(t *testing.T) storetest.Store {
		return srv.store(t, nil)
	}, storetest.WithValueLimit(dynamostore.MaxItemSize, dynamostore.ErrTooLarge))
}

// TestReplicas runs two Stores on one table, as two replicas would: each
// sees the other's writes, and PutIfAbsent has one winner across both.
func TestReplicas(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	table := srv.table(t)
	a, err := dynamostore.New(srv.client, table)
	require.NoError(t, err)
	b, err := dynamostore.New(srv.client, table)
	require.NoError(t, err)

	require.NoError(t, a.Put(ctx, "pending", "T1/C1", []byte("ec2 reboot-instances"), time.Minute))
	v, ok, err := b.Get(ctx, "pending", "T1/C1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "ec2 reboot-instances", string(v))

	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 32 {
		st := a
		if i%2 == 1 {
			st = b
		}
		wg.Go(func() {
			ok, err := st.PutIfAbsent(ctx, "dedup", "msg-1", []byte(strconv.Itoa(i)), time.Hour)
			assert.NoError(t, err)
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
}

// TestItemLayout reads raw items: the TTL attribute is whole seconds rounded
// up (so DynamoDB never deletes early), expires_ns is exact, and an entry
// without TTL has neither.
func TestItemLayout(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	now := time.Unix(1_800_000_000, 250_000_000)
	table := srv.table(t)
	st, err := dynamostore.New(srv.client, table, dynamostore.WithNow(func() time.Time { return now }))
	require.NoError(t, err)
	require.NoError(t, st.Put(ctx, "ns", "ttl", []byte("v"), 1500*time.Millisecond))
	require.NoError(t, st.Put(ctx, "ns", "forever", []byte("v"), 0))
	require.NoError(t, st.Put(ctx, "ns", "empty", nil, 0))

	raw := func(key string) map[string]types.AttributeValue {
		out, err := srv.client.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(table),
			Key: map[string]types.AttributeValue{
				"namespace": &types.AttributeValueMemberS{Value: "ns"},
				"key":       &types.AttributeValueMemberS{Value: key},
			},
		})
		require.NoError(t, err)
		require.NotNil(t, out.Item)
		return out.Item
	}
	it := raw("ttl")
	assert.Equal(t, &types.AttributeValueMemberN{Value: "1800000002"}, it["expires"], "1800000001.75 rounds up")
	assert.Equal(t, &types.AttributeValueMemberN{Value: "1800000001750000000"}, it["expires_ns"])
	assert.Equal(t, &types.AttributeValueMemberB{Value: []byte("v")}, it["value"])
	it = raw("forever")
	assert.NotContains(t, it, "expires")
	assert.NotContains(t, it, "expires_ns")
	it = raw("empty")
	assert.NotContains(t, it, "value")
}

func TestCreateTable(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	table := srv.table(t)
	err := dynamostore.CreateTable(ctx, srv.client, table)
	if err != nil {
		assert.ErrorIs(t, err, dynamostore.ErrTTLUnsupported, "an existing table is fine")
	}
	desc, err := srv.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	require.NoError(t, err)
	assert.Equal(t, types.TableStatusActive, desc.Table.TableStatus)
	require.NotNil(t, desc.Table.BillingModeSummary)
	assert.Equal(t, types.BillingModePayPerRequest, desc.Table.BillingModeSummary.BillingMode)

	_, err = srv.client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("other-schema"),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	})
	require.NoError(t, err)
	err = dynamostore.CreateTable(ctx, srv.client, "other-schema")
	assert.ErrorIs(t, err, dynamostore.ErrTableMismatch)
	assert.ErrorContains(t, err, "id HASH")
}

// counting wraps the client and counts Query and PutItem requests.
type counting struct {
	dynamostore.API
	queries, puts atomic.Int32
}

func (c *counting) Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.queries.Add(1)
	return c.API.Query(ctx, in, optFns...)
}

func (c *counting) PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.puts.Add(1)
	return c.API.PutItem(ctx, in, optFns...)
}

func TestListReadsEveryPage(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	api := &counting{API: srv.client}
	st := srv.store(t, api, dynamostore.WithPageSize(3))
	for i := range 10 {
		require.NoError(t, st.Put(ctx, "ns", fmt.Sprintf("p/%02d", i), []byte{byte(i)}, 0))
	}
	require.NoError(t, st.Put(ctx, "ns", "q/1", []byte("x"), 0))
	items, err := st.List(ctx, "ns", "p/")
	require.NoError(t, err)
	assert.Len(t, items, 10)
	assert.GreaterOrEqual(t, api.queries.Load(), int32(4), "10 items in pages of 3")
}

func TestLimitsCheckedBeforeAnyRequest(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	api := &counting{API: srv.client}
	st := srv.store(t, api)
	tests := []struct {
		name    string
		ns, key string
		size    int
		want    error
	}{
		{"value at the item limit", "ns", "k", dynamostore.MaxItemSize, dynamostore.ErrTooLarge},
		{"empty namespace", "", "k", 1, dynamostore.ErrInvalidKey},
		{"empty key", "ns", "", 1, dynamostore.ErrInvalidKey},
		{"long key", "ns", string(make([]byte, dynamostore.MaxKeySize+1)), 1, dynamostore.ErrInvalidKey},
		{"long namespace", string(make([]byte, dynamostore.MaxNamespaceSize+1)), "k", 1, dynamostore.ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := st.Put(ctx, tt.ns, tt.key, make([]byte, tt.size), time.Hour)
			assert.ErrorIs(t, err, tt.want)
			_, err = st.PutIfAbsent(ctx, tt.ns, tt.key, make([]byte, tt.size), 0)
			assert.ErrorIs(t, err, tt.want)
		})
	}
	assert.Zero(t, api.puts.Load())
	// Just under the limit is accepted by dynalite, which enforces 400 KB.
	under := dynamostore.MaxItemSize - 200
	require.NoError(t, st.Put(ctx, "ns", "k", make([]byte, under), 0))
	v, ok, err := st.Get(ctx, "ns", "k")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Len(t, v, under)
}

func TestErrorsSayWhatFailed(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	st, err := dynamostore.New(srv.client, "no-such-table")
	require.NoError(t, err)
	err = st.Put(ctx, "alias", "u1", []byte("v"), 0)
	require.Error(t, err)
	assert.ErrorContains(t, err, "dynamostore: put alias/u1: ")
	var notFound *types.ResourceNotFoundException
	assert.ErrorAs(t, err, &notFound)
	_, err = st.List(ctx, "alias", "u")
	assert.ErrorContains(t, err, "dynamostore: list alias/u*: ")
	_, _, err = st.Get(ctx, "alias", "u1")
	assert.ErrorAs(t, err, &notFound)
}

func TestCorruptItem(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	table := srv.table(t)
	st, err := dynamostore.New(srv.client, table)
	require.NoError(t, err)
	for key, item := range map[string]map[string]types.AttributeValue{
		"string-value": {"value": &types.AttributeValueMemberS{Value: "text"}},
		"bad-expiry":   {"value": &types.AttributeValueMemberB{Value: []byte("v")}, "expires_ns": &types.AttributeValueMemberS{Value: "soon"}},
	} {
		item["namespace"] = &types.AttributeValueMemberS{Value: "ns"}
		item["key"] = &types.AttributeValueMemberS{Value: key}
		_, err := srv.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item})
		require.NoError(t, err)
		_, _, err = st.Get(ctx, "ns", key)
		assert.ErrorIs(t, err, dynamostore.ErrCorrupt, key)
	}
	_, err = st.List(ctx, "ns", "")
	assert.ErrorIs(t, err, dynamostore.ErrCorrupt)
}

func TestNewValidates(t *testing.T) {
	client := dynamodb.New(dynamodb.Options{Region: "us-east-1"})
	tests := []struct {
		name  string
		api   dynamostore.API
		table string
		opts  []dynamostore.Option
	}{
		{"nil client", nil, "t", nil},
		{"empty table", client, "", nil},
		{"nil clock", client, "t", []dynamostore.Option{dynamostore.WithNow(nil)}},
		{"negative page size", client, "t", []dynamostore.Option{dynamostore.WithPageSize(-1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := dynamostore.New(tt.api, tt.table, tt.opts...)
			assert.Error(t, err)
			assert.Nil(t, st)
		})
	}
}

func BenchmarkDynalite(b *testing.B) {
	srv := newServer(b)
	storetest.Bench(b, func(b *testing.B) storetest.Store { return srv.store(b, nil) })
}

// BenchmarkMemory is the in-memory baseline, in the same run for the ratio.
func BenchmarkMemory(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) storetest.Store { return memstore.New(nil) })
}
