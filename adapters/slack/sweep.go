package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	slackgo "github.com/slack-go/slack"
)

// ErrMissingScope is returned (wrapped) when Slack refuses a Web API call
// for a scope the app was not granted (missing_scope). SweepUploads needs
// files:read (files.list) besides the files:write the adapter already
// needs to upload and delete.
var ErrMissingScope = errors.New("slack: missing OAuth scope")

// DefaultSweepAge is the age under which WithUploadSweep leaves an inline
// upload alone when given none. An upload waits for its post for as long
// as its delivery holds it: the queue for the channel's rate slot (a storm
// of notifications queues for minutes at Slack's 1 post/s per channel) and
// the delivery's retries, each of which uploads anew (notify/delivery's
// default backoff gives up after 6 attempts within about a minute). An
// hour is far beyond both, so a sweep never deletes an image whose post is
// still coming; an orphan only lives that much longer.
const DefaultSweepAge = time.Hour

// minSweepAge is the smallest age SweepUploads accepts: below it, an
// upload whose delivery is still queued for its slot could be deleted.
const minSweepAge = 10 * time.Minute

// Work per SweepUploads call, so that one call stays within a few minutes
// of Slack's Tier 3 limits (files.list and files.delete: about 50 a minute
// each) and the rest waits for the next call: the pages of files.list read
// per workspace, the files deleted over all workspaces, and how often one
// Web API call is retried after a rate limit.
const (
	sweepPageSize     = 100
	sweepMaxPages     = 10
	sweepMaxDeletes   = 100
	sweepMaxRateWaits = 5
	// firstSweepDelay is the longest the first periodic sweep waits after
	// Listen starts: a process restarted after a crash cleans up soon.
	firstSweepDelay = time.Minute
)

// WithUploadSweep makes Listen run SweepUploads every interval (the first
// after at most a minute) for as long as it listens, deleting inline image
// uploads older than olderThan (DefaultSweepAge when 0) that no posted
// message shows. Results are logged (INFO when files were deleted, WARN on
// failure). Off by default: it needs the files:read scope (with WithOAuth
// it is added to the scopes installs are asked for) and a durable, shared
// Store (WithStore) to find uploads across restarts. Several replicas may
// all sweep; a file deleted twice is not an error.
func WithUploadSweep(every, olderThan time.Duration) Option {
	return func(a *Adapter) { a.sweepEvery, a.sweepAge = every, olderThan }
}

// checkSweep validates WithUploadSweep's values, applying the default age.
func (a *Adapter) checkSweep() error {
	if a.sweepEvery < 0 {
		return fmt.Errorf("slack: upload sweep interval %v is negative", a.sweepEvery)
	}
	if a.sweepEvery == 0 {
		return nil
	}
	if a.sweepAge == 0 {
		a.sweepAge = DefaultSweepAge
	}
	if a.sweepAge < minSweepAge {
		return fmt.Errorf("slack: upload sweep age %v is under %v: uploads awaiting their post could be deleted", a.sweepAge, minSweepAge)
	}
	// Installs must grant what the sweep needs. Clip: never append into
	// DefaultBotScopes' array.
	if a.oauth != nil && !slices.Contains(a.oauth.Scopes, scopeFilesRead) {
		a.oauth.Scopes = append(slices.Clip(a.oauth.Scopes), scopeFilesRead)
	}
	return nil
}

// scopeFilesRead is the scope files.list needs.
const scopeFilesRead = "files:read"

