package ui

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"mostrador/inbox"
	"mostrador/internal/shop"
	"mostrador/reminders"
)

// How many emails each tab lists (reminders.List gives the next due
// first, then the latest).
const (
	plannedLimit   = 500
	sentLimit      = 200
	attentionLimit = 500
)

// outboxPane is the automated emails in three tabs: planned (with those
// waiting in the outbox to go), sent, and those that need the owner's
// look: failed, uncertain, skipped, each with its reason.
type outboxPane struct {
	v                        *automationsView
	tabs                     *container.AppTabs
	planned, sent, attention *jobList
	acct                     *inbox.Account // for the words of a send failure; nil: none
	content                  fyne.CanvasObject
	onMarked                 func() // tests: hears that a "mark as sent" has been shown
}

// jobList is one tab: a list of emails, the selected one in full below it,
// and what the owner can do with it.
type jobList struct {
	p        *outboxPane
	states   []string // reminders.List states, in order
	limit    int
	titleKey string
	jobs     []reminders.Job
	list     *widget.List
	empty    *widget.Label
	detail   *widget.Label
	selected int64 // the selected job's id; 0: none
	buttons  []*widget.Button
	// allowed says whether a button (by index) applies to a job.
	allowed func(button int, j reminders.Job) bool
	item    *container.TabItem
}

func newOutboxPane(v *automationsView) *outboxPane {
	w := v.w
	p := &outboxPane{v: v}
	p.planned = p.newJobList([]string{"planned", "queued", "sending"}, plannedLimit, "auto.tab.planned", "auto.empty.planned")
	p.planned.addButton(w.t("auto.sendNow"), p.sendNow)
	p.planned.addButton(w.t("auto.cancelEmail"), p.cancel)
	p.planned.allowed = func(_ int, j reminders.Job) bool { return j.State == "planned" }

	p.sent = p.newJobList([]string{"sent"}, sentLimit, "auto.tab.sent", "auto.empty.sent")

	p.attention = p.newJobList([]string{"attention"}, attentionLimit, "auto.tab.attention", "auto.empty.attention")
	p.attention.addButton(w.t("auto.sendAgain"), p.sendAgain)
	p.attention.addButton(w.t("auto.markSent"), p.markSent)
	p.attention.allowed = func(b int, j reminders.Job) bool {
		if b == 0 {
			return j.State == "failed" || j.State == "uncertain"
		}
		return j.State == "uncertain"
	}
	for _, l := range []*jobList{p.planned, p.sent, p.attention} {
		l.item = container.NewTabItem("", l.layout())
	}
	p.tabs = container.NewAppTabs(p.planned.item, p.sent.item, p.attention.item)
	p.content = p.tabs
	return p
}

func (p *outboxPane) newJobList(states []string, limit int, titleKey, emptyKey string) *jobList {
	l := &jobList{p: p, states: states, limit: limit, titleKey: titleKey}
	l.list = widget.NewList(func() int { return len(l.jobs) }, newJobRow, l.fillRow)
	l.list.OnSelected = func(id widget.ListItemID) {
		if id < len(l.jobs) {
			l.selected = l.jobs[id].ID
			l.showSelected()
		}
	}
	l.empty = widget.NewLabel(p.v.w.t(emptyKey))
	l.empty.Wrapping = fyne.TextWrapWord
	l.detail = widget.NewLabel("")
	l.detail.Wrapping = fyne.TextWrapWord
	l.detail.Selectable = true
	return l
}

// addButton adds an action on the selected email.
func (l *jobList) addButton(text string, act func(reminders.Job)) {
	b := widget.NewButton(text, func() {
		if j, ok := l.current(); ok {
			act(j)
		}
	})
	b.Disable()
	l.buttons = append(l.buttons, b)
}

// layout puts the tab together, once its buttons are added.
func (l *jobList) layout() fyne.CanvasObject {
	bar := container.NewHBox()
	for _, b := range l.buttons {
		bar.Add(b)
	}
	bar.Add(layout.NewSpacer())
	bottom := container.NewVBox(widget.NewSeparator(), l.detail)
	if len(l.buttons) > 0 {
		bottom.Add(bar)
	}
	return container.NewBorder(nil, container.NewPadded(bottom), nil, nil,
		container.NewStack(l.list, container.NewVBox(l.empty)))
}

// newJobRow is one email: who and what, and below it where it stands.
func newJobRow() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Truncation = fyne.TextTruncateEllipsis
	line := widget.NewLabel("")
	line.Truncation = fyne.TextTruncateEllipsis
	row := tightBox()
	row.Add(title)
	row.Add(line)
	return row
}

func (l *jobList) fillRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(l.jobs) {
		return
	}
	j := l.jobs[id]
	row := o.(*fyne.Container)
	row.Objects[0].(*widget.Label).SetText(jobWho(j) + " · " + l.p.v.jobWhat(j))
	line := row.Objects[1].(*widget.Label)
	line.SetText(l.p.v.jobLine(j, l.p.acct))
	line.Importance = jobImportance(j)
	line.Refresh()
}

