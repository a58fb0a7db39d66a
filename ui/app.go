// Package ui is Mostrador's window. It holds Fyne screens only: every query,
// import and rule lives in the domain packages it calls.
package ui

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mostrador/assets"
	"mostrador/inbox"
	"mostrador/internal/shop"
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
	win.restorePlace(w)
	w.CenterOnScreen()
	w.SetOnClosed(func() { win.savePlace(w) })
	win.setTray()
	win.refreshCounts()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	if opts.Mail {
		win.runMail(ctx)
	}
	w.ShowAndRun()
	// Closed: the mailbox and the automated emails stop at their next
	// step (an email being handed over is finished, not cut), before the
	// database closes under them; a server that does not answer is not
	// waited for more than quitWait.
	stop()
	deadline := time.Now().Add(quitWait)
	for _, done := range []<-chan struct{}{win.mailDone, win.remindersDone} {
		select {
		case <-done:
		case <-time.After(time.Until(deadline)):
		}
	}
	for win.sending.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // a reply being handed over is finished too
	}
}

// Where the window was left: its size and its dividers, as preferences.
const (
	prefWidth  = "windowWidth"
	prefHeight = "windowHeight"
	prefSplits = "splitOffsets"
)

// splits are the dividers the owner can move, in a fixed order.
func (w *Window) splits() []*container.Split {
	return []*container.Split{w.inbox.split, w.inbox.right, w.customers.split}
}

// restorePlace gives the window the size and dividers it was closed with.
func (w *Window) restorePlace(fw fyne.Window) {
	p := fyne.CurrentApp().Preferences()
	if width, height := p.Float(prefWidth), p.Float(prefHeight); width >= 640 && height >= 400 {
		fw.Resize(fyne.NewSize(float32(width), float32(height)))
	}
	offsets := p.FloatList(prefSplits)
	for i, s := range w.splits() {
		if i < len(offsets) && offsets[i] > 0.05 && offsets[i] < 0.95 {
			s.SetOffset(offsets[i])
		}
	}
}

// savePlace remembers them.
func (w *Window) savePlace(fw fyne.Window) {
	p := fyne.CurrentApp().Preferences()
	size := fw.Canvas().Size()
	if size.Width > 0 && size.Height > 0 {
		p.SetFloat(prefWidth, float64(size.Width))
		p.SetFloat(prefHeight, float64(size.Height))
	}
	var offsets []float64
	for _, s := range w.splits() {
		offsets = append(offsets, s.Offset)
	}
	p.SetFloatList(prefSplits, offsets)
}

// runMail keeps the mailbox in step, and the automated emails going, under
// parent until it ends or the account changes (restartMail).
func (w *Window) runMail(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	w.mailParent, w.mailStop = parent, cancel
	w.mailDone = w.startMail(ctx)
}

// restartMail picks up an account saved in the window: the mailbox and
// the scheduler stop at their next step and start again on it.
func (w *Window) restartMail() {
	if w.mailStop == nil {
		return // the window watches no mailbox (tests)
	}
	mail, sched := w.mailDone, w.remindersDone
	w.mailStop()
	go func() {
		<-mail
		<-sched
		fyne.Do(func() {
			if w.mailParent.Err() == nil {
				w.runMail(w.mailParent)
			}
		})
	}()
}

// openFile opens a file with the system's viewer (a PDF reader, the
// image viewer).
func (w *Window) openFile(path string) {
	if w.onOpenFile != nil {
		w.onOpenFile(path)
		return
	}
	if err := fyne.CurrentApp().OpenURL(&url.URL{Scheme: "file", Path: path}); err != nil {
		w.status.SetText(w.tf("ui.error", map[string]any{"Err": err.Error()}))
	}
}

// problem says in plain words what kept a mail server from answering.
func (w *Window) problem(ep inbox.Endpoint, err error) string {
	if errors.Is(err, inbox.ErrNoPassword) {
		return w.tf("ui.mail.noPassword", map[string]any{"Var": inbox.EnvVar(ep)})
	}
	var ce *inbox.ConnError
	if errors.As(err, &ce) {
		return shop.ConnWords(w.opts.Lang, ep, ce)
	}
	return err.Error()
}

// handedOver: a reply sent from the window is done with the server and
// the database (see sending).
func (w *Window) handedOver() { w.sending.Add(-1) }

// quitWait is how long closing the window waits for background work.
const quitWait = 10 * time.Second

