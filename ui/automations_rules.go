package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mostrador/reminders"
)

// rulesPane lists the rules: each with its switch, its name in the
// owner's words and when its email goes. Selecting one opens it in the
// template editor beside the list.
type rulesPane struct {
	v        *automationsView
	list     *widget.List
	rules    []reminders.RuleSetting
	checks   map[string]*widget.Check // each rule's switch, as last drawn
	selected string                   // the rule open in the editor
	content  fyne.CanvasObject
}

func newRulesPane(v *automationsView) *rulesPane {
	p := &rulesPane{v: v, checks: map[string]*widget.Check{}}
	p.list = widget.NewList(func() int { return len(p.rules) }, newRuleRow, p.fillRow)
	p.list.OnSelected = func(id widget.ListItemID) {
		if id < len(p.rules) {
			p.selected = p.rules[id].Rule
			v.editor.showRule(p.rules[id])
		}
	}
	intro := autoCaption(v.w.t("auto.rulesIntro"))
	p.content = container.NewBorder(container.NewPadded(intro), nil, nil, nil, p.list)
	return p
}

// newRuleRow is one rule: its switch, and beside it the name above the
// timing. (fillRow reads the parts in Border's order: centre, then left.)
func newRuleRow() fyne.CanvasObject {
	name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.Truncation = fyne.TextTruncateEllipsis
	timing := widget.NewLabel("")
	timing.Truncation = fyne.TextTruncateEllipsis
	text := tightBox()
	text.Add(name)
	text.Add(timing)
	return container.NewBorder(nil, nil, widget.NewCheck("", nil), nil, text)
}

func (p *rulesPane) fillRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(p.rules) {
		return
	}
	r := p.rules[id]
	row := o.(*fyne.Container)
	text, check := row.Objects[0].(*fyne.Container), row.Objects[1].(*widget.Check)
	text.Objects[0].(*widget.Label).SetText(p.v.ruleName(r.Rule))
	timing := text.Objects[1].(*widget.Label)
	if r.Enabled {
		timing.SetText(capitalized(p.v.timing(r)))
		timing.Importance = widget.MediumImportance
	} else {
		timing.SetText(p.v.w.t("auto.ruleOff"))
		timing.Importance = widget.LowImportance
	}
	timing.Refresh()
	// A recycled row's switch must not switch its former rule.
	check.OnChanged = nil
	check.SetChecked(r.Enabled)
	rule := r.Rule
	check.OnChanged = func(on bool) { p.enable(rule, on) }
	for k, c := range p.checks {
		if c == check {
			delete(p.checks, k)
		}
	}
	p.checks[rule] = check
}

// enable switches a rule on or off, as the owner tapped its switch.
func (p *rulesPane) enable(rule string, on bool) {
	err := reminders.Enable(context.Background(), p.v.w.db, []string{rule}, on, time.Now())
	key := "auto.ruleSwitchedOff"
	if on {
		key = "auto.ruleSwitchedOn"
		p.v.wake() // an anniversary greeting is planned when its rule goes on
	}
	p.v.done(p.v.w.tf(key, map[string]any{"Rule": p.v.ruleName(rule)}), err)
	p.load()
}

// load reads the rules again and keeps the open one selected (the first
// at the start).
func (p *rulesPane) load() {
	rules, err := reminders.Rules(context.Background(), p.v.w.db)
	if err != nil {
		p.v.done("", err)
		return
	}
	p.rules = rules
	p.list.Refresh()
	sel := 0
	for i, r := range rules {
		if r.Rule == p.selected {
			sel = i
		}
	}
	if len(rules) == 0 {
		return
	}
	p.selected = rules[sel].Rule
	p.list.Select(sel)
	if p.list.Size().Height == 0 {
		// Not laid out yet: Select scrolled as if the list were zero high,
		// which would hide the rows above the selected one.
		p.list.ScrollToOffset(0)
	}
	p.v.editor.showRule(rules[sel]) // Select says nothing when it was selected already
}
