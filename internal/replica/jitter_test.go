package replica_test

import (
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// jitterProxy stands between the replicas and dynalite as a network does:
// every chunk a client sends is held for a random delay (up to max)
// before it is forwarded, so requests on different connections reach the
// server in another order than they were sent, and a request whose client
// gave up (its context ended, the connection closed) still reaches the
// server afterwards. A loopback connection does neither, which hid how a
// stopping replica could leave a claim behind: its cancelled PutIfAbsent
// landed after the Get that checked whether it had.
type jitterProxy struct {
	ln       net.Listener
	upstream string
	max      time.Duration
	wg       sync.WaitGroup

	// conns are the open connections, both sides, closed at cleanup: the
	// clients keep idle ones in their pools for minutes.
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// startJitterProxy proxies to upstream (host:port) until the test ends and
// returns the proxy's address.
func startJitterProxy(t *testing.T, upstream string, maxDelay time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &jitterProxy{ln: ln, upstream: upstream, max: maxDelay, conns: map[net.Conn]struct{}{}}
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		_ = ln.Close()
		p.mu.Lock()
		p.closed = true
		for c := range p.conns {
			_ = c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return ln.Addr().String()
}

// track registers c to be closed at cleanup; it reports false (and closes
// c) when cleanup has begun.
func (p *jitterProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *jitterProxy) forget(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
	_ = c.Close()
}

func (p *jitterProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed at cleanup
		}
		p.wg.Go(func() { p.serve(c.(*net.TCPConn)) })
	}
}

// serve forwards one connection. The request side is delayed and, when the
// client goes away, is still delivered in full and half-closed, so the
// server handles it as a real one would; the answer side is copied as is.
func (p *jitterProxy) serve(c *net.TCPConn) {
	if !p.track(c) {
		return
	}
	defer p.forget(c)
	u, err := net.Dial("tcp", p.upstream)
	if err != nil || !p.track(u) {
		return
	}
	up := u.(*net.TCPConn)
	defer p.forget(up)
	var wg sync.WaitGroup
	wg.Go(func() {
		if _, err := io.Copy(c, up); err != nil {
			// The client left: the server still finishes its request;
			// its answer is dropped.
			_, _ = io.Copy(io.Discard, up)
		}
		_ = c.CloseWrite()
	})
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			time.Sleep(rand.N(p.max))
			if _, werr := up.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			// EOF or a reset: what the client sent is on its way
			// regardless.
			break
		}
	}
	_ = up.CloseWrite()
	wg.Wait()
}
