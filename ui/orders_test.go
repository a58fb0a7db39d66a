package ui

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mostrador/orders"
	"mostrador/reminders"
)

// openOrders builds the window on db and the Orders room in a test window
// of its own, read as when the room opens, searching at once rather than
// after a pause.
func openOrders(t *testing.T, db *sql.DB, lang string) (*Window, *ordersView, fyne.Window) {
	t.Helper()
	w, _ := openWindow(t, db, lang)
	v := newOrdersView(w)
	v.searchDelay = 0
	v.reload() // as opening the room does
	win := test.NewTempWindow(t, v.content)
	win.Resize(fyne.NewSize(930, 640))
	return w, v, win
}

// cell is what the table shows in one cell.
func cell(v *ordersView, row, col int) string {
	l := newOrderCell().(*widget.Label)
	v.table.UpdateCell(widget.TableCellID{Row: row, Col: col}, l)
	return l.Text
}

// column is one column of the table, top to bottom, joined by spaces.
func column(v *ordersView, col int) string {
	var out []string
	for i := range v.rows {
		out = append(out, cell(v, i, col))
	}
	return strings.Join(out, " ")
}

// selectOrder selects the table row of this order number, as a click would.
func selectOrder(t *testing.T, v *ordersView, number string) orders.OrderRow {
	t.Helper()
	for i, r := range v.rows {
		if r.Number == number {
			v.table.Select(widget.TableCellID{Row: i, Col: colCustomer})
			if v.current != r.ID {
				t.Fatalf("selecting %s shows order %d", number, v.current)
			}
			return r
		}
	}
	t.Fatalf("no order %s in the table (%s)", number, column(v, colNumber))
	return orders.OrderRow{}
}

// findButton is the visible button with this text in o, or nil.
func findButton(o fyne.CanvasObject, text string) *widget.Button {
	if o == nil || !o.Visible() {
		return nil
	}
	switch x := o.(type) {
	case *widget.Button:
		if x.Text == text {
			return x
		}
	case *fyne.Container:
		for _, c := range x.Objects {
			if b := findButton(c, text); b != nil {
				return b
			}
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			if b := findButton(c, text); b != nil {
				return b
			}
		}
	}
	return nil
}

