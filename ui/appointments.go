package ui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mostrador/orders"
	"mostrador/reminders"
)

// appointmentsView is the shop's calendar: the appointments of a day or a
// week on the shop's clock, and the owner's New, Move and Cancel, each of
// which plans the customer's emails (see appointments_form.go).
type appointmentsView struct {
	w       *Window
	content fyne.CanvasObject
	body    *fyne.Container // content, laid out again when the result line comes
	week    bool            // the week view, else the day
	anchor  time.Time       // a moment of the range shown; zero: today, on the window's clock
	mode    *widget.RadioGroup
	title   *widget.Label
	list    *widget.List
	rows    []orders.AppointmentRow
	// answers are what customers replied to an appointment's emails, by
	// appointment: "confirm" or "cancel".
	answers   map[int64]string
	empty     *widget.Label
	prev      *widget.Button
	next      *widget.Button
	todayBtn  *widget.Button
	newBtn    *widget.Button
	moveBtn   *widget.Button
	cancelBtn *widget.Button
	result    *widget.Label // what the last action did, and the emails it planned
	selected  int64         // the selected appointment, 0 for none
	form      *apptForm     // the open dialog, nil when none
}

func newAppointmentsView(w *Window) *appointmentsView {
	v := &appointmentsView{w: w, answers: map[int64]string{}}
	day, week := w.t("ui.appts.day"), w.t("ui.appts.week")
	v.mode = widget.NewRadioGroup([]string{day, week}, nil)
	v.mode.Horizontal = true
	v.mode.Required = true
	v.mode.Selected = day
	v.mode.OnChanged = func(s string) {
		v.week = s == week
		v.reload()
	}
	v.prev = widget.NewButtonWithIcon("", theme.NavigateBackIcon(), func() { v.step(-1) })
	v.next = widget.NewButtonWithIcon("", theme.NavigateNextIcon(), func() { v.step(1) })
	v.todayBtn = widget.NewButton(w.t("ui.appts.today"), func() {
		v.anchor = time.Time{}
		v.reload()
	})
	v.newBtn = widget.NewButtonWithIcon(w.t("ui.appts.new"), theme.ContentAddIcon(), v.openNew)
	v.newBtn.Importance = widget.HighImportance
	v.moveBtn = widget.NewButtonWithIcon(w.t("ui.appts.move"), theme.HistoryIcon(), v.openMove)
	v.cancelBtn = widget.NewButtonWithIcon(w.t("ui.appts.cancel"), theme.CancelIcon(), v.openCancel)
	v.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.title.SizeName = theme.SizeNameSubHeadingText
	v.title.Truncation = fyne.TextTruncateEllipsis
	v.list = widget.NewList(
		func() int { return len(v.rows) },
		newAppointmentRow,
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(v.rows) {
				v.fillRow(o, v.rows[id])
			}
		})
	v.list.OnSelected = func(id widget.ListItemID) {
		if id < len(v.rows) {
			v.selected = v.rows[id].ID
		}
		v.enableActions()
	}
	v.list.OnUnselected = func(widget.ListItemID) {
		v.selected = 0
		v.enableActions()
	}
	v.empty = widget.NewLabel("")
	v.empty.Wrapping = fyne.TextWrapWord
	v.empty.Hide()
	v.result = widget.NewLabel("")
	v.result.Wrapping = fyne.TextWrapWord
	v.result.Hide()
	bar := container.NewBorder(nil, nil, container.NewHBox(v.mode, v.prev, v.todayBtn, v.next),
		container.NewHBox(v.newBtn, v.moveBtn, v.cancelBtn))
	top := container.NewVBox(bar, v.title)
	v.body = container.NewBorder(container.NewPadded(top), container.NewPadded(v.result), nil, nil,
		container.NewStack(v.list, container.NewVBox(v.empty)))
	v.content = v.body
	v.reload()
	return v
}

// span is the range shown, on the shop's clock.
func (v *appointmentsView) span() (from, to time.Time) {
	at := v.anchor
	if at.IsZero() {
		at = v.w.now()
	}
	if v.week {
		return orders.WeekRange(at, v.w.opts.Location)
	}
	return orders.DayRange(at, v.w.opts.Location)
}

// step shows the previous (-1) or next (1) day or week. Whole calendar
// days, not 24 hours: a day of a clock change is 23 or 25 hours long.
func (v *appointmentsView) step(dir int) {
	from, _ := v.span()
	days := 1
	if v.week {
		days = 7
	}
	v.anchor = from.AddDate(0, 0, dir*days).Add(12 * time.Hour) // midday: clear of any clock change
	v.reload()
}

// today is how many appointments are still booked for today: the
// navigation shows it beside the room's name.
func (v *appointmentsView) today() int {
	from, to := orders.DayRange(v.w.now(), v.w.opts.Location)
	n, err := orders.CountBooked(context.Background(), v.w.db, from, to)
	if err != nil {
		return 0
	}
	return n
}

// reload reads the range again, keeping the selected appointment selected
// while it is listed.
func (v *appointmentsView) reload() {
	ctx := context.Background()
	from, to := v.span()
	rows, err := orders.ListAppointments(ctx, v.w.db, from, to)
	if err != nil {
		v.showResult(v.w.tf("ui.error", map[string]any{"Err": err.Error()}), widget.DangerImportance)
		return
	}
	v.rows = rows
	v.answers = v.readAnswers(ctx, rows)
	v.title.SetText(v.rangeTitle(from, to))
	if len(rows) == 0 {
		if v.week {
			v.empty.SetText(v.w.t("ui.appts.noneWeek"))
		} else {
			v.empty.SetText(v.w.t("ui.appts.noneDay"))
		}
		v.empty.Show()
	} else {
		v.empty.Hide()
	}
	keep := v.selected
	v.list.UnselectAll()
	v.list.Refresh()
	for i, r := range rows {
		if r.ID == keep {
			v.list.Select(i)
			break
		}
	}
	v.enableActions()
}

