package ui

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mostrador/orders"
	"mostrador/reminders"
)

// The Orders room's actions: mark an order shipped (carrier, tracking
// number, optional link) or delivered. Each plans the delivery emails in
// the change's own transaction, as an import does, and says how many.

// shipForm is the open "mark shipped" dialog.
type shipForm struct {
	carrier, tracking, link *widget.Entry
	problem                 *widget.Label // why the form was refused
	confirm                 *widget.Button
	dialog                  dialog.Dialog
}

func (f *shipForm) refuse(msg string) {
	f.problem.SetText(msg)
	f.problem.Show()
	f.dialog.Resize(fyne.NewSize(shipFormWidth, 0)) // grown by the message: laid out again
}

// shipFormWidth is the form's width; its height is what it needs.
const shipFormWidth = 480

// askShipped opens the form for the shown order, filled with what is known
// (an order on its way gets its tracking number corrected here).
func (v *ordersView) askShipped() {
	d := v.shown
	if d == nil {
		return
	}
	w := v.w
	f := &shipForm{carrier: widget.NewEntry(), tracking: widget.NewEntry(), link: widget.NewEntry()}
	f.carrier.SetText(d.Carrier)
	f.carrier.SetPlaceHolder(w.t("ui.orders.carrierHint"))
	f.tracking.SetText(d.Tracking)
	f.link.SetText(d.TrackingURL)
	f.link.SetPlaceHolder("https://…")
	f.problem = widget.NewLabel("")
	f.problem.Wrapping = fyne.TextWrapWord
	f.problem.Importance = widget.DangerImportance
	f.problem.Hide()
	linkItem := widget.NewFormItem(w.t("ui.orders.link"), f.link)
	linkItem.HintText = w.t("ui.orders.linkHint")
	form := widget.NewForm(
		widget.NewFormItem(w.t("ui.orders.carrier"), f.carrier),
		widget.NewFormItem(w.t("ui.orders.tracking"), f.tracking),
		linkItem,
	)
	intro := widget.NewLabel(w.tf("ui.orders.shipIntro", map[string]any{"Number": d.Number,
		"Name": displayName(d.Customer, w)}))
	intro.Wrapping = fyne.TextWrapWord
	title := v.shipText(d)
	f.confirm = widget.NewButtonWithIcon(title, theme.MailSendIcon(), func() { v.submitShipped(f, d) })
	f.confirm.Importance = widget.HighImportance
	cancel := widget.NewButton(w.t("ui.orders.cancel"), func() { f.dialog.Hide() })
	f.tracking.OnSubmitted = func(string) { v.submitShipped(f, d) }
	body := container.NewVBox(intro, form, f.problem, container.NewHBox(layout.NewSpacer(), cancel, f.confirm))
	f.dialog = dialog.NewCustomWithoutButtons(title, body, w.win)
	f.dialog.SetOnClosed(func() {
		if v.shipForm == f {
			v.shipForm = nil
		}
	})
	f.dialog.Resize(fyne.NewSize(shipFormWidth, 0))
	v.shipForm = f
	f.dialog.Show()
	if d.Carrier == "" {
		w.win.Canvas().Focus(f.carrier)
	} else {
		w.win.Canvas().Focus(f.tracking)
	}
}

// submitShipped checks the form, then marks the order shipped; the dialog
// closes once it is done, or says why not.
func (v *ordersView) submitShipped(f *shipForm, d *orders.OrderDetail) {
	if f.confirm.Disabled() {
		return // already on its way: Enter pressed twice
	}
	tracking := strings.TrimSpace(f.tracking.Text)
	if tracking == "" {
		f.refuse(v.w.t("ui.orders.trackingRequired"))
		v.w.win.Canvas().Focus(f.tracking)
		return
	}
	f.problem.Hide()
	f.confirm.Disable()
	id, carrier, link := d.ID, f.carrier.Text, f.link.Text
	v.act(d.Number, "ui.orders.markedShipped",
		func(ctx context.Context, now time.Time, within orders.Within) ([]orders.Change, error) {
			return orders.MarkShipped(ctx, v.w.db, id, carrier, tracking, link, now, within)
		},
		func(err error) {
			if err != nil {
				f.confirm.Enable()
				f.refuse(v.actionError(err))
				return
			}
			f.dialog.Hide()
		})
}

