package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mostrador/orders"
)

// customersView is the list of customers beside the selected one's card.
type customersView struct {
	w       *Window
	search  *widget.Entry
	list    *widget.List
	rows    []orders.CustomerRow
	card    *fyne.Container
	empty   *widget.Label
	content fyne.CanvasObject
	current int64
}

func newCustomersView(w *Window) *customersView {
	v := &customersView{w: w}
	v.search = widget.NewEntry()
	v.search.SetPlaceHolder(w.t("ui.searchCustomers"))
	v.search.OnChanged = func(string) { v.reload() }
	v.list = widget.NewList(
		func() int { return len(v.rows) },
		func() fyne.CanvasObject {
			name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			name.Truncation = fyne.TextTruncateEllipsis
			sub := widget.NewLabel("")
			sub.Truncation = fyne.TextTruncateEllipsis
			sub.Importance = widget.LowImportance
			return container.NewVBox(name, sub)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(v.rows) {
				return
			}
			r := v.rows[id]
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(displayName(r.Customer, w))
			box.Objects[1].(*widget.Label).SetText(v.subtitle(r))
		},
	)
	v.list.OnSelected = func(id widget.ListItemID) {
		if id < len(v.rows) {
			v.show(v.rows[id].ID)
		}
	}
	v.empty = widget.NewLabel(w.t("ui.noCustomers"))
	v.empty.Wrapping = fyne.TextWrapWord
	v.empty.Alignment = fyne.TextAlignCenter
	v.card = container.NewVBox()
	left := container.NewBorder(v.search, nil, nil, nil, container.NewStack(v.list, container.NewCenter(v.empty)))
	split := container.NewHSplit(left, container.NewVScroll(container.NewPadded(v.card)))
	split.Offset = 0.34
	v.content = split
	return v
}

func displayName(c orders.Customer, w *Window) string {
	switch {
	case c.Name != "":
		return c.Name
	case c.Email != "":
		return c.Email
	}
	return w.t("ui.unnamed")
}

func (v *customersView) subtitle(r orders.CustomerRow) string {
	who := r.Email
	if !r.Emailable {
		who = v.w.t("ui.noEmailShort")
	}
	return who + " · " + v.w.tf("ui.orderCount", map[string]any{"Count": r.Orders})
}

// reload reads the list again (after an import or a search).
func (v *customersView) reload() {
	rows, err := orders.ListCustomers(context.Background(), v.w.db, v.search.Text, 1000)
	if err != nil {
		v.w.status.SetText(v.w.tf("ui.error", map[string]any{"Err": err.Error()}))
		return
	}
	v.rows = rows
	v.list.UnselectAll()
	v.list.Refresh()
	if len(rows) == 0 {
		if v.search.Text != "" {
			v.empty.SetText(v.w.t("ui.noMatches"))
		} else {
			v.empty.SetText(v.w.t("ui.noCustomers"))
		}
		v.empty.Show()
	} else {
		v.empty.Hide()
	}
	v.w.status.SetText(v.w.tf("ui.customerCount", map[string]any{"Count": len(rows)}))
	if len(rows) > 0 {
		v.list.Select(0)
	} else {
		v.card.RemoveAll()
	}
}

// show fills the card of one customer.
func (v *customersView) show(id int64) {
	card, err := orders.CardByID(context.Background(), v.w.db, id)
	if err != nil {
		v.w.status.SetText(v.w.tf("ui.error", map[string]any{"Err": err.Error()}))
		return
	}
	v.current = id
	w := v.w
	v.card.RemoveAll()
	name := widget.NewLabelWithStyle(displayName(card.Customer, w), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.SizeName = theme.SizeNameSubHeadingText
	v.card.Add(name)
	if card.Customer.Emailable {
		v.card.Add(widget.NewLabel(card.Customer.Email))
	} else {
		warn := widget.NewLabelWithStyle(w.t("ui.noEmail"), fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
		warn.Importance = widget.WarningImportance
		v.card.Add(warn)
	}
	if card.Customer.Phone != "" {
		v.card.Add(widget.NewLabel(w.tf("card.phone", map[string]any{"Phone": card.Customer.Phone})))
	}
	var ltv []string
	for _, m := range card.Totals.LifetimeValue {
		ltv = append(ltv, orders.FormatMoney(m.Minor, m.Currency, w.opts.Lang))
	}
	if len(ltv) == 0 {
		ltv = []string{"—"}
	}
	v.card.Add(widget.NewLabel(w.tf("card.totals", map[string]any{"Count": card.Totals.OrderCount, "Value": strings.Join(ltv, " + ")})))
	v.card.Add(widget.NewSeparator())
	for _, o := range card.Orders {
		v.card.Add(v.orderBlock(o))
	}
	v.card.Refresh()
}

func (v *customersView) orderBlock(o orders.Order) fyne.CanvasObject {
	w := v.w
	head := o.Number
	if o.PlacedAt != nil {
		head += " · " + o.PlacedAt.In(w.opts.Location).Format(dateLayout(w.opts.Lang))
	}
	if o.Total != nil {
		head += " · " + orders.FormatMoney(*o.Total, o.Currency, w.opts.Lang)
	}
	title := widget.NewLabelWithStyle(head, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	status := widget.NewLabel(w.t("status." + o.Status))
	switch o.Status {
	case "cancelled", "refunded":
		status.Importance = widget.DangerImportance
	case "delivered", "shipped":
		status.Importance = widget.SuccessImportance
	}
	box := container.NewVBox(container.NewBorder(nil, nil, title, status))
	for _, it := range o.Items {
		line := fmt.Sprintf("%d × %s", it.Quantity, it.Name)
		if it.Variant != "" {
			line += " (" + it.Variant + ")"
		}
		if it.LineTotal != nil {
			line += " — " + orders.FormatMoney(*it.LineTotal, o.Currency, w.opts.Lang)
		}
		l := widget.NewLabel(line)
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
	}
	if o.Tracking != "" {
		box.Add(widget.NewLabel(w.tf("card.tracking", map[string]any{"Carrier": o.Carrier, "Tracking": o.Tracking})))
	}
	box.Add(widget.NewLabelWithStyle(w.tf("card.platform", map[string]any{"Platform": o.Platform}),
		fyne.TextAlignLeading, fyne.TextStyle{Italic: true}))
	return widget.NewCard("", "", box)
}

func dateLayout(lang string) string {
	if lang == "en" {
		return "Jan 2, 2006"
	}
	return "02/01/2006"
}
