package slack

import (
	"context"

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

// uploadInlineImages uploads, unshared, each image of m shown inline and
// returns the file IDs by image index (nil when there is none). An upload
// that fails is logged and leaves its image to be attached.
func (a *Adapter) uploadInlineImages(ctx context.Context, api *slackgo.Client, m chat.Message) []string {
	var ids []string
	for i, img := range m.Images {
		if !inlineImage(img) {
			continue
		}
		// An empty conversation: completeUploadExternal without a channel
		// keeps the file private to the app until a message shows it.
		id, err := a.upload(ctx, api, chat.Conversation{}, imageUpload(img))
		if err != nil {
			a.log.WarnContext(ctx, "slack: inline image upload failed, attaching it instead", "file", img.Name, "error", err)
			continue
		}
		if ids == nil {
			ids = make([]string, len(m.Images))
		}
		ids[i] = id
	}
	return ids
}

// deleteFiles removes uploads no message shows, best effort.
func (a *Adapter) deleteFiles(ctx context.Context, api *slackgo.Client, ids []string) {
	for _, id := range ids {
		if id == "" {
			continue
		}
		if err := api.DeleteFileContext(context.WithoutCancel(ctx), id); err != nil {
			a.log.WarnContext(ctx, "slack: delete unused inline image", "file", id, "error", err)
		}
	}
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