// planned lists the planned automated emails as "rule/step address about".
func planned(t *testing.T, db *sql.DB) []string {
	t.Helper()
	jobs, err := reminders.List(context.Background(), db, "planned", 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, j := range jobs {
		out = append(out, j.Rule+"/"+j.Step+" "+j.Customer+" "+j.About)
	}
	return out
}

func hasJob(jobs []string, want string) bool {
	for _, j := range jobs {
		if j == want {
			return true
		}
	}
	return false
}

func storedOrder(t *testing.T, db *sql.DB, id int64) *orders.OrderDetail {
	t.Helper()
	d, err := orders.OrderByID(context.Background(), db, id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestOrdersTableListsNewestFirst(t *testing.T) {
	db := newShopDB(t)
	importFixtures(t, db, "shopify_orders.csv", "tiendanube_es.csv")
	_, v, win := openOrders(t, db, "es")

	if got, want := column(v, colNumber), "515 514 513 512 #1006 #1005 #1004 #1003 #1002 #1001"; got != want {
		t.Errorf("the table lists %q, want newest first %q", got, want)
	}
	for col, want := range []string{"23/12/2025", "515", "Martina Gómez", "14.100,00 ARS", "Pago pendiente", ""} {
		if got := cell(v, 0, col); got != want {
			t.Errorf("first row, column %d: %q, want %q", col, got, want)
		}
	}
	if got := cell(v, 3, colShipping); !strings.Contains(got, "TN123456789AR") {
		t.Errorf("order 512's shipping cell is %q, want its tracking number", got)
	}
	if got := cell(v, 6, colTotal); got != "25,21 USD" {
		t.Errorf("order #1004's total is %q", got)
	}
	mustShow(t, win, "Fecha", "Pedido", "Cliente", "Total", "Estado", "Envío", "10 pedidos", "Todos los pedidos",
		"Buscar por número, cliente o correo")
	// The newest is open beside the table, with what can be done to it.
	mustShow(t, win, "martina.gomez@example.com.ar", "Marcar enviado", "Marcar entregado", "Pedido 515 · Tiendanube")
	mustBeTranslated(t, win)
}

func TestOrdersStatusFilterNarrowsTheTable(t *testing.T) {
	db := newShopDB(t)
	importFixtures(t, db, "shopify_orders.csv", "tiendanube_es.csv")
	_, v, win := openOrders(t, db, "es")

	for _, tc := range []struct{ filter, want, count string }{
		{"Por enviar", "515 513 #1004 #1002", "4 pedidos"},
		{"Enviados", "#1006 #1001", "2 pedidos"},
		{"Entregados", "512", "1 pedido"},
		{"Cancelados o reembolsados", "514 #1005 #1003", "3 pedidos"},
		{"Todos los pedidos", "515 514 513 512 #1006 #1005 #1004 #1003 #1002 #1001", "10 pedidos"},
	} {
		v.filter.SetSelected(tc.filter)
		if got := column(v, colNumber); got != tc.want {
			t.Errorf("filter %q lists %q, want %q", tc.filter, got, tc.want)
		}
		mustShow(t, win, tc.count)
	}
	// Each status shown under its filter is the one the filter names.
	v.filter.SetSelected("Enviados")
	if got := column(v, colStatus); got != "Enviado Enviado" {
		t.Errorf("statuses under Enviados: %q", got)
	}
}

func TestOrdersSearchFindsACustomersOrders(t *testing.T) {
	db := newShopDB(t)
	importFixtures(t, db, "shopify_orders.csv", "tiendanube_es.csv")
	_, v, win := openOrders(t, db, "es")

	test.Type(v.search, "gomez")
	if got := column(v, colNumber); got != "515 512" {
		t.Errorf("searching gomez lists %q", got)
	}
	if got := column(v, colCustomer); got != "Martina Gómez Martina Gómez" {
		t.Errorf("searching gomez lists the customers %q", got)
	}
	mustShow(t, win, "2 pedidos")

	v.filter.SetSelected("Entregados") // the search and the filter together
	if got := column(v, colNumber); got != "512" {
		t.Errorf("gomez, delivered: %q", got)
	}

	v.search.SetText("ana.perez@")
	v.filter.SetSelected("Todos los pedidos")
	if got := column(v, colNumber); got != "#1004 #1001" {
		t.Errorf("searching an address lists %q", got)
	}

	v.search.SetText("nadie se llama así")
	if len(v.rows) != 0 || v.current != 0 || len(v.detail.Objects) != 0 {
		t.Errorf("a search without results leaves %d rows, order %d shown", len(v.rows), v.current)
	}
	mustShow(t, win, "0 pedidos", "Ningún pedido coincide con la búsqueda y el filtro.")
	mustBeTranslated(t, win)
}

func TestOrdersRoomWithoutOrders(t *testing.T) {
	db := newShopDB(t)
	_, v, win := openOrders(t, db, "es")
	mustShow(t, win, "Todavía no hay pedidos. Importe el archivo de pedidos que exporta su tienda y aparecerán aquí, los más recientes primero.")
	mustNotShow(t, win, "Marcar enviado")
	if v.shown != nil {
		t.Errorf("an order is shown in an empty shop")
	}
}

func TestMarkShippedStoresTrackingAndPlansTheEmail(t *testing.T) {
	db := newShopDB(t)
	importFixtures(t, db, "shopify_orders.csv", "tiendanube_es.csv")
	w, v, win := openOrders(t, db, "es")
	if jobs := planned(t, db); len(jobs) != 0 {
		t.Fatalf("emails planned before anything was marked: %q", jobs)
	}
	r := selectOrder(t, v, "#1004")
	test.Tap(v.ship)
	f := v.shipForm
	if f == nil {
		t.Fatal("Marcar enviado opened no form")
	}
	mustShow(t, w.win, "Transportista", "Número de seguimiento", "Enlace de seguimiento")
	test.Type(f.carrier, "Correos")
	test.Type(f.tracking, "PK123456789ES")
	test.Tap(f.confirm)
	v.busy.Wait()

	d := storedOrder(t, db, r.ID)
	if d.Status != "shipped" || d.Carrier != "Correos" || d.Tracking != "PK123456789ES" || d.ShippedAt == nil {
		t.Errorf("stored: status %s, %q %q, shipped at %v", d.Status, d.Carrier, d.Tracking, d.ShippedAt)
	}
	about := "order:" + itoa(r.ID)
	if jobs := planned(t, db); !hasJob(jobs, "delivery/shipped ana.perez@example.com "+about) {
		t.Errorf("planned emails %q; want the shipping email to ana.perez@example.com", jobs)
	}
	mustShow(t, win, "Pedido #1004 marcado como enviado.\nCorreos automáticos planificados: 2 (envío 1, seguimiento 1)")
	if v.shipForm != nil || w.win.Canvas().Overlays().Top() != nil {
		t.Errorf("the form is still open after marking")
	}
	// The table and the detail show it on its way.
	if i := rowOf(t, v, "#1004"); cell(v, i, colStatus) != "Enviado" || cell(v, i, colShipping) != "Correos PK123456789ES" {
		t.Errorf("the row says %q, %q", cell(v, i, colStatus), cell(v, i, colShipping))
	}
	mustShow(t, win, "Envío: Correos PK123456789ES", "Cambiar seguimiento")
	mustBeTranslated(t, win)
}

func TestMarkDeliveredPlansTheEmail(t *testing.T) {
	db := newShopDB(t)
	importFixtures(t, db, "shopify_orders.csv", "tiendanube_es.csv")
	w, v, win := openOrders(t, db, "es")
	r := selectOrder(t, v, "#1001") // shipped by the file
	test.Tap(v.deliver)
	mustShow(t, w.win, "¿Marcar el pedido #1001 de Ana Pérez como entregado? Si el correo automático de entrega está activado, se le avisará.")
	confirm := findButton(w.win.Canvas().Overlays().Top(), "Marcar entregado")
	if confirm == nil {
		t.Fatal("the question has no Marcar entregado button")
	}
	test.Tap(confirm)
	v.busy.Wait()

	if d := storedOrder(t, db, r.ID); d.Status != "delivered" || d.DeliveredAt == nil {
		t.Errorf("stored: %s, delivered at %v", d.Status, d.DeliveredAt)
	}
	if jobs := planned(t, db); !hasJob(jobs, "delivery/delivered ana.perez@example.com order:"+itoa(r.ID)) {
		t.Errorf("planned emails %q; want the delivery email", jobs)
	}
	mustShow(t, win, "Pedido #1001 marcado como entregado.\nCorreos automáticos planificados: 2 (envío 1, seguimiento 1)")
	if !v.deliver.Disabled() || !v.ship.Disabled() {
		t.Errorf("a delivered order can still be marked")
	}
	if i := rowOf(t, v, "#1001"); cell(v, i, colStatus) != "Entregado" {
		t.Errorf("the row says %q", cell(v, i, colStatus))
	}
}

func TestMarkShippedRefusesAnEmptyTrackingNumber(t *testing.T) {
	db := newShopDB(t)
	importFixtures(t, db, "shopify_orders.csv")
	w, v, _ := openOrders(t, db, "es")
	r := selectOrder(t, v, "#1004")
	test.Tap(v.ship)
	f := v.shipForm
	test.Type(f.carrier, "Correos")
	test.Type(f.tracking, "   ")
	test.Tap(f.confirm)
	v.busy.Wait()
	mustShow(t, w.win, "Falta el número de seguimiento: escríbalo tal como se lo dio el transportista.")
	if v.shipForm != f {
		t.Errorf("the form closed on a refusal")
	}

	// A link that is not a web address: refused too, the form stays open.
	test.Type(f.tracking, "PK1")
	test.Type(f.link, "correos.es/PK1")
	test.Tap(f.confirm)
	v.busy.Wait()
	mustShow(t, w.win, "El enlace de seguimiento debe ser una dirección web completa, que empiece por https://. Si no lo tiene, déjelo vacío.")
	mustNotShow(t, w.win, "Falta el número de seguimiento: escríbalo tal como se lo dio el transportista.")
	if v.shipForm != f || f.confirm.Disabled() {
		t.Errorf("after a refused link the form is closed or cannot be sent again")
	}

	if d := storedOrder(t, db, r.ID); d.Status != "paid" || d.Tracking != "" {
		t.Errorf("a refused form changed the order: %s %q", d.Status, d.Tracking)
	}
	if jobs := planned(t, db); len(jobs) != 0 {
		t.Errorf("a refused form planned %q", jobs)
	}
}

func TestClosedOrdersCannotBeMarked(t *testing.T) {
	db := newShopDB(t)
	importFixtures(t, db, "shopify_orders.csv", "tiendanube_es.csv")
	_, v, _ := openOrders(t, db, "es")
	for _, n := range []string{"514", "#1003"} { // cancelled, refunded
		selectOrder(t, v, n)
		if !v.ship.Disabled() || !v.deliver.Disabled() {
			t.Errorf("order %s can be marked", n)
		}
	}
	selectOrder(t, v, "513")
	if v.ship.Disabled() || v.deliver.Disabled() {
		t.Errorf("an open order cannot be marked")
	}
}

func TestOrdersRoomInEnglish(t *testing.T) {
	db := newShopDB(t)
	importFixtures(t, db, "shopify_orders.csv", "tiendanube_es.csv")
	w, v, win := openOrders(t, db, "en")
	mustShow(t, win, "Date", "Order", "Customer", "Status", "Shipping", "10 orders", "All orders", "Payment pending",
		"Mark shipped", "Mark delivered")
	selectOrder(t, v, "#1002")
	test.Tap(v.ship)
	mustShow(t, w.win, "Carrier", "Tracking number", "Tracking link", "Cancel")
	test.Tap(v.shipForm.confirm)
	mustShow(t, w.win, "The tracking number is missing: type it as the carrier gave it to you.")
	mustBeTranslated(t, win)
	mustBeTranslated(t, w.win)
}

func rowOf(t *testing.T, v *ordersView, number string) int {
	t.Helper()
	for i, r := range v.rows {
		if r.Number == number {
			return i
		}
	}
	t.Fatalf("no order %s in the table", number)
	return -1
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestOrdersSearchWaitsForAPause: typing a name reads the orders once, when
// the typing stops, not once a key.
func TestOrdersSearchWaitsForAPause(t *testing.T) {
	db := newShopDB(t)
	importFixtures(t, db, "shopify_orders.csv", "tiendanube_es.csv")
	_, v, _ := openOrders(t, db, "es")
	v.searchDelay = searchPause
	// The pauses are run here, in the order they were asked for, rather
	// than by a clock: the test driver would run them beside the test.
	var pending []func()
	v.later = func(d time.Duration, f func()) {
		if d != searchPause {
			t.Errorf("a pause of %v", d)
		}
		pending = append(pending, f)
	}
	searches := 0
	v.afterSearch = func() { searches++ }
	test.Type(v.search, "gomez")
	if got := column(v, colNumber); got != "515 514 513 512 #1006 #1005 #1004 #1003 #1002 #1001" {
		t.Errorf("the table changed before the pause: %q", got)
	}
	if len(pending) != 5 {
		t.Fatalf("%d pauses for 5 keys", len(pending))
	}
	for _, f := range pending {
		f()
	}
	if searches != 1 {
		t.Errorf("5 keys searched %d times, want once", searches)
	}
	if got := column(v, colNumber); got != "515 512" {
		t.Errorf("after the pause the table lists %q", got)
	}
}
