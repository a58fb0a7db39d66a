package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// While the window is open, a Watcher keeps the database in step with the
// mailbox: it syncs, then waits in IDLE on INBOX so that new mail shows
// within seconds, and syncs again when the server says something changed.
// When the connection drops, or the computer sleeps and wakes, it says so
// and reconnects, waiting longer after each failure.
//
// One goroutine, Run's, owns the connection (as in aerc): IDLE is always
// stopped before any other command is sent, and the library's unilateral
// data handler only drops a note in a channel that goroutine reads.

// WatchState is what a Watcher is doing.
type WatchState string

const (
	StateConnecting WatchState = "connecting"
	StateSyncing    WatchState = "syncing"
	StateIdle       WatchState = "idle"    // up to date, waiting for mail
	StateOffline    WatchState = "offline" // failed; see Err and Retry
)

// Status is what the window shows of the mailbox connection.
type Status struct {
	State   WatchState
	Since   time.Time      // when this state began
	Err     error          // offline: why
	Retry   time.Time      // offline: when the next attempt is due (zero: none; Run has ended)
	Polling bool           // idle without IDLE: mail is checked every PollEvery
	Synced  time.Time      // the last complete sync (zero: none yet)
	Reports []FolderReport // what the last complete sync did, INBOX first
}

// Watcher defaults.
const (
	defaultMinBackoff   = 2 * time.Second
	defaultMaxBackoff   = 5 * time.Minute
	defaultRefreshEvery = 10 * time.Minute
	defaultPollEvery    = 2 * time.Minute
	defaultStepTimeout  = time.Minute
	defaultCheckEvery   = 10 * time.Second
	// syncStall is how many Timeouts a sync may go without storing a batch:
	// a batch is up to 200 whole messages, attachments and all.
	syncStall = 10
	// quitTimeout bounds the goodbye (DONE, LOGOUT) when Run is cancelled.
	quitTimeout = time.Second
	// sleepJump is how far the wall clock may move apart from the time
	// really elapsed before the computer is taken to have slept (or the
	// clock set): far more than NTP adjusts by.
	sleepJump = 30 * time.Second
)

// Watcher keeps the database in step with the mailbox. Connect and DB are
// required; the rest have defaults. A Watcher must not be copied after use.
//
// In the window:
//
//	w := &inbox.Watcher{DB: db, ShopAddr: acct.FromAddr, Addr: acct.IMAP.Addr(),
//		Connect: func(ctx context.Context, o *imapclient.Options) (*imapclient.Client, error) {
//			return dialer.DialIMAP(acct.IMAP, password, o)
//		},
//		OnStatus: func(s inbox.Status) { fyne.Do(func() { show(s) }) }}
//	go w.Run(ctx)
type Watcher struct {
	// Connect dials and logs in with opts, which carry the Watcher's
	// UnilateralDataHandler. It should give up soon after ctx ends: Run
	// waits for it.
	Connect  func(ctx context.Context, opts *imapclient.Options) (*imapclient.Client, error)
	DB       *sql.DB
	ShopAddr string // the account's address: its messages are outgoing
	Addr     string // the server's host:port, named in errors

	// OnStatus hears of every change of state, on Run's goroutine: it must
	// return quickly (in the window: hand over to fyne.Do).
	OnStatus func(Status)
	// AfterSync, when set, runs after each complete sync, on Run's
	// goroutine and before IDLE: what follows from new mail (new
	// customers, replies due). It does not use the Watcher's connection.
	AfterSync func(ctx context.Context, reports []FolderReport)
	// OnProgress, when set, hears of every stored batch of a sync (see
	// SyncOptions.Progress), on Run's goroutine: it must return quickly.
	OnProgress func(folder string, stored, total int)

	// After a failure Run waits MinBackoff, then twice as long after each
	// further failure, up to MaxBackoff (2 s and 5 min by default), each
	// wait shortened at random by up to half, so that many shops do not
	// all come back at once after an outage. A complete sync starts again
	// from MinBackoff.
	MinBackoff, MaxBackoff time.Duration
	// RefreshEvery IDLE is ended and the mailbox synced, even if the server
	// said nothing, so that a connection that died silently is noticed
	// (default 10 min).
	RefreshEvery time.Duration
	// PollEvery the mailbox is synced on a server without IDLE (default 2 min).
	PollEvery time.Duration
	// Timeout is how long the server may take to answer a command (starting
	// or ending IDLE, opening INBOX) before the connection is taken for dead
	// (default 1 min). A sync may take longer, as long as it stores a batch
	// of messages every ten Timeouts.
	Timeout time.Duration
	// CheckEvery the wall clock is compared with the time really elapsed,
	// which stops while the computer sleeps: after a sleep, the connection
	// is most likely dead, and Run reconnects at once (default 10 s).
	CheckEvery time.Duration
	// Now is the wall clock (default time.Now).
	Now func() time.Time

	noIdle bool // tests: behave as with a server without IDLE

	kickOnce sync.Once
	kick     chan struct{}
	clock    wakeClock
	status   Status // Run's goroutine only
}

