package replica_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/notify/delivery"
	"github.com/opschat/opschat/store/dynamostore"
)

// maxLogLines bounds what a failed storm prints: the first warnings and
// errors are the ones that explain a stuck claim.
const maxLogLines = 300

// logBook keeps the replicas' warnings and errors, each line tagged with
// its replica, and prints them with every claim still pending in the
// shared table when the test fails: a run that times out then shows which
// claim blocked which alarm and what its owner logged about it.
type logBook struct {
	store *dynamostore.Store

	mu    sync.Mutex
	buf   bytes.Buffer
	lines int
}

func newLogBook(t *testing.T, ddb *dynamodb.Client) *logBook {
	t.Helper()
	store, err := dynamostore.New(ddb, "opschat")
	require.NoError(t, err)
	b := &logBook{store: store}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		b.mu.Lock()
		t.Logf("replica warnings and errors (%d lines):\n%s", b.lines, b.buf.String())
		b.mu.Unlock()
		pending := b.pendingClaims(t)
		t.Logf("dedup records not delivered at the end (%d):\n%s", len(pending), strings.Join(pending, "\n"))
	})
	return b
}

// pendingClaims lists the dedup records that are claims (not "delivered"),
// as "key = token", sorted: when every replica is idle, a claim still
// there was left behind by its owner.
func (b *logBook) pendingClaims(t *testing.T) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	recs, err := b.store.List(ctx, delivery.NamespaceDedup, "")
	if err != nil {
		return []string{"list dedup records: " + err.Error()}
	}
	var pending []string
	for k, v := range recs {
		if string(v) != "delivered" {
			pending = append(pending, k+" = "+string(v))
		}
	}
	slices.Sort(pending)
	return pending
}

// logger returns a logger for one replica, writing to the book.
func (b *logBook) logger(name string) *slog.Logger {
	return slog.New(slog.NewTextHandler(bookWriter{b}, &slog.HandlerOptions{Level: slog.LevelWarn})).With("replica", name)
}

type bookWriter struct{ b *logBook }

// Write keeps the first maxLogLines records and counts the rest.
func (w bookWriter) Write(p []byte) (int, error) {
	w.b.mu.Lock()
	defer w.b.mu.Unlock()
	w.b.lines++
	if w.b.lines <= maxLogLines {
		w.b.buf.Write(p)
	}
	return len(p), nil
}
