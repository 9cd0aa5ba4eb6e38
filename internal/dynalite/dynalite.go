// Package dynalite starts a real DynamoDB emulator (dynalite, from npm) on
// loopback for tests, so dynamostore is tested against a server that speaks
// the DynamoDB protocol (conditional puts, Query pagination, item limits)
// rather than against a fake of our own.
//
// CI installs it with: apt-get install -y nodejs npm && npm install -g
// dynalite@4.0.0. Without that, Start installs it once under the user cache
// directory with npm; only when neither node nor npm exists does it skip the
// test.
package dynalite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Version is the dynalite release installed when none is found.
const Version = "4.0.0"

const (
	readyLine    = "Dynalite listening at"
	startTimeout = 30 * time.Second
	npmTimeout   = 3 * time.Minute
)

// Start runs dynalite on 127.0.0.1 on a free port for the rest of the test,
// with tables active at once, and returns its endpoint URL
// ("http://127.0.0.1:PORT"). The server is killed at cleanup. It skips the
// test when dynalite cannot be found or installed, and fails it when
// dynalite is there but does not start.
func Start(t testing.TB) string {
	t.Helper()
	argv, err := command(t)
	if err != nil {
		t.Skipf("dynalite: not available, skipping (install: apt-get install -y nodejs npm && npm install -g dynalite@%s): %v", Version, err)
	}
	// The free port is found by binding and releasing it, so another process
	// may take it in between: try a few ports before giving up.
	var lastErr error
	for range 3 {
		endpoint, err := startOn(t, argv)
		if err == nil {
			return endpoint
		}
		lastErr = err
	}
	t.Fatalf("dynalite: %v", lastErr)
	return ""
}

// command returns the argv prefix that runs dynalite: the dynalite program
// on PATH, the global npm package through node, or a copy installed under
// the user cache directory.
func command(t testing.TB) ([]string, error) {
	t.Helper()
	if p, err := exec.LookPath("dynalite"); err == nil {
		return []string{p}, nil
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("neither dynalite nor node on PATH: %w", err)
	}
	npm, npmErr := exec.LookPath("npm")
	if npmErr == nil {
		if out, err := exec.Command(npm, "root", "-g").Output(); err == nil {
			cli := filepath.Join(strings.TrimSpace(string(out)), "dynalite", "cli.js")
			if fileExists(cli) {
				return []string{node, cli}, nil
			}
		}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return nil, fmt.Errorf("no user cache directory to install into: %w", err)
	}
	prefix := filepath.Join(cache, "opschat", "dynalite-"+Version)
	cli := filepath.Join(prefix, "node_modules", "dynalite", "cli.js")
	if fileExists(cli) {
		return []string{node, cli}, nil
	}
	if npmErr != nil {
		return nil, fmt.Errorf("dynalite not installed and no npm to install it: %w", npmErr)
	}
	if err := install(t, npm, prefix); err != nil {
		return nil, err
	}
	return []string{node, cli}, nil
}

// install runs npm into a fresh directory and renames it into place, so
// test binaries of several packages installing at once never see a half
// installed copy: the first rename wins and the others discard theirs.
func install(t testing.TB, npm, prefix string) error {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(prefix), 0o755); err != nil {
		return fmt.Errorf("install: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(prefix), ".dynalite-install-")
	if err != nil {
		return fmt.Errorf("install: %w", err)
	}
	defer os.RemoveAll(tmp)
	t.Logf("dynalite: installing dynalite@%s into %s", Version, prefix)
	ctx, cancel := context.WithTimeout(context.Background(), npmTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--prefix", tmp, "dynalite@"+Version)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm install dynalite@%s: %w: %s", Version, err, lastLines(string(out), 5))
	}
	if err := os.Rename(tmp, prefix); err != nil && !fileExists(filepath.Join(prefix, "node_modules", "dynalite", "cli.js")) {
		return fmt.Errorf("install: %w", err)
	}
	return nil
}

func startOn(t testing.TB, argv []string) (string, error) {
	t.Helper()
	port, err := freePort()
	if err != nil {
		return "", err
	}
	args := append(argv[1:len(argv):len(argv)], "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--createTableMs", "0",
		"--deleteTableMs", "0", "--updateTableMs", "0")
	cmd := exec.Command(argv[0], args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	var stderr strings.Builder
	cmd.Stderr = &limitedWriter{w: &stderr, n: 4096}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start %s: %w", argv[0], err)
	}
	exited := make(chan error, 1)
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.Contains(sc.Text(), readyLine) {
				close(ready)
				signalled = true
			}
		}
		// Drained to EOF so the process never blocks on a full pipe.
		_, _ = io.Copy(io.Discard, stdout)
		exited <- cmd.Wait()
	}()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case <-ready:
	case err := <-exited:
		return "", fmt.Errorf("exited before it was ready (%v): %s", err, lastLines(stderr.String(), 5))
	case <-timer.C:
		stop()
		return "", fmt.Errorf("not ready after %s: %s", startTimeout, lastLines(stderr.String(), 5))
	}
	t.Cleanup(stop)
	return "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("find a free port: not a TCP address")
	}
	return addr.Port, nil
}

func fileExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir()
}

// lastLines returns the last n lines of s that are not npm notices.
func lastLines(s string, n int) string {
	var lines []string
	for line := range strings.Lines(strings.TrimSpace(s)) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "npm notice") {
			lines = append(lines, line)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// limitedWriter keeps the first n bytes of what the server prints on
// stderr, enough for an error message, and drops the rest.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		_, _ = l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}