func closedChan() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// Window is the main window's content and its state.
type Window struct {
	db           *sql.DB
	win          fyne.Window
	opts         Options
	customers    *customersView
	inbox        *inboxView
	automations  *automationsView
	appointments *appointmentsView
	orders       *ordersView
	settings     *settingsView
	rooms        []*room
	nav          *widget.List
	room         string     // the open room's key
	search       *searchBox // the global search while it is open
	importBtn    *widget.Button
	status       *widget.Label
	// mailStatus says how the mailbox stands: synced, syncing, offline.
	mailStatus *widget.Label
	onMail     func(inbox.Status) // tests: hears each mailbox state after the window shows it
	content    fyne.CanvasObject
	imports    sync.WaitGroup       // imports running in the background
	sending    atomic.Int32         // replies being handed to the mail server
	reminders  *reminders.Scheduler // the automated emails, while the mailbox is set up (see startReminders)
	// remindersDone is closed when the scheduler has stopped (at once
	// when it never started).
	remindersDone <-chan struct{}
	// secrets are the mail passwords of this run, shared by the mailbox
	// and the replies sent from the window.
	secrets *inbox.Secrets
	// The mailbox's watch while the window is open (runMail): the context
	// it runs under, how to stop it, and closed when it has stopped.
	mailParent context.Context
	mailStop   context.CancelFunc
	mailDone   <-chan struct{}
	now        func() time.Time // the clock: time.Now, or a test's
	// notifiedUpTo: customers' messages up to this time have been
	// notified (or were there when the window opened).
	notifiedUpTo time.Time
	tray         *fyne.Menu               // the system tray's menu; nil where there is none
	onNotify     func(*fyne.Notification) // tests: hear the notifications instead of the desktop
	onOpenFile   func(path string)        // tests: hear the files opened instead of the desktop
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
	w := &Window{db: db, win: win, opts: opts, remindersDone: closedChan(), mailDone: closedChan(), secrets: &inbox.Secrets{},
		now: time.Now}
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
	w.inbox = newInboxView(w)
	w.automations = newAutomationsView(w)
	w.appointments = newAppointmentsView(w)
	w.orders = newOrdersView(w)
	w.settings = newSettingsView(w)
	w.rooms = []*room{
		{key: "ui.nav.inbox", icon: theme.MailReplyIcon(), content: w.inbox.content, count: w.inbox.waitingCount,
			shown: w.inbox.reload},
		{key: "ui.nav.customers", icon: theme.AccountIcon(), content: w.customers.content, shown: w.customers.shown},
		{key: "ui.nav.orders", icon: theme.ListIcon(), content: w.orders.content, shown: w.orders.reload},
		{key: "ui.nav.appointments", icon: theme.CalendarIcon(), content: w.appointments.content,
			count: w.appointments.today, shown: w.appointments.reload},
		{key: "ui.nav.automations", icon: theme.HistoryIcon(), content: w.automations.content,
			count: w.automations.attention, shown: w.automations.reload},
		{key: "ui.nav.settings", icon: theme.SettingsIcon(), content: w.settings.content, shown: w.settings.reload},
	}
	var body *fyne.Container
	w.nav, body = w.newNav(w.rooms)
	title := widget.NewLabelWithStyle("Mostrador", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewBorder(nil, nil, title, w.importBtn)
	bottom := container.NewBorder(nil, nil, w.status, nil, w.mailStatus)
	navCol := container.NewBorder(nil, nil, nil, widget.NewSeparator(), container.New(fixedWidth{170}, w.nav))
	w.content = container.NewBorder(container.NewPadded(top), container.NewPadded(bottom), navCol, nil, body)
	w.notifiedSince(w.now())
	w.refreshCounts()
	w.openRoom(w.firstRoom())
	w.addShortcuts()
	return w
}

// addShortcuts: Ctrl+K or Ctrl+F searches everything, Ctrl+R answers the
// open thread (Cmd on a Mac).
func (w *Window) addShortcuts() {
	for _, k := range []fyne.KeyName{fyne.KeyK, fyne.KeyF, fyne.KeyR} {
		w.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault},
			func(s fyne.Shortcut) { w.shortcut(s) })
	}
}

// shortcut runs the window's own shortcuts, wherever the focus is; it
// reports whether s was one.
func (w *Window) shortcut(s fyne.Shortcut) bool {
	cs, ok := s.(*desktop.CustomShortcut)
	if !ok || cs.Modifier != fyne.KeyModifierShortcutDefault {
		return false
	}
	switch cs.KeyName {
	case fyne.KeyK, fyne.KeyF:
		w.showSearch()
	case fyne.KeyR:
		w.openRoom("ui.nav.inbox")
		w.inbox.thread.reply.focus()
	default:
		return false
	}
	return true
}

// showCustomer opens a customer's card in the customers room.
func (w *Window) showCustomer(id int64, email string) {
	w.customers.find(id, email)
	w.openRoom("ui.nav.customers")
}

// firstRoom is the room the window opens on: the one open when it was
// last closed; the first time, the inbox when mail has come, else the
// customers (and their welcome, on a first run).
func (w *Window) firstRoom() string {
	if app := fyne.CurrentApp(); app != nil {
		if last := app.Preferences().String(lastRoomPref); last != "" {
			for _, r := range w.rooms {
				if r.key == last {
					return last
				}
			}
		}
	}
	if w.inbox.hasThreads() {
		return "ui.nav.inbox"
	}
	return "ui.nav.customers"
}

// changed re-reads what the mailbox or the order log changed: the rooms'
// lists and the counts beside their names.
func (w *Window) changed() {
	w.notifyNew()
	w.customers.changed()
	w.inbox.reload()
	switch w.room {
	case "ui.nav.orders":
		w.orders.reload()
	case "ui.nav.automations":
		w.automations.reload()
	case "ui.nav.appointments":
		w.appointments.reload()
	}
	w.refreshCounts()
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
