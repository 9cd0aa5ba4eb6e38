package notify_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/notify"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// golden is what a golden file records: the decoded notification's
// routing-relevant facts and the rendered message.
type golden struct {
	Kind        notify.Kind
	Source      string
	Service     string
	EventType   string
	ID          string
	Severity    string
	Account     string
	Region      string
	Partition   string
	ThreadKey   string
	Time        string
	DecodeError string            `json:",omitempty"`
	Variables   map[string]string `json:",omitempty"`
	// MetricWidget is the alarm graph widget (GetMetricWidgetImage JSON).
	MetricWidget json.RawMessage `json:",omitempty"`
	Message      chat.Message
}

func decodeSample(t *testing.T, path string) *notify.Notification {
	t.Helper()
	body, err := os.ReadFile(path)
	require.NoError(t, err)
	env, err := notify.ParseEnvelope(body)
	require.NoError(t, err)
	return notify.Decode(env)
}

func TestGolden(t *testing.T) {
	samples, err := filepath.Glob("testdata/samples/*")
	require.NoError(t, err)
	require.NotEmpty(t, samples)
	for _, path := range samples {
		if filepath.Ext(path) == ".md" {
			continue // SOURCES.md says where each sample comes from
		}
		name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		t.Run(name, func(t *testing.T) {
			n := decodeSample(t, path)
			msg, err := notify.DefaultFormatter().Format(n)
			require.NoError(t, err)
			g := golden{
				Kind: n.Kind, Source: n.Source, Service: n.Service, EventType: n.EventType, ID: n.ID,
				Severity: n.Severity.String(), Account: n.Account, Region: n.Region, Partition: n.Partition,
				ThreadKey: n.ThreadKey, DecodeError: n.DecodeError, Variables: n.Variables, Message: msg,
			}
			if w, ok := n.MetricWidget(); ok {
				require.True(t, json.Valid([]byte(w)))
				g.MetricWidget = json.RawMessage(w)
			}
			if !n.Time.IsZero() {
				g.Time = n.Time.UTC().Format(time.RFC3339Nano)
			}
			got, err := json.MarshalIndent(g, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			file := filepath.Join("testdata", name+".golden.json")
			if *update {
				require.NoError(t, os.WriteFile(file, got, 0o644))
				return
			}
			want, err := os.ReadFile(file)
			require.NoError(t, err, "run go test ./notify -run TestGolden -update to create it")
			assert.Equal(t, string(want), string(got))
		})
	}
}
