package ui

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mostrador/inbox"
	"mostrador/reminders"
)

// The Automations screen: the rules with their switches, timing and
// templates (Spanish and English) beside a preview for a customer the
// owner picks; the automated emails planned, sent, and those that need a
// look; and how they are sent (quiet hours, pace, the limit per customer,
// test mode). Every change goes through package reminders or settings.
// Its parts live in automations_rules.go, automations_editor.go,
// automations_outbox.go and automations_sending.go.

// attentionWindow is how long a failed or skipped email counts in the
// screen's badge (reminders.NeedsAttention); an uncertain one counts until
// the owner decides.
const attentionWindow = 7 * 24 * time.Hour

// automationsView is the Automations screen.
type automationsView struct {
	w       *Window
	content fyne.CanvasObject
	tabs    *container.AppTabs // rules, emails, sending
	// banner says what keeps emails from customers: test mode, no mailbox.
	banner *widget.Label
	status *widget.Label // what the last action did

	rules   *rulesPane
	editor  *templateEditor
	outbox  *outboxPane
	sending *sendingPane
}

// newAutomationsView builds the screen and reads it from the database.
func newAutomationsView(w *Window) *automationsView {
	v := &automationsView{w: w}
	v.banner = widget.NewLabel("")
	v.banner.Wrapping = fyne.TextWrapWord
	v.banner.Importance = widget.WarningImportance
	v.banner.Hide()
	v.status = widget.NewLabel("")
	v.status.Wrapping = fyne.TextWrapWord
	v.editor = newTemplateEditor(v)
	v.rules = newRulesPane(v)
	v.outbox = newOutboxPane(v)
	v.sending = newSendingPane(v)
	split := container.NewHSplit(v.rules.content, container.NewVScroll(container.NewPadded(v.editor.content)))
	split.Offset = 0.32
	v.tabs = container.NewAppTabs(
		container.NewTabItem(w.t("auto.tab.rules"), split),
		container.NewTabItem(w.t("auto.tab.emails"), v.outbox.content),
		container.NewTabItem(w.t("auto.tab.sending"), v.sending.content),
	)
	v.content = container.NewBorder(v.banner, v.status, nil, nil, v.tabs)
	v.reload()
	return v
}

// reload reads everything again from the database: the rules, the
// selected rule's templates (unless the owner is editing them), the
// emails and the sending settings. Call it on the UI goroutine.
func (v *automationsView) reload() {
	v.rules.load()
	v.editor.load()
	v.outbox.load()
	v.sending.load()
	v.showBanner()
}

// attention is how many automated emails need the owner's look: every
// uncertain one, and those that failed or were skipped this last week.
func (v *automationsView) attention() int {
	n, err := reminders.NeedsAttention(context.Background(), v.w.db, time.Now().Add(-attentionWindow))
	if err != nil {
		return 0
	}
	return n
}

// showBanner warns when no email reaches customers: test mode sends them
// to the shop, and without a mailbox nothing goes at all.
func (v *automationsView) showBanner() {
	_, err := inbox.LoadAccount(context.Background(), v.w.db)
	switch {
	case v.sending.testMode.Checked:
		v.banner.SetText(v.w.t("auto.banner.testMode"))
	case errors.Is(err, inbox.ErrNoAccount):
		v.banner.SetText(v.w.t("auto.banner.noAccount"))
	default:
		v.banner.Hide()
		return
	}
	v.banner.Show()
}

// done says what an action did, or why it failed.
func (v *automationsView) done(text string, err error) {
	if err != nil {
		v.status.Importance = widget.DangerImportance
		v.status.SetText(v.w.tf("ui.error", map[string]any{"Err": err.Error()}))
		return
	}
	v.status.Importance = widget.MediumImportance
	v.status.SetText(text)
}

// refused says that something the owner wrote was not taken, and why.
func (v *automationsView) refused(text string) {
	v.status.Importance = widget.DangerImportance
	v.status.SetText(text)
}

// wake has the scheduler look at its jobs now, after a change that
// affects what goes (a rule switched on, an email sent now).
func (v *automationsView) wake() {
	if v.w.reminders != nil {
		v.w.reminders.Wake()
	}
}
