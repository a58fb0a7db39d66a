package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mostrador/reminders"
)

// templateEditor is the open rule: when its email goes, and its wording in
// Spanish and English beside a preview for a customer the owner picks.
// What the owner types and has not saved is kept while they look at
// another rule or email (drafts), and a reload leaves it alone.
type templateEditor struct {
	v    *automationsView
	rule reminders.RuleSetting
	key  string // the template open, see reminders.TemplateKeys

	title, timing, off  *widget.Label
	timingRow           fyne.CanvasObject
	amount              *widget.Entry
	unit                *widget.Select
	after               *widget.Label
	shownAmount         string // what load put in amount: other text is the owner's
	timingHelp, reorder *widget.Label

	emailRow *fyne.Container
	email    *widget.Select
	emails   map[string]string // the select's labels: template keys

	langTabs *container.AppTabs
	langs    []*langEditor // es, en
	fields   *widget.Label
	drafts   map[[2]string][2]string // key and language: subject and body not saved

	preview *previewPane
	content fyne.CanvasObject
}

// langEditor is one language's wording of the open template.
type langEditor struct {
	lang          string
	subject, body *widget.Entry
	saved         reminders.Template // as stored, or the default
	fault, state  *widget.Label
	save, reset   *widget.Button
	loading       bool // the editor, not the owner, is setting the text
}

func (le *langEditor) dirty() bool {
	return le.subject.Text != le.saved.Subject || le.body.Text != le.saved.Body
}

func newTemplateEditor(v *automationsView) *templateEditor {
	e := &templateEditor{v: v, drafts: map[[2]string][2]string{}, emails: map[string]string{}}
	w := v.w
	e.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	e.title.SizeName = theme.SizeNameSubHeadingText
	e.title.Wrapping = fyne.TextWrapWord
	e.timing = widget.NewLabel("")
	e.timing.Wrapping = fyne.TextWrapWord
	e.off = autoCaption(w.t("auto.ruleOffNote"))
	e.off.Importance = widget.WarningImportance

	e.amount = widget.NewEntry()
	e.amount.OnSubmitted = func(string) { e.changeTiming() }
	var units []string
	for _, u := range delayUnits {
		units = append(units, w.t(u.unit))
	}
	e.unit = widget.NewSelect(units, nil)
	e.after = widget.NewLabel("")
	change := widget.NewButton(w.t("auto.changeTiming"), e.changeTiming)
	e.timingHelp = autoCaption(w.t("auto.timingHelp"))
	e.timingRow = container.NewVBox(container.NewBorder(nil, nil,
		container.NewGridWrap(fyne.NewSize(80, e.amount.MinSize().Height), e.amount), change,
		container.NewBorder(nil, nil, e.unit, nil, e.after)), e.timingHelp)
	e.reorder = autoCaption(w.t("auto.reorderNote"))

	e.email = widget.NewSelect(nil, func(label string) {
		if key, ok := e.emails[label]; ok && key != e.key {
			e.open(key)
		}
	})
	e.emailRow = container.NewBorder(nil, nil, widget.NewLabel(w.t("auto.whichEmail")), nil, e.email)

	var tabs []*container.TabItem
	for _, lang := range []string{"es", "en"} {
		le := e.newLangEditor(lang)
		e.langs = append(e.langs, le)
		tabs = append(tabs, container.NewTabItem(map[string]string{"es": "Español", "en": "English"}[lang],
			e.langContent(le)))
	}
	e.langTabs = container.NewAppTabs(tabs...)
	if w.opts.Lang == "en" {
		e.langTabs.SelectIndex(1)
	}
	e.langTabs.OnSelected = func(*container.TabItem) { e.preview.render() }
	e.fields = autoCaption("")
	e.preview = newPreviewPane(e)

	e.content = container.NewVBox(e.title, e.timing, e.off, e.timingRow, e.reorder, widget.NewSeparator(),
		e.emailRow, e.langTabs, e.fields, widget.NewSeparator(), e.preview.content)
	return e
}

