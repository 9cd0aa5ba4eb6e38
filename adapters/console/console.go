// Package console is a terminal chat adapter: it reads commands from a reader
// (stdin) and renders the bot's messages readably on a writer (stdout), so a
// bot can be tried with no chat workspace at all.
//
// Each input line is a message mentioning the bot. Two prefixes reach the
// interactive parts of chat:
//
//	> TEXT   replies in the thread of the bot's latest message (answers a
//	         prompt for a missing parameter, or "yes"/"cancel" a confirmation)
//	!N       clicks button N of the messages shown
//
// When the input is not a terminal the adapter processes the lines in order
// and Listen returns at end of input, so `printf 'help\n' | program` works in
// scripts and tests. Colour is used only when the output is a terminal.
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/opschat/opschat/chat"
)

// Adapter is the console adapter. It is safe for concurrent use; output
// from concurrent sends is serialised.
type Adapter struct {
	in          io.Reader
	out         io.Writer
	color       bool
	interactive bool
	conv        chat.Conversation
	user        chat.User

	mu       sync.Mutex
	seq      int
	buttons  []buttonRef // numbered buttons shown so far
	lastRoot chat.Ref    // the thread of the bot's latest message
}

type buttonRef struct {
	ref chat.Ref
	btn chat.Button
}

// Option configures an Adapter.
type Option func(*Adapter)

// WithColor forces colour on or off (default: on when out is a terminal).
func WithColor(on bool) Option { return func(a *Adapter) { a.color = on } }

// WithInteractive forces the interactive mode (prompt shown) on or off
// (default: on when in is a terminal).
func WithInteractive(on bool) Option { return func(a *Adapter) { a.interactive = on } }

// WithConversation sets the conversation input lines come from (default:
// workspace "local", channel "console").
func WithConversation(c chat.Conversation) Option { return func(a *Adapter) { a.conv = c } }

// WithUser sets who types the input (default: the USER environment variable).
func WithUser(u chat.User) Option { return func(a *Adapter) { a.user = u } }

// New returns an adapter reading from in and writing to out.
func New(in io.Reader, out io.Writer, opts ...Option) *Adapter {
	name := os.Getenv("USER")
	if name == "" {
		name = "you"
	}
	a := &Adapter{
		in:          in,
		out:         out,
		color:       isTerminal(out),
		interactive: isTerminal(in),
		conv: chat.Conversation{
			Platform: chat.PlatformConsole, WorkspaceID: "local", ChannelID: "console", Type: chat.ConversationChannel,
		},
		user: chat.User{ID: name, Name: name},
	}
	for _, o := range opts {
		o(a)
	}
	a.conv.Platform = chat.PlatformConsole
	return a
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

var (
	_ chat.Adapter            = (*Adapter)(nil)
	_ chat.Updater            = (*Adapter)(nil)
	_ chat.FileUploader       = (*Adapter)(nil)
	_ chat.CapabilityReporter = (*Adapter)(nil)
)

// Platform returns chat.PlatformConsole.
func (a *Adapter) Platform() chat.Platform { return chat.PlatformConsole }

// Conversation returns the conversation input lines come from.
func (a *Adapter) Conversation() chat.Conversation { return a.conv }

// Capabilities reports what the console can show.
func (a *Adapter) Capabilities() chat.Capabilities {
	return chat.Capabilities{Threads: true, Updates: true, Files: true, Buttons: true, Images: true, Commands: true, MaxText: 20000}
}

// Listen reads lines and hands each to h, in order, until end of input (then
// it returns nil) or until ctx is done. Reading blocks; when ctx ends while a
// read is pending, Listen returns without waiting for it.
func (a *Adapter) Listen(ctx context.Context, h chat.Handler) error {
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(a.in)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		errc <- sc.Err()
	}()
	for {
		a.prompt()
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if err != nil {
				return fmt.Errorf("console: read: %w", err)
			}
			return nil
		case line := <-lines:
			if err := a.handleLine(ctx, h, line); err != nil {
				a.printf("%s\n", a.style(red, "error: "+err.Error()))
			}
		}
	}
}

func (a *Adapter) prompt() {
	if a.interactive {
		a.printf("%s ", a.style(bold, ">"))
	}
}

func (a *Adapter) handleLine(ctx context.Context, h chat.Handler, line string) error {
	trimmed := strings.TrimSpace(line)
	if trimmed == "" && !a.interactive {
		return nil
	}
	if !a.interactive {
		// Echo the command so a transcript reads like a conversation.
		a.printf("%s %s\n", a.style(bold, a.user.Name+":"), line)
	}
	a.mu.Lock()
	a.seq++
	id := "in" + strconv.Itoa(a.seq)
	root := a.lastRoot
	a.mu.Unlock()
	in := chat.Inbound{Kind: chat.KindMention, Conversation: a.conv, User: a.user, Text: line, MessageID: id}
	reply := a.conv.InThread(id)
	switch {
	case strings.HasPrefix(trimmed, "!"):
		n, err := strconv.Atoi(strings.TrimSpace(trimmed[1:]))
		a.mu.Lock()
		if err != nil || n < 1 || n > len(a.buttons) {
			a.mu.Unlock()
			return fmt.Errorf("no button %s (buttons are numbered [1], [2], ...)", trimmed[1:])
		}
		b := a.buttons[n-1]
		a.mu.Unlock()
		in = chat.Inbound{Kind: chat.KindButtonClick, Conversation: b.ref.Conversation, User: a.user,
			Action: &chat.Action{ID: b.btn.ID, Value: b.btn.Value, Message: b.ref}}
		reply = b.ref.Thread()
	case strings.HasPrefix(trimmed, ">"):
		if root.MessageID == "" {
			return errors.New("no thread to reply to yet")
		}
		in.Kind = chat.KindThreadReply
		in.Text = strings.TrimSpace(trimmed[1:])
		in.Conversation = root.Thread()
		reply = root.Thread()
	}
	return h.HandleMessage(ctx, in, chat.SenderReplier(a, reply))
}

// Send renders m on the output.
func (a *Adapter) Send(ctx context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	if err := ctx.Err(); err != nil {
		return chat.Ref{}, fmt.Errorf("console: send: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seq++
	ref := chat.Ref{Conversation: conv, MessageID: "m" + strconv.Itoa(a.seq)}
	a.lastRoot = ref
	if ref.Conversation.ThreadID != "" {
		a.lastRoot = chat.Ref{Conversation: conv.Channel(), MessageID: conv.ThreadID}
	}
	if _, err := io.WriteString(a.out, a.render(ref, m)); err != nil {
		return chat.Ref{}, fmt.Errorf("console: write: %w", err)
	}
	return ref, nil
}

// Update renders the replacement of a message.
func (a *Adapter) Update(ctx context.Context, ref chat.Ref, m chat.Message) error {
	if m.Title != "" {
		m.Title = "(updated) " + m.Title
	} else {
		m.Title = "(updated)"
	}
	_, err := a.Send(ctx, ref.Conversation, m)
	return err
}

// UploadFile shows a file's name and size, and its content when it is short text.
func (a *Adapter) UploadFile(ctx context.Context, conv chat.Conversation, f chat.File) (chat.Ref, error) {
	return a.Send(ctx, conv, chat.Message{Files: []chat.File{f}})
}
