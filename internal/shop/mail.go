package shop

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"sync"

	"github.com/emersion/go-imap/v2/imapclient"

	"mostrador/inbox"
	"mostrador/internal/settings"
)

// Mailbox keeps the shop's mail in step while the window is open: new mail
// within seconds (inbox.Watcher, IDLE), and after each sync what follows
// from it: people who wrote become customers, replies whose time has come
// go out, sent ones are filed. The window shows its Status and reloads on
// OnChange.
type Mailbox struct {
	DB      *sql.DB
	Account *inbox.Account
	// Secrets gives the passwords; without a terminal (the window) they
	// come from the keyring or the environment.
	Secrets  *inbox.Secrets
	OnStatus func(inbox.Status)
	// OnChange, when set, hears that the data changed (new mail, replies
	// sent), on the Mailbox's goroutine.
	OnChange func()
	// AfterSync, when set, runs after every sync, on the Mailbox's
	// goroutine: the automated emails read the customers' answers there
	// (reminders.ReadReplies), and it reports whether that changed data.
	AfterSync func(context.Context) bool
	// OnProgress, when set, hears how far a sync has come (inbox.Watcher).
	OnProgress func(folder string, stored, total int)

	mu      sync.Mutex
	watcher *inbox.Watcher
}

// Run watches the mailbox until ctx ends. It returns at once with
// inbox.ErrNoPassword (in Status too) when no password is at hand.
func (m *Mailbox) Run(ctx context.Context) error {
	acct := m.Account
	dialer := &inbox.Dialer{Trusted: acct.Trusted}
	pw, _, err := m.Secrets.Password(acct.IMAP, "IMAP")
	if err != nil {
		if m.OnStatus != nil {
			m.OnStatus(inbox.Status{State: inbox.StateOffline, Err: err})
		}
		return err
	}
	if _, err := inbox.RecoverInterrupted(ctx, m.DB); err != nil {
		return err
	}
	sender, err := NewSender(ctx, m.DB, acct, m.Secrets)
	if err != nil {
		return err
	}
	// The automated emails are the reminders' scheduler's to send, at
	// their pace; a sync sends the owner's replies without waiting for them.
	sender.RepliesOnly = true
	w := &inbox.Watcher{DB: m.DB, ShopAddr: acct.FromAddr, Addr: acct.IMAP.Addr(), OnStatus: m.OnStatus,
		OnProgress: m.OnProgress,
		Connect: func(_ context.Context, o *imapclient.Options) (*imapclient.Client, error) {
			return dialer.DialIMAP(acct.IMAP, pw, o)
		},
		AfterSync: func(ctx context.Context, reports []inbox.FolderReport) {
			changed := false
			for _, r := range reports {
				changed = changed || r.New+r.Updated+r.Expunged > 0
			}
			if n, err := AddCorrespondents(ctx, m.DB); err == nil && n > 0 {
				changed = true
			}
			if sent, err := sender.SendDue(ctx); err == nil && len(sent) > 0 {
				changed = true
			}
			if m.AfterSync != nil && m.AfterSync(ctx) {
				changed = true
			}
			if changed && m.OnChange != nil {
				m.OnChange()
			}
		}}
	m.mu.Lock()
	m.watcher = w
	m.mu.Unlock()
	return w.Run(ctx)
}

// SyncNow asks for a sync (and the replies due) at once: after the owner
// sends a reply, or presses "check mail".
func (m *Mailbox) SyncNow() {
	m.mu.Lock()
	w := m.watcher
	m.mu.Unlock()
	if w != nil {
		w.Kick()
	}
}

// NewSender is the outbox's Sender for the account, pacing automated
// emails at the shop's reminders.rate_per_minute: every Sender may send
// them (a sync sends what is due), and each must keep the pace.
func NewSender(ctx context.Context, db *sql.DB, acct *inbox.Account, secrets *inbox.Secrets) (*inbox.Sender, error) {
	s := inbox.NewSender(db, acct, secrets)
	rate, err := settings.Get(ctx, db, settings.RatePerMinute)
	if err != nil {
		return nil, err
	}
	if s.RatePerMinute, err = strconv.Atoi(rate.Value); err != nil {
		return nil, fmt.Errorf("%s %q: %w", settings.RatePerMinute, rate.Value, err)
	}
	return s, nil
}
