package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"mostrador/inbox/inboxtest"
)

// waitFor is how long a test waits for something that should take a moment.
const waitFor = 5 * time.Second

// statusLog keeps what a Watcher reported.
type statusLog struct {
	mu  sync.Mutex
	all []Status
}

func (l *statusLog) add(s Status) {
	l.mu.Lock()
	l.all = append(l.all, s)
	l.mu.Unlock()
}

func (l *statusLog) list() []Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Status(nil), l.all...)
}

func (l *statusLog) String() string {
	var b strings.Builder
	for i, s := range l.list() {
		fmt.Fprintf(&b, "\n  %d %s", i, s.State)
		if s.Err != nil {
			fmt.Fprintf(&b, " err=%v retry in %v", s.Err, s.Retry.Sub(s.Since))
		}
	}
	return b.String()
}

// wait waits for a status at index from or later that satisfies ok, and
// returns its index.
func (l *statusLog) wait(t *testing.T, from int, what string, ok func(Status) bool) int {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		for i, s := range l.list() {
			if i >= from && ok(s) {
				return i
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no status %s from #%d in %v; got:%v", what, from, waitFor, l)
	return 0
}

// waitState waits for a status in state s, at index from or later.
func (l *statusLog) waitState(t *testing.T, from int, s WatchState) int {
	t.Helper()
	return l.wait(t, from, string(s), func(st Status) bool { return st.State == s })
}

func isIdle(s Status) bool { return s.State == StateIdle }

// connectTo dials a test server (or a proxy to one) as the window would.
func connectTo(t *testing.T, addr string) func(context.Context, *imapclient.Options) (*imapclient.Client, error) {
	ep := endpoint(t, "imap", Plain, addr)
	d := &Dialer{Timeout: 5 * time.Second}
	return func(_ context.Context, o *imapclient.Options) (*imapclient.Client, error) {
		return d.DialIMAP(ep, inboxtest.Password, o)
	}
}

// rig is a watcher on a fresh database, connected through a proxy to a
// test server, with quick test timings and its statuses logged. The test
// changes w before start.
type rig struct {
	srv   *inboxtest.IMAPServer
	proxy *inboxtest.Proxy
	db    *sql.DB
	log   *statusLog
	w     *Watcher
}

func newRig(t *testing.T) *rig {
	t.Helper()
	srv := inboxtest.StartIMAP(t, inboxtest.Plain, nil)
	proxy := inboxtest.StartProxy(t, srv.Addr)
	r := &rig{srv: srv, proxy: proxy, db: mailDB(t), log: &statusLog{}}
	r.w = &Watcher{DB: r.db, ShopAddr: inboxtest.User, OnStatus: r.log.add, Connect: connectTo(t, proxy.Addr),
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		RefreshEvery: time.Minute, Timeout: 2 * time.Second, CheckEvery: 20 * time.Millisecond}
	return r
}

// start runs the watcher until the test ends and waits until it idles: it
// returns that status's index, and run's stop.
func (r *rig) start(t *testing.T) (idle int, stop func() error) {
	t.Helper()
	stop = run(t, r.w)
	return r.log.waitState(t, 0, StateIdle), stop
}

// run starts w.Run; the returned stop cancels it and fails the test unless
// Run returns promptly, giving what it returned. The test's end stops it too.
func run(t *testing.T, w *Watcher) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(3 * time.Second):
				t.Error("Run did not return within 3 s of its cancellation")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// waitRows waits until the query counts want rows.
func waitRows(t *testing.T, db *sql.DB, want int, q string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		n := countRows(t, db, q, args...)
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d rows after %v, want %d", q, n, waitFor, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var ce *ConnError
	if !errors.As(err, &ce) || ce.Code != code {
		t.Errorf("error %v, want a ConnError %s", err, code)
	}
}

// noLeftovers fails the test if a goroutine of the watcher or of its IMAP
// client outlives Run (the tests do not run in parallel).
func noLeftovers(t *testing.T) {
	t.Helper()
	var left string
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		buf := make([]byte, 1<<20)
		left = ""
		for g := range strings.SplitSeq(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
			if strings.Contains(g, "inbox.(*Watcher)") || strings.Contains(g, "imapclient.(*Client).read") ||
				strings.Contains(g, "imapclient.(*IdleCommand)") {
				left += g + "\n\n"
			}
		}
		if left == "" {
			return
		}
	}
	t.Errorf("goroutines left after Run returned:\n%s", left)
}

const byMessageID = `SELECT count(*) FROM message WHERE message_id = ?`

// New mail shows within seconds while the watcher idles, and it idles again.
func TestWatchNewMailWhileIdle(t *testing.T) {
	r := newRig(t)
	for i := 1; i <= 3; i++ {
		deliver(t, r.srv, "INBOX", i)
	}
	var mu sync.Mutex
	var progress []string
	r.w.OnProgress = func(folder string, stored, total int) {
		mu.Lock()
		defer mu.Unlock()
		progress = append(progress, fmt.Sprintf("%s %d/%d", folder, stored, total))
	}
	first, _ := r.start(t)
	mu.Lock()
	if !slices.Contains(progress, "INBOX 3/3") {
		t.Errorf("the first sync's progress: %q, want it to reach INBOX 3/3", progress)
	}
	mu.Unlock()
	if got := r.log.list()[first]; len(got.Reports) == 0 || got.Reports[0].Folder != "INBOX" || got.Reports[0].New != 3 ||
		got.Synced.IsZero() {
		t.Errorf("first idle status: %+v", got)
	}
	if n := countRows(t, r.db, `SELECT count(*) FROM message`); n != 3 {
		t.Fatalf("%d messages after the first sync, want 3", n)
	}
	start := time.Now()
	deliver(t, r.srv, "INBOX", 4)
	waitRows(t, r.db, 1, byMessageID, "m4@example.com")
	t.Logf("new mail stored %v after delivery", time.Since(start))
	again := r.log.wait(t, first+1, "idle after the new mail", func(s Status) bool {
		return s.State == StateIdle && len(s.Reports) > 0 && s.Reports[0].New == 1
	})
	states := []WatchState{}
	for _, s := range r.log.list()[:again+1] {
		states = append(states, s.State)
	}
	if fmt.Sprint(states) != "[connecting syncing idle syncing idle]" {
		t.Errorf("states %v", states)
	}
	// Its own sync tells the watcher nothing new: it stays idle.
	time.Sleep(200 * time.Millisecond)
	if n := len(r.log.list()); n != again+1 {
		t.Errorf("the watcher went on after syncing the new mail:%v", r.log)
	}
}

// A dropped line: offline with the reason and the next attempt, waits that
// grow while the server stays out of reach, then the mail that came
// meanwhile.
func TestWatchReconnectsAfterDrop(t *testing.T) {
	r := newRig(t)
	deliver(t, r.srv, "INBOX", 1)
	idle, _ := r.start(t)

	r.proxy.SetDown(true)
	r.proxy.Cut()
	off := r.log.waitState(t, idle, StateOffline)
	dropped := r.log.list()[off]
	wantCode(t, dropped.Err, CodeClosed)
	if got := dropped.Retry.Sub(dropped.Since); got != r.w.MinBackoff {
		t.Errorf("first wait %v, want MinBackoff %v", got, r.w.MinBackoff)
	}
	deliver(t, r.srv, "INBOX", 2)
	// Three more failed attempts.
	last := off
	for range 3 {
		last = r.log.waitState(t, last+1, StateOffline)
	}
	r.proxy.SetDown(false)
	waitRows(t, r.db, 1, byMessageID, "m2@example.com")
	r.log.waitState(t, last, StateIdle)

	var waits []time.Duration
	for _, s := range r.log.list()[off:] {
		if s.State == StateOffline {
			if s.Err == nil || s.Retry.IsZero() {
				t.Errorf("offline without a reason or a next attempt: %+v", s)
			}
			waits = append(waits, s.Retry.Sub(s.Since))
		}
	}
	if slices.Max(waits) > r.w.MaxBackoff || slices.Min(waits) < r.w.MinBackoff || slices.Max(waits) == r.w.MinBackoff {
		t.Errorf("waits %v: not growing from %v up to %v", waits, r.w.MinBackoff, r.w.MaxBackoff)
	}
}

// Connect failing: the wait doubles (less some jitter) up to the maximum;
// after a complete sync it starts again from the minimum.
func TestWatchBackoffGrowsAndResets(t *testing.T) {
	r := newRig(t)
	r.w.MinBackoff, r.w.MaxBackoff = 10*time.Millisecond, 40*time.Millisecond
	dead, live := connectTo(t, inboxtest.DeadPort(t)), r.w.Connect
	var calls atomic.Int32
	const failures = 6
	r.w.Connect = func(ctx context.Context, o *imapclient.Options) (*imapclient.Client, error) {
		if calls.Add(1) <= failures {
			return dead(ctx, o)
		}
		return live(ctx, o)
	}
	idle, _ := r.start(t)

	var waits []time.Duration
	for _, s := range r.log.list()[:idle] {
		if s.State == StateOffline {
			wantCode(t, s.Err, CodeRefused)
			waits = append(waits, s.Retry.Sub(s.Since))
		}
	}
	if len(waits) != failures {
		t.Fatalf("%d offline statuses for %d failures:%v", len(waits), failures, r.log)
	}
	lo := []time.Duration{10, 10, 20, 20, 20, 20} // ms: the doubled wait, capped, less up to half
	hi := []time.Duration{10, 20, 40, 40, 40, 40}
	for i, d := range waits {
		if d < lo[i]*time.Millisecond || d > hi[i]*time.Millisecond {
			t.Errorf("wait %d: %v, want %v to %v (all: %v)", i, d, lo[i]*time.Millisecond, hi[i]*time.Millisecond, waits)
		}
	}
	r.proxy.Cut()
	off := r.log.waitState(t, idle, StateOffline)
	if s := r.log.list()[off]; s.Retry.Sub(s.Since) != r.w.MinBackoff {
		t.Errorf("after a good sync the wait is %v, want MinBackoff again", s.Retry.Sub(s.Since))
	}
	r.log.waitState(t, off, StateIdle)
}

// Cancelling Run ends it at once, whatever it was doing, with a last
// status that promises no retry, and nothing of it left running.
func TestWatchCancelStopsPromptly(t *testing.T) {
	stopped := func(t *testing.T, log *statusLog, stop func() error) {
		t.Helper()
		start := time.Now()
		if err := stop(); err != nil {
			t.Errorf("Run returned %v after cancel, want nil", err)
		}
		if d := time.Since(start); d > 2*time.Second { // the goodbye may wait a second
			t.Errorf("Run took %v to stop", d)
		}
		all := log.list()
		if last := all[len(all)-1]; last.State != StateOffline || !last.Retry.IsZero() || last.Err != nil {
			t.Errorf("last status %+v", last)
		}
		noLeftovers(t)
	}
	t.Run("idle", func(t *testing.T) {
		r := newRig(t)
		_, stop := r.start(t)
		stopped(t, r.log, stop)
	})
	t.Run("offline", func(t *testing.T) {
		r := newRig(t)
		r.w.MinBackoff, r.w.MaxBackoff = time.Hour, time.Hour
		r.w.Connect = connectTo(t, inboxtest.DeadPort(t))
		stop := run(t, r.w)
		r.log.waitState(t, 0, StateOffline)
		stopped(t, r.log, stop)
	})
	t.Run("server gone silent", func(t *testing.T) {
		r := newRig(t)
		r.w.Timeout = time.Hour
		_, stop := r.start(t)
		r.proxy.Freeze() // the goodbye gets no answer
		stopped(t, r.log, stop)
	})
}

// Kick syncs now: a reply put in Sent (which IDLE on INBOX does not hear
// of) is stored at once; and a Kick while offline tries again at once.
func TestWatchKick(t *testing.T) {
	r := newRig(t)
	if err := r.srv.User.Create("Sent", nil); err != nil {
		t.Fatal(err)
	}
	r.w.MinBackoff, r.w.MaxBackoff = time.Hour, time.Hour
	idle, _ := r.start(t)

	deliver(t, r.srv, "Sent", 7)
	time.Sleep(100 * time.Millisecond)
	if n := countRows(t, r.db, byMessageID, "m7@example.com"); n != 0 {
		t.Fatal("the Sent message was stored without a Kick: the test proves nothing")
	}
	r.w.Kick()
	waitRows(t, r.db, 1, byMessageID, "m7@example.com")
	idle = r.log.wait(t, idle+1, "idle after the Kick", func(s Status) bool {
		return s.State == StateIdle && len(s.Reports) == 2 && s.Reports[1].Folder == "Sent" && s.Reports[1].New == 1
	})

	r.proxy.Cut()
	off := r.log.waitState(t, idle, StateOffline)
	r.w.Kick() // the hour's wait is cut short
	r.log.waitState(t, off, StateIdle)
}

// After a sleep the old connection is dead without a word: on waking the
// watcher reconnects at once, without waiting for a timeout.
func TestWatchReconnectsAfterSleep(t *testing.T) {
	r := newRig(t)
	var slept atomic.Int64
	r.w.Timeout = time.Hour
	r.w.Now = func() time.Time { return time.Now().Add(time.Duration(slept.Load())) }
	idle, _ := r.start(t)

	r.proxy.Freeze()
	deliver(t, r.srv, "INBOX", 3)
	slept.Store(int64(8 * time.Hour))
	waitRows(t, r.db, 1, byMessageID, "m3@example.com")
	back := r.log.waitState(t, idle+1, StateIdle)
	for _, s := range r.log.list()[idle+1 : back] {
		if s.State == StateOffline {
			t.Errorf("offline after waking, want a reconnection at once:%v", r.log)
		}
	}
	if r.proxy.Accepted() != 2 {
		t.Errorf("%d connections, want 2", r.proxy.Accepted())
	}
}

// A connection that died silently (no sleep seen) is found out at the
// next refresh: IDLE cannot be ended, the step times out, and the watcher
// reconnects.
func TestWatchRefreshFindsDeadConnection(t *testing.T) {
	r := newRig(t)
	r.w.RefreshEvery, r.w.Timeout = 200*time.Millisecond, 300*time.Millisecond
	idle, _ := r.start(t)

	r.proxy.Freeze()
	deliver(t, r.srv, "INBOX", 5)
	off := r.log.waitState(t, idle, StateOffline)
	wantCode(t, r.log.list()[off].Err, CodeTimeout)
	waitRows(t, r.db, 1, byMessageID, "m5@example.com")
	r.log.waitState(t, off, StateIdle)
}

// Without IDLE the mailbox is polled.
func TestWatchPollsWithoutIdle(t *testing.T) {
	r := newRig(t)
	r.w.noIdle, r.w.PollEvery = true, 100*time.Millisecond
	idle, _ := r.start(t)
	if !r.log.list()[idle].Polling {
		t.Error("idle status without Polling")
	}
	deliver(t, r.srv, "INBOX", 6)
	waitRows(t, r.db, 1, byMessageID, "m6@example.com")
}

// A refused password stops the watcher: retrying would only get the
// account locked.
func TestWatchStopsOnWrongPassword(t *testing.T) {
	r := newRig(t)
	ep := endpoint(t, "imap", Plain, r.proxy.Addr)
	r.w.Connect = func(context.Context, *imapclient.Options) (*imapclient.Client, error) {
		return (&Dialer{Timeout: 5 * time.Second}).DialIMAP(ep, "wrong", nil)
	}
	done := make(chan error, 1)
	go func() { done <- r.w.Run(context.Background()) }()
	select {
	case err := <-done:
		wantCode(t, err, CodeAuth)
	case <-time.After(waitFor):
		t.Fatal("Run kept trying with a refused password")
	}
	all := r.log.list()
	if last := all[len(all)-1]; last.State != StateOffline || last.Err == nil || !last.Retry.IsZero() {
		t.Errorf("last status %+v", last)
	}
	if r.proxy.Accepted() != 1 {
		t.Errorf("%d logins tried, want 1", r.proxy.Accepted())
	}
}
