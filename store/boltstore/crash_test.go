package boltstore_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/store/boltstore"
)

const crashEnv = "BOLTSTORE_CRASH_WRITER_PATH"

// TestCrashKeepsAcknowledgedWrites kills a writing process with SIGKILL
// (no Close, no deferred code) and checks that every write it reported as
// done is in the file. This is the process-crash half of crash safety; the
// power-loss half rests on bbolt's fsync of each commit, which a test on a
// running machine cannot cut.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "state.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWriter$", "-test.v")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())

	const want = 300
	acked := map[string]bool{}
	sc := bufio.NewScanner(out)
	for sc.Scan() && len(acked) < want {
		if k, ok := strings.CutPrefix(sc.Text(), "ACK "); ok {
			acked[k] = true
		}
	}
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	require.Len(t, acked, want, "the writer acknowledged writes before it was killed")

	s := open(t, path, boltstore.WithLockTimeout(5*time.Second))
	items, err := s.List(context.Background(), "crash", "")
	require.NoError(t, err)
	for k := range acked {
		assert.Equal(t, []byte("value-"+k), items[k], "acknowledged write %s lost", k)
	}
}

// TestCrashWriter is the child process of the test above: it writes from
// several goroutines forever, printing ACK <key> after each Put returns.
func TestCrashWriter(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("child process of TestCrashKeepsAcknowledgedWrites")
	}
	s, err := boltstore.Open(path)
	require.NoError(t, err)
	var mu sync.Mutex
	w := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				k := fmt.Sprintf("g%d/%d", g, i)
				if err := s.Put(context.Background(), "crash", k, []byte("value-"+k), 0); err != nil {
					return
				}
				mu.Lock()
				fmt.Fprintf(w, "ACK %s\n", k)
				_ = w.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}
