package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// slogOutput adapts slog to the Output(calldepth, s) logger slack-go takes.
// slack-go logs only in debug mode, which the adapter leaves off; its debug
// output redacts credentials.
type slogOutput struct{ l *slog.Logger }

func (o slogOutput) Output(_ int, s string) error {
	o.l.Debug("slack: socketmode", "msg", strings.TrimSpace(s))
	return nil
}

// slashAck makes Slack show the user's slash command in the channel, so
// everyone sees who ran what before the bot's answer arrives.
var slashAck = map[string]string{"response_type": "in_channel"}

// runSocketMode connects with the app-level token and dispatches events until
// ctx ends. Slack redelivers events that are not acknowledged within 3
// seconds, so each event is acknowledged first, then converted (which may
// call the Web API) and handled off the event loop.
func (a *Adapter) runSocketMode(ctx context.Context, l *listener) error {
	api := a.newClient(a.botToken.reveal(), slackgo.OptionAppLevelToken(a.appToken.reveal()))
	smc := socketmode.New(api, socketmode.OptionLog(slogOutput{a.log}))
	runErr := make(chan error, 1)
	go func() { runErr <- smc.RunContext(ctx) }()
	for {
		select {
		case err := <-runErr:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack: socket mode: %w", classify("apps.connections.open", err))
		case evt := <-smc.Events:
			a.socketEvent(ctx, l, smc, evt)
		}
	}
}

func (a *Adapter) socketEvent(ctx context.Context, l *listener, smc *socketmode.Client, evt socketmode.Event) {
	ack := func(payload any) {
		if evt.Request == nil {
			return
		}
		if err := smc.AckCtx(ctx, evt.Request.EnvelopeID, payload); err != nil && !errors.Is(err, context.Canceled) {
			a.log.WarnContext(ctx, "slack: socket mode ack failed", "error", err)
		}
	}
	switch evt.Type {
	case socketmode.EventTypeConnected:
		a.log.InfoContext(ctx, "slack: socket mode connected")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage, socketmode.EventTypeErrorWriteFailed:
		a.log.WarnContext(ctx, "slack: socket mode trouble", "event", string(evt.Type), "detail", describeSocketData(evt.Data))
	case socketmode.EventTypeInvalidAuth:
		a.log.ErrorContext(ctx, "slack: socket mode: app-level token rejected")
	case socketmode.EventTypeEventsAPI:
		ack(nil)
		if ev, ok := evt.Data.(slackevents.EventsAPIEvent); ok {
			if evt.Request != nil && evt.Request.RetryAttempt > 0 {
				a.log.DebugContext(ctx, "slack: event redelivered", "attempt", evt.Request.RetryAttempt, "reason", evt.Request.RetryReason)
			}
			l.start(func() { a.handleEventsAPI(l, ev) })
		}
	case socketmode.EventTypeSlashCommand:
		if cmd, ok := evt.Data.(slackgo.SlashCommand); ok && cmd.Command == a.command {
			ack(slashAck)
			l.start(func() { a.handleSlash(l, cmd) })
			return
		}
		ack(nil)
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slackgo.InteractionCallback)
		if ok && cb.Type == slackgo.InteractionTypeViewSubmission {
			// The acknowledgement says whether the modal closes.
			ack(a.handleViewSubmission(l, cb))
			return
		}
		ack(nil)
		if ok {
			l.start(func() { a.handleInteraction(l, cb) })
		}
	}
}

// describeSocketData summarises a socket mode diagnostic without dumping
// payloads.
func describeSocketData(d any) string {
	switch v := d.(type) {
	case *slackgo.ConnectionErrorEvent:
		return v.Error()
	case *slackgo.IncomingEventError:
		return v.Error()
	case *socketmode.ErrorBadMessage:
		return v.Cause.Error()
	case *socketmode.ErrorWriteFailed:
		return v.Cause.Error()
	case error:
		return v.Error()
	}
	return ""
}