// errWoke ends a session when the computer has slept: reconnect at once.
var errWoke = errors.New("the computer slept: reconnecting")

// Kick asks for a sync soon: after the owner sent a reply (to get it from
// Sent), or for "sync now". While offline, it ends the wait for the next
// attempt. It never blocks.
func (w *Watcher) Kick() {
	select {
	case w.kicks() <- struct{}{}:
	default: // one is pending already
	}
}

func (w *Watcher) kicks() chan struct{} {
	w.kickOnce.Do(func() { w.kick = make(chan struct{}, 1) })
	return w.kick
}

// Run watches the mailbox until ctx ends, then logs out and returns nil.
// It returns an error only when trying again cannot help (the server
// refused the password): the owner has to change the account first. Run
// once at a time.
func (w *Watcher) Run(ctx context.Context) error {
	if w.Connect == nil || w.DB == nil {
		return errors.New("inbox: a Watcher needs Connect and DB")
	}
	w.clock.start(w.now)
	failures := 0
	for {
		err := w.session(ctx, &failures)
		if ctx.Err() != nil {
			w.setState(StateOffline, nil, 0)
			return nil
		}
		if permanent(err) {
			w.setState(StateOffline, err, 0)
			return err
		}
		if errors.Is(err, errWoke) {
			failures = 0
			continue
		}
		delay := w.backoff(failures)
		failures++
		w.setState(StateOffline, err, delay)
		if !w.pause(ctx, delay) {
			w.setState(StateOffline, nil, 0)
			return nil
		}
	}
}

// session is one connection: connect, then sync and wait for news until
// something fails or ctx ends. A complete sync resets failures.
func (w *Watcher) session(ctx context.Context, failures *int) error {
	w.setState(StateConnecting, nil, 0)
	news := make(chan struct{}, 1)
	tell := func() {
		select {
		case news <- struct{}{}:
		default:
		}
	}
	// These run on the client's reader goroutine: they only leave a note.
	opts := &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				tell() // EXISTS: new mail
			}
		},
		Expunge: func(uint32) { tell() },
		Fetch: func(m *imapclient.FetchMessageData) {
			m.Collect() // flags changed elsewhere (read on the phone); must be consumed
			tell()
		},
	}}
	c, err := w.Connect(ctx, opts)
	if err != nil {
		return err
	}
	defer c.Close()
	for {
		w.setState(StateSyncing, nil, 0)
		reports, err := w.sync(ctx, c)
		if err != nil {
			return err
		}
		*failures = 0
		w.status.Reports, w.status.Synced = reports, w.now()
		if w.AfterSync != nil {
			w.AfterSync(ctx, reports)
		}
		if err := w.await(ctx, c, news); err != nil {
			return err
		}
	}
}

// sync brings INBOX and Sent up to date (Syncer.Sync: INBOX first, so that
// a big mailbox shows its newest mail soonest), then selects INBOX again
// for IDLE. Mail that arrived after INBOX was synced and before this SELECT
// is not announced by IDLE; the SELECT's UIDNEXT tells, and it is synced at
// once.
func (w *Watcher) sync(ctx context.Context, c *imapclient.Client) ([]FolderReport, error) {
	dog := w.watch(ctx, c, syncStall*w.timeout())
	s := &Syncer{DB: w.DB, Client: c, ShopAddr: w.ShopAddr}
	opts := SyncOptions{Progress: func(folder string, stored, total int) {
		dog.touch()
		if w.OnProgress != nil {
			w.OnProgress(folder, stored, total)
		}
	}}
	var reports []FolderReport
	err := func() error {
		for range 3 {
			var err error
			if reports, err = s.Sync(ctx, opts); err != nil {
				return err
			}
			sel, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
			if err != nil {
				return fmt.Errorf("select INBOX: %w", err)
			}
			var stored int64
			if err := w.DB.QueryRowContext(ctx, `SELECT uidnext FROM folder WHERE name = 'INBOX'`).Scan(&stored); err != nil {
				return err
			}
			if int64(sel.UIDNext) <= stored {
				return nil
			}
		}
		return nil // still more: the next round takes it
	}()
	return reports, dog.end(err)
}

