// Package ui is Mostrador's window. It holds Fyne screens only: every query,
// import and rule lives in the domain packages it calls.
package ui

import (
	"context"
	"database/sql"
	"os"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"mostrador/assets"
	"mostrador/inbox"
	"mostrador/reminders"
)

// AppID identifies Mostrador to the desktop (preferences, storage, icon).
const AppID = "app.mostrador.desktop"

// Options are what the window needs from the command line.
type Options struct {
	Lang     string // es or en
	Version  string
	Location *time.Location // the shop's time zone
	// Mail: keep the mailbox in step while the window is open (the real
	// window; tests build theirs without it).
	Mail bool
}

// Run opens the window on db and returns when it is closed.
func Run(db *sql.DB, opts Options) {
	if opts.Lang != "" {
		// Fyne's own words (file dialog, "Error") follow LANGUAGE, so that
		// --lang changes the whole window and not only Mostrador's strings.
		os.Setenv("LANGUAGE", opts.Lang)
	}
	if err := lang.AddTranslationsFS(assets.Translations, "translations"); err != nil {
		fyne.LogError("load translations", err)
	}
	a := app.NewWithID(AppID)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	w := a.NewWindow("Mostrador")
	win := New(db, w, opts)
	w.SetContent(win.Content())
	w.Resize(fyne.NewSize(1100, 680)) // fits a 1366×768 laptop screen with its panel
	w.CenterOnScreen()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	mailDone := closedChan()
	if opts.Mail {
		mailDone = win.startMail(ctx)
	}
	w.ShowAndRun()
	// Closed: the mailbox and the automated emails stop at their next
	// step (an email being handed over is finished, not cut), before the
	// database closes under them; a server that does not answer is not
	// waited for more than quitWait.
	stop()
	deadline := time.Now().Add(quitWait)
	for _, done := range []<-chan struct{}{mailDone, win.remindersDone} {
		select {
		case <-done:
		case <-time.After(time.Until(deadline)):
		}
	}
}

// quitWait is how long closing the window waits for background work.
const quitWait = 10 * time.Second

func closedChan() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// Window is the main window's content and its state.
type Window struct {
	db        *sql.DB
	win       fyne.Window
	opts      Options
	customers *customersView
	importBtn *widget.Button
	status    *widget.Label
	// mailStatus says how the mailbox stands: synced, syncing, offline.
	mailStatus *widget.Label
	onMail     func(inbox.Status) // tests: hears each mailbox state after the window shows it
	content    fyne.CanvasObject
	imports    sync.WaitGroup       // imports running in the background
	reminders  *reminders.Scheduler // the automated emails, while the mailbox is set up (see startReminders)
	// remindersDone is closed when the scheduler has stopped (at once
	// when it never started).
	remindersDone <-chan struct{}
}

// New builds the window's content; the caller shows it (tests use a test
// window).
func New(db *sql.DB, win fyne.Window, opts Options) *Window {
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.Lang == "" {
		opts.Lang = assets.Lang("")
	}
	w := &Window{db: db, win: win, opts: opts, remindersDone: closedChan()}
	w.status = widget.NewLabel("")
	// The mailbox's state fills what the left part leaves, right-aligned,
	// cut with "…" rather than widening the window; the time of the next
	// attempt comes first, the reason after it.
	w.mailStatus = widget.NewLabel("")
	w.mailStatus.Alignment = fyne.TextAlignTrailing
	w.mailStatus.Truncation = fyne.TextTruncateEllipsis
	w.importBtn = widget.NewButtonWithIcon(w.t("ui.import"), importIcon(), w.chooseImport)
	w.importBtn.Importance = widget.HighImportance
	w.customers = newCustomersView(w)
	title := widget.NewLabelWithStyle("Mostrador", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewBorder(nil, nil, title, w.importBtn)
	bottom := container.NewBorder(nil, nil, w.status, nil, w.mailStatus)
	w.content = container.NewBorder(container.NewPadded(top), container.NewPadded(bottom), nil, nil, w.customers.content)
	w.customers.reload()
	return w
}

// Content is the window's root object.
func (w *Window) Content() fyne.CanvasObject { return w.content }

func (w *Window) t(key string) string { return assets.Translate(w.opts.Lang, key, nil) }

func (w *Window) tf(key string, data map[string]any) string {
	return assets.Translate(w.opts.Lang, key, data)
}

// count writes a number of things in the window's language: 20.480, 20,480.
// Given as a message's Count, it still picks the plural form: Translate
// reads the number's text.
func (w *Window) count(n int) string { return formatCount(n, w.opts.Lang) }
