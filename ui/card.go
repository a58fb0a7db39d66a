package ui

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mostrador/assets"
	"mostrador/inbox"
	"mostrador/internal/shop"
	"mostrador/orders"
	"mostrador/reminders"
)

// timelinePage is how much of the timeline a card draws at first, newest
// first, and how much more each "show more" adds: the card of a customer
// of ten years still opens at once (drawing text is what costs).
const timelinePage = 15

// cardData is everything one card shows, read at once.
type cardData struct {
	card *shop.Card
	auto *reminders.Automation // nil: not a customer of the order log (only wrote)
}

// loadCard reads a customer's card by id (a customer of the order log) or,
// when id is 0, by the address of someone who only wrote.
func (w *Window) loadCard(id int64, email string) (*cardData, error) {
	ctx := context.Background()
	var card *shop.Card
	var err error
	if id != 0 {
		card, err = shop.ByID(ctx, w.db, id)
	} else {
		card, err = shop.ByEmail(ctx, w.db, email)
	}
	if err != nil {
		return nil, err
	}
	d := &cardData{card: card}
	if card.Customer.ID != 0 {
		if d.auto, err = reminders.ForCustomer(ctx, w.db, card.Customer.ID); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// cardObjects draws a customer's card: who they are and how to reach
// them, what they are worth to the shop, whether automated email reaches
// them, the owner's notes, and one timeline of their orders, bookings,
// conversations and automated emails, newest first.
func cardObjects(w *Window, d *cardData) []fyne.CanvasObject {
	card := d.card
	c := card.Customer
	name, about := contactBlock(w, c)
	for _, m := range card.Merged {
		if m.Email != "" && m.Email != c.Email {
			also := widget.NewLabel(w.tf("ui.card.alsoAddress", map[string]any{"Email": m.Email}))
			also.Selectable = true
			about.Add(also)
		}
	}
	var ltv []string
	for _, m := range card.Totals.LifetimeValue {
		ltv = append(ltv, orders.FormatMoney(m.Minor, m.Currency, w.opts.Lang))
	}
	if len(ltv) == 0 {
		ltv = []string{"—"}
	}
	totals := widget.NewLabel(w.tf("card.totals", map[string]any{"Count": card.Totals.OrderCount,
		"Value": strings.Join(ltv, " + ")}))
	if card.Totals.OrderCount == 0 {
		totals.SetText(w.t("card.noOrders"))
	}
	totals.Wrapping = fyne.TextWrapWord
	about.Add(totals)
	objs := []fyne.CanvasObject{name, about}
	if d.auto != nil && c.Emailable {
		objs = append(objs, automationBlock(w, c.ID, d.auto)...)
	}
	if c.ID != 0 {
		objs = append(objs, notesEntry(w, c), tagsAndLanguage(w, c, d.auto), mergeBlock(w, d))
	}
	objs = append(objs, widget.NewSeparator())
	return append(objs, timeline(w, d)...)
}

// contactBlock is a customer's name, as a heading, and how to reach them:
// the address (or that there is none) and the phone, selectable.
func contactBlock(w *Window, c orders.Customer) (*widget.Label, *fyne.Container) {
	name := widget.NewLabelWithStyle(displayName(c, w), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.SizeName = theme.SizeNameSubHeadingText
	name.Wrapping = fyne.TextWrapWord
	about := tightBox()
	if c.Emailable {
		email := widget.NewLabel(c.Email)
		email.Selectable = true
		about.Add(email)
	} else {
		warn := widget.NewLabelWithStyle(w.t("ui.noEmail"), fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
		warn.Importance = widget.WarningImportance
		warn.Wrapping = fyne.TextWrapWord
		about.Add(warn)
	}
	if c.Phone != "" {
		phone := widget.NewLabel(w.tf("card.phone", map[string]any{"Phone": c.Phone}))
		phone.Selectable = true
		about.Add(phone)
	}
	return name, about
}

// automationBlock says whether automated email reaches the customer, with
// the owner's switch, and what the mail server said of the address.
func automationBlock(w *Window, id int64, a *reminders.Automation) []fyne.CanvasObject {
	day := func(t *time.Time) string { return formatDate(*t, w.opts.Location, w.opts.Lang) }
	var out []fyne.CanvasObject
	state := widget.NewLabel("")
	state.Wrapping = fyne.TextWrapWord
	state.Importance = widget.WarningImportance
	switch {
	case a.OptedOutAppointments != nil:
		state.SetText(w.tf("card.optedOutAll", map[string]any{"Date": day(a.OptedOutAppointments)}))
	case a.OptedOut != nil && a.OptOutSource == "owner":
		state.SetText(w.tf("ui.card.optedOutByOwner", map[string]any{"Date": day(a.OptedOut)}))
	case a.OptedOut != nil:
		state.SetText(w.tf("card.optedOut", map[string]any{"Date": day(a.OptedOut)}))
	default:
		state.Hide()
	}
	check := widget.NewCheck(w.t("ui.card.automated"), nil)
	check.Checked = a.OptedOut == nil && a.OptedOutAppointments == nil
	check.OnChanged = func(on bool) {
		err := reminders.SetOptOut(context.Background(), w.db, id, reminders.OptOut{All: !on, Appointments: false},
			"owner", w.now())
		if err != nil {
			w.status.SetText(w.tf("ui.error", map[string]any{"Err": err.Error()}))
			return
		}
		if w.reminders != nil {
			w.reminders.Wake()
		}
		if on {
			state.Hide()
		} else {
			now := w.now()
			state.SetText(w.tf("ui.card.optedOutByOwner", map[string]any{"Date": day(&now)}))
			state.Show()
		}
	}
	out = append(out, check, state)
	if a.BadAddress != nil {
		bad := widget.NewLabel(w.tf("card.badAddress", map[string]any{"Date": day(a.BadAddress)}))
		bad.Wrapping = fyne.TextWrapWord
		bad.Importance = widget.DangerImportance
		out = append(out, bad)
	}
	return out
}

// notesEntry is the owner's notes on the customer, kept as they type.
func notesEntry(w *Window, c orders.Customer) fyne.CanvasObject {
	notes := widget.NewMultiLineEntry()
	notes.Wrapping = fyne.TextWrapWord
	notes.SetMinRowsVisible(2)
	notes.SetPlaceHolder(w.t("ui.card.notes"))
	notes.SetText(c.Notes)
	notes.OnChanged = func(text string) {
		if err := orders.SetNotes(context.Background(), w.db, c.ID, text, w.now()); err != nil {
			w.status.SetText(w.tf("ui.error", map[string]any{"Err": err.Error()}))
		}
	}
	return notes
}

// tagsAndLanguage are the owner's tags on the customer (typed, separated
// by commas) and the language their automated emails are written in.
func tagsAndLanguage(w *Window, c orders.Customer, a *reminders.Automation) fyne.CanvasObject {
	tags := widget.NewEntry()
	tags.SetPlaceHolder(w.t("ui.card.tags"))
	tags.SetText(strings.Join(c.Tags, ", "))
	save := func(text string) {
		var list []string
		for _, t := range strings.Split(text, ",") {
			if t = strings.TrimSpace(t); t != "" {
				list = append(list, t)
			}
		}
		if err := orders.SetTags(context.Background(), w.db, c.ID, list, w.now()); err != nil {
			w.status.SetText(w.tf("ui.card.tagsRefused", map[string]any{"Err": err.Error()}))
			return
		}
		w.status.SetText("")
	}
	tags.OnSubmitted = save
	tags.OnChanged = func(text string) {
		if strings.HasSuffix(text, ",") { // a tag is complete
			save(text)
		}
	}
	langs := []string{"", "es", "en"}
	labels := []string{w.t("ui.card.langShop"), "Español", "English"}
	lang := widget.NewSelect(labels, nil)
	current := ""
	if a != nil {
		current = a.Language
	}
	for i, l := range langs {
		if l == current {
			lang.Selected = labels[i]
		}
	}
	lang.OnChanged = func(choice string) {
		for i, l := range labels {
			if l == choice {
				if err := reminders.SetLanguage(context.Background(), w.db, c.ID, langs[i], w.now()); err != nil {
					w.status.SetText(w.tf("ui.error", map[string]any{"Err": err.Error()}))
				}
			}
		}
	}
	return container.NewVBox(tags, container.NewBorder(nil, nil, widget.NewLabel(w.t("ui.card.language")), nil, lang))
}

// mergeBlock offers to join another customer into this one (the same
// person with two addresses, or a phone order without one), and to undo
// each join made.
func mergeBlock(w *Window, d *cardData) fyne.CanvasObject {
	box := tightBox()
	for _, m := range d.card.Merged {
		who := cmp.Or(m.Name, m.Email, m.Phone)
		undo := widget.NewButtonWithIcon(w.tf("ui.card.unmerge", map[string]any{"Who": who}), theme.ContentUndoIcon(), func() {
			err := orders.UnmergeCustomers(context.Background(), w.db, m.MergeID, w.now(), reminders.UnmergeCustomers)
			w.afterMerge(err)
		})
		undo.Importance = widget.LowImportance
		undo.Alignment = widget.ButtonAlignLeading
		box.Add(undo)
	}
	join := widget.NewButtonWithIcon(w.t("ui.card.merge"), theme.ContentAddIcon(), func() { w.pickMerge(d.card.Customer) })
	join.Importance = widget.LowImportance
	join.Alignment = widget.ButtonAlignLeading
	box.Add(join)
	return box
}

// pickMerge asks which customer to join into keep: searched by name,
// address or phone, then confirmed.
func (w *Window) pickMerge(keep orders.Customer) {
	search := widget.NewEntry()
	search.SetPlaceHolder(w.t("ui.searchCustomers"))
	var found []orders.CustomerRow
	list := widget.NewList(func() int { return len(found) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(found) {
				r := found[id]
				o.(*widget.Label).SetText(displayName(r.Customer, w) + " · " + cmp.Or(r.Email, w.t("ui.noEmailShort")) +
					" · " + w.tf("ui.orderCount", map[string]any{"Count": r.Orders}))
			}
		})
	search.OnChanged = func(q string) {
		found = nil
		if strings.TrimSpace(q) != "" {
			rows, err := orders.ListCustomers(context.Background(), w.db, q, 20)
			if err == nil {
				for _, r := range rows {
					if r.ID != keep.ID {
						found = append(found, r)
					}
				}
			}
		}
		list.Refresh()
	}
	intro := widget.NewLabel(w.tf("ui.card.mergeIntro", map[string]any{"Name": displayName(keep, w)}))
	intro.Wrapping = fyne.TextWrapWord
	var dlg dialog.Dialog
	list.OnSelected = func(id widget.ListItemID) {
		if id >= len(found) {
			return
		}
		other := found[id]
		dlg.Hide()
		ask := dialog.NewConfirm(w.t("ui.card.mergeTitle"), w.tf("ui.card.mergeAsk", map[string]any{
			"Other": displayName(other.Customer, w), "Keep": displayName(keep, w)}), func(ok bool) {
			if !ok {
				return
			}
			_, err := orders.MergeCustomers(context.Background(), w.db, keep.ID, other.ID, w.now(), reminders.MergeCustomers)
			w.afterMerge(err)
		}, w.win)
		ask.SetConfirmText(w.t("ui.card.mergeYes"))
		ask.SetDismissText(w.t("ui.import.cancel"))
		ask.Show()
	}
	content := container.NewBorder(container.NewVBox(intro, search), nil, nil, nil, list)
	dlg = dialog.NewCustom(w.t("ui.card.mergeTitle"), w.t("ui.import.cancel"), container.New(fixedSize{fyne.NewSize(520, 380)}, content), w.win)
	dlg.Show()
	w.win.Canvas().Focus(search)
}

// afterMerge shows the cards as a merge or its undoing left them.
func (w *Window) afterMerge(err error) {
	if err != nil {
		dialog.ShowError(errors.New(w.tf("ui.card.mergeFailed", map[string]any{"Err": err.Error()})), w.win)
		return
	}
	if w.reminders != nil {
		w.reminders.Wake()
	}
	w.customers.stale = true
	w.changed()
	w.reloadCard()
}

// moment is one entry of the timeline.
type moment struct {
	at   time.Time // zero: undated, drawn last
	draw func() fyne.CanvasObject
}

// timeline merges the customer's orders, bookings, conversations,
// automated emails and answers to them, newest first.
func timeline(w *Window, d *cardData) []fyne.CanvasObject {
	var ms []moment
	for _, o := range d.card.Orders {
		var at time.Time
		if o.PlacedAt != nil {
			at = *o.PlacedAt
		}
		ms = append(ms, moment{at, func() fyne.CanvasObject { return orderBlock(w, o) }})
	}
	for _, a := range d.card.Appointments {
		ms = append(ms, moment{a.Local(), func() fyne.CanvasObject { return appointmentLine(w, a) }})
	}
	for _, t := range d.card.Threads {
		ms = append(ms, moment{t.LastAt, func() fyne.CanvasObject { return threadLine(w, t) }})
	}
	if d.auto != nil {
		for _, j := range d.auto.Jobs {
			at := j.Due
			if j.SentAt != nil {
				at = *j.SentAt
			}
			ms = append(ms, moment{at, func() fyne.CanvasObject { return jobLine(w, j) }})
		}
		for _, r := range d.auto.Replies {
			ms = append(ms, moment{r.At, func() fyne.CanvasObject { return replyLine(w, r) }})
		}
	}
	sort.SliceStable(ms, func(i, j int) bool {
		if ms[i].at.IsZero() != ms[j].at.IsZero() {
			return !ms[i].at.IsZero()
		}
		return ms[i].at.After(ms[j].at)
	})
	box := container.NewVBox()
	shown := 0
	var more *widget.Button
	var showMore func()
	showMore = func() {
		if more != nil {
			box.Remove(more)
		}
		end := min(shown+timelinePage, len(ms))
		for _, m := range ms[shown:end] {
			box.Add(m.draw())
		}
		shown = end
		if left := len(ms) - shown; left > 0 {
			more = widget.NewButton(w.tf("ui.card.more", map[string]any{"Count": min(left, timelinePage), "Left": left}), showMore)
			box.Add(more)
		}
	}
	showMore()
	return []fyne.CanvasObject{box}
}

// appointmentLine is one booking at the shop's clock time it was booked
// in: when, what and with whom, and its state.
func appointmentLine(w *Window, a orders.Appointment) fyne.CanvasObject {
	parts := []string{formatDateTime(a.Local(), w.opts.Lang)}
	if a.Service != "" {
		parts = append(parts, a.Service)
	}
	if a.Staff != "" {
		parts = append(parts, a.Staff)
	}
	what := widget.NewLabel(strings.Join(parts, " · "))
	what.Wrapping = fyne.TextWrapWord
	status := widget.NewLabelWithStyle(w.t("appt.status."+a.Status), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	switch a.Status {
	case "cancelled", "no_show":
		status.Importance = widget.DangerImportance
	case "completed":
		status.Importance = widget.SuccessImportance
	}
	return widget.NewCard("", "", container.NewBorder(nil, nil, widget.NewIcon(theme.CalendarIcon()), status, what))
}

// threadLine is a conversation: its subject and size, whether the
// customer waits for an answer; a click opens it in the inbox.
func threadLine(w *Window, t inbox.Thread) fyne.CanvasObject {
	subject := t.Subject
	if subject == "" {
		subject = w.t("card.noSubject")
	}
	text := w.tf("card.threadLine", map[string]any{"Date": formatDate(t.LastAt, w.opts.Location, w.opts.Lang),
		"Subject": subject, "Count": t.Messages})
	open := widget.NewButtonWithIcon(text, theme.MailComposeIcon(), func() {
		w.inbox.showThread(t.ID)
		w.openRoom("ui.nav.inbox")
	})
	open.Alignment = widget.ButtonAlignLeading
	open.Importance = widget.LowImportance
	if t.WaitingSince == nil {
		return open
	}
	wait := widget.NewLabel(w.tf("card.waiting", map[string]any{"Wait": assets.Duration(w.opts.Lang, t.Waiting(w.now()))}))
	wait.Importance = widget.WarningImportance
	wait.Wrapping = fyne.TextWrapWord
	return container.NewVBox(open, wait)
}

// jobLine is an automated email: which, sent or planned (and when), or
// why not.
func jobLine(w *Window, j reminders.Job) fyne.CanvasObject {
	when := j.Due
	if j.SentAt != nil {
		when = *j.SentAt
	}
	text := w.tf("ui.card.job", map[string]any{"Rule": w.t(reminders.RuleKey(j.Rule)), "State": w.t("jobstate." + j.State),
		"Date": formatDateTime(when.In(w.opts.Location), w.opts.Lang)})
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	switch j.State {
	case "failed", "uncertain":
		l.Importance = widget.DangerImportance
	case "skipped", "cancelled", "expired":
		l.Importance = widget.LowImportance
	}
	box := tightBox()
	box.Add(l)
	if j.Reason != "" {
		why := widget.NewLabel(w.t(j.Reason))
		why.Wrapping = fyne.TextWrapWord
		why.Importance = widget.LowImportance
		why.SizeName = theme.SizeNameCaptionText
		box.Add(why)
	}
	if j.State == "planned" {
		// The owner decides for this one: now, or not at all.
		act := func(do func(context.Context, *sql.DB, int64, time.Time) error) func() {
			return func() {
				if err := do(context.Background(), w.db, j.ID, w.now()); err != nil {
					w.status.SetText(w.tf("ui.error", map[string]any{"Err": err.Error()}))
				}
				if w.reminders != nil {
					w.reminders.Wake()
				}
				w.changed()
				w.reloadCard()
			}
		}
		now := widget.NewButtonWithIcon(w.t("auto.sendNow"), theme.MailSendIcon(), act(reminders.SendNow))
		cancel := widget.NewButtonWithIcon(w.t("auto.cancelEmail"), theme.CancelIcon(), act(reminders.Cancel))
		now.Importance, cancel.Importance = widget.LowImportance, widget.LowImportance
		box.Add(container.NewHBox(now, cancel))
	}
	return container.NewBorder(nil, nil, widget.NewIcon(theme.MailSendIcon()), nil, box)
}

// reloadCard draws the open card again, wherever it is shown.
func (w *Window) reloadCard() {
	switch w.room {
	case "ui.nav.customers":
		if w.customers.current != 0 {
			w.customers.show(w.customers.current)
		}
	case "ui.nav.inbox":
		if t := w.inbox.thread.thread; t != nil {
			w.inbox.showCard(*t)
		}
	}
}

// replyLine is what the customer answered to an automated email: a score,
// a confirmation, a "stop".
func replyLine(w *Window, r reminders.Reply) fyne.CanvasObject {
	l := widget.NewLabel(w.tf("card.reply."+r.Kind, map[string]any{"Date": formatDate(r.At, w.opts.Location, w.opts.Lang),
		"Text": r.Text, "Value": r.Value}))
	l.Wrapping = fyne.TextWrapWord
	if r.Kind == "rating" {
		l.Importance = widget.SuccessImportance
	}
	return container.NewBorder(nil, nil, widget.NewIcon(theme.ConfirmIcon()), nil, l)
}

// orderBlock is one order: when and how much with its status, what was in
// it, where the parcel is, and the order's number in the shop it came from.
func orderBlock(w *Window, o orders.Order) fyne.CanvasObject {
	var head []string
	if o.PlacedAt != nil {
		head = append(head, formatDate(*o.PlacedAt, w.opts.Location, w.opts.Lang))
	}
	if total, ok := orderTotal(o); ok {
		head = append(head, orders.FormatMoney(total, o.Currency, w.opts.Lang))
	}
	if len(head) == 0 {
		head = append(head, o.Number)
	}
	title := widget.NewLabelWithStyle(strings.Join(head, " · "), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Truncation = fyne.TextTruncateEllipsis
	status := widget.NewLabelWithStyle(w.t("status."+o.Status), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	switch o.Status {
	case "cancelled", "refunded", "failed", "voided":
		status.Importance = widget.DangerImportance
	case "delivered", "shipped":
		status.Importance = widget.SuccessImportance
	case "pending", "partial":
		status.Importance = widget.WarningImportance
	}
	lines := tightBox()
	for _, it := range o.Items {
		line := fmt.Sprintf("%d × %s", it.Quantity, it.Name)
		if it.Variant != "" {
			line += " (" + it.Variant + ")"
		}
		if it.LineTotal != nil {
			line += " — " + orders.FormatMoney(*it.LineTotal, o.Currency, w.opts.Lang)
		}
		l := widget.NewLabel(line)
		l.Wrapping = fyne.TextWrapWord
		lines.Add(l)
	}
	if o.Refunded != nil && *o.Refunded > 0 && o.Status != "refunded" {
		lines.Add(widget.NewLabel(w.tf("card.refunded", map[string]any{
			"Amount": orders.FormatMoney(*o.Refunded, o.Currency, w.opts.Lang)})))
	}
	if o.Tracking != "" {
		lines.Add(trackingLine(w, o))
	}
	ref := widget.NewLabelWithStyle(w.tf("card.orderRef", map[string]any{"Number": o.Number,
		"Platform": platformName(w, o.Platform)}), fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	ref.Truncation = fyne.TextTruncateEllipsis
	ref.SizeName = theme.SizeNameCaptionText
	return widget.NewCard("", "", container.NewVBox(container.NewBorder(nil, nil, nil, status, title), lines, ref))
}

// orderTotal is what the order came to: its total, or, when the export
// gave none (Square lists items only), the sum of its lines.
func orderTotal(o orders.Order) (int64, bool) {
	if o.Total != nil {
		return *o.Total, true
	}
	var sum int64
	for _, it := range o.Items {
		if it.LineTotal == nil {
			return 0, false
		}
		sum += *it.LineTotal
	}
	return sum, len(o.Items) > 0
}

// tightBox stacks lines of text closer than a plain VBox: each label
// already pads itself above and below.
func tightBox() *fyne.Container {
	return container.New(layout.NewCustomPaddedVBoxLayout(-2 * theme.Padding()))
}

// trackingLine shows the carrier and tracking number, as a link to follow
// the parcel when the export gave one.
func trackingLine(w *Window, o orders.Order) fyne.CanvasObject {
	text := strings.Join(strings.Fields(w.tf("card.tracking", map[string]any{"Carrier": o.Carrier,
		"Tracking": o.Tracking})), " ")
	if u, err := url.Parse(o.TrackingURL); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
		link := widget.NewHyperlink(text, u)
		link.Wrapping = fyne.TextWrapWord
		return link
	}
	l := widget.NewLabel(text)
	l.Selectable = true
	l.Wrapping = fyne.TextWrapWord
	return l
}