// askDelivered asks before marking the shown order delivered: the customer
// may be sent an email about it.
func (v *ordersView) askDelivered() {
	d := v.shown
	if d == nil {
		return
	}
	w := v.w
	ask := dialog.NewConfirm(w.t("ui.orders.markDelivered"),
		w.tf("ui.orders.deliverAsk", map[string]any{"Number": d.Number, "Name": displayName(d.Customer, w)}),
		func(ok bool) {
			if !ok {
				return
			}
			id := d.ID
			v.act(d.Number, "ui.orders.markedDelivered",
				func(ctx context.Context, now time.Time, within orders.Within) ([]orders.Change, error) {
					return orders.MarkDelivered(ctx, w.db, id, now, within)
				},
				func(err error) {
					if err != nil {
						v.say(v.actionError(err), widget.DangerImportance)
					}
				})
		}, w.win)
	ask.SetConfirmText(w.t("ui.orders.markDelivered"))
	ask.SetDismissText(w.t("ui.orders.cancel"))
	ask.Show()
}

// act runs a change to one order off the UI goroutine (an import may hold
// the database for a moment), with the automated emails it plans in the
// same transaction, then on the UI goroutine calls after and says what was
// done and how many emails were planned.
func (v *ordersView) act(number, doneKey string,
	mark func(ctx context.Context, now time.Time, within orders.Within) ([]orders.Change, error), after func(error)) {
	w := v.w
	now := w.now()
	v.busy.Add(1)
	go func() {
		var planned reminders.Planned
		changes, err := mark(context.Background(), now, func(ctx context.Context, tx *sql.Tx, changes []orders.Change) (err error) {
			planner := &reminders.Planner{DB: w.db, Now: func() time.Time { return now }}
			planned, err = planner.OrdersIn(ctx, tx, changes)
			return err
		})
		if err == nil && len(changes) > 0 && w.reminders != nil {
			w.reminders.Wake()
		}
		fyne.Do(func() {
			defer v.busy.Done()
			after(err)
			if err != nil {
				return
			}
			v.say(v.doneText(number, doneKey, changes, planned), widget.SuccessImportance)
			w.changed()
			v.reload()
		})
	}()
}

// doneText says what an action did: the order marked, and the automated
// emails planned by rule (as the import report says them), or why none.
func (v *ordersView) doneText(number, doneKey string, changes []orders.Change, planned reminders.Planned) string {
	w := v.w
	if len(changes) == 0 {
		return w.tf("ui.orders.unchanged", map[string]any{"Number": number})
	}
	if doneKey == "ui.orders.markedShipped" && !slices.ContainsFunc(changes, func(c orders.Change) bool { return c.Kind == "shipped" }) {
		doneKey = "ui.orders.trackingSaved" // it had left already: its number was given or corrected
	}
	done := w.tf(doneKey, map[string]any{"Number": number})
	var emails string
	switch n := planned.Total(); {
	case n > 0:
		var detail []string
		for _, r := range reminders.RuleNames() {
			if c := planned.Jobs[r]; c > 0 {
				detail = append(detail, w.t(reminders.RuleKey(r))+" "+w.count(c))
			}
		}
		emails = w.tf("cli.remindersPlanned", map[string]any{"Count": n, "Detail": strings.Join(detail, ", ")})
	case planned.NoEmail > 0:
		emails = w.t("ui.orders.noEmailsNoAddress")
	case planned.Off > 0:
		emails = w.t("ui.orders.noEmailsOff")
	default:
		emails = w.t("ui.orders.noEmails")
	}
	return done + "\n" + emails
}

// say shows a notice above the table until the next action, search or
// filter.
func (v *ordersView) say(text string, imp widget.Importance) {
	v.notice.Text, v.notice.Importance = text, imp
	v.notice.Show()
	v.content.Refresh() // laid out again: the notice pushes the table down
}

// actionError words why an order could not be changed.
func (v *ordersView) actionError(err error) string {
	w := v.w
	switch {
	case errors.Is(err, orders.ErrNoTracking):
		return w.t("ui.orders.trackingRequired")
	case errors.Is(err, orders.ErrTrackingURL):
		return w.t("ui.orders.badLink")
	case errors.Is(err, orders.ErrOrderClosed):
		return w.t("ui.orders.closed")
	}
	return w.tf("ui.error", map[string]any{"Err": err.Error()})
}
