package common_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/command/awsexec"
)

// botocoreData is where Debian's awscli package keeps the service models
// the AWS CLI is generated from.
const botocoreData = "/usr/lib/python3/dist-packages/awscli/botocore/data"

// sdkOmits are CLI parameters the Go SDK does not expose.
var sdkOmits = map[string]string{
	"ec2 copy-snapshot --destination-region": "the SDK sets it itself when it presigns the request",
}

// TestNamesMatchBotocoreModels checks the generated tables against the AWS
// CLI's own service models: every operation the installed CLI knows exists
// in the table under the same CLI name, and every input member it knows is a
// parameter of the same name. The SDK is newer than the CLI, so the tables
// may have more, never less.
func TestNamesMatchBotocoreModels(t *testing.T) {
	if _, err := os.Stat(botocoreData); err != nil {
		t.Skipf("the AWS CLI's models are not installed (apt-get install -y awscli): %v", err)
	}
	reg := registry()
	model := map[string]string{"s3api": "s3"}
	for _, svc := range reg.Services() {
		t.Run(svc, func(t *testing.T) {
			name := svc
			if m, ok := model[svc]; ok {
				name = m
			}
			files, _ := filepath.Glob(filepath.Join(botocoreData, name, "*", "service-2.json"))
			if len(files) == 0 {
				t.Skipf("no botocore model for %s", name)
			}
			sort.Strings(files)
			raw, err := os.ReadFile(files[len(files)-1])
			require.NoError(t, err)
			var m struct {
				Operations map[string]struct {
					Input struct{ Shape string } `json:"input"`
				} `json:"operations"`
				Shapes map[string]struct {
					Members map[string]json.RawMessage `json:"members"`
				} `json:"shapes"`
			}
			require.NoError(t, json.Unmarshal(raw, &m))
			missingOps, missingParams := 0, 0
			for api, op := range m.Operations {
				cli := awsexec.CLIName(api)
				cat, ok := reg.Operation(svc, cli)
				if !ok {
					// Operations AWS retired since the CLI was packaged
					// are gone from the SDK too; report, do not fail.
					t.Logf("%s %s (%s) is in the CLI's model but not in the table", svc, cli, api)
					missingOps++
					continue
				}
				require.Equal(t, api, cat.APIName)
				have := map[string]bool{}
				for _, p := range cat.Params {
					have[p.Name] = true
				}
				for member := range m.Shapes[op.Input.Shape].Members {
					flag := awsexec.CLIName(member)
					if _, ok := sdkOmits[svc+" "+cli+" --"+flag]; ok {
						continue
					}
					if !have[flag] {
						t.Errorf("%s %s: the CLI has --%s, the table does not", svc, cli, flag)
						missingParams++
					}
				}
			}
			require.Less(t, missingOps, 1+len(m.Operations)/20, "too many operations missing: the generator is missing methods")
		})
	}
}
