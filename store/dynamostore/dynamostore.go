package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Attribute names of an item. The table's key schema and TTL setting use
// the first and the fourth; CreateTable and the CloudFormation snippet in
// the package doc match them.
const (
	AttrNamespace = "namespace" // partition key, S
	AttrKey       = "key"       // sort key, S
	AttrValue     = "value"     // B; absent for an empty value
	AttrExpires   = "expires"   // N, Unix seconds (rounded up): the table's TTL attribute
	AttrExpiresNS = "expires_ns"
)

// DynamoDB's limits, checked before a request so the error says which one.
const (
	// MaxItemSize is DynamoDB's item size limit (400 KB): attribute names
	// and values together. A value close to it leaves no room for the rest.
	MaxItemSize = 400 * 1024
	// MaxNamespaceSize and MaxKeySize are the partition and sort key limits.
	MaxNamespaceSize = 2048
	MaxKeySize       = 1024
)

// Sentinel errors, for errors.Is.
var (
	// ErrTooLarge is returned when an item would exceed MaxItemSize.
	ErrTooLarge = errors.New("dynamostore: item larger than DynamoDB's 400 KB limit")
	// ErrInvalidKey is returned for an empty namespace or key or one over
	// DynamoDB's key size limits.
	ErrInvalidKey = errors.New("dynamostore: invalid namespace or key")
	// ErrCorrupt is returned when a stored item cannot be decoded.
	ErrCorrupt = errors.New("dynamostore: corrupt item")
)

// API is the part of *dynamodb.Client the Store uses (a narrow interface so
// tests and hosts may wrap or fake it).
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Option configures New.
type Option func(*Store)

