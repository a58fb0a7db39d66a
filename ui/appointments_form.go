package ui

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"mostrador/orders"
	"mostrador/reminders"
)

// The appointments room's dialogs: New and Move with a date-time picker
// (Fyne's date entry and calendar, and the time typed or picked on the
// shop's clock), and Cancel. Each stays open with the problem written in
// it until the owner gives what works; then one transaction writes the
// appointment and plans its emails (see orders.CreateAppointment).

// apptLengths are the lengths offered for a new appointment.
var apptLengths = []time.Duration{15 * time.Minute, 30 * time.Minute, 45 * time.Minute, time.Hour,
	90 * time.Minute, 2 * time.Hour, 3 * time.Hour}

// apptForm is an open dialog of the room.
type apptForm struct {
	v               *appointmentsView
	dlg             dialog.Dialog
	row             orders.AppointmentRow // Move and Cancel: the appointment
	email           *widget.Entry         // New only
	name            *widget.Entry
	phone           *widget.Entry
	service         *widget.Entry
	staff           *widget.Entry
	length          *widget.Select
	*dateTimePicker // New and Move
	problem         *widget.Label
	ok              *widget.Button
	close           *widget.Button
}

// show opens the form's dialog: its fields, the problem line, and the
// buttons.
func (f *apptForm) show(title string, fields fyne.CanvasObject, okText string, submit func()) {
	w := f.v.w
	f.problem = widget.NewLabel("")
	f.problem.Wrapping = fyne.TextWrapWord
	f.problem.Importance = widget.DangerImportance
	f.problem.Hide()
	f.ok = widget.NewButton(okText, submit)
	f.ok.Importance = widget.HighImportance
	f.close = widget.NewButton(w.t("ui.appts.close"), f.hide)
	buttons := container.NewHBox(layout.NewSpacer(), f.close, f.ok)
	f.dlg = dialog.NewCustomWithoutButtons(title, container.NewVBox(fields, f.problem, buttons), w.win)
	f.dlg.Resize(fyne.NewSize(520, 0))
	f.v.form = f
	f.dlg.Show()
}

func (f *apptForm) hide() {
	f.dlg.Hide()
	if f.v.form == f {
		f.v.form = nil
	}
}

func (f *apptForm) fail(text string) {
	f.problem.SetText(text)
	f.problem.Show()
}

// dayAndTime is the form's date-time picker, at a start.
func (f *apptForm) dayAndTime(at time.Time) []*widget.FormItem {
	f.dateTimePicker = newDateTimePicker(f.v.w, at)
	return f.items()
}

// start reads the picker: the day and the time on the shop's clock.
func (f *apptForm) start() (time.Time, string) { return f.value() }

// openNew opens the form of a new appointment, on the day shown (today
// when that day is gone) at the next full hour.
func (v *appointmentsView) openNew() {
	w := v.w
	f := &apptForm{v: v}
	now := w.now().In(w.opts.Location)
	at := time.Date(now.Year(), now.Month(), now.Day(), now.Hour()+1, 0, 0, 0, w.opts.Location)
	if from, _ := v.span(); from.After(now) {
		at = time.Date(from.Year(), from.Month(), from.Day(), 10, 0, 0, 0, w.opts.Location) // a day ahead: its morning
	}
	f.email = widget.NewEntry()
	f.email.SetPlaceHolder("ana@example.com")
	f.name = widget.NewEntry()
	f.phone = widget.NewEntry()
	f.service = widget.NewEntry()
	f.staff = widget.NewEntry()
	var labels []string
	for _, d := range apptLengths {
		labels = append(labels, lengthLabel(d))
	}
	f.length = widget.NewSelect(labels, nil)
	f.length.SetSelected(lengthLabel(time.Hour))
	items := []*widget.FormItem{
		widget.NewFormItem(w.t("ui.appts.email"), f.email),
		widget.NewFormItem(w.t("ui.appts.name"), f.name),
		widget.NewFormItem(w.t("ui.appts.phone"), f.phone),
		widget.NewFormItem(w.t("ui.appts.service"), f.service),
		widget.NewFormItem(w.t("ui.appts.staff"), f.staff),
	}
	items = append(items, f.dayAndTime(at)...)
	items = append(items, widget.NewFormItem(w.t("ui.appts.length"), f.length))
	f.show(w.t("ui.appts.newTitle"), widget.NewForm(items...), w.t("ui.appts.book"), f.create)
}

func (f *apptForm) create() {
	w := f.v.w
	start, problem := f.start()
	if problem != "" {
		f.fail(problem)
		return
	}
	var length time.Duration
	for _, d := range apptLengths {
		if lengthLabel(d) == f.length.Selected {
			length = d
		}
	}
	a := orders.NewAppointment{Email: f.email.Text, Name: f.name.Text, Phone: f.phone.Text, Service: f.service.Text,
		Staff: f.staff.Text, Start: start, Duration: length, Zone: w.opts.Location}
	var planned reminders.Planned
	changes, err := orders.CreateAppointment(context.Background(), w.db, a, w.now(), f.v.plan(&planned))
	if err != nil {
		f.fail(f.v.problem(err))
		return
	}
	f.hide()
	c := changes[0]
	f.v.done(c.AppointmentID, start, w.tf("ui.appts.created", map[string]any{"Name": changeName(w, c),
		"When": formatDateTime(start, w.opts.Lang)}), planned)
}

// openMove opens the picker on the selected appointment's time.
func (v *appointmentsView) openMove() {
	r, ok := v.selectedRow()
	if !ok {
		return
	}
	w := v.w
	f := &apptForm{v: v, row: r}
	what := widget.NewLabel(v.describe(r))
	what.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(f.dayAndTime(r.StartsAt)...)
	f.show(w.tf("ui.appts.moveTitle", map[string]any{"Name": displayName(r.Customer, w)}),
		container.NewVBox(what, form), w.t("ui.appts.moveButton"), f.move)
}

