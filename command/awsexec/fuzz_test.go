package awsexec_test

import (
	"encoding/json"
	"testing"
)

// FuzzBuildInput feeds arbitrary JSON parameters to the input builder of
// operations with every kind of member (enums, numbers, timestamps, lists
// of structures, unions, maps, blobs, documents): it may refuse them, never
// panic.
func FuzzBuildInput(f *testing.F) {
	seeds := []string{
		`{"alarm-name":"a","threshold":1.5,"dimensions":[{"Name":"x","Value":"y"}],"actions-enabled":true}`,
		`{"key":{"pk":{"S":"a"},"l":{"L":[{"N":"1"},{"M":{"x":{"BOOL":true}}}]}}}`,
		`{"start-time":"2024-01-01T00:00:00Z","period":60,"statistics":["Sum"]}`,
		`{"deployment-configuration":{"lifecycleHooks":[{"hookDetails":{"a":[1,null]}}]}}`,
		`{"tags":{"a":"b"},"payload":"x","max-records":1e300}`,
		`{"dimensions":"x","key":[],"state-value":"OK"}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	reg := testRegistry(f)
	targets := [][2]string{
		{"cloudwatch", "put-metric-alarm"}, {"cloudwatch", "get-metric-statistics"}, {"cloudwatch", "describe-alarms"},
		{"dynamodb", "put-item"}, {"dynamodb", "get-item"}, {"ecs", "create-service"}, {"lambda", "invoke"}, {"lambda", "tag-resource"},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var params map[string]any
		if json.Unmarshal(data, &params) != nil {
			return
		}
		for _, tg := range targets {
			s, _ := reg.Lookup(tg[0])
			op, _ := s.Operation(tg[1])
			_, _ = s.BuildInput(op, params)
		}
	})
}
