package awsexec

import (
	"encoding/base64"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/jmespath/go-jmespath"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCLIShapeUnsetEnumIsAbsent(t *testing.T) {
	t.Parallel()
	out := &lambda.ListFunctionsOutput{Functions: []types.FunctionConfiguration{
		{FunctionName: aws.String("a"), Runtime: types.RuntimePython312, State: types.StateActive},
		{FunctionName: aws.String("b")}, // an image function: no Runtime; State not returned
	}}
	shaped := CLIShape(out)
	fns := shaped.(map[string]any)["Functions"].([]any)
	require.Len(t, fns, 2)
	assert.Equal(t, "python3.12", fns[0].(map[string]any)["Runtime"])
	_, has := fns[1].(map[string]any)["Runtime"]
	assert.False(t, has, "an unset enum is left out, as the CLI does")
	got, err := jmespath.Search("Functions[].[FunctionName, Runtime, State]", shaped)
	require.NoError(t, err)
	assert.Equal(t, []any{[]any{"a", "python3.12", "Active"}, []any{"b", nil, nil}}, got)
	assert.NotContains(t, prettyJSON(shaped), `""`)
}

func TestCLIShapeLambdaInvokeDecoded(t *testing.T) {
	t.Parallel()
	logTail := "START RequestId: 1\nEND RequestId: 1\n"
	tests := []struct {
		name    string
		out     *lambda.InvokeOutput
		payload any
		log     any
	}{
		{"json payload and log", &lambda.InvokeOutput{StatusCode: 200, Payload: []byte(`{"ok":true}`), LogResult: aws.String(base64.StdEncoding.EncodeToString([]byte(logTail)))},
			`{"ok":true}`, logTail},
		{"binary payload stays base64", &lambda.InvokeOutput{StatusCode: 200, Payload: []byte{0xff, 0xfe}},
			base64.StdEncoding.EncodeToString([]byte{0xff, 0xfe}), nil},
		{"log that is not base64 is shown as it came", &lambda.InvokeOutput{StatusCode: 200, LogResult: aws.String("%%%")},
			nil, "%%%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := CLIShape(tt.out).(map[string]any)
			assert.Equal(t, tt.payload, m["Payload"])
			assert.Equal(t, tt.log, m["LogResult"])
			assert.Equal(t, float64(200), m["StatusCode"])
		})
	}
}