// rangeTitle names the range in the owner's language: "lunes 23 de
// noviembre", "Semana del 23 al 29 de noviembre".
func (v *appointmentsView) rangeTitle(from, to time.Time) string {
	lang, thisYear := v.w.opts.Lang, v.w.now().In(v.w.opts.Location).Year()
	if !v.week {
		t := longDay(from, lang, from.Year() != thisYear)
		if lang != "en" {
			t = strings.ToUpper(t[:1]) + t[1:] // weekday names are ASCII at the start
		}
		return t
	}
	last := to.AddDate(0, 0, -1)
	f, l := weekSpan(from, last, lang, thisYear)
	return v.w.tf("ui.appts.weekTitle", map[string]any{"From": f, "To": l})
}

// selectedRow is the selected appointment, if it is listed.
func (v *appointmentsView) selectedRow() (orders.AppointmentRow, bool) {
	for _, r := range v.rows {
		if r.ID == v.selected && v.selected != 0 {
			return r, true
		}
	}
	return orders.AppointmentRow{}, false
}

// enableActions allows Move and Cancel on a selected appointment still
// booked.
func (v *appointmentsView) enableActions() {
	if r, ok := v.selectedRow(); ok && r.Status == "booked" {
		v.moveBtn.Enable()
		v.cancelBtn.Enable()
		return
	}
	v.moveBtn.Disable()
	v.cancelBtn.Disable()
}

func (v *appointmentsView) showResult(text string, importance widget.Importance) {
	v.result.SetText(text)
	v.result.Importance = importance
	v.result.Show()
	v.body.Refresh() // the line was hidden: the list gives it room
}

// newAppointmentRow is one line of the list: the time on the left, the
// customer and what they come for in the middle, the customer's answer
// and the status on the right.
func newAppointmentRow() fyne.CanvasObject {
	when := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.Truncation = fyne.TextTruncateEllipsis
	what := widget.NewLabel("")
	what.Truncation = fyne.TextTruncateEllipsis
	middle := tightBox()
	middle.Add(name)
	middle.Add(what)
	answer := widget.NewLabel("")
	status := widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	return container.NewBorder(nil, nil, when, container.NewHBox(answer, status), middle)
}

func (v *appointmentsView) fillRow(o fyne.CanvasObject, r orders.AppointmentRow) {
	c := o.(*fyne.Container)
	middle := c.Objects[0].(*fyne.Container)
	when := c.Objects[1].(*widget.Label)
	right := c.Objects[2].(*fyne.Container)
	loc := v.w.opts.Location
	t := clockSpan(r.StartsAt, r.EndsAt, loc)
	if v.week {
		t = shortDay(r.StartsAt.In(loc), v.w.opts.Lang) + " · " + t
	}
	when.SetText(t)
	middle.Objects[0].(*widget.Label).SetText(displayName(r.Customer, v.w))
	var what []string
	for _, s := range []string{r.Service, r.Staff} {
		if s != "" {
			what = append(what, s)
		}
	}
	if !r.Customer.Emailable {
		what = append(what, v.w.t("ui.noEmailShort"))
	}
	middle.Objects[1].(*widget.Label).SetText(strings.Join(what, " · "))
	answer := right.Objects[0].(*widget.Label)
	switch v.answers[r.ID] {
	case "confirm":
		answer.SetText(v.w.t("ui.appts.replyConfirm"))
		answer.Importance = widget.SuccessImportance
	case "cancel":
		answer.SetText(v.w.t("ui.appts.replyCancel"))
		answer.Importance = widget.WarningImportance
	default:
		answer.SetText("")
	}
	answer.Refresh()
	status := right.Objects[1].(*widget.Label)
	status.SetText(v.w.t("appt.status." + r.Status))
	switch r.Status {
	case "cancelled", "no_show":
		status.Importance = widget.DangerImportance
	case "completed":
		status.Importance = widget.SuccessImportance
	default:
		status.Importance = widget.MediumImportance
	}
	// The texts' widths changed: the time column and the right side take
	// theirs.
	c.Refresh()
}

// readAnswers finds what the listed appointments' customers replied to
// their emails ("confirmo", "cancelar"), the latest answer of each: the
// customers' automation facts name the email each reply answered, and the
// email names its appointment.
func (v *appointmentsView) readAnswers(ctx context.Context, rows []orders.AppointmentRow) map[int64]string {
	out := map[int64]string{}
	listed := map[int64]bool{}
	customers := map[int64]bool{}
	for _, r := range rows {
		listed[r.ID] = true
		if r.Customer.Emailable {
			customers[r.Customer.ID] = true
		}
	}
	for c := range customers {
		a, err := reminders.ForCustomer(ctx, v.w.db, c)
		if err != nil {
			continue // the list matters more than the answers beside it
		}
		about := map[int64]int64{} // job -> appointment
		for _, j := range a.Jobs {
			if id, ok := appointmentOf(j); ok {
				about[j.ID] = id
			}
		}
		for _, r := range a.Replies { // latest first
			id := about[r.JobID]
			if (r.Kind == "confirm" || r.Kind == "cancel") && listed[id] && out[id] == "" {
				out[id] = r.Kind
			}
		}
	}
	return out
}

// appointmentOf reads the appointment a job is about: "appointment:7",
// "appointment:7#1".
func appointmentOf(j reminders.Job) (int64, bool) {
	rest, ok := strings.CutPrefix(j.About, "appointment:")
	if !ok || j.Rule != reminders.Appointment {
		return 0, false
	}
	rest, _, _ = strings.Cut(rest, "#")
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil
}
