package ui

import (
	"fmt"
	"net/url"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mostrador/orders"
)

// maxCardOrders caps the orders drawn on a card, newest first.
const maxCardOrders = 100

// cardObjects draws a customer's card: who they are, how to reach them, what
// they are worth to the shop, and their orders newest first.
func cardObjects(w *Window, card *orders.Card) []fyne.CanvasObject {
	c := card.Customer
	name := widget.NewLabelWithStyle(displayName(c, w), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.SizeName = theme.SizeNameSubHeadingText
	name.Wrapping = fyne.TextWrapWord
	about := tightBox()
	if c.Emailable {
		email := widget.NewLabel(c.Email)
		email.Selectable = true
		about.Add(email)
	} else {
		warn := widget.NewLabelWithStyle(w.t("ui.noEmail"), fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
		warn.Importance = widget.WarningImportance
		warn.Wrapping = fyne.TextWrapWord
		about.Add(warn)
	}
	if c.Phone != "" {
		phone := widget.NewLabel(w.tf("card.phone", map[string]any{"Phone": c.Phone}))
		phone.Selectable = true
		about.Add(phone)
	}
	var ltv []string
	for _, m := range card.Totals.LifetimeValue {
		ltv = append(ltv, orders.FormatMoney(m.Minor, m.Currency, w.opts.Lang))
	}
	if len(ltv) == 0 {
		ltv = []string{"—"}
	}
	totals := widget.NewLabel(w.tf("card.totals", map[string]any{"Count": card.Totals.OrderCount,
		"Value": strings.Join(ltv, " + ")}))
	if card.Totals.OrderCount == 0 {
		totals.SetText(w.t("card.noOrders"))
	}
	totals.Wrapping = fyne.TextWrapWord
	about.Add(totals)
	objs := []fyne.CanvasObject{name, about, widget.NewSeparator()}
	if len(card.Appointments) > 0 {
		objs = append(objs, appointmentsBlock(w, card.Appointments))
	}
	for i, o := range card.Orders {
		if i == maxCardOrders {
			// A card of thousands of widgets would stall the window.
			objs = append(objs, widget.NewLabel(w.tf("cli.more", map[string]any{"Count": len(card.Orders) - i})))
			break
		}
		objs = append(objs, orderBlock(w, o))
	}
	return objs
}

// orderBlock is one order: when and how much with its status, what was in
// it, where the parcel is, and the order's number in the shop it came from.
func orderBlock(w *Window, o orders.Order) fyne.CanvasObject {
	var head []string
	if o.PlacedAt != nil {
		head = append(head, formatDate(*o.PlacedAt, w.opts.Location, w.opts.Lang))
	}
	if total, ok := orderTotal(o); ok {
		head = append(head, orders.FormatMoney(total, o.Currency, w.opts.Lang))
	}
	if len(head) == 0 {
		head = append(head, o.Number)
	}
	title := widget.NewLabelWithStyle(strings.Join(head, " · "), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Truncation = fyne.TextTruncateEllipsis
	status := widget.NewLabelWithStyle(w.t("status."+o.Status), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	switch o.Status {
	case "cancelled", "refunded", "failed", "voided":
		status.Importance = widget.DangerImportance
	case "delivered", "shipped":
		status.Importance = widget.SuccessImportance
	case "pending", "partial":
		status.Importance = widget.WarningImportance
	}
	lines := tightBox()
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
		lines.Add(l)
	}
	if o.Refunded != nil && *o.Refunded > 0 && o.Status != "refunded" {
		lines.Add(widget.NewLabel(w.tf("card.refunded", map[string]any{
			"Amount": orders.FormatMoney(*o.Refunded, o.Currency, w.opts.Lang)})))
	}
	if o.Tracking != "" {
		lines.Add(trackingLine(w, o))
	}
	ref := widget.NewLabelWithStyle(w.tf("card.orderRef", map[string]any{"Number": o.Number,
		"Platform": platformName(w, o.Platform)}), fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	ref.Truncation = fyne.TextTruncateEllipsis
	ref.SizeName = theme.SizeNameCaptionText
	return widget.NewCard("", "", container.NewVBox(container.NewBorder(nil, nil, nil, status, title), lines, ref))
}

// maxCardAppointments caps the bookings drawn on a card.
const maxCardAppointments = 20

// appointmentsBlock lists the customer's bookings, at the shop's clock time
// they were booked in: when, what and with whom, and their state.
func appointmentsBlock(w *Window, list []orders.Appointment) fyne.CanvasObject {
	rows := tightBox()
	for i, a := range list {
		if i == maxCardAppointments {
			rows.Add(widget.NewLabel(w.tf("cli.more", map[string]any{"Count": len(list) - i})))
			break
		}
		parts := []string{formatDateTime(a.Local(), w.opts.Lang)}
		if a.Service != "" {
			parts = append(parts, a.Service)
		}
		if a.Staff != "" {
			parts = append(parts, a.Staff)
		}
		what := widget.NewLabel(strings.Join(parts, " · "))
		what.Truncation = fyne.TextTruncateEllipsis
		status := widget.NewLabelWithStyle(w.t("appt.status."+a.Status), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		switch a.Status {
		case "cancelled", "no_show":
			status.Importance = widget.DangerImportance
		case "completed":
			status.Importance = widget.SuccessImportance
		}
		rows.Add(container.NewBorder(nil, nil, nil, status, what))
	}
	title := widget.NewLabelWithStyle(w.t("card.appointments"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	return widget.NewCard("", "", container.NewVBox(title, rows))
}

// orderTotal is what the order came to: its total, or, when the export
// gave none (Square lists items only), the sum of its lines.
func orderTotal(o orders.Order) (int64, bool) {
	if o.Total != nil {
		return *o.Total, true
	}
	var sum int64
	for _, it := range o.Items {
		if it.LineTotal == nil {
			return 0, false
		}
		sum += *it.LineTotal
	}
	return sum, len(o.Items) > 0
}

// tightBox stacks lines of text closer than a plain VBox: each label
// already pads itself above and below.
func tightBox() *fyne.Container {
	return container.New(layout.NewCustomPaddedVBoxLayout(-2 * theme.Padding()))
}

// trackingLine shows the carrier and tracking number, as a link to follow
// the parcel when the export gave one.
func trackingLine(w *Window, o orders.Order) fyne.CanvasObject {
	text := strings.Join(strings.Fields(w.tf("card.tracking", map[string]any{"Carrier": o.Carrier,
		"Tracking": o.Tracking})), " ")
	if u, err := url.Parse(o.TrackingURL); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
		link := widget.NewHyperlink(text, u)
		link.Wrapping = fyne.TextWrapWord
		return link
	}
	l := widget.NewLabel(text)
	l.Selectable = true
	l.Wrapping = fyne.TextWrapWord
	return l
}
