package ui

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"

	"mostrador/inbox"
	"mostrador/internal/shop"
	"mostrador/reminders"
)

// startMail keeps the mailbox in step while the window is open, and says
// how it stands in the status bar. Without an account there is nothing to
// watch. The channel is closed when the watching has stopped (ctx ended).
func (w *Window) startMail(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	acct, err := inbox.LoadAccount(ctx, w.db)
	if err != nil {
		close(done)
		return done
	}
	secrets := w.secrets
	sched := w.startReminders(ctx, acct, secrets)
	go func() {
		defer close(done)
		var lastProgress time.Time
		m := &shop.Mailbox{DB: w.db, Account: acct, Secrets: secrets,
			OnStatus: func(s inbox.Status) {
				fyne.Do(func() { w.showMail(s, acct.IMAP) })
				if w.onMail != nil {
					w.onMail(s)
				}
			},
			OnChange: func() { fyne.Do(w.changed) },
			// A first sync of a big mailbox takes a while: the status bar
			// counts it, a few times a second at most.
			OnProgress: func(folder string, stored, total int) {
				if now := time.Now(); now.Sub(lastProgress) >= 250*time.Millisecond || stored == total {
					lastProgress = now
					fyne.Do(func() { w.showProgress(stored, total) })
				}
			},
			// What customers answered to the automated emails (BAJA, a
			// cancelled appointment, a score) counts at once.
			AfterSync: func(ctx context.Context) bool {
				replies, err := reminders.ReadReplies(ctx, w.db, time.Now())
				if sched != nil {
					sched.Wake()
				}
				return err == nil && len(replies) > 0
			}}
		m.Run(ctx)
	}()
	return done
}

// startReminders runs the automated emails' scheduler while the window is
// open: it sleeps until the next job falls due, and wakes after each sync.
// Nil when its sender cannot be made (a setting that cannot be read).
func (w *Window) startReminders(ctx context.Context, acct *inbox.Account, secrets *inbox.Secrets) *reminders.Scheduler {
	sender, err := shop.NewSender(ctx, w.db, acct, secrets)
	if err != nil {
		return nil
	}
	sched := &reminders.Scheduler{DB: w.db, Mailbox: &reminders.InboxMailbox{Account: acct, Sender: sender}}
	w.reminders = sched
	done := make(chan struct{})
	w.remindersDone = done
	go func() {
		defer close(done)
		sched.Run(ctx, 10*time.Minute, func(rep reminders.Report, err error) {
			if err == nil && rep.Queued+rep.Skipped > 0 {
				fyne.Do(w.changed) // the cards show what went
			}
		})
	}()
	return sched
}

// showProgress says in the status bar how far a sync has come.
func (w *Window) showProgress(stored, total int) {
	if total <= 0 {
		return
	}
	w.mailStatus.SetText(w.tf("ui.mail.progress", map[string]any{"Stored": w.count(stored), "Total": w.count(total)}))
}

// showMail puts the mailbox's state in the status bar.
func (w *Window) showMail(s inbox.Status, ep inbox.Endpoint) {
	w.mailStatus.SetText(w.mailText(s, ep))
}

func (w *Window) mailText(s inbox.Status, ep inbox.Endpoint) string {
	clock := func(t inbox.Status) string { return t.Synced.In(w.opts.Location).Format("15:04") }
	switch s.State {
	case inbox.StateConnecting:
		return w.t("ui.mail.connecting")
	case inbox.StateSyncing:
		return w.t("ui.mail.syncing")
	case inbox.StateIdle:
		return w.tf("ui.mail.synced", map[string]any{"Time": clock(s)})
	}
	if errors.Is(s.Err, inbox.ErrNoPassword) {
		return w.tf("ui.mail.noPassword", map[string]any{"Var": inbox.EnvVar(ep)})
	}
	why := ""
	var ce *inbox.ConnError
	if errors.As(s.Err, &ce) {
		why = shop.ConnWords(w.opts.Lang, ep, ce)
	} else if s.Err != nil {
		why = s.Err.Error()
	}
	if s.Retry.IsZero() {
		return w.tf("ui.mail.stopped", map[string]any{"Why": why})
	}
	return w.tf("ui.mail.offline", map[string]any{"Why": why,
		"Retry": s.Retry.In(w.opts.Location).Format("15:04"),
		"Since": shortWhen(s.Since, w.now(), w.opts.Location, w.opts.Lang)})
}