// await waits for a reason to sync again: news from the server, a Kick, or
// the refresh. It IDLEs on INBOX meanwhile where the server can, and stops
// IDLE before it returns. nil means: sync now.
func (w *Watcher) await(ctx context.Context, c *imapclient.Client, news <-chan struct{}) error {
	select {
	case <-news: // mail came during the sync
		return nil
	case <-w.kicks():
		return nil
	default:
	}
	polling := w.noIdle || !c.Caps().Has(imap.CapIdle)
	every := w.RefreshEvery
	var idle *imapclient.IdleCommand
	if polling {
		every = w.PollEvery
		if every <= 0 {
			every = defaultPollEvery
		}
	} else {
		if every <= 0 {
			every = defaultRefreshEvery
		}
		dog := w.watch(ctx, c, w.timeout())
		var err error
		if mb := c.Mailbox(); mb == nil || mb.Name != "INBOX" {
			_, err = c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
		}
		if err == nil {
			idle, err = c.Idle()
		}
		if err = dog.end(err); err != nil {
			if idle != nil {
				idle.Close()
			}
			return fmt.Errorf("idle: %w", err)
		}
	}
	w.status.Polling = polling
	w.setState(StateIdle, nil, 0)

	// stop ends IDLE and waits for the server to say so: only then may the
	// next command go. On a dead connection the watchdog hangs up.
	stop := func() error {
		if idle == nil {
			return nil
		}
		dog := w.watch(ctx, c, w.timeout())
		err := idle.Close()
		if err == nil {
			err = idle.Wait()
		}
		if err = dog.end(err); err != nil {
			return fmt.Errorf("end idle: %w", err)
		}
		return nil
	}
	refresh := time.NewTimer(every)
	defer refresh.Stop()
	tick := time.NewTicker(w.checkEvery())
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			w.logout(c, idle)
			return ctx.Err()
		case <-news:
			return stop()
		case <-w.kicks():
			return stop()
		case <-refresh.C:
			return stop()
		case <-c.Closed():
			if idle != nil {
				idle.Close()
			}
			return w.connErr(CodeClosed, errors.New("the server hung up"))
		case <-tick.C:
			if w.clock.slept() {
				c.Close()
				if idle != nil {
					idle.Close()
				}
				return errWoke
			}
		}
	}
}

// logout says goodbye when Run is cancelled: DONE and LOGOUT go out
// together, and the answer is waited for only briefly.
func (w *Watcher) logout(c *imapclient.Client, idle *imapclient.IdleCommand) {
	dog := w.watch(context.Background(), c, min(quitTimeout, w.timeout()))
	if idle != nil {
		idle.Close()
	}
	dog.end(c.Logout().Wait())
}

// pause waits delay before the next attempt; a Kick or a wake from sleep
// cuts it short. false: ctx ended.
func (w *Watcher) pause(ctx context.Context, delay time.Duration) bool {
	t := time.NewTimer(delay)
	defer t.Stop()
	tick := time.NewTicker(w.checkEvery())
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		case <-w.kicks():
			return true
		case <-tick.C:
			if w.clock.slept() {
				return true
			}
		}
	}
}

// backoff is the wait after failures failed attempts in a row: doubling
// from MinBackoff up to MaxBackoff, less up to half at random, never below
// MinBackoff. Below MaxBackoff, each wait is at least as long as the one
// before.
func (w *Watcher) backoff(failures int) time.Duration {
	lo, hi := w.MinBackoff, w.MaxBackoff
	if lo <= 0 {
		lo = defaultMinBackoff
	}
	if hi <= 0 {
		hi = defaultMaxBackoff
	}
	hi = max(hi, lo)
	d := lo
	for i := 0; i < failures && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	return max(lo, d/2+rand.N(d/2+1))
}