func (f *apptForm) move() {
	w := f.v.w
	start, problem := f.start()
	if problem != "" {
		f.fail(problem)
		return
	}
	var planned reminders.Planned
	changes, err := orders.MoveAppointment(context.Background(), w.db, f.row.ID, start, w.now(), f.v.plan(&planned))
	if err != nil {
		f.fail(f.v.problem(err))
		return
	}
	if len(changes) == 0 {
		f.fail(w.t("ui.appts.unchanged"))
		return
	}
	f.hide()
	f.v.done(f.row.ID, start, w.tf("ui.appts.moved", map[string]any{"Name": changeName(w, changes[0]),
		"When": formatDateTime(start, w.opts.Lang)}), planned)
}

// openCancel asks before calling the selected appointment off.
func (v *appointmentsView) openCancel() {
	r, ok := v.selectedRow()
	if !ok {
		return
	}
	w := v.w
	f := &apptForm{v: v, row: r}
	body := widget.NewLabel(w.tf("ui.appts.cancelBody", map[string]any{"What": v.describe(r)}))
	body.Wrapping = fyne.TextWrapWord
	f.show(w.t("ui.appts.cancelTitle"), body, w.t("ui.appts.cancelYes"), f.cancel)
	f.close.SetText(w.t("ui.appts.cancelNo"))
	f.ok.Importance = widget.DangerImportance
	f.ok.Refresh()
}

func (f *apptForm) cancel() {
	w := f.v.w
	var planned reminders.Planned
	changes, err := orders.CancelAppointment(context.Background(), w.db, f.row.ID, w.now(), f.v.plan(&planned))
	if err != nil {
		f.fail(f.v.problem(err))
		return
	}
	f.hide()
	start := f.row.StartsAt.In(w.opts.Location)
	f.v.done(f.row.ID, start, w.tf("ui.appts.cancelled", map[string]any{"Name": changeName(w, changes[0]),
		"When": formatDateTime(start, w.opts.Lang)}), planned)
}

// describe says which appointment a dialog is about: who, when, what.
func (v *appointmentsView) describe(r orders.AppointmentRow) string {
	parts := []string{displayName(r.Customer, v.w), formatDateTime(r.StartsAt.In(v.w.opts.Location), v.w.opts.Lang)}
	for _, s := range []string{r.Service, r.Staff} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " · ")
}

// changeName is the customer an action was about, by name, else address.
func changeName(w *Window, c orders.AppointmentChange) string {
	return displayName(orders.Customer{Name: c.CustomerName, Email: c.CustomerEmail}, w)
}

// plan is the actions' within: the automated emails of the change, planned
// in the action's own transaction on the window's clock, as an import
// plans its own.
func (v *appointmentsView) plan(out *reminders.Planned) orders.WithinAppointment {
	return func(ctx context.Context, tx *sql.Tx, changes []orders.AppointmentChange) (err error) {
		*out, err = (&reminders.Planner{DB: v.w.db, Now: v.w.now}).AppointmentsIn(ctx, tx, changes)
		return err
	}
}

// done shows what an action did: the range holding the appointment, with
// it selected, and the emails planned, in the import report's words.
func (v *appointmentsView) done(id int64, start time.Time, said string, planned reminders.Planned) {
	w := v.w
	if w.reminders != nil {
		w.reminders.Wake()
	}
	if from, to := v.span(); start.Before(from) || !start.Before(to) {
		v.anchor = start
	}
	v.selected = id
	w.changed()
	v.reload()
	lines := []string{said}
	if n := planned.Total(); n > 0 {
		var detail []string
		for _, r := range reminders.RuleNames() {
			if c := planned.Jobs[r]; c > 0 {
				detail = append(detail, w.t(reminders.RuleKey(r))+" "+w.count(c))
			}
		}
		lines = append(lines, w.tf("cli.remindersPlanned", map[string]any{"Count": n,
			"Detail": strings.Join(detail, ", ")}))
	}
	if planned.Cancelled > 0 {
		lines = append(lines, w.tf("ui.appts.emailsCancelled", map[string]any{"Count": planned.Cancelled}))
	}
	switch {
	case planned.Off > 0:
		lines = append(lines, w.t("ui.appts.emailsOff"))
	case planned.Total() == 0 && planned.Cancelled == 0:
		lines = append(lines, w.t("ui.appts.noEmails"))
	}
	v.showResult(strings.Join(lines, "\n"), widget.MediumImportance)
}

// problem says in the owner's words why an action was refused.
func (v *appointmentsView) problem(err error) string {
	w := v.w
	var ae *orders.AppointmentError
	if !errors.As(err, &ae) {
		return w.tf("ui.error", map[string]any{"Err": err.Error()})
	}
	switch {
	case errors.Is(err, orders.ErrNoEmail):
		return w.t("ui.appts.err.noEmail")
	case errors.Is(err, orders.ErrBadEmail):
		return w.tf("ui.appts.err.badEmail", map[string]any{"Email": ae.Value})
	case errors.Is(err, orders.ErrNoStart):
		return w.t("ui.appts.err.noDate")
	case errors.Is(err, orders.ErrPastStart):
		return w.t("ui.appts.err.past")
	case errors.Is(err, orders.ErrNoAppointment):
		return w.t("ui.appts.err.gone")
	case errors.Is(err, orders.ErrCancelled):
		return w.t("ui.appts.err.cancelled")
	}
	return w.tf("ui.error", map[string]any{"Err": err.Error()})
}
