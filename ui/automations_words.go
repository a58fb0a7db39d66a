package ui

import (
	"errors"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mostrador/inbox"
	"mostrador/internal/shop"
	"mostrador/reminders"
)

// How the Automations screen names rules, emails, timings, faults and jobs
// in the owner's words. The keys are written out (not put together) so
// that the translation tests find each one.

// ruleKeys name each rule as what it does for the shop.
var ruleKeys = map[string]string{
	reminders.ThankYou:    "auto.rule.thankYou",
	reminders.Delivery:    "auto.rule.delivery",
	reminders.FollowUp:    "auto.rule.followUp",
	reminders.Reorder:     "auto.rule.reorder",
	reminders.Appointment: "auto.rule.appointment",
	reminders.Birthday:    "auto.rule.birthday",
}

// emailKeys name each template's email (reminders.TemplateKeys).
var emailKeys = map[string]string{
	reminders.ThankYou:                                   "auto.email.thankYou",
	reminders.Delivery + "-shipped":                      "auto.email.shipped",
	reminders.Delivery + "-delivered":                    "auto.email.delivered",
	reminders.FollowUp:                                   "auto.email.followUp",
	reminders.Reorder:                                    "auto.email.reorder",
	reminders.Appointment + "-confirm":                   "auto.email.confirm",
	reminders.Appointment + "-update":                    "auto.email.update",
	reminders.Appointment + "-cancel":                    "auto.email.cancel",
	reminders.Appointment + "-" + reminders.StepRemind24: "auto.email.remind24h",
	reminders.Appointment + "-" + reminders.StepRemind2:  "auto.email.remind2h",
	reminders.Birthday:                                   "auto.email.birthday",
}

// timingKeys say when a rule's email goes, with its delay; afterKeys are
// the same words after the delay the owner types.
var (
	timingKeys = map[string]string{
		reminders.ThankYou:    "auto.timing.thankYou",
		reminders.Delivery:    "auto.timing.delivery",
		reminders.FollowUp:    "auto.timing.followUp",
		reminders.Reorder:     "auto.timing.reorder",
		reminders.Appointment: "auto.timing.appointment",
		reminders.Birthday:    "auto.timing.birthday",
	}
	afterKeys = map[string]string{
		reminders.ThankYou: "auto.after.thankYou",
		reminders.Delivery: "auto.after.delivery",
		reminders.FollowUp: "auto.after.followUp",
		reminders.Reorder:  "auto.after.reorder",
	}
)

func (v *automationsView) ruleName(rule string) string {
	if k, ok := ruleKeys[rule]; ok {
		return v.w.t(k)
	}
	return rule
}

func (v *automationsView) emailName(key string) string {
	if k, ok := emailKeys[key]; ok {
		return v.w.t(k)
	}
	return key
}

// timing says when a rule's email goes, to follow other words: "1 hora
// después del pedido", "en cuanto el pedido sale y cuando llega".
func (v *automationsView) timing(r reminders.RuleSetting) string {
	if r.Rule == reminders.Delivery && r.Delay == 0 {
		return v.w.t("auto.timing.deliveryAtOnce")
	}
	return v.w.tf(timingKeys[r.Rule], map[string]any{"Delay": v.delay(r.Delay)})
}

