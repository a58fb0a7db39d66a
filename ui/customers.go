package ui

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mostrador/assets"
	"mostrador/internal/shop"
	"mostrador/orders"
)

// listLimit caps the customer list; a search finds the others.
const listLimit = 1000

// customersView is the list of customers beside the selected one's card, or,
// while the shop has no customer yet, a welcome that says how to get some.
type customersView struct {
	w         *Window
	search    *widget.Entry
	list      *widget.List
	sortBy    *widget.Select
	sorts     []string // shop.Sort* in the drop-down's order
	rows      []shop.CustomerLine
	noMatches *widget.Label
	card      *fyne.Container
	split     *container.Split
	welcome   fyne.CanvasObject
	content   fyne.CanvasObject
	current   int64 // the customer whose card is shown, 0 for none
	// statusText is what the status bar says while the list is shown.
	statusText string
	// pages reads the rest of the list as it scrolls (no search, the list's
	// own order); nil when the list is all there. total: how many in all.
	pages   *shop.CustomerPages
	total   int
	reading bool // a page is being read
	// loaded: the list has been read. It is read when the room is first
	// opened, not at start: the window opens on the inbox without reading
	// a hundred thousand customers. stale: something changed since.
	loaded, stale bool
}

// shown: the room is opened; the list is read if it never was, or is out
// of date.
func (v *customersView) shown() {
	if !v.loaded || v.stale {
		v.reload()
		return
	}
	v.showStatus()
}

// changed: an import or a sync changed the customers; the list is read
// again now if it is on screen, else when it next is.
func (v *customersView) changed() {
	if v.w.room == "ui.nav.customers" {
		v.reload()
		return
	}
	v.stale = true
}

// showStatus puts the list's count in the status bar.
func (v *customersView) showStatus() { v.w.status.SetText(v.statusText) }

func newCustomersView(w *Window) *customersView {
	v := &customersView{w: w}
	v.search = widget.NewEntry()
	v.search.SetPlaceHolder(w.t("ui.searchCustomers"))
	v.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	v.search.OnChanged = func(string) { v.reload() }
	v.list = widget.NewList(
		func() int { return len(v.rows) },
		newCustomerRow,
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(v.rows) {
				v.fillRow(o, v.rows[id])
			}
			if id >= len(v.rows)-listLimit/4 {
				v.more() // the end is near: read the next page
			}
		},
	)
	v.list.OnSelected = func(id widget.ListItemID) {
		if id < len(v.rows) {
			v.show(v.rows[id].ID)
		}
	}
	v.noMatches = widget.NewLabel(w.t("ui.noMatches"))
	v.noMatches.Wrapping = fyne.TextWrapWord
	v.noMatches.Hide()
	v.card = container.NewVBox()
	v.sorts = []string{shop.SortRecent, shop.SortWaiting, shop.SortContact, shop.SortName, shop.SortOrders}
	labels := make([]string, len(v.sorts))
	for i, s := range v.sorts {
		labels[i] = w.t("ui.customers.sort." + s)
	}
	v.sortBy = widget.NewSelect(labels, nil)
	v.sortBy.Selected = labels[0]
	v.sortBy.OnChanged = func(string) { v.reload() }
	top := container.NewVBox(v.search, container.NewBorder(nil, nil, widget.NewLabel(w.t("ui.customers.sortBy")), nil, v.sortBy))
	left := container.NewBorder(top, nil, nil, nil,
		container.NewStack(v.list, container.NewVBox(v.noMatches)))
	v.split = container.NewHSplit(left, container.NewVScroll(container.NewPadded(v.card)))
	v.split.Offset = 0.34
	v.welcome = v.newWelcome()
	v.welcome.Hide()
	v.content = container.NewStack(v.split, v.welcome)
	return v
}

