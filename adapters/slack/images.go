package slack

import (
	"context"
	"encoding/hex"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/opschat/opschat/chat"
)

// Images given as bytes (an alarm's graph) are shown inside the message:
// the adapter uploads each one first with files.getUploadURLExternal and
// files.completeUploadExternal without sharing it to any channel, then the
// message refers to the file from an image block (slack_file). When an
// upload fails, or Slack refuses the block (invalid_blocks, as for a file it
// has not finished processing), the image is attached after the message in
// its thread instead, as before; nothing is lost. The uploads are private
// files of the app; they are deleted again when the message itself could
// not be posted, so a retried delivery does not leave copies behind.
//
// What that cannot cover is the process dying between the upload and the
// post (or the delete failing): the delivery is redelivered and uploads a
// new copy, and the first stays as a private file of the app for good.
// So every inline upload is made recognisable and leaves a trace:
//
//   - its file name is InlineUploadPrefix, a random key and the image's
//     name ("opschat-inline-1f2e3d4c5b6a7988-HighErrors.png"); the title,
//     which Slack's file view shows, stays the image's alt text;
//   - before the upload starts, the key is written to the Store
//     (namespace "slack.inline-upload"); the record is removed just
//     before the message that shows the file is posted, or when the file
//     is deleted (a failed post puts it back for a file it could not
//     delete).
//
// SweepUploads deletes a file only when its name carries a key whose record
// is still there, and a message's records are removed before it is posted,
// so a file some message shows is never deleted even if Slack lists it as
// shared nowhere. Slack documents an image block as
// showing a file its poster can access, not as sharing it; whether
// files.list then reports the file as shared could not be checked against
// a real workspace, so "shared nowhere" alone is not trusted. Without a
// durable Store (WithStore) the records of a process that died are lost
// with it and its uploads are kept.

// InlineUploadPrefix starts the file name of every image the adapter
// uploads, unshared, to show inside a message (see SweepUploads). Admins
// can recognise the app's inline images by it in the workspace's files.
const InlineUploadPrefix = "opschat-inline-"

// nsInline holds a record per inline upload not yet shown by a posted
// message, keyed by the random key in its file name.
const nsInline = "slack.inline-upload"

// inlineRecordTTL is how long an inline upload's record is kept: far longer
// than any sweep interval, so a sweep finds every orphan before its record
// expires; an orphan found after that is kept (it cannot be told from a
// shown file any more).
const inlineRecordTTL = 30 * 24 * time.Hour

// inlineKeyLen is the length of the hex key in an inline upload's name.
const inlineKeyLen = 16

// inlineUploads are the unshared uploads of one message's inline images,
// by image index: ids[i] is the Slack file ID ("" when image i is not shown
// inline), keys[i] the key of its record.
type inlineUploads struct {
	ids  []string
	keys []string
}

// uploadInlineImages uploads, unshared, each image of m shown inline and
// returns the uploads (nil when there is none). An upload that fails is
// logged and leaves its image to be attached.
func (a *Adapter) uploadInlineImages(ctx context.Context, api *slackgo.Client, m chat.Message) *inlineUploads {
	var up *inlineUploads
	for i, img := range m.Images {
		if !inlineImage(img) {
			continue
		}
		key := newInlineKey()
		// The record comes first: a process that dies at any point of the
		// upload leaves a file whose name finds the record. When it cannot
		// be written the image is still shown; only a sweep will not know
		// the file for an orphan.
		if err := a.store.Put(ctx, nsInline, key, []byte{1}, inlineRecordTTL); err != nil {
			a.log.WarnContext(ctx, "slack: record inline image upload", "file", img.Name, "error", err)
		}
		// An empty conversation: completeUploadExternal without a channel
		// keeps the file private to the app until a message shows it.
		id, err := a.upload(ctx, api, chat.Conversation{}, inlineUpload(key, img))
		if err != nil {
			a.log.WarnContext(ctx, "slack: inline image upload failed, attaching it instead", "file", img.Name, "error", err)
			a.forgetInline(ctx, key)
			continue
		}
		if up == nil {
			up = &inlineUploads{ids: make([]string, len(m.Images)), keys: make([]string, len(m.Images))}
		}
		up.ids[i], up.keys[i] = id, key
	}
	return up
}

