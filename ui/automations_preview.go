package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mostrador/internal/settings"
	"mostrador/orders"
	"mostrador/reminders"
)

// pickLimit is how many customers the preview's picker offers at a time;
// typing finds the others.
const pickLimit = 30

// previewPane shows the open template, as it stands in the editor, the
// way a customer the owner picks would read it.
type previewPane struct {
	e        *templateEditor
	picker   *widget.SelectEntry
	picks    map[string]int64 // the picker's options: customer ids
	customer int64            // 0: sample data
	sample   *widget.Label
	noName   *widget.Label // the shop has no name, and the email says so
	subject  *widget.Label
	body     *widget.Label
	fault    *widget.Label
	content  fyne.CanvasObject
}

func newPreviewPane(e *templateEditor) *previewPane {
	w := e.v.w
	p := &previewPane{e: e, picks: map[string]int64{}}
	p.picker = widget.NewSelectEntry(nil)
	p.picker.SetPlaceHolder(w.t("auto.pickCustomer"))
	p.picker.OnChanged = p.pick
	p.sample = autoCaption(w.t("auto.previewSample"))
	p.noName = autoCaption(w.t("auto.noShopName"))
	p.noName.Importance = widget.WarningImportance
	p.subject = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.subject.Wrapping = fyne.TextWrapWord
	p.subject.Selectable = true
	p.body = widget.NewLabel("")
	p.body.Wrapping = fyne.TextWrapWord
	p.body.Selectable = true
	p.fault = widget.NewLabel("")
	p.fault.Wrapping = fyne.TextWrapWord
	p.fault.Importance = widget.DangerImportance
	p.fault.Hide()
	title := widget.NewLabelWithStyle(w.t("auto.preview"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.content = container.NewVBox(container.NewBorder(nil, nil, title, nil, p.picker),
		autoCaption(w.t("auto.previewHelp")), p.sample, p.noName,
		widget.NewCard("", "", container.NewVBox(p.subject, widget.NewSeparator(), p.body, p.fault)))
	return p
}

// label is how the picker names a customer: "Martina Gómez <martina@…>".
func pickLabel(r orders.CustomerRow) string {
	switch {
	case r.Name != "" && r.Email != "":
		return r.Name + " <" + r.Email + ">"
	case r.Email != "":
		return r.Email
	}
	return r.Name
}

// offer puts customers in the picker's list.
func (p *previewPane) offer(rows []orders.CustomerRow) {
	clear(p.picks)
	var labels []string
	for _, r := range rows {
		l := pickLabel(r)
		if _, dup := p.picks[l]; !dup {
			labels = append(labels, l)
		}
		p.picks[l] = r.ID
	}
	p.picker.SetOptions(labels)
}

// load offers the latest customers; at first the latest of them is
// picked, so that the preview reads like a real email at once.
func (p *previewPane) load() {
	if p.customer != 0 || p.picker.Text != "" {
		p.render()
		return
	}
	rows, err := orders.ListCustomers(context.Background(), p.e.v.w.db, "", pickLimit)
	if err != nil {
		p.e.v.done("", err)
		return
	}
	p.offer(rows)
	if len(rows) > 0 {
		p.picker.SetText(pickLabel(rows[0])) // picks it (OnChanged)
	}
	p.render()
}

// pick finds the customer the owner chose or is typing (a name or an
// email); nobody matching previews with sample data.
func (p *previewPane) pick(text string) {
	if id, ok := p.picks[text]; ok {
		p.customer = id
		p.render()
		return
	}
	p.customer = 0
	q := strings.TrimSpace(text)
	if i, j := strings.LastIndex(q, "<"), strings.LastIndex(q, ">"); i >= 0 && j > i {
		q = q[i+1 : j] // "Name <email>", as the picker writes a customer
	}
	if q != "" {
		rows, err := orders.ListCustomers(context.Background(), p.e.v.w.db, q, pickLimit)
		if err != nil {
			p.e.v.done("", err)
			return
		}
		p.offer(rows)
		if len(rows) > 0 {
			p.customer = rows[0].ID
		}
	}
	p.render()
}

// render shows the open template as the picked customer would read it,
// or what keeps it from being written.
func (p *previewPane) render() {
	e := p.e
	if e.key == "" {
		return
	}
	le := e.current()
	t := reminders.Template{Key: e.key, Lang: le.lang, Subject: le.subject.Text, Body: le.body.Text}
	subject, body, err := reminders.Preview(context.Background(), e.v.w.db, t, p.customer, time.Now())
	autoShow(p.sample, p.customer == 0)
	shopName, nameErr := settings.Get(context.Background(), e.v.w.db, settings.ShopName)
	autoShow(p.noName, nameErr == nil && strings.TrimSpace(shopName.Value) == "")
	var te *reminders.TemplateError
	switch {
	case errors.As(err, &te):
		p.fault.SetText(e.v.faultText(te))
	case err != nil:
		p.fault.SetText(e.v.w.tf("ui.error", map[string]any{"Err": err.Error()}))
	default:
		p.subject.SetText(subject)
		p.body.SetText(strings.TrimRight(body, "\n"))
		p.fault.Hide()
		return
	}
	p.subject.SetText("")
	p.body.SetText("")
	p.fault.Show()
}