func (e *templateEditor) newLangEditor(lang string) *langEditor {
	w := e.v.w
	le := &langEditor{lang: lang}
	le.subject = widget.NewEntry()
	le.body = widget.NewMultiLineEntry()
	le.body.Wrapping = fyne.TextWrapWord
	le.body.SetMinRowsVisible(12)
	changed := func(string) {
		if !le.loading {
			e.showState(le)
			if e.current() == le {
				e.preview.render()
			}
		}
	}
	le.subject.OnChanged, le.body.OnChanged = changed, changed
	le.fault = widget.NewLabel("")
	le.fault.Wrapping = fyne.TextWrapWord
	le.fault.Importance = widget.DangerImportance
	le.fault.Hide()
	le.state = widget.NewLabel("") // beside the buttons: wrapping would give it no width
	le.state.SizeName = theme.SizeNameCaptionText
	le.save = widget.NewButtonWithIcon(w.t("auto.save"), theme.DocumentSaveIcon(), func() { e.save(le) })
	le.save.Importance = widget.HighImportance
	le.reset = widget.NewButton(w.t("auto.reset"), func() { e.askReset(le) })
	return le
}

func (e *templateEditor) langContent(le *langEditor) fyne.CanvasObject {
	w := e.v.w
	form := widget.NewForm(widget.NewFormItem(w.t("auto.subject"), le.subject), widget.NewFormItem(w.t("auto.body"), le.body))
	buttons := container.NewHBox(le.save, le.reset, layout.NewSpacer())
	return container.NewVBox(form, le.fault, container.NewBorder(nil, nil, nil, le.state, buttons))
}

// current is the language tab the owner looks at.
func (e *templateEditor) current() *langEditor { return e.langs[e.langTabs.SelectedIndex()] }

// showRule opens a rule: its name and timing, and its first email's
// template when it is another rule than the open one.
func (e *templateEditor) showRule(r reminders.RuleSetting) {
	w := e.v.w
	changed := r.Rule != e.rule.Rule
	e.rule = r
	e.title.SetText(e.v.ruleName(r.Rule))
	e.timing.SetText(w.tf("auto.when", map[string]any{"Timing": e.v.timing(r)}))
	autoShow(e.off, !r.Enabled)
	autoShow(e.timingRow, reminders.TimingEditable(r.Rule))
	autoShow(e.reorder, r.Rule == reminders.Reorder)
	if k, ok := afterKeys[r.Rule]; ok {
		e.after.SetText(w.t(k))
	}
	if changed || e.amount.Text == e.shownAmount {
		n, unit := delayAmount(r.Delay)
		e.shownAmount = strconv.Itoa(n)
		e.amount.SetText(e.shownAmount)
		e.unit.SetSelectedIndex(unit)
	}
	if !changed {
		return
	}
	keys := reminders.TemplatesOf(r.Rule)
	var labels []string
	clear(e.emails)
	for _, k := range keys {
		labels = append(labels, e.v.emailName(k))
		e.emails[e.v.emailName(k)] = k
	}
	e.email.Options = labels
	autoShow(e.emailRow, len(keys) > 1)
	e.open(keys[0])
	e.email.SetSelected(labels[0])
}

// open shows a template in both languages, or the drafts the owner left
// of it.
func (e *templateEditor) open(key string) {
	e.stash()
	e.key = key
	for _, le := range e.langs {
		e.read(le, true)
	}
	var fields []string
	for _, f := range reminders.FieldsFor(key) {
		fields = append(fields, "{{"+f+"}}")
	}
	e.fields.SetText(e.v.w.tf("auto.fields", map[string]any{"Fields": strings.Join(fields, "  ")}))
	e.preview.render()
}

// load reads the open template again, unless the owner is changing it,
// and the customers to preview it for.
func (e *templateEditor) load() {
	if e.key == "" {
		return
	}
	for _, le := range e.langs {
		e.read(le, false)
	}
	e.preview.load()
}

// read fills a language's editor from the database: fresh (another
// template opened) with the draft left of it, if any; otherwise only when
// the owner has not changed it.
func (e *templateEditor) read(le *langEditor, fresh bool) {
	if !fresh && le.dirty() {
		return
	}
	t, err := reminders.LoadTemplate(context.Background(), e.v.w.db, e.key, le.lang)
	if err != nil {
		e.v.done("", err)
		return
	}
	le.saved = t
	subject, body := t.Subject, t.Body
	if d, ok := e.drafts[[2]string{e.key, le.lang}]; ok && fresh {
		subject, body = d[0], d[1]
	}
	le.loading = true
	le.subject.SetText(subject)
	le.body.SetText(body)
	le.loading = false
	le.fault.Hide()
	e.showState(le)
}

