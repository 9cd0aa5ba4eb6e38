package adaptertest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ChromiumPath finds a headless-capable browser for browser checks:
// $OPSCHAT_CHROMIUM, Debian's /usr/bin/chromium, or chromium on PATH; ""
// when there is none (the caller skips).
func ChromiumPath() string {
	if p := os.Getenv("OPSCHAT_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	p, _ := exec.LookPath("chromium")
	return p
}

// ArtifactDir is where a test keeps what a reviewer looks at (screenshots):
// $OPSCHAT_ARTIFACTS/sub, kept after the test for CI to collect, or else a
// temporary directory removed with the test.
func ArtifactDir(t testing.TB, sub string) string {
	t.Helper()
	if d := os.Getenv("OPSCHAT_ARTIFACTS"); d != "" {
		dir := filepath.Join(d, sub)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatalf("artifact directory: %v", err)
		}
		return dir
	}
	return t.TempDir()
}