// deleteFiles removes uploads no message shows, best effort. An upload
// whose delete failed keeps (or gets back) its record, for SweepUploads to
// retry.
func (a *Adapter) deleteFiles(ctx context.Context, api *slackgo.Client, up *inlineUploads) {
	if up == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	for i, id := range up.ids {
		if id == "" {
			continue
		}
		if err := api.DeleteFileContext(ctx, id); err != nil && slackErrorCode(err) != "file_not_found" {
			a.log.WarnContext(ctx, "slack: delete unused inline image", "file", id, "error", err)
			if err := a.store.Put(ctx, nsInline, up.keys[i], []byte{1}, inlineRecordTTL); err != nil {
				a.log.WarnContext(ctx, "slack: record inline image upload", "file", id, "error", err)
			}
			continue
		}
		a.forgetInline(ctx, up.keys[i])
	}
}

// forgetShown removes the records of the uploads r shows (see send).
func (a *Adapter) forgetShown(ctx context.Context, up *inlineUploads, r Rendered) {
	shown := shownFiles(r)
	for i, id := range up.ids {
		if id != "" && shown[id] {
			a.forgetInline(ctx, up.keys[i])
		}
	}
}

// settle is called once a message rendered as r was posted with the
// uploads: the files it shows stay (their records went before the post,
// forgetShown) and the ones it does not (cut by truncation) are deleted now.
func (a *Adapter) settle(ctx context.Context, api *slackgo.Client, up *inlineUploads, r Rendered) {
	if up == nil {
		return
	}
	shown := shownFiles(r)
	unused := &inlineUploads{ids: make([]string, len(up.ids)), keys: up.keys}
	for i, id := range up.ids {
		if id != "" && !shown[id] {
			unused.ids[i] = id
		}
	}
	a.deleteFiles(ctx, api, unused)
}

// forgetInline removes an inline upload's record. A failure is logged: the
// record then outlives a file a message may show, which a sweep would
// delete as an orphan once it is older than its age.
func (a *Adapter) forgetInline(ctx context.Context, key string) {
	if key == "" {
		return
	}
	if err := a.store.Delete(context.WithoutCancel(ctx), nsInline, key); err != nil {
		a.log.WarnContext(ctx, "slack: forget inline image upload", "key", key, "error", err)
	}
}

// shownFiles returns the IDs of the files r's image blocks show.
func shownFiles(r Rendered) map[string]bool {
	shown := map[string]bool{}
	add := func(blocks []slackgo.Block) {
		for _, b := range blocks {
			if ib, ok := b.(*slackgo.ImageBlock); ok && ib.SlackFile != nil && ib.SlackFile.ID != "" {
				shown[ib.SlackFile.ID] = true
			}
		}
	}
	add(r.Blocks)
	for _, at := range r.Attachments {
		add(at.Blocks.BlockSet)
	}
	return shown
}

func (r renderer) imageFile(i int) string {
	if i < len(r.imageFiles) {
		return r.imageFiles[i]
	}
	return ""
}

// inlineImage reports whether img is shown from its bytes (it has no link
// the renderer would use instead) in a format Slack's image block shows.
func inlineImage(img chat.Image) bool {
	if len(img.Data) == 0 || (img.URL != "" && chat.SafeURL(img.URL)) {
		return false
	}
	switch firstNonEmpty(img.ContentType, "image/png") {
	case "image/png", "image/jpeg", "image/gif":
		return true
	}
	return false
}

// imageUpload is the file an image given as bytes is attached as when it
// is not shown inline.
func imageUpload(img chat.Image) chat.File {
	return chat.File{
		Name:        firstNonEmpty(img.Name, "image.png"),
		Title:       img.AltText,
		ContentType: firstNonEmpty(img.ContentType, "image/png"),
		Data:        img.Data,
	}
}

// inlineUpload is the file an image shown inline is uploaded as: named
// with InlineUploadPrefix and key, titled as the reader knows it.
func inlineUpload(key string, img chat.Image) chat.File {
	f := imageUpload(img)
	f.Title = firstNonEmpty(img.AltText, f.Name)
	f.Name = InlineUploadPrefix + key + "-" + f.Name
	return f
}

// inlineKey returns the record key in the name of an inline upload, and
// whether name is one.
func inlineKey(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, InlineUploadPrefix)
	if !ok || len(rest) <= inlineKeyLen || rest[inlineKeyLen] != '-' {
		return "", false
	}
	key := rest[:inlineKeyLen]
	if _, err := hex.DecodeString(key); err != nil {
		return "", false
	}
	return key, true
}

// newInlineKey returns a random key of inlineKeyLen hex digits.
func newInlineKey() string { return randomKey()[:inlineKeyLen] }
