package awssim

import (
	"github.com/aws/aws-sdk-go-v2/service/sqs/schemas"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/traits"
)

// QueryToMembers rewrites query-protocol parameters as the server decodes
// them (wire names: "AttributeName" for a flattened list, a flattened map
// as a list of Name/Value pairs) into the operation's member names and
// shapes ("AttributeNames": [...], "MessageAttributes": {...}), using the
// operation's input schema from the SDK's schemas package. Members the
// schema does not know keep their wire names. Leaves stay strings.
//
// The server applies it itself to services whose clients and the AWS CLI
// disagree on protocol (SQS: the CLI 2.9 sends query, the SDK awsJson1.0);
// callers can apply it to other query services' recordings.
func QueryToMembers(params map[string]any, input *smithy.Schema) map[string]any {
	if input == nil {
		return params
	}
	out, _ := fromQuery(params, input).(map[string]any)
	return out
}

func directXMLName(s *smithy.Schema, def string) string {
	if s == nil {
		return def
	}
	if x, ok := smithy.SchemaDirectTrait[*traits.XMLName](s); ok && x.Name != "" {
		return x.Name
	}
	return def
}

func fromQuery(v any, s *smithy.Schema) any {
	if s == nil {
		return v
	}
	switch s.Type() {
	case smithy.ShapeTypeStructure, smithy.ShapeTypeUnion:
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		out := make(map[string]any, len(m))
		used := map[string]bool{}
		for name, ms := range s.Members() {
			wire := directXMLName(ms, name)
			if val, ok := m[wire]; ok {
				out[name] = fromQuery(val, ms)
				used[wire] = true
			}
		}
		for k, val := range m {
			if !used[k] {
				out[k] = val
			}
		}
		return out
	case smithy.ShapeTypeList, smithy.ShapeTypeSet:
		if str, ok := v.(string); ok && str == "" {
			return []any{} // the query protocol's empty-list sentinel
		}
		l, ok := v.([]any)
		if !ok {
			return v
		}
		out := make([]any, len(l))
		for i, e := range l {
			out[i] = fromQuery(e, s.ListMember())
		}
		return out
	case smithy.ShapeTypeMap:
		switch t := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(t))
			for k, e := range t {
				out[k] = fromQuery(e, s.MapValue())
			}
			return out
		case []any:
			// Flattened map: Name.N.<key>=k&Name.N.<value>=v.
			kn, vn := directXMLName(s.MapKey(), "key"), directXMLName(s.MapValue(), "value")
			out := make(map[string]any, len(t))
			for _, e := range t {
				em, ok := e.(map[string]any)
				if !ok {
					return v
				}
				k, ok := em[kn].(string)
				if !ok {
					return v
				}
				out[k] = fromQuery(em[vn], s.MapValue())
			}
			return out
		}
	}
	return v
}

// sqsInput returns the input schema of an SQS operation.
func sqsInput(op string) *smithy.Schema {
	switch op {
	case "AddPermission":
		return schemas.AddPermissionRequest
	case "CancelMessageMoveTask":
		return schemas.CancelMessageMoveTaskRequest
	case "ChangeMessageVisibilityBatch":
		return schemas.ChangeMessageVisibilityBatchRequest
	case "ChangeMessageVisibility":
		return schemas.ChangeMessageVisibilityRequest
	case "CreateQueue":
		return schemas.CreateQueueRequest
	case "DeleteMessageBatch":
		return schemas.DeleteMessageBatchRequest
	case "DeleteMessage":
		return schemas.DeleteMessageRequest
	case "DeleteQueue":
		return schemas.DeleteQueueRequest
	case "GetQueueAttributes":
		return schemas.GetQueueAttributesRequest
	case "GetQueueUrl":
		return schemas.GetQueueUrlRequest
	case "ListDeadLetterSourceQueues":
		return schemas.ListDeadLetterSourceQueuesRequest
	case "ListMessageMoveTasks":
		return schemas.ListMessageMoveTasksRequest
	case "ListQueues":
		return schemas.ListQueuesRequest
	case "ListQueueTags":
		return schemas.ListQueueTagsRequest
	case "PurgeQueue":
		return schemas.PurgeQueueRequest
	case "ReceiveMessage":
		return schemas.ReceiveMessageRequest
	case "RemovePermission":
		return schemas.RemovePermissionRequest
	case "SendMessageBatch":
		return schemas.SendMessageBatchRequest
	case "SendMessage":
		return schemas.SendMessageRequest
	case "SetQueueAttributes":
		return schemas.SetQueueAttributesRequest
	case "StartMessageMoveTask":
		return schemas.StartMessageMoveTaskRequest
	case "TagQueue":
		return schemas.TagQueueRequest
	case "UntagQueue":
		return schemas.UntagQueueRequest
	}
	return nil
}
