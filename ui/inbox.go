package ui

import (
	"cmp"
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mostrador/assets"
	"mostrador/inbox"
	"mostrador/internal/shop"
)

// threadLimit caps the inbox list: those waiting come first, and no shop
// owes a thousand answers.
const threadLimit = 1000

// inboxView is the inbox: the conversations, waiting ones first, beside
// the open one (its messages and the reply box) and its customer's card.
type inboxView struct {
	w       *Window
	filter  *widget.Select
	filters []string // inbox.Filter* in the radio's order
	list    *widget.List
	threads []inbox.Thread
	empty   *widget.Label
	thread  *threadPane
	card    *fyne.Container
	content fyne.CanvasObject
	split   *container.Split // the list | the thread and the card
	right   *container.Split // the thread | the card
	current int64            // the open thread, 0 for none
	// noThreads: the mailbox has no conversation at all (not only none
	// under the filter).
	noThreads bool
}

func newInboxView(w *Window) *inboxView {
	v := &inboxView{w: w, filters: []string{inbox.FilterWaiting, inbox.FilterAll, inbox.FilterAnswered}}
	labels := []string{w.t("ui.inbox.waiting"), w.t("ui.inbox.all"), w.t("ui.inbox.answered")}
	// A drop-down rather than radio buttons: the list keeps the width its
	// rows need, not the width of three labels side by side.
	v.filter = widget.NewSelect(labels, nil)
	v.filter.Selected = labels[0]
	v.filter.OnChanged = func(string) { v.reload() }
	v.list = widget.NewList(
		func() int { return len(v.threads) },
		newThreadRow,
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(v.threads) {
				v.fillRow(o, &v.threads[id])
			}
		})
	v.list.OnSelected = func(id widget.ListItemID) {
		if id < len(v.threads) {
			v.open(v.threads[id])
		}
	}
	v.empty = widget.NewLabel("")
	v.empty.Wrapping = fyne.TextWrapWord
	v.empty.Hide()
	v.thread = newThreadPane(w, v.sent)
	v.card = container.NewVBox()
	left := container.NewBorder(v.filter, nil, nil, nil, container.NewStack(v.list, container.NewVBox(v.empty)))
	v.right = container.NewHSplit(v.thread.content, container.NewVScroll(container.NewPadded(v.card)))
	v.right.Offset = 0.58
	v.split = container.NewHSplit(left, v.right)
	v.split.Offset = 0.32
	v.content = v.split
	return v
}

// filterName is the inbox filter the radio shows.
func (v *inboxView) filterName() string {
	for i, o := range v.filter.Options {
		if o == v.filter.Selected {
			return v.filters[i]
		}
	}
	return inbox.FilterWaiting
}

// hasThreads says whether the mailbox has any conversation.
func (v *inboxView) hasThreads() bool {
	all, err := inbox.ListThreads(context.Background(), v.w.db, inbox.FilterAll, 1)
	return err == nil && len(all) > 0
}

// waitingCount is the navigation's count: conversations owing an answer.
func (v *inboxView) waitingCount() int {
	n, err := inbox.CountWaiting(context.Background(), v.w.db)
	if err != nil {
		return 0
	}
	return n
}

// reload reads the list again and keeps the open thread open when it is
// still listed; otherwise it opens the first.
func (v *inboxView) reload() {
	ctx := context.Background()
	threads, err := inbox.ListThreads(ctx, v.w.db, v.filterName(), threadLimit)
	if err != nil {
		v.w.status.SetText(v.w.tf("ui.error", map[string]any{"Err": err.Error()}))
		return
	}
	v.threads = threads
	v.noThreads = len(threads) == 0 && !v.hasThreads()
	switch {
	case v.noThreads:
		v.empty.SetText(v.w.t("ui.inbox.noMail"))
		v.empty.Show()
	case len(threads) == 0 && v.filterName() == inbox.FilterWaiting:
		v.empty.SetText(v.w.t("ui.inbox.allAnswered"))
		v.empty.Show()
	case len(threads) == 0:
		v.empty.SetText(v.w.t("ui.inbox.none"))
		v.empty.Show()
	default:
		v.empty.Hide()
	}
	if v.w.room == "ui.nav.inbox" {
		v.w.status.SetText(v.w.tf("ui.inbox.count", map[string]any{"Count": len(threads)}))
	}
	v.list.UnselectAll()
	v.list.Refresh()
	if len(threads) == 0 {
		v.current = 0
		v.thread.clear()
		v.card.RemoveAll()
		return
	}
	sel := keptRow(threads, func(r inbox.Thread) int64 { return r.ID }, v.current)
	v.list.Select(sel)
	if v.list.Size().Height == 0 {
		v.list.ScrollToOffset(0) // not laid out yet: see customersView.reload
	}
}

