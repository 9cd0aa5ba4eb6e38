package slack_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/slack"
	"github.com/opschat/opschat/chat"
	"github.com/opschat/opschat/internal/memstore"
)

// The method set of notify/delivery's Preparer.
var _ adaptertest.Preparer = (*slack.Adapter)(nil)

// largeForm is a form too large for its button's value: the adapter keeps
// it in the Store and the button carries a key.
func largeForm() *chat.Form {
	var opts []string
	for i := range 100 {
		opts = append(opts, strings.Repeat("o", 20)+string(rune('a'+i%26)))
	}
	return &chat.Form{ID: "prompt", Value: "tok", Fields: []chat.FormField{{ID: "choice", Label: "Choice", Options: opts}}}
}

// storedKey matches the random Store key of a stored form (in a form
// encoded body), the one part of a post that differs between two runs.
var storedKey = regexp.MustCompile(`r1%3A[0-9a-f]{32}`)

// inlineKey matches the random key in an inline upload's file name.
var inlineKey = regexp.MustCompile(`opschat-inline-[0-9a-f]{16}-`)

// traffic is every Web API call and upload a fake saw, with stored form
// keys, inline upload keys and upload times normalised.
func traffic(f *fakeSlack) ([]string, []upload) {
	var out []string
	for _, c := range f.snapshot() {
		body := storedKey.ReplaceAllString(c.Form.Encode(), "r1%3AKEY")
		out = append(out, c.Method+" "+inlineKey.ReplaceAllString(body, "opschat-inline-KEY-"))
	}
	ups := f.uploaded()
	for i := range ups {
		ups[i].Name = inlineKey.ReplaceAllString(ups[i].Name, "opschat-inline-KEY-")
		ups[i].Created = time.Time{}
	}
	return out, ups
}

// TestPrepareThenPostSendsWhatSendSends is the golden equality of the two
// paths: for every golden message, in a channel and in a thread, Prepare
// followed by the post makes exactly the calls and uploads Send makes.
func TestPrepareThenPostSendsWhatSendSends(t *testing.T) {
	msgs := map[string]chat.Message{"large_form": {Text: "pick", Form: largeForm()}}
	for _, c := range adaptertest.GoldenCases() {
		msgs[c.Name] = c.Msg
	}
	graphForm := adaptertest.AlarmGraphMessage()
	graphForm.Form = largeForm()
	msgs["graph_and_large_form"] = graphForm
	withFile := adaptertest.AlarmGraphMessage()
	withFile.Files = []chat.File{{Name: "out.txt", Data: []byte("output")}}
	msgs["graph_and_file"] = withFile

	thread := channel
	thread.ThreadID = "1700000000.000001"
	for name, m := range msgs {
		for _, conv := range []chat.Conversation{channel, thread} {
			t.Run(name+"/thread="+conv.ThreadID, func(t *testing.T) {
				ctx := context.Background()
				viaSend := newEnv(t)
				sent, sendErr := viaSend.adapter.Send(ctx, conv, m)

				viaPrepare := newEnv(t)
				post, err := viaPrepare.adapter.Prepare(ctx, conv, m)
				require.NoError(t, err)
				posted, postErr := post(ctx)

				assert.Equal(t, sendErr, postErr)
				assert.Equal(t, sent, posted)
				wantCalls, wantUploads := traffic(viaSend.fake)
				gotCalls, gotUploads := traffic(viaPrepare.fake)
				require.NotEmpty(t, wantCalls)
				assert.Equal(t, wantCalls, gotCalls)
				assert.Equal(t, wantUploads, gotUploads)
			})
		}
	}
}

// TestPrepareDoesAllButThePost: after Prepare the images are uploaded and
// a large form stored; the function then makes the one chat.postMessage
// call and nothing else.
func TestPrepareDoesAllButThePost(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	m := adaptertest.AlarmGraphMessage()
	m.Form = largeForm()
	post, err := e.adapter.Prepare(ctx, channel, m)
	require.NoError(t, err)

	before := e.fake.snapshot()
	assert.Zero(t, e.fake.Posted(), "nothing posted before the slot")
	assert.Len(t, e.fake.uploaded(), 1, "the graph is uploaded before the slot")
	stored, err := e.store.List(ctx, "slack.form", "")
	require.NoError(t, err)
	assert.Len(t, stored, 1, "the form is stored once for both renderings")

	ref, err := post(ctx)
	require.NoError(t, err)
	after := e.fake.snapshot()
	require.Len(t, after, len(before)+1, "the post is one Web API call")
	assert.Equal(t, "chat.postMessage", after[len(after)-1].Method)
	assert.Equal(t, []string{e.fake.uploaded()[0].ID}, slackFileIDs(t, after[len(after)-1]))
	assert.NotEmpty(t, ref.MessageID)
	_, err = post(ctx)
	require.ErrorIs(t, err, slack.ErrPostedTwice, "a second call would post a duplicate")
	assert.Equal(t, 1, e.fake.Posted())
}

