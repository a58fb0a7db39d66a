package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// dateTimePicker is a moment on the shop's clock as the owner gives it: a
// day, typed or picked on a calendar, with the day in words under it (so
// that 03/04 is not misread), and a time, picked or typed (10, 10:30, 9.30).
type dateTimePicker struct {
	w       *Window
	day     *widget.DateEntry
	dayText *widget.Label
	clock   *widget.SelectEntry
}

func newDateTimePicker(w *Window, at time.Time) *dateTimePicker {
	p := &dateTimePicker{w: w, dayText: widget.NewLabel("")}
	p.day = widget.NewDateEntry()
	p.day.OnChanged = func(d *time.Time) { p.sayDay(d) }
	local := at.In(w.opts.Location)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, w.opts.Location)
	p.day.SetDate(&day)
	p.sayDay(&day)
	var times []string
	for m := 7 * 60; m <= 21*60; m += 30 {
		times = append(times, time.Date(2000, 1, 1, m/60, m%60, 0, 0, time.UTC).Format("15:04"))
	}
	p.clock = widget.NewSelectEntry(times)
	p.clock.SetPlaceHolder("10:30")
	p.clock.SetText(local.Format("15:04"))
	return p
}

// items are the picker's rows of a form.
func (p *dateTimePicker) items() []*widget.FormItem {
	return []*widget.FormItem{
		widget.NewFormItem(p.w.t("ui.appts.date"), container.NewVBox(p.day, p.dayText)),
		widget.NewFormItem(p.w.t("ui.appts.time"), p.clock),
	}
}

func (p *dateTimePicker) sayDay(d *time.Time) {
	if d == nil {
		p.dayText.SetText("")
		return
	}
	thisYear := p.w.now().In(p.w.opts.Location).Year()
	p.dayText.SetText(longDay(*d, p.w.opts.Lang, d.Year() != thisYear))
}

// value reads the picker: the day and the time on the shop's clock, or
// what is wrong, in the owner's words, when they do not make a time.
func (p *dateTimePicker) value() (time.Time, string) {
	w := p.w
	text := strings.TrimSpace(p.day.Text)
	if text == "" || p.day.Date == nil {
		return time.Time{}, w.t("ui.appts.err.noDate")
	}
	// A date typed wrong leaves the entry's Date at the last good one.
	if p.day.Validator != nil && p.day.Validator(p.day.Text) != nil {
		return time.Time{}, w.tf("ui.appts.err.badDate", map[string]any{"Date": text})
	}
	hour, minute, ok := parseClock(p.clock.Text)
	if !ok {
		return time.Time{}, w.tf("ui.appts.err.badTime", map[string]any{"Time": strings.TrimSpace(p.clock.Text)})
	}
	y, m, d := p.day.Date.Date()
	t := time.Date(y, m, d, hour, minute, 0, 0, w.opts.Location)
	if t.Hour() != hour || t.Minute() != minute {
		// The hour the clocks skip in spring: 02:30 becomes 03:30.
		return time.Time{}, w.tf("ui.appts.err.noSuchTime", map[string]any{"Time": strings.TrimSpace(p.clock.Text)})
	}
	return t, ""
}

// pickMoment asks for a day and a time in a dialog, and hands it to done
// once it makes a moment still to come.
func (w *Window) pickMoment(title, okText string, at time.Time, done func(time.Time)) {
	p := newDateTimePicker(w, at)
	problem := widget.NewLabel("")
	problem.Wrapping = fyne.TextWrapWord
	problem.Importance = widget.DangerImportance
	problem.Hide()
	form := widget.NewForm(p.items()...)
	var dlg dialog.Dialog
	ok := widget.NewButton(okText, func() {
		t, bad := p.value()
		if bad == "" && !t.After(w.now()) {
			bad = w.t("ui.appts.err.past")
		}
		if bad != "" {
			problem.SetText(bad)
			problem.Show()
			return
		}
		dlg.Hide()
		done(t)
	})
	ok.Importance = widget.HighImportance
	cancel := widget.NewButton(w.t("ui.import.cancel"), func() { dlg.Hide() })
	body := container.NewVBox(form, problem, container.NewHBox(layout.NewSpacer(), cancel, ok))
	dlg = dialog.NewCustomWithoutButtons(title, body, w.win)
	dlg.Resize(fyne.NewSize(460, 0))
	dlg.Show()
}
