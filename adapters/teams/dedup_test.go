package teams_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/teams"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
)

// noEvent asserts that nothing more reaches the handler.
func (rig *inboundRig) noEvent() {
	rig.t.Helper()
	select {
	case in := <-rig.got:
		rig.t.Fatalf("duplicate reached the handler: %+v", in)
	case <-time.After(100 * time.Millisecond):
	}
}

// A redelivered or replayed activity (same conversation and activity ID,
// with a valid token each time) is acknowledged and handled once.
func TestInboundDuplicateActivityHandledOnce(t *testing.T) {
	tests := []struct {
		name string
		opts []teams.Option
	}{
		{"shared store", nil},
		{"in memory", []teams.Option{teams.WithStore(nil)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rig := newInboundRig(t, tt.opts...)
			rig.listen()
			msg := personalMessage(rig.fc.URL(), "ec2 reboot-instances --instance-ids i-1")
			msg["id"] = "act-1"
			for range 3 {
				require.Equal(t, http.StatusOK, rig.post(msg).Code, "a duplicate is acknowledged, so Teams stops sending it")
			}
			assert.Equal(t, "ec2 reboot-instances --instance-ids i-1", rig.next().Text)
			rig.noEvent()
			assert.Contains(t, rig.logs.String(), "duplicate activity ignored")

			// A form submission is an activity like any other.
			form := channelMessage(rig.fc.URL(), "", "aws")
			form["id"] = "act-form"
			form["entities"] = nil
			form["value"] = map[string]any{"opschat": "form", "id": "prompt", "value": "tok", "input.name": "x"}
			require.Equal(t, http.StatusOK, rig.post(form).Code)
			require.Equal(t, http.StatusOK, rig.post(form).Code)
			assert.Equal(t, chat.KindFormSubmit, rig.next().Kind)
			rig.noEvent()

			// Another activity ID, or the same ID in another conversation, is new.
			other := personalMessage(rig.fc.URL(), "second")
			other["id"] = "act-2"
			require.Equal(t, http.StatusOK, rig.post(other).Code)
			assert.Equal(t, "second", rig.next().Text)
			elsewhere := personalMessage(rig.fc.URL(), "elsewhere")
			elsewhere["id"] = "act-1"
			elsewhere["conversation"] = map[string]any{"conversationType": "personal", "tenantId": tenantID, "id": "a:1personal-bob"}
			require.Equal(t, http.StatusOK, rig.post(elsewhere).Code)
			assert.Equal(t, "elsewhere", rig.next().Text)
		})
	}
}

// An activity refused because no listener ran (503, so Teams sends it
// again) is not remembered: the redelivery runs.
func TestInboundRefusedActivityRunsOnRedelivery(t *testing.T) {
	rig := newInboundRig(t)
	msg := personalMessage(rig.fc.URL(), "lambda list-functions")
	msg["id"] = "act-refused"
	require.Equal(t, http.StatusServiceUnavailable, rig.post(msg).Code)
	rig.listen()
	require.Equal(t, http.StatusOK, rig.post(msg).Code)
	assert.Equal(t, "lambda list-functions", rig.next().Text)
	require.Equal(t, http.StatusOK, rig.post(msg).Code)
	rig.noEvent()
}

// Two replicas sharing a Store handle an activity once between them.
func TestInboundDuplicateAcrossReplicas(t *testing.T) {
	rig := newInboundRig(t)
	rig.listen()
	replica := &inboundRig{t: t, fc: rig.fc, ti: rig.ti, store: rig.store, logs: &logBuffer{}, got: make(chan chat.Inbound, 8)}
	replica.a = newTestAdapter(t, rig.fc, replica.logs, teams.WithStore(rig.store),
		teams.WithClock(func() time.Time { return fixedNow }),
		teams.WithValidatorOptions(teams.WithOpenIDMetadataURL(rig.ti.MetadataURL()), teams.WithValidatorHTTPClient(rig.ti.srv.Client())))
	replica.pings = 100 // its pings must not collide with the first replica's
	replica.listen()

	msg := personalMessage(rig.fc.URL(), "sts get-caller-identity")
	msg["id"] = "act-shared"
	require.Equal(t, http.StatusOK, rig.post(msg).Code)
	require.Equal(t, http.StatusOK, replica.post(msg).Code)
	assert.Equal(t, "sts get-caller-identity", rig.next().Text)
	replica.noEvent()
}

// The window is documented and configurable: within it a copy is a
// duplicate, after it the activity is new again (by then its token expired).
func TestInboundDedupWindow(t *testing.T) {
	var now atomic.Pointer[time.Time]
	start := fixedNow
	now.Store(&start)
	clock := func() time.Time { return *now.Load() }
	for _, tt := range []struct {
		name  string
		store teams.Option
	}{
		{"in memory", teams.WithStore(nil)},
		{"shared store", teams.WithStore(memstore.New(clock))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			now.Store(&start)
			rig := newInboundRig(t, tt.store, teams.WithClock(clock), teams.WithDedupWindow(10*time.Minute))
			rig.listen()
			msg := personalMessage(rig.fc.URL(), "run")
			msg["id"] = "act-window"
			post := func(at time.Time) int {
				now.Store(&at)
				return rig.postWithToken(msg, rig.ti.token(t, at, tokenSpec{ServiceURL: rig.fc.URL()})).Code
			}
			require.Equal(t, http.StatusOK, post(start))
			rig.next()
			require.Equal(t, http.StatusOK, post(start.Add(9*time.Minute)))
			rig.noEvent()
			require.Equal(t, http.StatusOK, post(start.Add(11*time.Minute)))
			assert.Equal(t, "run", rig.next().Text)
		})
	}
	_, err := teams.New(testAppID, testPassword, teams.WithDedupWindow(0))
	assert.Error(t, err)
	assert.Equal(t, 70*time.Minute, teams.DefaultDedupWindow, "longer than a token's hour plus the 5-minute skew")
}

// Many distinct activities keep memory bounded (the in-memory set evicts
// its oldest entries) and are all handled.
func TestInboundManyActivitiesHandled(t *testing.T) {
	rig := newInboundRig(t, teams.WithStore(nil))
	rig.listen()
	for i := range 200 {
		msg := personalMessage(rig.fc.URL(), "n"+strconv.Itoa(i))
		msg["id"] = "many-" + strconv.Itoa(i)
		require.Equal(t, http.StatusOK, rig.post(msg).Code)
		assert.Equal(t, "n"+strconv.Itoa(i), rig.next().Text)
	}
}

// failingDedupStore is a Store whose conditional puts fail (an outage of
// the shared store), everything else working.
type failingDedupStore struct{ *memstore.Store }

func (failingDedupStore) PutIfAbsent(context.Context, string, string, []byte, time.Duration) (bool, error) {
	return false, errors.New("store unavailable")
}

// When the shared Store fails, the replica still deduplicates on its own
// (neither stopping the bot nor running a redelivery twice) and says so.
func TestInboundDedupFallsBackToMemory(t *testing.T) {
	rig := newInboundRig(t, teams.WithStore(failingDedupStore{memstore.New(nil)}))
	rig.listen()
	msg := personalMessage(rig.fc.URL(), "ec2 describe-instances")
	msg["id"] = "act-outage"
	require.Equal(t, http.StatusOK, rig.post(msg).Code)
	require.Equal(t, http.StatusOK, rig.post(msg).Code)
	assert.Equal(t, "ec2 describe-instances", rig.next().Text)
	rig.noEvent()
	assert.Contains(t, rig.logs.String(), "shared activity dedup failed")
}
