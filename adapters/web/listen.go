package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/opschat/opschat/chat"
)

// Listen hands what the user does in the page to h until ctx is done, then
// waits for the handlers in progress and returns nil. Up to the configured
// concurrency events are handled at once. While no Listen runs, the page's
// inbound requests are refused with 503. A handler error is logged and the
// user is told, in the thread, that the bot failed.
func (a *Adapter) Listen(ctx context.Context, h chat.Handler) error {
	if !a.listening.CompareAndSwap(false, true) {
		return ErrAlreadyListening
	}
	defer a.listening.Store(false)
	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, a.cfg.concurrency)
	for {
		select {
		case <-ctx.Done():
			return nil
		case q := <-a.inbound:
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
			wg.Go(func() {
				defer func() { <-sem }()
				a.handle(ctx, h, q)
			})
		}
	}
}

func (a *Adapter) handle(ctx context.Context, h chat.Handler, q queued) {
	err := h.HandleMessage(ctx, q.in, q.reply)
	if err == nil || ctx.Err() != nil {
		return
	}
	// The error may carry internal details: they go to the log; the user
	// learns that something failed and where to look.
	a.cfg.log.ErrorContext(ctx, "web: handler failed", "kind", string(q.in.Kind), "message", q.in.MessageID, "error", err)
	_, _ = q.reply.Reply(ctx, chat.Message{
		Severity: chat.SeverityWarning,
		Text:     "The bot failed to handle this; the details are in its log.",
	})
}

// isListening reports whether a Listen is running.
func (a *Adapter) isListening() bool { return a.listening.Load() }

// enqueue hands an inbound event to Listen without blocking.
func (a *Adapter) enqueue(q queued) error {
	if !a.isListening() {
		return errNotListening
	}
	select {
	case a.inbound <- q:
		return nil
	default:
		return errBusy
	}
}

var (
	errNotListening = errors.New("the bot is not listening")
	errBusy         = errors.New("too many requests in progress; try again")
)

// ListenLoopback listens on addr ("127.0.0.1:8080" when empty), refusing
// any host that is not a loopback address or "localhost": the page runs
// commands against an AWS account and has no login.
func ListenLoopback(addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: "tcp", Err: err}
	}
	if host != "localhost" {
		ip := net.ParseIP(host)
		if ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("%w: %s (use 127.0.0.1 or localhost)", ErrNotLoopback, addr)
		}
	}
	if host == "localhost" {
		addr = net.JoinHostPort("127.0.0.1", addr[len(host)+1:])
	}
	return net.Listen("tcp", addr)
}

// Serve serves the page on ln until ctx is done, then closes the event
// streams and shuts the server down (waiting up to five seconds for
// requests in progress). It returns nil after a shutdown caused by ctx.
func (a *Adapter) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	_ = a.Close()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-errc
	return err
}