// newWelcome is what a first run shows: what Mostrador does with an orders
// file, and the button to import one.
func (v *customersView) newWelcome() fyne.CanvasObject {
	w := v.w
	icon := canvas.NewImageFromResource(fyne.NewStaticResource("icon.png", assets.Icon))
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(96, 96))
	title := widget.NewLabelWithStyle(w.t("ui.welcome"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	body := widget.NewLabel(w.t("ui.noCustomers"))
	body.Alignment = fyne.TextAlignCenter
	body.Wrapping = fyne.TextWrapWord
	btn := widget.NewButtonWithIcon(w.t("ui.import"), importIcon(), w.chooseImport)
	btn.Importance = widget.HighImportance
	types := widget.NewLabel(w.t("ui.fileTypes"))
	types.Alignment = fyne.TextAlignCenter
	types.Wrapping = fyne.TextWrapWord
	types.SizeName = theme.SizeNameCaptionText
	return container.New(columnLayout{width: 560}, icon, title, body, container.NewCenter(btn), types)
}

// newCustomerRow is one line of the list: the name, and how long they
// have waited for an answer (or when they were last in touch); below, the
// email (or that there is none) and how many orders.
func newCustomerRow() fyne.CanvasObject {
	name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.Truncation = fyne.TextTruncateEllipsis
	when := widget.NewLabel("")
	when.Alignment = fyne.TextAlignTrailing
	when.SizeName = theme.SizeNameCaptionText
	sub := widget.NewLabel("")
	sub.Truncation = fyne.TextTruncateEllipsis
	row := tightBox()
	row.Add(container.NewBorder(nil, nil, nil, when, name))
	row.Add(sub)
	return row
}

func (v *customersView) fillRow(o fyne.CanvasObject, r shop.CustomerLine) {
	box := o.(*fyne.Container)
	top := box.Objects[0].(*fyne.Container)
	top.Objects[0].(*widget.Label).SetText(displayName(r.Customer, v.w))
	when := top.Objects[1].(*widget.Label)
	now := v.w.now()
	switch {
	case r.WaitingSince != nil:
		d := now.Sub(*r.WaitingSince)
		when.Text, when.Importance = v.w.tf("ui.customers.waiting", map[string]any{"Wait": assets.Duration(v.w.opts.Lang, d)}),
			widget.WarningImportance
		if d >= 24*time.Hour {
			when.Importance = widget.DangerImportance
		}
	case r.LastContact != nil:
		when.Text, when.Importance = shortWhen(*r.LastContact, now, v.w.opts.Location, v.w.opts.Lang), widget.LowImportance
	default:
		when.Text = ""
	}
	when.Refresh()
	sub := box.Objects[1].(*widget.Label)
	sub.SetText(v.subtitle(r.CustomerRow))
	if r.Emailable {
		sub.Importance = widget.MediumImportance
	} else {
		sub.Importance = widget.WarningImportance
	}
	sub.Refresh()
}

// sortName is the list's order as the drop-down says it.
func (v *customersView) sortName() string {
	for i, o := range v.sortBy.Options {
		if o == v.sortBy.Selected {
			return v.sorts[i]
		}
	}
	return shop.SortRecent
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

// reload reads the list again (after an import or a search) and keeps the
// shown customer selected when it is still in the list.
func (v *customersView) reload() {
	ctx := context.Background()
	var rows []shop.CustomerLine
	var err error
	v.pages, v.total = nil, 0
	if strings.TrimSpace(v.search.Text) == "" && v.sortName() == shop.SortRecent {
		// Every customer, a page at a time as the list scrolls.
		v.pages = shop.NewCustomerPages(v.w.db)
		if rows, err = v.pages.Next(ctx, listLimit); err == nil {
			v.total, err = orders.CountCustomers(ctx, v.w.db)
		}
	} else {
		rows, err = shop.Customers(ctx, v.w.db, v.search.Text, listLimit, v.sortName())
	}
	if err != nil {
		v.w.status.SetText(v.w.tf("ui.error", map[string]any{"Err": err.Error()}))
		return
	}
	v.rows = rows
	v.loaded, v.stale = true, false
	firstRun := len(rows) == 0 && v.search.Text == ""
	if firstRun {
		v.split.Hide()
		v.welcome.Show()
		v.w.importBtn.Hide() // the welcome has its own, in the middle
		v.statusText = ""
	} else {
		v.welcome.Hide()
		v.split.Show()
		v.w.importBtn.Show()
		key, n := "ui.customerCount", len(rows)
		switch {
		case v.pages != nil:
			n = v.total
		case len(rows) == listLimit:
			key = "ui.customerCountMore"
		}
		v.statusText = v.w.tf(key, map[string]any{"Count": n, "Customers": v.w.count(n)})
	}
	if v.w.room == "ui.nav.customers" {
		v.showStatus()
	}
	if len(rows) == 0 && !firstRun {
		v.noMatches.Show()
	} else {
		v.noMatches.Hide()
	}
	v.list.UnselectAll()
	v.list.Refresh()
	if len(rows) == 0 {
		v.clearCard()
		return
	}
	sel := keptRow(rows, func(r shop.CustomerLine) int64 { return r.ID }, v.current)
	v.list.Select(sel)
	if v.list.Size().Height == 0 {
		// Not laid out yet: Select scrolled as if the list were zero high,
		// which would hide the selected first row above the top.
		v.list.ScrollToOffset(0)
	}
}

// more reads the list's next page off the window's goroutine and adds it
// at the end; one page at a time, and none once the list is whole.
func (v *customersView) more() {
	pages := v.pages
	if pages == nil || pages.Done() || v.reading {
		return
	}
	v.reading = true
	w := v.w
	go func() {
		rows, err := pages.Next(context.Background(), listLimit)
		fyne.Do(func() {
			v.reading = false
			if pages != v.pages {
				return // the list was read again meanwhile
			}
			if err != nil {
				w.status.SetText(w.tf("ui.error", map[string]any{"Err": err.Error()}))
				return
			}
			v.rows = append(v.rows, rows...)
			v.list.Refresh()
		})
	}()
}

// find shows one customer: the list searched for their address (or all,
// when they have none), their card open.
func (v *customersView) find(id int64, email string) {
	v.current = id
	if v.search.Text == email {
		v.reload()
		return
	}
	v.search.SetText(email) // reloads
}

func (v *customersView) clearCard() {
	v.current = 0
	v.card.RemoveAll()
	v.card.Refresh()
}

// show fills the card of one customer.
func (v *customersView) show(id int64) {
	card, err := v.w.loadCard(id, "")
	if err != nil {
		v.w.status.SetText(v.w.tf("ui.error", map[string]any{"Err": err.Error()}))
		return
	}
	v.current = id
	v.card.Objects = cardObjects(v.w, card)
	v.card.Refresh()
}
