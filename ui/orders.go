package ui

import (
	"context"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mostrador/orders"
)

// orderLimit caps the order table: the newest under the filter; a search
// finds the others.
const orderLimit = 1000

// searchPause is how long the search waits after a key before it reads the
// orders again: typing "gomez" costs one query, not five.
const searchPause = 250 * time.Millisecond

// Columns of the order table.
const (
	colPlaced = iota
	colNumber
	colCustomer
	colTotal
	colStatus
	colShipping
	orderColumns
)

// ordersView is the Orders room: every order, newest first, narrowed by a
// status filter and a search, above the selected order with what can be
// done to it (mark it shipped, mark it delivered).
type ordersView struct {
	w       *Window
	search  *widget.Entry
	filter  *widget.Select
	filters []string // orders.Filter* in the drop-down's order
	count   *widget.Label
	table   *widget.Table
	rows    []orders.OrderRow
	empty   *widget.Label
	detail  *fyne.Container
	// notice says what the last action did and how many emails it
	// planned, above the table, until the next action, search or filter.
	notice  *widget.Label
	ship    *widget.Button
	deliver *widget.Button
	shown   *orders.OrderDetail // the order in the detail, nil for none
	current int64               // its id, kept across reloads
	content fyne.CanvasObject

	// searchDelay is searchPause; tests set 0 to search at once.
	searchDelay time.Duration
	searchGen   int // the latest search typed: an older timer does nothing
	// later runs f on the UI goroutine after d (tests run it themselves).
	later func(d time.Duration, f func())
	// afterSearch, if set, hears each search the pause let through, once
	// shown (tests).
	afterSearch func()
	// busy counts actions running off the UI goroutine (tests wait on it).
	busy sync.WaitGroup
	// shipForm is the open "mark shipped" dialog, nil when none.
	shipForm *shipForm
}

func newOrdersView(w *Window) *ordersView {
	v := &ordersView{w: w, searchDelay: searchPause, filters: orders.Filters(), later: afterOnUI}
	v.search = widget.NewEntry()
	v.search.SetPlaceHolder(w.t("ui.orders.search"))
	v.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	v.search.OnChanged = func(string) { v.searchChanged() }
	labels := make([]string, len(v.filters))
	for i, f := range v.filters {
		labels[i] = v.filterLabel(f)
	}
	v.filter = widget.NewSelect(labels, nil)
	v.filter.Selected = labels[0]
	v.filter.OnChanged = func(string) {
		v.clearNotice()
		v.reload()
	}
	v.count = widget.NewLabel("")
	v.count.Truncation = fyne.TextTruncateEllipsis
	v.count.SizeName = theme.SizeNameCaptionText

	v.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(v.rows), orderColumns },
		newOrderCell,
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row < len(v.rows) {
				v.fillCell(o.(*widget.Label), id.Col, v.rows[id.Row])
			}
		})
	v.table.ShowHeaderColumn = false
	v.table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	v.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 {
			o.(*widget.Label).SetText(v.header(id.Col))
		}
	}
	v.table.OnSelected = func(id widget.TableCellID) {
		if id.Row < len(v.rows) {
			v.show(v.rows[id.Row].ID) // read again: an action or an import may have changed it
		}
	}
	v.sizeColumns()

	v.empty = widget.NewLabel("")
	v.empty.Wrapping = fyne.TextWrapWord
	v.empty.Hide()
	v.notice = widget.NewLabel("")
	v.notice.Wrapping = fyne.TextWrapWord
	v.notice.Importance = widget.SuccessImportance
	v.notice.Hide()
	v.ship = widget.NewButtonWithIcon(w.t("ui.orders.markShipped"), theme.MailSendIcon(), v.askShipped)
	v.deliver = widget.NewButtonWithIcon(w.t("ui.orders.markDelivered"), theme.ConfirmIcon(), v.askDelivered)
	v.detail = container.NewVBox()

	bar := container.NewBorder(nil, nil, nil, container.New(fixedWidth{230}, v.filter), v.search)
	list := container.NewBorder(container.NewVBox(bar, v.notice), v.count, nil, nil,
		container.NewStack(v.table, container.NewVBox(v.empty)))
	// The order below the table rather than beside it: the table keeps the
	// width its six columns need.
	split := container.NewVSplit(list, container.NewVScroll(container.NewPadded(v.detail)))
	split.Offset = 0.58
	v.content = split
	return v // read when the room opens (reload), not at start
}

