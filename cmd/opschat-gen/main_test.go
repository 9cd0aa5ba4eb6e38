package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLookupService(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, cli, sdk, iam string }{
		{"s3api", "s3api", "s3", "s3"},
		{"s3", "s3api", "s3", "s3"},
		{"elbv2", "elbv2", "elasticloadbalancingv2", "elasticloadbalancing"},
		{"elasticloadbalancingv2", "elbv2", "elasticloadbalancingv2", "elasticloadbalancing"},
		{"stepfunctions", "stepfunctions", "sfn", "states"},
		{"SFN", "stepfunctions", "sfn", "states"},
		{"logs", "logs", "cloudwatchlogs", "logs"},
		{"events", "events", "eventbridge", "events"},
		{"ce", "ce", "costexplorer", "ce"},
		{"opensearch", "opensearch", "opensearch", "es"},
		{"kms", "kms", "kms", "kms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := lookupService(tt.name)
			require.NoError(t, err)
			assert.Equal(t, tt.cli, s.CLI)
			assert.Equal(t, tt.sdk, s.SDK)
			assert.Equal(t, tt.iam, s.IAM)
			assert.Equal(t, tt.sdk+"ops", s.pkgName())
		})
	}
}

func TestUnknownServiceListsCloseNames(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, want string }{
		{"lamda", "lambda"},
		{"dynamo", "dynamodb"},
		{"cloudwatchlog", "logs"},
		{"stepfunction", "stepfunctions"},
		{"ec3", "ec2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := lookupService(tt.name)
			require.ErrorIs(t, err, ErrUnknownService)
			assert.Contains(t, err.Error(), tt.want)
			// The whole run fails, before writing anything.
			out := t.TempDir()
			var stderr bytes.Buffer
			err = run([]string{"-service", "ec2," + tt.name, "-out", out}, &stderr)
			require.ErrorIs(t, err, ErrUnknownService)
			entries, _ := os.ReadDir(out)
			assert.Empty(t, entries)
		})
	}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"-service", "kms"}, "-out is required"},
		{[]string{"-out", "x"}, "-service"},
		{[]string{"-out", "x", "-service", "kms,sns", "-pkg", "p"}, "-pkg needs exactly one"},
		{[]string{"-out", "x", "-service", "kms", "-iamdata", "/tmp/x"}, "-iamref"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			err := run(tt.args, &bytes.Buffer{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

func TestCatalogComplete(t *testing.T) {
	t.Parallel()
	seenCLI, seenSDK := map[string]bool{}, map[string]bool{}
	for _, s := range knownServices {
		require.NotEmpty(t, s.CLI)
		require.NotEmpty(t, s.SDK)
		require.NotEmpty(t, s.IAM, s.CLI)
		assert.False(t, seenCLI[s.CLI], "CLI name %s twice", s.CLI)
		assert.False(t, seenSDK[s.SDK], "SDK name %s twice", s.SDK)
		seenCLI[s.CLI], seenSDK[s.SDK] = true, true
	}
	assert.GreaterOrEqual(t, len(knownServices), 330, "the AWS CLI 2.9 models list 337 services")
}

// TestGeneratesTableInHostModule runs the public generator the way a host
// does, in a new module that requires opschat (replaced by this checkout),
// for a service opschat does not ship, then builds and runs a program that
// registers the generated table. It compiles the KMS client: slow, so not
// under -short. GOFLAGS=-mod=mod lets go resolve the host's dependencies
// from the module cache (GOPROXY as the environment sets it).
func TestGeneratesTableInHostModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a host module with an SDK client")
	}
	if _, err := os.Stat(filepath.Join("..", "..", "command", "awsexec", "services", "kmsops")); err == nil {
		t.Fatal("kms is shipped now: pick a service opschat does not ship")
	}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	host := t.TempDir()
	gomod := "module example.com/host\n\ngo 1.26.0\n\nrequire github.com/opschat/opschat v0.0.0\n\nreplace github.com/opschat/opschat => " + repo + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(host, "go.mod"), []byte(gomod), 0o644))
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(host, "go.sum"), sum, 0o644))
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	goCmd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir, cmd.Env = host, env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), out)
		return string(out)
	}
	goCmd("run", "github.com/opschat/opschat/cmd/opschat-gen", "-service", "kms", "-out", "./awstables")
	src, err := os.ReadFile(filepath.Join(host, "awstables", "kmsops", "zz_generated.go"))
	require.NoError(t, err)
	assert.Contains(t, string(src), `awsexec.NewService("kms", "kms", kms.NewFromConfig`)

	main := `package main

import (
	"fmt"

	"github.com/opschat/opschat/command/awsexec"

	"example.com/host/awstables/kmsops"
)

func main() {
	reg := awsexec.NewRegistry()
	kmsops.Register(reg)
	op, ok := reg.Operation("kms", "list-keys")
	if !ok {
		panic("no kms list-keys")
	}
	enc, _ := reg.Operation("kms", "encrypt")
	fmt.Println(len(reg.Operations("kms")) > 30, op.APIName, op.Actions, op.Access, op.Paginated, enc.Access)
}
`
	require.NoError(t, os.WriteFile(filepath.Join(host, "main.go"), []byte(main), 0o644))
	out := goCmd("run", ".")
	assert.Equal(t, "true ListKeys [kms:ListKeys] List true Write\n", lastLine(out))
	// The generator added the SDK module to the host's go.mod.
	mod, err := os.ReadFile(filepath.Join(host, "go.mod"))
	require.NoError(t, err)
	assert.Contains(t, string(mod), "github.com/aws/aws-sdk-go-v2/service/kms")
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1] + "\n"
}