// WithNow sets the clock used for TTLs (default time.Now). Replicas compare
// expiry times written by each other, so their clocks must agree to well
// under the shortest TTL in use (NTP is plenty).
func WithNow(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithPageSize caps the items per Query page in List (default: DynamoDB's
// 1 MB pages). List always reads every page.
func WithPageSize(n int32) Option { return func(s *Store) { s.pageSize = n } }

// WithEventuallyConsistentReads makes Get and List use eventually
// consistent reads, which cost half as much but may miss a write made a
// moment ago by another replica. The default is strongly consistent reads,
// because a confirmation written by one replica is often read by another
// within the second.
func WithEventuallyConsistentReads() Option { return func(s *Store) { s.consistent = false } }

// Store is a Store (chatops.Store's method set) on one DynamoDB table, for
// several replicas sharing state. It is safe for concurrent use; every call
// is one request or, for List, one request per page. The caller owns the
// client.
type Store struct {
	api        API
	table      string
	now        func() time.Time
	pageSize   int32
	consistent bool
}

// New returns a Store on table (created beforehand, by CreateTable or
// CloudFormation). client is usually a *dynamodb.Client.
func New(client API, table string, opts ...Option) (*Store, error) {
	s := &Store{api: client, table: table, now: time.Now, consistent: true}
	for _, o := range opts {
		o(s)
	}
	switch {
	case client == nil:
		return nil, errors.New("dynamostore: new: nil client")
	case table == "":
		return nil, errors.New("dynamostore: new: empty table name")
	case s.now == nil:
		return nil, errors.New("dynamostore: new: nil clock")
	case s.pageSize < 0:
		return nil, fmt.Errorf("dynamostore: new: negative page size %d", s.pageSize)
	}
	return s, nil
}

func validate(namespace, key string) error {
	if namespace == "" || key == "" || len(namespace) > MaxNamespaceSize || len(key) > MaxKeySize {
		return fmt.Errorf("%w: namespace %d bytes (1..%d), key %d bytes (1..%d)",
			ErrInvalidKey, len(namespace), MaxNamespaceSize, len(key), MaxKeySize)
	}
	return nil
}

func start(ctx context.Context, namespace, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return validate(namespace, key)
}

func wrap(op, namespace, key string, err error) error {
	return fmt.Errorf("dynamostore: %s %s/%s: %w", op, namespace, key, err)
}

func keyOf(namespace, key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrNamespace: &types.AttributeValueMemberS{Value: namespace},
		AttrKey:       &types.AttributeValueMemberS{Value: key},
	}
}

func number(n int64) *types.AttributeValueMemberN {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// item builds the stored item. The TTL attribute is rounded up to the next
// second so DynamoDB's reaper never deletes an item early; the nanosecond
// copy is what reads and PutIfAbsent compare, so expiry is exact.
func (s *Store) item(namespace, key string, value []byte, ttl time.Duration, now time.Time) (map[string]types.AttributeValue, error) {
	it := keyOf(namespace, key)
	size := len(AttrNamespace) + len(namespace) + len(AttrKey) + len(key)
	if len(value) > 0 {
		// An empty value is stored as a missing attribute: older DynamoDB
		// emulators refuse empty binary values.
		it[AttrValue] = &types.AttributeValueMemberB{Value: value}
		size += len(AttrValue) + len(value)
	}
	if ttl > 0 {
		exp := now.Add(ttl)
		it[AttrExpires] = number(ttlSeconds(exp))
		it[AttrExpiresNS] = number(exp.UnixNano())
		size += len(AttrExpires) + len(AttrExpiresNS) + 2*21 // a number takes at most 21 bytes
	}
	if size > MaxItemSize {
		return nil, fmt.Errorf("%w: %d bytes (value %d bytes)", ErrTooLarge, size, len(value))
	}
	return it, nil
}

// decode returns the value of a live item, or false when it has expired.
func decode(it map[string]types.AttributeValue, now time.Time) ([]byte, bool, error) {
	if av, ok := it[AttrExpiresNS]; ok {
		n, ok := av.(*types.AttributeValueMemberN)
		if !ok {
			return nil, false, fmt.Errorf("%w: %s is %T, want a number", ErrCorrupt, AttrExpiresNS, av)
		}
		exp, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			return nil, false, fmt.Errorf("%w: %s: %w", ErrCorrupt, AttrExpiresNS, err)
		}
		if now.UnixNano() >= exp {
			return nil, false, nil
		}
	}
	av, ok := it[AttrValue]
	if !ok {
		return []byte{}, true, nil
	}
	b, ok := av.(*types.AttributeValueMemberB)
	if !ok {
		return nil, false, fmt.Errorf("%w: %s is %T, want binary", ErrCorrupt, AttrValue, av)
	}
	if b.Value == nil {
		return []byte{}, true, nil
	}
	return b.Value, true, nil
}

// Get returns the live value stored under namespace and key.
func (s *Store) Get(ctx context.Context, namespace, key string) ([]byte, bool, error) {
	if err := start(ctx, namespace, key); err != nil {
		return nil, false, wrap("get", namespace, key, err)
	}
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            keyOf(namespace, key),
		ConsistentRead: aws.Bool(s.consistent),
	})
	if err != nil {
		return nil, false, wrap("get", namespace, key, err)
	}
	if out.Item == nil {
		return nil, false, nil
	}
	v, live, err := decode(out.Item, s.now())
	if err != nil {
		return nil, false, wrap("get", namespace, key, err)
	}
	if !live {
		return nil, false, nil
	}
	return v, true, nil
}

// Put stores value; ttl <= 0 means it never expires.
func (s *Store) Put(ctx context.Context, namespace, key string, value []byte, ttl time.Duration) error {
	if err := start(ctx, namespace, key); err != nil {
		return wrap("put", namespace, key, err)
	}
	it, err := s.item(namespace, key, value, ttl, s.now())
	if err != nil {
		return wrap("put", namespace, key, err)
	}
	if _, err := s.api.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: it}); err != nil {
		return wrap("put", namespace, key, err)
	}
	return nil
}