func jobImportance(j reminders.Job) widget.Importance {
	switch j.State {
	case "failed":
		return widget.DangerImportance
	case "uncertain", "skipped":
		return widget.WarningImportance
	case "sent":
		return widget.SuccessImportance
	}
	return widget.MediumImportance
}

// current is the selected email.
func (l *jobList) current() (reminders.Job, bool) {
	for _, j := range l.jobs {
		if j.ID == l.selected && l.selected != 0 {
			return j, true
		}
	}
	return reminders.Job{}, false
}

// showSelected says the selected email in full, and which of the tab's
// actions apply to it.
func (l *jobList) showSelected() {
	v := l.p.v
	j, ok := l.current()
	if !ok {
		l.detail.SetText(v.w.t("auto.selectEmail"))
	} else {
		text := jobWho(j)
		if j.Name != "" && j.Customer != "" {
			text += " <" + j.Customer + ">"
		}
		text += "\n" + v.jobWhat(j) + "\n" + v.jobLine(j, l.p.acct)
		if j.State == "uncertain" {
			text += "\n" + v.w.t("auto.uncertainHelp")
		}
		l.detail.SetText(text)
	}
	for i, b := range l.buttons {
		if ok && l.allowed(i, j) {
			b.Enable()
		} else {
			b.Disable()
		}
	}
}

// load reads the list again, keeping the selected email selected while it
// is still there.
func (l *jobList) load() {
	v := l.p.v
	var jobs []reminders.Job
	for _, s := range l.states {
		list, err := reminders.List(context.Background(), v.w.db, s, l.limit)
		if err != nil {
			v.done("", err)
			return
		}
		jobs = append(jobs, list...)
	}
	l.jobs = jobs
	l.item.Text = v.w.tf(l.titleKey, map[string]any{"Count": len(jobs), "Emails": v.w.count(len(jobs))})
	autoShow(l.empty, len(jobs) == 0)
	l.list.Refresh()
	l.list.UnselectAll()
	for i, j := range jobs {
		if j.ID == l.selected {
			l.list.Select(i)
		}
	}
	if _, ok := l.current(); !ok {
		l.selected = 0
	}
	l.showSelected()
}

func (p *outboxPane) load() {
	p.acct = nil
	if acct, err := inbox.LoadAccount(context.Background(), p.v.w.db); err == nil {
		p.acct = acct
	}
	for _, l := range []*jobList{p.planned, p.sent, p.attention} {
		l.load()
	}
	p.tabs.Refresh()
}

// after reads the emails again once the owner acted on one, and says what
// happened.
func (p *outboxPane) after(j reminders.Job, key string, err error) {
	v := p.v
	p.load()
	if err != nil {
		v.refused(v.actionError(err))
		return
	}
	v.done(v.w.tf(key, map[string]any{"Email": v.jobWhat(j), "Who": jobWho(j)}), nil)
}

// sendNow makes a planned email go at once (the guards still apply).
func (p *outboxPane) sendNow(j reminders.Job) {
	err := reminders.SendNow(context.Background(), p.v.w.db, j.ID, time.Now())
	if err == nil {
		p.v.wake()
	}
	p.after(j, "auto.sentNow", err)
}

// cancel stops a planned email: it will not be sent.
func (p *outboxPane) cancel(j reminders.Job) {
	p.after(j, "auto.cancelled", reminders.Cancel(context.Background(), p.v.w.db, j.ID, time.Now()))
}

// sendAgain queues a failed or uncertain email again, as the command
// line's "reminders send-again" does.
func (p *outboxPane) sendAgain(j reminders.Job) {
	ctx := context.Background()
	id, err := reminders.OutboxID(ctx, p.v.w.db, j.ID)
	if err == nil {
		err = inbox.SendAgain(ctx, p.v.w.db, id, time.Now())
	}
	if err == nil {
		p.v.wake()
	}
	p.after(j, "auto.sentAgain", err)
}

// markSent records an uncertain email as sent, as the command line's
// "reminders mark-sent" does; its copy is filed in Sent over IMAP, off
// the UI goroutine.
func (p *outboxPane) markSent(j reminders.Job) {
	db := p.v.w.db
	for _, b := range p.attention.buttons {
		b.Disable()
	}
	p.v.done(p.v.w.t("auto.marking"), nil)
	go func() {
		err := markSent(context.Background(), db, j.ID)
		fyne.Do(func() { p.after(j, "auto.markedSent", err) })
		if p.onMarked != nil {
			p.onMarked()
		}
	}()
}

// markSent records a job's uncertain email as sent, with a Sender of its
// own: the scheduler's is busy on its goroutine.
func markSent(ctx context.Context, db *sql.DB, job int64) error {
	id, err := reminders.OutboxID(ctx, db, job)
	if err != nil {
		return err
	}
	acct, err := inbox.LoadAccount(ctx, db)
	if err != nil {
		return err
	}
	sender, err := shop.NewSender(ctx, db, acct, &inbox.Secrets{})
	if err != nil {
		return err
	}
	if _, err = sender.MarkSent(ctx, id); errors.Is(err, inbox.ErrNoMessage) {
		return reminders.ErrNoJob
	}
	return err
}