// filterLabel is a status filter's name in the drop-down.
func (v *ordersView) filterLabel(f string) string {
	switch f {
	case orders.FilterOpen:
		return v.w.t("ui.orders.filter.open")
	case orders.FilterShipped:
		return v.w.t("ui.orders.filter.shipped")
	case orders.FilterDelivered:
		return v.w.t("ui.orders.filter.delivered")
	case orders.FilterClosed:
		return v.w.t("ui.orders.filter.closed")
	}
	return v.w.t("ui.orders.filter.all")
}

// filterName is the status filter the drop-down shows.
func (v *ordersView) filterName() string {
	for i, o := range v.filter.Options {
		if o == v.filter.Selected {
			return v.filters[i]
		}
	}
	return orders.FilterAll
}

func (v *ordersView) header(col int) string {
	switch col {
	case colPlaced:
		return v.w.t("ui.orders.col.date")
	case colNumber:
		return v.w.t("ui.orders.col.number")
	case colCustomer:
		return v.w.t("ui.orders.col.customer")
	case colTotal:
		return v.w.t("ui.orders.col.total")
	case colStatus:
		return v.w.t("ui.orders.col.status")
	}
	return v.w.t("ui.orders.col.shipping")
}

// sizeColumns gives each column the width its longest usual text needs in
// the window's language, the customer and the shipping the rest.
func (v *ordersView) sizeColumns() {
	width := func(texts ...string) float32 {
		var w float32
		for _, s := range texts {
			l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			w = max(w, l.MinSize().Width)
		}
		return w + 2*theme.Padding() // room to spare: a cut status or date reads badly
	}
	lang := v.w.opts.Lang
	var statuses []string
	for _, s := range []string{"paid", "pending", "partial", "open", "shipped", "delivered", "cancelled", "refunded", "failed", "voided"} {
		statuses = append(statuses, v.w.t("status."+s))
	}
	dates := []string{v.header(colPlaced)}
	for m := time.January; m <= time.December; m++ {
		dates = append(dates, formatDate(time.Date(2025, m, 28, 12, 0, 0, 0, time.UTC), time.UTC, lang))
	}
	v.table.SetColumnWidth(colPlaced, width(dates...))
	v.table.SetColumnWidth(colNumber, width(v.header(colNumber), "#100000"))
	v.table.SetColumnWidth(colCustomer, 220)
	v.table.SetColumnWidth(colTotal, width(v.header(colTotal), orders.FormatMoney(9999900, "ARS", lang)))
	v.table.SetColumnWidth(colStatus, width(append(statuses, v.header(colStatus))...))
	v.table.SetColumnWidth(colShipping, 190)
}