// PutIfAbsent stores value only when there is no live item and reports
// whether it did. It is one conditional put, so DynamoDB picks one winner
// among concurrent callers, on any replica; an item that has expired but
// that DynamoDB's TTL reaper has not deleted yet counts as absent.
func (s *Store) PutIfAbsent(ctx context.Context, namespace, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := start(ctx, namespace, key); err != nil {
		return false, wrap("put-if-absent", namespace, key, err)
	}
	now := s.now()
	it, err := s.item(namespace, key, value, ttl, now)
	if err != nil {
		return false, wrap("put-if-absent", namespace, key, err)
	}
	_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(s.table),
		Item:                      it,
		ConditionExpression:       aws.String("attribute_not_exists(#k) OR #e <= :now"),
		ExpressionAttributeNames:  map[string]string{"#k": AttrKey, "#e": AttrExpiresNS},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": number(now.UnixNano())},
	})
	return conditional("put-if-absent", namespace, key, err)
}

// Delete removes the item; deleting a missing key is not an error.
func (s *Store) Delete(ctx context.Context, namespace, key string) error {
	if err := start(ctx, namespace, key); err != nil {
		return wrap("delete", namespace, key, err)
	}
	_, err := s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: keyOf(namespace, key)})
	if err != nil {
		return wrap("delete", namespace, key, err)
	}
	return nil
}

// List returns the live entries of namespace whose keys start with prefix:
// a Query with begins_with, every page read. Pages are read one after
// another, so a listing is not one snapshot when writes run meanwhile.
func (s *Store) List(ctx context.Context, namespace, prefix string) (map[string][]byte, error) {
	what := prefix + "*"
	if err := ctx.Err(); err != nil {
		return nil, wrap("list", namespace, what, err)
	}
	if err := validate(namespace, "-"); err != nil {
		return nil, wrap("list", namespace, what, err)
	}
	if len(prefix) > MaxKeySize {
		return nil, wrap("list", namespace, what, fmt.Errorf("%w: prefix %d bytes, over %d", ErrInvalidKey, len(prefix), MaxKeySize))
	}
	now := s.now()
	in := &dynamodb.QueryInput{
		TableName:                aws.String(s.table),
		KeyConditionExpression:   aws.String("#ns = :ns"),
		FilterExpression:         aws.String("attribute_not_exists(#e) OR #e > :now"),
		ExpressionAttributeNames: map[string]string{"#ns": AttrNamespace, "#e": AttrExpiresNS},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":ns":  &types.AttributeValueMemberS{Value: namespace},
			":now": number(now.UnixNano()),
		},
		ConsistentRead: aws.Bool(s.consistent),
	}
	// begins_with with an empty string is refused by DynamoDB: an empty
	// prefix is the whole namespace.
	if prefix != "" {
		in.KeyConditionExpression = aws.String("#ns = :ns AND begins_with(#k, :p)")
		in.ExpressionAttributeNames["#k"] = AttrKey
		in.ExpressionAttributeValues[":p"] = &types.AttributeValueMemberS{Value: prefix}
	}
	if s.pageSize > 0 {
		in.Limit = aws.Int32(s.pageSize)
	}
	out := make(map[string][]byte)
	pages := dynamodb.NewQueryPaginator(s.api, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, wrap("list", namespace, what, err)
		}
		for _, it := range page.Items {
			k, ok := it[AttrKey].(*types.AttributeValueMemberS)
			if !ok {
				return nil, wrap("list", namespace, what, fmt.Errorf("%w: %s is %T, want a string", ErrCorrupt, AttrKey, it[AttrKey]))
			}
			// Checked here too: the filter used the same clock, but an
			// item is only trusted once decoded.
			v, live, err := decode(it, now)
			if err != nil {
				return nil, wrap("list", namespace, k.Value, err)
			}
			if live {
				out[k.Value] = v
			}
		}
	}
	return out, nil
}

// ttlSeconds is exp in Unix seconds, rounded up.
func ttlSeconds(exp time.Time) int64 {
	secs := exp.Unix()
	if exp.Nanosecond() > 0 && secs < math.MaxInt64 {
		secs++
	}
	return secs
}