// SweepUploads deletes the app's inline image uploads that no message shows
// and that are older than olderThan (at least 10 minutes): the copies left
// when the process died between an upload and its post, or when deleting
// an unused upload failed. It returns how many files it deleted.
//
// For each workspace the adapter has a bot token for (the single bot token
// and every OAuth installation), it asks auth.test for the bot's user ID,
// lists that user's files created before now - olderThan (files.list, page
// by page), and deletes (files.delete) each file that is
//   - the bot's own,
//   - named as an inline upload (InlineUploadPrefix and a key),
//   - still recorded in the Store as not shown by a posted message,
//   - shared nowhere (no channel, group, DM, share or public link).
//
// Every other file is kept: an upload shown by a message (Slack may list
// it as shared nowhere; its record was removed when the message was posted), a
// file shared anywhere, another user's file, a file without the prefix, a
// younger one, and one whose record is lost (a memory Store across a
// restart, or past the record's 30 days).
//
// Scopes: files:read for files.list (files:write, which uploads need, for
// files.delete). A workspace that did not grant it fails with an error
// wrapping ErrMissingScope; the others are still swept.
//
// Rate limits: a call Slack answers with 429 is made again after its
// Retry-After (at least a second, up to 5 times); the wait ends with ctx.
// One call reads at most 10 pages of 100 files per workspace and deletes
// at most 100 files; a later call takes up the rest. Errors of several
// workspaces are joined. SweepUploads is safe for concurrent use; it
// blocks until done or ctx ends, and then returns ctx's error.
func (a *Adapter) SweepUploads(ctx context.Context, olderThan time.Duration) (deleted int, err error) {
	if olderThan < minSweepAge {
		return 0, fmt.Errorf("slack: sweep uploads: age %v is under %v: uploads awaiting their post could be deleted", olderThan, minSweepAge)
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("slack: sweep uploads: %w", err)
	}
	workspaces, err := a.sweepWorkspaces(ctx)
	if err != nil {
		return 0, err
	}
	cutoff := time.Now().Add(-olderThan)
	var errs []error
	for _, ws := range workspaces {
		n, err := a.sweepWorkspace(ctx, a.newClient(ws.token), ws.name, cutoff, sweepMaxDeletes-deleted)
		deleted += n
		if err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil || deleted >= sweepMaxDeletes {
			break
		}
	}
	return deleted, errors.Join(errs...)
}

// sweepTarget is a workspace to sweep: its name for errors and logs (the
// team ID, or "the bot token's workspace") and its bot token.
type sweepTarget struct {
	name  string
	token string
}

// sweepWorkspaces returns every workspace the adapter holds a bot token
// for, each token once.
func (a *Adapter) sweepWorkspaces(ctx context.Context) ([]sweepTarget, error) {
	var out []sweepTarget
	seen := map[string]bool{}
	if !a.botToken.IsZero() {
		out = append(out, sweepTarget{name: "the bot token's workspace", token: a.botToken.reveal()})
		seen[a.botToken.reveal()] = true
	}
	if a.oauth == nil {
		return out, nil
	}
	installs, err := a.store.List(ctx, nsInstall, "")
	if err != nil {
		return nil, fmt.Errorf("slack: sweep uploads: list installations: %w", err)
	}
	teams := make([]string, 0, len(installs))
	for team := range installs {
		teams = append(teams, team)
	}
	sort.Strings(teams) // a stable order: a capped sweep resumes where it ended
	for _, team := range teams {
		var inst installation
		if err := json.Unmarshal(installs[team], &inst); err != nil || inst.BotToken == "" {
			a.log.WarnContext(ctx, "slack: sweep uploads: unreadable installation skipped", "team", team)
			continue
		}
		if !seen[inst.BotToken] {
			seen[inst.BotToken] = true
			out = append(out, sweepTarget{name: team, token: inst.BotToken})
		}
	}
	return out, nil
}

// sweepWorkspace sweeps one workspace, deleting at most budget files.
// Files are listed first and deleted after, because deleting while paging
// would shift later files onto pages already read.
func (a *Adapter) sweepWorkspace(ctx context.Context, api *slackgo.Client, ws string, cutoff time.Time, budget int) (int, error) {
	var auth *slackgo.AuthTestResponse
	if err := retryRateLimited(ctx, func() (err error) {
		auth, err = api.AuthTestContext(ctx)
		return err
	}); err != nil {
		return 0, sweepError(ws, "auth.test", err)
	}
	var orphans []slackgo.File
	for page := 1; page <= sweepMaxPages && len(orphans) < budget; page++ {
		params := slackgo.NewGetFilesParameters()
		params.User, params.TimestampTo = auth.UserID, slackgo.JSONTime(cutoff.Unix())
		params.Count, params.Page = sweepPageSize, page
		var (
			files  []slackgo.File
			paging *slackgo.Paging
		)
		if err := retryRateLimited(ctx, func() (err error) {
			files, paging, err = api.GetFilesContext(ctx, params)
			return err
		}); err != nil {
			return 0, sweepError(ws, "files.list", err)
		}
		for _, f := range files {
			if len(orphans) < budget && a.orphan(ctx, f, auth.UserID, cutoff) {
				orphans = append(orphans, f)
			}
		}
		if len(files) == 0 || paging == nil || page >= paging.Pages {
			break
		}
	}
	deleted := 0
	var errs []error
	for _, f := range orphans {
		err := retryRateLimited(ctx, func() error { return api.DeleteFileContext(ctx, f.ID) })
		if err != nil && slackErrorCode(err) != "file_not_found" {
			err = sweepError(ws, "files.delete", err)
			if ctx.Err() != nil || errors.Is(err, ErrMissingScope) {
				return deleted, errors.Join(append(errs, err)...)
			}
			errs = append(errs, err)
			continue
		}
		key, _ := inlineKey(f.Name)
		a.forgetInline(ctx, key)
		if err == nil {
			deleted++
			a.log.DebugContext(ctx, "slack: deleted orphaned inline image", "workspace", ws, "file", f.ID, "created", f.Created.Time())
		}
	}
	return deleted, errors.Join(errs...)
}

