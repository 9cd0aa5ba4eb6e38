package dynamostore

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// holds returns the condition that the item is live and its value is old,
// with its names and values. An empty value is stored as a missing
// attribute (see item), so an empty old asks for that.
func holds(old []byte, now time.Time) (string, map[string]string, map[string]types.AttributeValue) {
	names := map[string]string{"#k": AttrKey, "#e": AttrExpiresNS, "#v": AttrValue}
	values := map[string]types.AttributeValue{":now": number(now.UnixNano())}
	cond := "attribute_exists(#k) AND (attribute_not_exists(#e) OR #e > :now) AND "
	if len(old) == 0 {
		return cond + "attribute_not_exists(#v)", names, values
	}
	values[":old"] = &types.AttributeValueMemberB{Value: old}
	return cond + "#v = :old", names, values
}

// conditional turns the answer to a conditional write into its outcome:
// DynamoDB's "the condition did not hold" is false, not an error.
func conditional(op, namespace, key string, err error) (bool, error) {
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return false, nil
	}
	if err != nil {
		return false, wrap(op, namespace, key, err)
	}
	return true, nil
}

// CompareAndSwap stores value with ttl (replacing the TTL too) only if the
// live value under namespace and key is old, and reports whether it did. It
// is one conditional put, so it is atomic across replicas: a lease renewal
// made this way cannot bring back a value deleted or replaced meanwhile,
// however late it reaches the table. If the SDK retries a swap whose first
// attempt landed, the retry compares against the new value: when old and
// value differ it reports false although the swap happened.
func (s *Store) CompareAndSwap(ctx context.Context, namespace, key string, old, value []byte, ttl time.Duration) (bool, error) {
	if err := start(ctx, namespace, key); err != nil {
		return false, wrap("compare-and-swap", namespace, key, err)
	}
	now := s.now()
	it, err := s.item(namespace, key, value, ttl, now)
	if err != nil {
		return false, wrap("compare-and-swap", namespace, key, err)
	}
	cond, names, values := holds(old, now)
	_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: it,
		ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values})
	return conditional("compare-and-swap", namespace, key, err)
}

// CompareAndDelete deletes the item only if its live value is old, and
// reports whether it did (one conditional delete). An expired item is not
// deleted: it counts as absent already. If the SDK retries a delete whose
// first attempt landed, it reports false although the item is gone.
func (s *Store) CompareAndDelete(ctx context.Context, namespace, key string, old []byte) (bool, error) {
	if err := start(ctx, namespace, key); err != nil {
		return false, wrap("compare-and-delete", namespace, key, err)
	}
	cond, names, values := holds(old, s.now())
	_, err := s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: keyOf(namespace, key),
		ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values})
	return conditional("compare-and-delete", namespace, key, err)
}
