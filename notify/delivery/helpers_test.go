package delivery_test

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opschat/opschat/chat"
)

// instantClock is a virtual clock whose Sleep advances time at once.
type instantClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newInstantClock() *instantClock {
	return &instantClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *instantClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *instantClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	if d > 0 {
		c.now = c.now.Add(d)
	}
	return nil
}

func (c *instantClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// scaledClock runs factor times faster than the wall clock, so that a
// benchmark can exercise per-second limits in milliseconds.
type scaledClock struct {
	start  time.Time
	factor float64
}

func (c scaledClock) Now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.start)) * c.factor))
}

func (c scaledClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(time.Duration(float64(d) / c.factor))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// sent is one message a scriptedSender accepted.
type sent struct {
	Conv chat.Conversation
	Msg  chat.Message
	At   time.Time
	Ref  chat.Ref
}

// scriptedSender fails according to a script, then records messages.
type scriptedSender struct {
	mu      sync.Mutex
	clock   interface{ Now() time.Time }
	script  []error // consumed one per Send; nil entries succeed
	calls   int
	sent    []sent
	seq     int
	block   chan struct{} // when non-nil, Send waits for a value (or ctx)
	waiting atomic.Int32  // Sends blocked on block
	caps    chat.Capabilities
}

func (s *scriptedSender) Capabilities() chat.Capabilities { return s.caps }

func (s *scriptedSender) Send(ctx context.Context, conv chat.Conversation, m chat.Message) (chat.Ref, error) {
	// The arrival time is taken first, as a platform would stamp it.
	var at time.Time
	if s.clock != nil {
		at = s.clock.Now()
	}
	if s.block != nil {
		s.waiting.Add(1)
		defer s.waiting.Add(-1)
		select {
		case <-s.block:
		case <-ctx.Done():
			return chat.Ref{}, ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if len(s.script) > 0 {
		err := s.script[0]
		s.script = s.script[1:]
		if err != nil {
			return chat.Ref{}, err
		}
	}
	s.seq++
	ref := chat.Ref{Conversation: conv, MessageID: "msg" + itoa(s.seq)}
	s.sent = append(s.sent, sent{Conv: conv, Msg: m, At: at, Ref: ref})
	return ref, nil
}

func (s *scriptedSender) Sent() []sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sent(nil), s.sent...)
}

func (s *scriptedSender) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{digits[i%10]}, b...)
	}
	return string(b)
}

func slackConv(ch string) chat.Conversation {
	return chat.Conversation{Platform: chat.PlatformSlack, WorkspaceID: "T1", ChannelID: ch, Type: chat.ConversationChannel}
}