// stash keeps what the owner changed in the open template and did not save.
func (e *templateEditor) stash() {
	if e.key == "" {
		return
	}
	for _, le := range e.langs {
		k := [2]string{e.key, le.lang}
		if le.dirty() {
			e.drafts[k] = [2]string{le.subject.Text, le.body.Text}
		} else {
			delete(e.drafts, k)
		}
	}
}

// showState says whose wording this is, and whether it is saved.
func (e *templateEditor) showState(le *langEditor) {
	w := e.v.w
	switch {
	case le.dirty():
		le.state.SetText(w.t("auto.state.dirty"))
		le.save.Enable()
	case le.saved.Custom:
		le.state.SetText(w.t("auto.state.custom"))
		le.save.Disable()
	default:
		le.state.SetText(w.t("auto.state.default"))
		le.save.Disable()
	}
	if le.dirty() || le.saved.Custom {
		le.reset.Enable()
	} else {
		le.reset.Disable()
	}
}

// save stores the owner's wording; one with a fault is not stored, and the
// fault is shown with its line.
func (e *templateEditor) save(le *langEditor) {
	w := e.v.w
	t := reminders.Template{Key: e.key, Lang: le.lang, Subject: le.subject.Text, Body: le.body.Text}
	err := reminders.SaveTemplate(context.Background(), w.db, t, time.Now())
	var te *reminders.TemplateError
	if errors.As(err, &te) {
		le.fault.SetText(e.v.faultText(te))
		le.fault.Show()
		e.v.refused(w.t("auto.notSaved"))
		return
	}
	if err != nil {
		e.v.done("", err)
		return
	}
	delete(e.drafts, [2]string{e.key, le.lang})
	e.read(le, true)
	e.v.done(w.tf("auto.saved", map[string]any{"Email": e.v.emailName(e.key)}), nil)
}

// askReset goes back to Mostrador's wording once the owner confirms: their
// own is lost.
func (e *templateEditor) askReset(le *langEditor) {
	w := e.v.w
	dialog.ShowConfirm(w.t("auto.resetTitle"), w.t("auto.resetAsk"), func(ok bool) {
		if ok {
			e.reset(le)
		}
	}, w.win)
}

func (e *templateEditor) reset(le *langEditor) {
	w := e.v.w
	if err := reminders.ResetTemplate(context.Background(), w.db, e.key, le.lang); err != nil {
		e.v.done("", err)
		return
	}
	delete(e.drafts, [2]string{e.key, le.lang})
	e.read(le, true)
	e.preview.render()
	e.v.done(w.tf("auto.resetDone", map[string]any{"Email": e.v.emailName(e.key)}), nil)
}

// changeTiming sets the rule's timing to what the owner typed.
func (e *templateEditor) changeTiming() {
	w := e.v.w
	n, err := strconv.Atoi(strings.TrimSpace(e.amount.Text))
	unit := e.unit.SelectedIndex()
	if err != nil || n < 0 || unit < 0 || time.Duration(n)*delayUnits[unit].d > 365*24*time.Hour {
		e.v.refused(w.t("auto.timingBad"))
		return
	}
	d := time.Duration(n) * delayUnits[unit].d
	if err := reminders.SetDelay(context.Background(), w.db, e.rule.Rule, d, time.Now()); err != nil {
		e.v.done("", err)
		return
	}
	e.amount.SetText(e.shownAmount) // the stored timing shows once read back
	e.v.rules.load()
	e.v.done(w.tf("auto.timingSaved", map[string]any{"Rule": e.v.ruleName(e.rule.Rule),
		"Timing": e.v.timing(e.rule)}), nil)
}

// autoShow shows or hides o.
func autoShow(o fyne.CanvasObject, show bool) {
	if show {
		o.Show()
	} else {
		o.Hide()
	}
}