// newOrderCell is one cell of the table: one line, cut with "…".
func newOrderCell() fyne.CanvasObject {
	l := widget.NewLabel("")
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

func (v *ordersView) fillCell(l *widget.Label, col int, r orders.OrderRow) {
	w := v.w
	text, imp := "", widget.MediumImportance
	l.TextStyle = fyne.TextStyle{}
	switch col {
	case colPlaced:
		text = "—"
		if r.PlacedAt != nil {
			text = formatDate(*r.PlacedAt, w.opts.Location, w.opts.Lang)
		}
	case colNumber:
		text = r.Number
	case colCustomer:
		text = r.Name
		if text == "" {
			text = r.Email
		}
		if text == "" {
			text = w.t("ui.unnamed")
		}
	case colTotal:
		text = "—"
		if r.Total != nil {
			text = orders.FormatMoney(*r.Total, r.Currency, w.opts.Lang)
		}
	case colStatus:
		text, imp = w.t("status."+r.Status), statusImportance(r.Status)
		l.TextStyle.Bold = true
	case colShipping:
		text = strings.TrimSpace(r.Carrier + " " + r.Tracking)
	}
	l.Text, l.Importance = text, imp
	l.Refresh()
}

// statusImportance colours an order's status as the customer card does.
func statusImportance(status string) widget.Importance {
	switch status {
	case "cancelled", "refunded", "failed", "voided":
		return widget.DangerImportance
	case "delivered", "shipped":
		return widget.SuccessImportance
	case "pending", "partial":
		return widget.WarningImportance
	}
	return widget.MediumImportance
}

// searchChanged reads the orders again once typing pauses.
func (v *ordersView) searchChanged() {
	v.clearNotice()
	v.searchGen++
	if v.searchDelay <= 0 {
		v.reload()
		return
	}
	gen := v.searchGen
	v.later(v.searchDelay, func() {
		if gen == v.searchGen {
			v.reload()
			if v.afterSearch != nil {
				v.afterSearch()
			}
		}
	})
}

// afterOnUI runs f on the UI goroutine once d has passed.
func afterOnUI(d time.Duration, f func()) { time.AfterFunc(d, func() { fyne.Do(f) }) }

// reload reads the table again (after a change, a search or a filter) and
// keeps the shown order selected while it is listed; otherwise it shows
// the first. It runs on the UI goroutine.
func (v *ordersView) reload() {
	w := v.w
	rows, err := orders.ListOrders(context.Background(), w.db, v.filterName(), v.search.Text, orderLimit+1)
	if err != nil {
		v.count.SetText(w.tf("ui.error", map[string]any{"Err": err.Error()}))
		return
	}
	more := len(rows) > orderLimit
	if more {
		rows = rows[:orderLimit]
	}
	v.rows = rows
	if more {
		v.count.SetText(w.tf("ui.orders.countMore", map[string]any{"Orders": w.count(orderLimit)}))
	} else {
		v.count.SetText(w.tf("ui.orderCount", map[string]any{"Count": w.count(len(rows))}))
	}
	switch {
	case len(rows) > 0:
		v.empty.Hide()
	case v.search.Text == "" && v.filterName() == orders.FilterAll:
		v.empty.SetText(w.t("ui.orders.none"))
		v.empty.Show()
	default:
		v.empty.SetText(w.t("ui.orders.noMatches"))
		v.empty.Show()
	}
	v.table.UnselectAll()
	v.table.Refresh()
	if len(rows) == 0 {
		v.clearDetail()
		return
	}
	sel := keptRow(rows, func(r orders.OrderRow) int64 { return r.ID }, v.current)
	v.table.Select(widget.TableCellID{Row: sel, Col: colPlaced})
	if v.table.Size().Height == 0 {
		// Not laid out yet: Select scrolled as if the table had no size
		// (see customersView.reload).
		v.table.ScrollToTop()
		v.table.ScrollToLeading()
	}
}

func (v *ordersView) clearNotice() {
	if v.notice.Visible() {
		v.notice.SetText("")
		v.notice.Hide()
		v.content.Refresh() // the table takes the room back
	}
}

func (v *ordersView) clearDetail() {
	v.current, v.shown = 0, nil
	v.detail.RemoveAll()
	v.detail.Refresh()
}

// show fills the detail of one order: who ordered it, what was in it,
// where the parcel is, and what can be done to it.
func (v *ordersView) show(id int64) {
	w := v.w
	d, err := orders.OrderByID(context.Background(), w.db, id)
	if err != nil {
		v.current, v.shown = id, nil // nothing to act on
		v.detail.Objects = []fyne.CanvasObject{widget.NewLabel(w.tf("ui.error", map[string]any{"Err": err.Error()}))}
		v.detail.Refresh()
		return
	}
	v.current, v.shown = id, d
	name, who := contactBlock(w, d.Customer)
	facts := tightBox()
	fact := func(text string) {
		l := widget.NewLabel(text)
		l.Wrapping = fyne.TextWrapWord
		facts.Add(l)
	}
	if d.ShippingMethod != "" {
		fact(w.tf("ui.orders.method", map[string]any{"Method": d.ShippingMethod}))
	}
	if d.ShippedAt != nil {
		fact(w.tf("ui.orders.shippedOn", map[string]any{"Date": formatDate(*d.ShippedAt, w.opts.Location, w.opts.Lang)}))
	}
	if d.DeliveredAt != nil {
		fact(w.tf("ui.orders.deliveredOn", map[string]any{"Date": formatDate(*d.DeliveredAt, w.opts.Location, w.opts.Lang)}))
	}
	if d.Note != "" {
		fact(w.tf("ui.orders.note", map[string]any{"Note": d.Note}))
	}
	closed := d.Status == "cancelled" || d.Status == "refunded"
	setEnabled(v.ship, !closed && d.Status != "delivered")
	setEnabled(v.deliver, !closed && d.Status != "delivered")
	v.ship.SetText(v.shipText(d))
	actions := container.NewHBox(v.ship, v.deliver)
	customer := container.NewVBox(name, who, actions)
	v.detail.Objects = []fyne.CanvasObject{container.NewGridWithColumns(2, customer,
		container.NewVBox(orderBlock(w, d.Order), facts))}
	v.detail.Refresh()
}

// shipText names the shipping action: marking shipped, or, for a parcel
// already on its way, giving or correcting its tracking number.
func (v *ordersView) shipText(d *orders.OrderDetail) string {
	switch {
	case d.Status != "shipped":
		return v.w.t("ui.orders.markShipped")
	case d.Tracking == "":
		return v.w.t("ui.orders.addTracking")
	}
	return v.w.t("ui.orders.changeTracking")
}

func setEnabled(b *widget.Button, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}
