package clijson_test

import (
	"fmt"
	"math"

	"github.com/opschat/opschat/internal/clijson"
)

// Append writes what json.Marshal writes: keys sorted, <, > and &
// escaped, numbers as encoding/json formats float64.
func ExampleAppend() {
	result := map[string]any{
		"StateValue": "ALARM",
		"Threshold":  80.0,
		"Reason":     "CPU > 80%",
		"Tiny":       1e-7,
		"Dimensions": []any{map[string]any{"Name": "InstanceId", "Value": "i-0abc"}},
		"OKActions":  []any{},
		"NextToken":  nil,
	}
	b, err := clijson.Append(nil, result)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(b))
	// Output:
	// {"Dimensions":[{"Name":"InstanceId","Value":"i-0abc"}],"NextToken":null,"OKActions":[],"Reason":"CPU \u003e 80%","StateValue":"ALARM","Threshold":80,"Tiny":1e-7}
}

// AppendIndent writes what a json.Encoder with SetIndent and
// SetEscapeHTML writes, trailing newline included: here the set-up of
// `--output json`.
func ExampleAppendIndent() {
	result := map[string]any{
		"Reason":    "CPU > 80%",
		"OKActions": []any{},
		"State":     map[string]any{"Code": 16.0, "Name": "running"},
	}
	b, err := clijson.AppendIndent(nil, result, "", "  ", false)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(b))
	// Output:
	// {
	//   "OKActions": [],
	//   "Reason": "CPU > 80%",
	//   "State": {
	//     "Code": 16,
	//     "Name": "running"
	//   }
	// }
}

// NaN has no JSON form: the error is encoding/json's.
func ExampleAppend_error() {
	_, err := clijson.Append(nil, map[string]any{"Average": math.NaN()})
	fmt.Println(err)
	// Output:
	// json: unsupported value: NaN
}