// failingFormStore refuses to store forms, so that rendering a message
// with a large form fails.
type failingFormStore struct{ *memstore.Store }

var errStoreDown = errors.New("store down")

func (s failingFormStore) Put(ctx context.Context, ns, key string, v []byte, ttl time.Duration) error {
	if ns == "slack.form" {
		return errStoreDown
	}
	return s.Store.Put(ctx, ns, key, v, ttl)
}

// TestPrepareErrors: whatever keeps a message from being posted is
// reported by Prepare, before any slot, and leaves no upload behind.
func TestPrepareErrors(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	graphForm := adaptertest.AlarmGraphMessage()
	graphForm.Form = largeForm()
	tests := []struct {
		name    string
		ctx     context.Context
		conv    chat.Conversation
		m       chat.Message
		opts    []slack.Option
		wantIs  error
		wantMsg string
		uploads int // inline uploads made (and deleted again)
	}{
		{name: "context ended", ctx: canceled, conv: channel, m: adaptertest.AlarmGraphMessage(), wantIs: context.Canceled},
		{name: "no channel", conv: chat.Conversation{WorkspaceID: testTeam}, m: chat.Message{Text: "x"}, wantMsg: "no channel ID"},
		{name: "form cannot be stored", conv: channel, m: chat.Message{Text: "pick", Form: largeForm()},
			opts: []slack.Option{slack.WithStore(failingFormStore{memstore.New(nil)})}, wantIs: errStoreDown},
		{name: "form cannot be stored, graph uploaded", conv: channel, m: graphForm,
			opts: []slack.Option{slack.WithStore(failingFormStore{memstore.New(nil)})}, wantIs: errStoreDown, uploads: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts...)
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			post, err := e.adapter.Prepare(ctx, tt.conv, tt.m)
			require.Error(t, err)
			assert.Nil(t, post)
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
			}
			assert.Contains(t, err.Error(), tt.wantMsg)
			retry, _ := chat.Retryable(err)
			assert.False(t, retry)
			assert.Zero(t, e.fake.Posted())
			assert.Empty(t, e.fake.uploaded(), "no upload left behind")
			assert.Len(t, e.fake.callsTo("files.completeUploadExternal"), tt.uploads)
			assert.Len(t, e.fake.callsTo("files.delete"), tt.uploads)
		})
	}
}

// TestPostAfterCancel: a post function called once its context has ended
// fails with the context's error, posts nothing and deletes the uploads.
func TestPostAfterCancel(t *testing.T) {
	tests := []struct {
		name    string
		m       chat.Message
		uploads int
	}{
		{name: "text", m: chat.Message{Text: "x"}},
		{name: "inline graph", m: adaptertest.AlarmGraphMessage(), uploads: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			ctx, cancel := context.WithCancel(context.Background())
			post, err := e.adapter.Prepare(ctx, channel, tt.m)
			require.NoError(t, err)
			require.Len(t, e.fake.uploaded(), tt.uploads)
			cancel()
			_, err = post(ctx)
			require.ErrorIs(t, err, context.Canceled)
			retry, _ := chat.Retryable(err)
			assert.False(t, retry)
			assert.Zero(t, e.fake.Posted())
			// The deletion may run on the context's cleanup goroutine.
			waitFor(t, "the unused upload to be deleted", func() bool { return len(e.fake.uploaded()) == 0 })
			assert.Len(t, e.fake.callsTo("files.delete"), tt.uploads, "each upload deleted exactly once")
		})
	}
}

// TestPostAfterPrepareContextEnded: when the wait between Prepare and the
// post outlives Prepare's context, the inline upload is deleted; a post
// made after all (with a live context) attaches the graph instead.
func TestPostAfterPrepareContextEnded(t *testing.T) {
	e := newEnv(t)
	prepCtx, cancel := context.WithCancel(context.Background())
	post, err := e.adapter.Prepare(prepCtx, channel, adaptertest.AlarmGraphMessage())
	require.NoError(t, err)
	cancel()
	waitFor(t, "the inline upload to be deleted", func() bool { return len(e.fake.callsTo("files.delete")) == 1 })

	ref, err := post(context.Background())
	require.NoError(t, err)
	posts := e.fake.callsTo("chat.postMessage")
	require.Len(t, posts, 1)
	assert.Empty(t, slackFileIDs(t, posts[0]), "no block refers to the deleted file")
	ups := e.fake.uploaded()
	require.Len(t, ups, 1)
	assert.Equal(t, ref.MessageID, ups[0].Thread, "the graph is attached in the message's thread")
	assert.Len(t, e.fake.callsTo("files.delete"), 1)
}