// capitalized writes text as the start of a line.
func capitalized(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// Units of a rule's timing, largest first: the unit's name in the timing
// editor, and an amount of it.
var delayUnits = []struct {
	d            time.Duration
	unit, amount string
}{
	{24 * time.Hour, "auto.unit.days", "auto.delay.days"},
	{time.Hour, "auto.unit.hours", "auto.delay.hours"},
	{time.Minute, "auto.unit.minutes", "auto.delay.minutes"},
}

// delayAmount writes a delay in its largest whole unit (an index of
// delayUnits): 3 days, 36 hours.
func delayAmount(d time.Duration) (n int, unit int) {
	for i, u := range delayUnits {
		if d%u.d == 0 {
			return int(d / u.d), i
		}
	}
	return int(d / time.Minute), len(delayUnits) - 1
}

// delay writes a delay as the owner says it: "3 días", "1 hora".
func (v *automationsView) delay(d time.Duration) string {
	n, unit := delayAmount(d)
	return v.w.tf(delayUnits[unit].amount, map[string]any{"Count": v.w.count(n)})
}

// faultText says what is wrong with a template the owner wrote, where.
func (v *automationsView) faultText(te *reminders.TemplateError) string {
	where := v.w.t("auto.where.body")
	switch {
	case te.Part == "subject":
		where = v.w.t("auto.where.subject")
	case te.Line > 0:
		where = v.w.tf("auto.where.line", map[string]any{"Line": te.Line})
	}
	kind, field := te.Fault()
	data := map[string]any{"Where": where, "Field": "{{" + field + "}}", "Problem": te.Detail(),
		"If": "{{if}}", "Range": "{{range}}", "With": "{{with}}", "End": "{{end}}"}
	key := map[string]string{
		reminders.FaultUnknownField: "auto.fault.unknownField",
		reminders.FaultNotForRule:   "auto.fault.notForRule",
		reminders.FaultNoEnd:        "auto.fault.noEnd",
		reminders.FaultEmpty:        "auto.fault.empty",
		reminders.FaultTwoLines:     "auto.fault.twoLines",
	}[kind]
	if key == "" {
		key = "auto.fault.syntax"
	}
	return v.w.tf(key, data)
}

// when writes a time in the shop's zone and the window's language.
func (v *automationsView) when(t time.Time) string {
	return formatDateTime(t.In(v.w.opts.Location), v.w.opts.Lang)
}

// jobWho is the customer an email goes to: the name, else the address.
func jobWho(j reminders.Job) string {
	if j.Name != "" {
		return j.Name
	}
	return j.Customer
}

// jobWhat names an email: "Pedido en camino", "Recordatorio de reposición:
// Jabón de lavanda".
func (v *automationsView) jobWhat(j reminders.Job) string {
	name := v.emailName(reminders.TemplateKeyOf(j.Rule, j.Step))
	if j.Rule == reminders.Reorder && j.Step != "" {
		name = v.w.tf("auto.email.reorderOf", map[string]any{"Email": name, "Product": j.Step})
	}
	return name
}

// jobLine says where an email stands, and why when it did not go.
func (v *automationsView) jobLine(j reminders.Job, acct *inbox.Account) string {
	switch j.State {
	case "planned":
		switch {
		case j.Reason != "": // postponed
			return v.w.tf("auto.line.postponed", map[string]any{"When": v.when(j.Due), "Why": v.w.t(j.Reason)})
		case j.Due.Before(time.Now().Add(-time.Minute)): // no mailbox, or Mostrador was closed
			return v.w.tf("auto.line.overdue", map[string]any{"When": v.when(j.Due)})
		}
		return v.w.tf("auto.line.planned", map[string]any{"When": v.when(j.Due)})
	case "queued", "sending":
		return v.w.t("auto.line.queued")
	case "sent":
		at := j.Due
		if j.SentAt != nil {
			at = *j.SentAt
		}
		return v.w.tf("auto.line.sent", map[string]any{"When": v.when(at)})
	case "skipped":
		return v.w.tf("auto.line.skipped", map[string]any{"When": v.when(j.Due), "Why": v.w.t(j.Reason)})
	case "failed":
		return v.w.tf("auto.line.failed", map[string]any{"When": v.when(j.Due), "Why": v.sendProblem(j, acct)})
	case "uncertain":
		return v.w.tf("auto.line.uncertain", map[string]any{"When": v.when(j.Due)})
	case "expired":
		return v.w.tf("auto.line.expired", map[string]any{"When": v.when(j.Due)})
	}
	return j.State
}

// sendProblem says why the mail server did not take an email, as the
// command line does (internal/cli, sendProblem).
func (v *automationsView) sendProblem(j reminders.Job, acct *inbox.Account) string {
	if j.ErrorCode == "" {
		return j.Error
	}
	ep := inbox.Endpoint{Proto: "smtp"}
	if acct != nil {
		ep = acct.SMTP
	}
	words := shop.ConnWords(v.w.opts.Lang, ep, &inbox.ConnError{Server: "smtp", Addr: ep.Addr(), Code: j.ErrorCode})
	if words == j.ErrorCode {
		return j.Error
	}
	return words
}

// actionError words what went wrong with the owner's action on an email.
func (v *automationsView) actionError(err error) string {
	switch {
	case errors.Is(err, reminders.ErrNotPlanned), errors.Is(err, inbox.ErrNotSendable), errors.Is(err, reminders.ErrNoJob):
		return v.w.t("auto.tooLate")
	case errors.Is(err, inbox.ErrNoAccount):
		return v.w.t("auto.banner.noAccount")
	}
	return v.w.tf("ui.error", map[string]any{"Err": err.Error()})
}

// caption makes a label small and wrapping: help under a field.
func autoCaption(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = theme.SizeNameCaptionText
	return l
}
