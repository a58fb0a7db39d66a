package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"

	"mostrador/inbox"
	"mostrador/internal/shop"
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
	go func() {
		defer close(done)
		m := &shop.Mailbox{DB: w.db, Account: acct, Secrets: &inbox.Secrets{},
			OnStatus: func(s inbox.Status) {
				fyne.Do(func() { w.showMail(s, acct.IMAP) })
				if w.onMail != nil {
					w.onMail(s)
				}
			},
			OnChange: func() { fyne.Do(w.customers.reload) }}
		m.Run(ctx)
	}()
	return done
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
		"Retry": s.Retry.In(w.opts.Location).Format("15:04")})
}