// permanent tells a failure that retrying cannot fix: the server refused
// the user name or password (a retry loop would only get the account
// locked), as opposed to a temporary refusal.
func permanent(err error) bool {
	var ce *ConnError
	if !errors.As(err, &ce) || ce.Code != CodeAuth && ce.Code != CodeNoAuth {
		return false
	}
	var ie *imap.Error
	return !errors.As(err, &ie) || ie.Code != imap.ResponseCodeUnavailable
}

// setState reports a new state; retryIn > 0 is the wait for the next attempt.
func (w *Watcher) setState(s WatchState, err error, retryIn time.Duration) {
	w.status.State, w.status.Since, w.status.Err, w.status.Retry = s, w.now(), err, time.Time{}
	if retryIn > 0 {
		w.status.Retry = w.status.Since.Add(retryIn)
	}
	if w.OnStatus != nil {
		st := w.status
		st.Reports = append([]FolderReport(nil), st.Reports...)
		w.OnStatus(st)
	}
}

func (w *Watcher) connErr(code string, err error) *ConnError {
	return &ConnError{Server: "imap", Addr: w.Addr, Code: code, Err: err}
}

func (w *Watcher) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Watcher) timeout() time.Duration {
	if w.Timeout <= 0 {
		return defaultStepTimeout
	}
	return w.Timeout
}

func (w *Watcher) checkEvery() time.Duration {
	if w.CheckEvery <= 0 {
		return defaultCheckEvery
	}
	return w.CheckEvery
}

// watchdog hangs up on the connection when a step outlasts its limit, ctx
// ends or the computer wakes from sleep: go-imap has no deadlines of its
// own, and a command on a connection that died silently waits forever.
type watchdog struct {
	w      *Watcher
	c      *imapclient.Client
	limit  time.Duration
	poke   chan struct{}
	finish chan struct{}
	done   chan struct{}
	why    error // written before done closes
}

func (w *Watcher) watch(ctx context.Context, c *imapclient.Client, limit time.Duration) *watchdog {
	d := &watchdog{w: w, c: c, limit: limit, poke: make(chan struct{}, 1), finish: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(d.done)
		timer := time.NewTimer(limit)
		defer timer.Stop()
		tick := time.NewTicker(w.checkEvery())
		defer tick.Stop()
		for d.why == nil {
			select {
			case <-d.finish:
				return
			case <-d.poke:
				timer.Reset(limit)
			case <-ctx.Done():
				d.why = ctx.Err()
			case <-timer.C:
				d.why = w.connErr(CodeTimeout, fmt.Errorf("no answer in %v", limit))
			case <-tick.C:
				if w.clock.slept() {
					d.why = errWoke
				}
			}
		}
		c.Close()
	}()
	return d
}

// touch restarts the limit: the step is making progress.
func (d *watchdog) touch() {
	select {
	case d.poke <- struct{}{}:
	default:
	}
}

// end stops the watchdog. If it hung up, the step's error is replaced by
// why (a step may even have succeeded just as the line was cut). A line
// lost otherwise is said so, for the window to tell.
func (d *watchdog) end(err error) error {
	close(d.finish)
	<-d.done
	switch {
	case d.why == nil:
		if err != nil {
			if ce := classify("imap", d.w.Addr, err); ce.Code == CodeClosed || ce.Code == CodeTimeout {
				return ce
			}
		}
		return err
	case err != nil && !errors.Is(d.why, errWoke) && !errors.Is(d.why, context.Canceled):
		return fmt.Errorf("%w (%v)", d.why, err)
	default:
		return d.why
	}
}

// wakeClock notices that the computer slept: the wall clock goes on during
// sleep, while Go's monotonic clock (which timers use) stops.
type wakeClock struct {
	mu         sync.Mutex
	now        func() time.Time
	wall, mono time.Time
}

func (k *wakeClock) start(now func() time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.now = now
	k.wall, k.mono = now().Round(0), time.Now()
}

// slept says whether the wall clock moved apart from the time elapsed since
// the last look.
func (k *wakeClock) slept() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	wall, mono := k.now().Round(0), time.Now() // Round(0): the wall reading only
	gap := wall.Sub(k.wall) - mono.Sub(k.mono)
	k.wall, k.mono = wall, mono
	return gap > sleepJump || gap < -sleepJump
}
