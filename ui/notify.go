package ui

import (
	"cmp"
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"mostrador/inbox"
)

// New mail from a customer raises a desktop notification (mail that was
// there when the window opened does not); the window's title and the
// system tray say how many conversations wait for an answer.

// maxNotifications is how many new messages get a notification each; more
// at once get one that counts them.
const maxNotifications = 3

// notifyNew tells the owner of customers' messages that came since the
// last look.
func (w *Window) notifyNew() {
	waiting, err := inbox.ListThreads(context.Background(), w.db, inbox.FilterWaiting, threadLimit)
	if err != nil {
		return
	}
	var fresh []inbox.Thread
	latest := w.notifiedUpTo
	for _, t := range waiting {
		if t.Automatic || !t.LastAt.After(w.notifiedUpTo) {
			continue
		}
		fresh = append(fresh, t)
		if t.LastAt.After(latest) {
			latest = t.LastAt
		}
	}
	w.notifiedUpTo = latest
	if len(fresh) > maxNotifications {
		w.notify(fyne.NewNotification(w.t("ui.notify.title"),
			w.tf("ui.notify.many", map[string]any{"Count": len(fresh)})))
		return
	}
	for _, t := range fresh {
		subject := cmp.Or(t.Subject, w.t("card.noSubject"))
		w.notify(fyne.NewNotification(cmp.Or(t.CustomerName, t.Customer), subject+"\n"+t.Snippet))
	}
}

// notify shows a desktop notification (tests listen instead).
func (w *Window) notify(n *fyne.Notification) {
	if w.onNotify != nil {
		w.onNotify(n)
		return
	}
	if app := fyne.CurrentApp(); app != nil {
		app.SendNotification(n)
	}
}

// showWaiting puts the count of conversations waiting for an answer in
// the window's title and the system tray's menu.
func (w *Window) showWaiting(n int) {
	title := "Mostrador"
	if n > 0 {
		title = w.tf("ui.notify.windowTitle", map[string]any{"Count": n})
	}
	w.win.SetTitle(title)
	if w.tray == nil {
		return
	}
	if n > 0 {
		w.tray.Items[0].Label = w.tf("ui.notify.waiting", map[string]any{"Count": n})
	} else {
		w.tray.Items[0].Label = w.t("ui.notify.noneWaiting")
	}
	w.tray.Refresh()
}

// setTray gives the app a system tray icon (where the desktop has one)
// whose menu says who waits and opens the inbox.
func (w *Window) setTray() {
	desk, ok := fyne.CurrentApp().(desktop.App)
	if !ok {
		return
	}
	open := func() {
		w.win.Show()
		w.win.RequestFocus()
		w.openRoom("ui.nav.inbox")
	}
	w.tray = fyne.NewMenu("Mostrador", fyne.NewMenuItem(w.t("ui.notify.noneWaiting"), open),
		fyne.NewMenuItem(w.t("ui.notify.open"), open))
	desk.SetSystemTrayMenu(w.tray)
	desk.SetSystemTrayIcon(fyne.CurrentApp().Icon())
}

// notifiedSince starts the notifications from now: what is already in the
// mailbox does not ring.
func (w *Window) notifiedSince(t time.Time) { w.notifiedUpTo = t }
