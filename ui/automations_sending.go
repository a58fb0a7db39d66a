package ui

import (
	"context"
	"errors"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mostrador/internal/settings"
	"mostrador/reminders"
)

// sendingPane is how the automated emails go: the quiet hours, the pace,
// the limit per customer (fixed), and test mode.
type sendingPane struct {
	v           *automationsView
	quiet, rate *widget.Entry
	// shown is what load put in each entry: other text is the owner's,
	// and a reload leaves it.
	shownQuiet, shownRate string
	testMode              *widget.Check
	content               fyne.CanvasObject
}

func newSendingPane(v *automationsView) *sendingPane {
	w := v.w
	p := &sendingPane{v: v}
	p.quiet = widget.NewEntry()
	p.quiet.SetPlaceHolder("21:00-08:00")
	p.quiet.OnSubmitted = func(string) { p.save() }
	p.rate = widget.NewEntry()
	p.rate.OnSubmitted = func(string) { p.save() }
	save := widget.NewButton(w.t("auto.save"), p.save)
	save.Importance = widget.HighImportance
	p.testMode = widget.NewCheck(w.t("auto.testMode"), nil)

	gap, perWeek := reminders.FrequencyCap()
	capText := widget.NewLabel(w.tf("auto.capText", map[string]any{"Gap": v.delay(gap), "Count": perWeek}))
	capText.Wrapping = fyne.TextWrapWord

	heading := func(key string) *widget.Label {
		return widget.NewLabelWithStyle(w.t(key), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	field := func(e *widget.Entry, after string) fyne.CanvasObject {
		return container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(160, e.MinSize().Height), e), nil,
			widget.NewLabel(after))
	}
	p.content = container.NewVScroll(container.NewPadded(container.NewVBox(
		heading("auto.quietTitle"), field(p.quiet, w.t("auto.quietAfter")), autoCaption(w.t("auto.quietHelp")),
		heading("auto.rateTitle"), field(p.rate, w.t("auto.rateAfter")), autoCaption(w.t("auto.rateHelp")),
		container.NewHBox(save),
		widget.NewSeparator(),
		heading("auto.capTitle"), capText,
		widget.NewSeparator(),
		heading("auto.testTitle"), p.testMode, autoCaption(w.t("auto.testHelp")),
	)))
	return p
}

// load reads the settings again; an entry the owner is changing keeps
// their text.
func (p *sendingPane) load() {
	ctx, db := context.Background(), p.v.w.db
	quiet, err := settings.Get(ctx, db, settings.QuietHours)
	if err != nil {
		p.v.done("", err)
		return
	}
	rate, err := settings.Get(ctx, db, settings.RatePerMinute)
	if err != nil {
		p.v.done("", err)
		return
	}
	test, err := settings.Get(ctx, db, settings.TestMode)
	if err != nil {
		p.v.done("", err)
		return
	}
	q := quiet.Value
	if q == "off" {
		q = p.v.w.t("auto.quietNone") // "ninguna", "none": settings reads both as off
	}
	if p.quiet.Text == p.shownQuiet {
		p.quiet.SetText(q)
	}
	p.shownQuiet = q
	if p.rate.Text == p.shownRate {
		p.rate.SetText(rate.Value)
	}
	p.shownRate = rate.Value
	p.testMode.OnChanged = nil
	p.testMode.SetChecked(test.Value == "true")
	p.testMode.OnChanged = p.setTestMode
}

// save stores the quiet hours and the pace; a value settings refuses is
// said in the owner's words and not stored.
func (p *sendingPane) save() {
	ctx, w := context.Background(), p.v.w
	for _, s := range []struct{ key, value string }{
		{settings.QuietHours, p.quiet.Text}, {settings.RatePerMinute, p.rate.Text},
	} {
		if _, err := settings.Set(ctx, w.db, s.key, s.value); err != nil {
			var se *settings.Error
			if errors.As(err, &se) {
				p.v.refused(w.tf("auto.settingRefused", map[string]any{"Why": w.t(se.Code)}))
			} else {
				p.v.done("", err)
			}
			return
		}
	}
	p.shownQuiet, p.shownRate = "", "" // show them as stored
	p.quiet.SetText("")
	p.rate.SetText("")
	p.load()
	p.v.wake() // the quiet hours count from the next round
	p.v.done(w.t("auto.sendingSaved"), nil)
}

// setTestMode switches test mode as the owner ticked it.
func (p *sendingPane) setTestMode(on bool) {
	w := p.v.w
	_, err := settings.Set(context.Background(), w.db, settings.TestMode, strconv.FormatBool(on))
	key := "auto.testModeOff"
	if on {
		key = "auto.testModeOn"
	}
	p.v.done(w.t(key), err)
	p.v.showBanner()
	p.v.wake()
}