// showThread opens a thread, whichever filter lists it.
func (v *inboxView) showThread(id int64) {
	v.current = id
	for _, t := range v.threads {
		if t.ID == id {
			v.reload()
			return
		}
	}
	v.filter.SetSelected(v.filter.Options[1]) // all: reloads, keeping current
}

// open shows a thread and its customer's card.
func (v *inboxView) open(t inbox.Thread) {
	v.current = t.ID
	v.thread.show(t)
	v.showCard(t)
}

// sent: a reply went (or was queued) from the open thread.
func (v *inboxView) sent() {
	v.reload()
	v.w.refreshCounts()
}

// showCard fills the card beside the thread: the customer's orders and
// bookings when the order log knows them, else who wrote.
func (v *inboxView) showCard(t inbox.Thread) {
	v.card.RemoveAll()
	d, err := v.w.loadCard(0, t.Customer)
	switch {
	case errors.Is(err, shop.ErrNoCustomer):
		name := widget.NewLabelWithStyle(cmp.Or(t.CustomerName, t.Customer), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		name.Wrapping = fyne.TextWrapWord
		email := widget.NewLabel(t.Customer)
		email.Selectable = true
		note := widget.NewLabel(v.w.t("ui.inbox.noOrders"))
		note.Wrapping = fyne.TextWrapWord
		v.card.Objects = []fyne.CanvasObject{name, email, note}
	case err != nil:
		v.card.Objects = []fyne.CanvasObject{widget.NewLabel(v.w.tf("ui.error", map[string]any{"Err": err.Error()}))}
	default:
		if d.card.Customer.Name == "" {
			d.card.Customer.Name = t.CustomerName
		}
		v.card.Objects = cardObjects(v.w, d)
	}
	v.card.Refresh()
}

// newThreadRow is one conversation in the list: who, how long they have
// waited; the subject; the start of the last message.
func newThreadRow() fyne.CanvasObject {
	name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.Truncation = fyne.TextTruncateEllipsis
	wait := widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	subject := widget.NewLabel("")
	subject.Truncation = fyne.TextTruncateEllipsis
	snippet := widget.NewLabel("")
	snippet.Truncation = fyne.TextTruncateEllipsis
	snippet.SizeName = theme.SizeNameCaptionText
	snippet.Importance = widget.LowImportance
	row := tightBox()
	row.Add(container.NewBorder(nil, nil, nil, wait, name))
	row.Add(subject)
	row.Add(snippet)
	return row
}

func (v *inboxView) fillRow(o fyne.CanvasObject, t *inbox.Thread) {
	box := o.(*fyne.Container)
	top := box.Objects[0].(*fyne.Container)
	top.Objects[0].(*widget.Label).SetText(cmp.Or(t.CustomerName, t.Customer))
	wait := top.Objects[1].(*widget.Label)
	wait.Text, wait.Importance = v.waitText(t)
	wait.Refresh()
	subject := t.Subject
	if subject == "" {
		subject = v.w.t("card.noSubject")
	}
	box.Objects[1].(*widget.Label).SetText(subject)
	box.Objects[2].(*widget.Label).SetText(t.Snippet)
}

// waitText says how long the customer has waited ("hace 2 h"), coloured
// as the wait grows: warm after two hours, red after a day. A thread that
// does not wait shows when it last moved.
func (v *inboxView) waitText(t *inbox.Thread) (string, widget.Importance) {
	now := v.w.now()
	if d := t.Waiting(now); t.WaitingSince != nil {
		imp := widget.MediumImportance
		switch {
		case d >= 24*time.Hour:
			imp = widget.DangerImportance
		case d >= 2*time.Hour:
			imp = widget.WarningImportance
		}
		return v.w.tf("ui.inbox.waited", map[string]any{"Wait": assets.Duration(v.w.opts.Lang, d)}), imp
	}
	return shortWhen(t.LastAt, now, v.w.opts.Location, v.w.opts.Lang), widget.LowImportance
}

// shortWhen writes a moment briefly: the clock time today, else the day.
func shortWhen(t, now time.Time, loc *time.Location, lang string) string {
	t, now = t.In(loc), now.In(loc)
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	return formatDate(t, loc, lang)
}