// orphan reports whether f is an inline upload of the bot's that no posted
// message shows, created no later than cutoff and shared nowhere.
func (a *Adapter) orphan(ctx context.Context, f slackgo.File, botUser string, cutoff time.Time) bool {
	key, ok := inlineKey(f.Name)
	if !ok || f.User != botUser || f.Created.Time().After(cutoff) || shared(f) {
		return false
	}
	_, recorded, err := a.store.Get(ctx, nsInline, key)
	if err != nil {
		// Keep what cannot be checked: a shown image lost is worse than
		// an orphan kept until the next sweep.
		a.log.WarnContext(ctx, "slack: sweep uploads: look up inline image record", "file", f.ID, "error", err)
		return false
	}
	return recorded
}

// shared reports whether Slack says f is visible anywhere besides the
// app's own files.
func shared(f slackgo.File) bool {
	return len(f.Channels) > 0 || len(f.Groups) > 0 || len(f.IMs) > 0 ||
		len(f.Shares.Public) > 0 || len(f.Shares.Private) > 0 ||
		(f.HasMoreShares != nil && *f.HasMoreShares) ||
		f.IsPublic || f.PublicURLShared
}

// retryRateLimited calls call, and again after the wait Slack asks for
// each time it answers with a rate limit, up to sweepMaxRateWaits times.
func retryRateLimited(ctx context.Context, call func() error) error {
	for waits := 0; ; waits++ {
		err := call()
		wait, limited := rateLimitWait(err)
		if !limited || waits >= sweepMaxRateWaits {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (waiting out a rate limit: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// rateLimitWait reports whether err is a rate limit and how long to wait:
// Slack's Retry-After, but at least a second (it may be missing).
func rateLimitWait(err error) (time.Duration, bool) {
	if rl, ok := errors.AsType[*slackgo.RateLimitedError](err); ok {
		return max(rl.RetryAfter, time.Second), true
	}
	switch slackErrorCode(err) {
	case "ratelimited", "rate_limited":
		return time.Second, true
	}
	return 0, false
}

// sweepError wraps a failed Web API call of a sweep, with ErrMissingScope
// when Slack says which scope is missing.
func sweepError(ws, method string, err error) error {
	if se, ok := errors.AsType[slackgo.SlackErrorResponse](err); ok && se.Err == "missing_scope" {
		needed := se.Needed
		if needed == "" {
			needed = scopeFilesRead
		}
		return fmt.Errorf("slack: sweep uploads in %s: %s needs scope %s: %w (%w)", ws, method, needed, ErrMissingScope, err)
	}
	return fmt.Errorf("slack: sweep uploads in %s: %s: %w", ws, method, err)
}

// runSweeps runs SweepUploads every a.sweepEvery until ctx ends (see
// WithUploadSweep).
func (a *Adapter) runSweeps(ctx context.Context) {
	t := time.NewTimer(min(a.sweepEvery, firstSweepDelay))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := a.SweepUploads(ctx, a.sweepAge)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			a.log.WarnContext(ctx, "slack: upload sweep failed", "deleted", n, "error", err)
		case n > 0:
			a.log.InfoContext(ctx, "slack: upload sweep deleted orphaned inline images", "deleted", n)
		default:
			a.log.DebugContext(ctx, "slack: upload sweep found nothing to delete")
		}
		t.Reset(a.sweepEvery)
	}
}
