package inboxtest

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy passes TCP connections through to a server on 127.0.0.1 and breaks
// them the ways a shop's network does: the line drops (Cut), the server
// cannot be reached for a while (SetDown), or a laptop sleeps and its
// connections die without a word (Freeze).
type Proxy struct {
	Addr     string // 127.0.0.1:port, for the client
	target   string
	accepted atomic.Int32

	mu    sync.Mutex
	down  bool
	pipes map[*pipe]bool
	wg    sync.WaitGroup
}

// pipe is one client connection and its connection to the server.
type pipe struct {
	client, server net.Conn
	frozen         atomic.Bool
}

func (p *pipe) close() {
	p.client.Close()
	p.server.Close()
}

// StartProxy forwards a new loopback port to target until the test ends.
func StartProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln := listen(t, nil)
	p := &Proxy{Addr: ln.Addr().String(), target: target, pipes: map[*pipe]bool{}}
	accepting := make(chan struct{})
	go func() {
		defer close(accepting)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.accepted.Add(1)
			p.open(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-accepting // no pipe opens after this
		p.Cut()
		p.wg.Wait()
	})
	return p
}

// open connects a client to the server, or hangs up on it while down.
func (p *Proxy) open(c net.Conn) {
	p.mu.Lock()
	down := p.down
	p.mu.Unlock()
	if down {
		c.Close()
		return
	}
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	pp := &pipe{client: c, server: s}
	p.mu.Lock()
	p.pipes[pp] = true
	p.mu.Unlock()
	p.wg.Add(2)
	go p.copy(pp, s, c)
	go p.copy(pp, c, s)
}

// copy passes bytes one way until either side closes; a frozen pipe swallows
// them, as a dead network does.
func (p *Proxy) copy(pp *pipe, dst, src net.Conn) {
	defer p.wg.Done()
	defer func() {
		pp.close()
		p.mu.Lock()
		delete(p.pipes, pp)
		p.mu.Unlock()
	}()
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 && !pp.frozen.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Cut closes every connection open now, both ways.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for pp := range p.pipes {
		pp.close()
	}
}

// SetDown makes new connections be hung up on at once (down) or passed
// through again.
func (p *Proxy) SetDown(down bool) {
	p.mu.Lock()
	p.down = down
	p.mu.Unlock()
}

// Freeze makes the connections open now stop passing bytes either way while
// staying open: neither side hears of it, as after a sleep. New connections
// are not affected.
func (p *Proxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for pp := range p.pipes {
		pp.frozen.Store(true)
	}
}

// Accepted is how many connections clients have opened so far.
func (p *Proxy) Accepted() int { return int(p.accepted.Load()) }
