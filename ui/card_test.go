package ui

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mostrador/orders"
	"mostrador/reminders"
)

// The card's timeline shows the automated email an order planned beside
// the order; the owner's switch stops automated email to the customer
// (the planned one is then skipped when due), and the owner's notes are
// kept as typed.
func TestCardAutomationSwitchAndNotes(t *testing.T) {
	db := newShopDB(t)
	now := time.Now().UTC().Truncate(time.Minute)
	placed := now.Add(-30 * time.Minute)
	csv := "Order,Date,Name,Email,Currency,Item,Qty,Price,Total,Status\n" +
		"2001," + placed.Format("2006-01-02 15:04") + ",Ana Pérez,ana@example.com,EUR,Vela de soja,1,12.00,12.00,Paid\n"
	if _, err := orders.ImportBytes(context.Background(), db, "nuevos.csv", []byte(csv), orders.Options{Location: time.UTC,
		WithinOrders: func(ctx context.Context, tx *sql.Tx, changes []orders.Change) error {
			_, err := (&reminders.Planner{DB: db}).OrdersIn(ctx, tx, changes)
			return err
		}}); err != nil {
		t.Fatal(err)
	}
	w, win := openWindow(t, db, "es")
	w.now = func() time.Time { return now }
	selectCustomer(t, w, "Ana Pérez")
	due := formatDateTime(placed.Add(time.Hour), "es")
	mustShow(t, win, "Correo automático «agradecimiento»: planificado · "+due, "1 pedido · valor total 12,00 EUR")

	var check *widget.Check
	var notes *widget.Entry
	for _, o := range w.customers.card.Objects {
		switch x := o.(type) {
		case *widget.Check:
			check = x
		case *widget.Entry:
			notes = x
		}
	}
	if check == nil || !check.Checked || check.Text != "Recibe correos automáticos" || notes == nil {
		t.Fatalf("the card has switch %+v and notes %v", check, notes != nil)
	}
	test.Tap(check)
	a, err := reminders.ForCustomer(context.Background(), db, w.customers.current)
	if err != nil || a.OptedOut == nil || a.OptOutSource != "owner" {
		t.Fatalf("after the switch: %+v (%v)", a, err)
	}
	mustShow(t, win, "No recibe correos automáticos (los desactivó usted el "+formatDate(now, time.UTC, "es")+"); los de sus citas sí")

	test.Type(notes, "Prefiere sin perfume")
	selectCustomer(t, w, "Ana Pérez") // read again from the database
	w2, win2 := openWindow(t, db, "es")
	selectCustomer(t, w2, "Ana Pérez")
	mustShow(t, win2, "Prefiere sin perfume")
	for _, o := range w2.customers.card.Objects {
		if c, ok := o.(*widget.Check); ok && c.Checked {
			t.Error("the switch is on again after reopening")
		}
	}
	if !strings.Contains(strings.Join(screenTexts(win2), "\n"), "agradecimiento") {
		t.Error("the planned email left the timeline")
	}
}

// A planned automated email on the card can be sent now or cancelled
// from there.
func TestCardSendsNowOrCancelsAPlannedEmail(t *testing.T) {
	db := newShopDB(t)
	now := time.Now().UTC().Truncate(time.Minute)
	placed := now.Add(-10 * time.Minute)
	csv := "Order,Date,Name,Email,Currency,Item,Qty,Price,Total,Status\n" +
		"2001," + placed.Format("2006-01-02 15:04") + ",Ana Pérez,ana@example.com,EUR,Vela de soja,1,12.00,12.00,Paid\n" +
		"2002," + placed.Format("2006-01-02 15:04") + ",Luis Gómez,luis@example.com,EUR,Jabón,1,5.00,5.00,Paid\n"
	if _, err := orders.ImportBytes(context.Background(), db, "nuevos.csv", []byte(csv), orders.Options{Location: time.UTC,
		WithinOrders: func(ctx context.Context, tx *sql.Tx, changes []orders.Change) error {
			_, err := (&reminders.Planner{DB: db}).OrdersIn(ctx, tx, changes)
			return err
		}}); err != nil {
		t.Fatal(err)
	}
	w, win := openWindow(t, db, "es")
	w.now = func() time.Time { return now }
	state := func(email string) (string, time.Time) {
		t.Helper()
		jobs, err := reminders.List(context.Background(), db, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			if j.Customer == email {
				return j.State, j.Due
			}
		}
		t.Fatalf("no job for %s", email)
		return "", time.Time{}
	}
	selectCustomer(t, w, "Ana Pérez")
	tapButton(t, win, "Cancelar este correo")
	if st, _ := state("ana@example.com"); st != "cancelled" {
		t.Fatalf("Ana's thank-you is %s after Cancel", st)
	}
	if st, _ := state("luis@example.com"); st != "planned" {
		t.Fatalf("Luis's thank-you is %s: the cancel reached the wrong customer", st)
	}
	mustShow(t, win, "Correo automático «agradecimiento»: cancelado · "+formatDateTime(placed.Add(time.Hour), "es"))
	mustNotShow(t, win, "Cancelar este correo")

	selectCustomer(t, w, "Luis Gómez")
	tapButton(t, win, "Enviar ahora")
	if st, due := state("luis@example.com"); st != "planned" || due.After(now) {
		t.Fatalf("Luis's thank-you after Send now: %s due %v, want due by %v", st, due, now)
	}
}

// The owner joins two customers who are one person from the card, sees
// both's orders on one card, and separates them again; tags and the
// language of their emails are kept as set.
func TestCardMergeUnmergeTagsLanguage(t *testing.T) {
	db := newShopDB(t)
	importFixtures(t, db, "shopify_orders.csv")
	w, win := openWindow(t, db, "es")
	w.openRoom("ui.nav.customers")
	selectCustomer(t, w, "Emily Carter")
	keep := w.customers.current
	before, err := orders.CardByID(context.Background(), db, keep)
	if err != nil {
		t.Fatal(err)
	}
	tapButton(t, win, "Unir con otro cliente (la misma persona)…")
	var search *widget.Entry
	var list *widget.List
	top := win.Canvas().Overlays().Top()
	for _, e := range visible[*widget.Entry](top) {
		if e.PlaceHolder == "Buscar por nombre, correo o teléfono" {
			search = e
		}
	}
	if lists := visible[*widget.List](top); len(lists) > 0 {
		list = lists[0]
	}
	if search == nil || list == nil {
		t.Fatal("no customer search in the join dialog")
	}
	test.Type(search, "josé")
	list.Select(0)
	mustShow(t, win, "¿Unir a José Núñez con Emily Carter? Sus pedidos, citas y correos automáticos pasarán a la ficha de "+
		"Emily Carter, y su dirección la seguirá encontrando. Se puede deshacer desde la ficha.")
	tapButton(t, win, "Unir")
	card, err := orders.CardByID(context.Background(), db, keep)
	if err != nil || card.Totals.OrderCount != before.Totals.OrderCount+1 || len(card.Merged) != 1 {
		t.Fatalf("after joining: %d orders, %d merged (%v)", card.Totals.OrderCount, len(card.Merged), err)
	}
	if via, err := orders.CardByEmail(context.Background(), db, "jose.nunez@example.es"); err != nil || via.Customer.ID != keep {
		t.Fatalf("José's address finds customer %v (%v), want Emily's card", via, err)
	}
	mustShow(t, win, "Separar de nuevo a José Núñez", "También: jose.nunez@example.es")
	if !hasPrefix(screenTexts(win), "2 pedidos · valor total") {
		t.Errorf("the card does not count both's orders: %q", screenTexts(win))
	}
	for _, r := range w.customers.rows {
		if r.Name == "José Núñez" {
			t.Fatal("José is still in the list as a customer of his own")
		}
	}

	tapButton(t, win, "Separar de nuevo a José Núñez")
	after, err := orders.CardByID(context.Background(), db, keep)
	if err != nil || after.Totals.OrderCount != before.Totals.OrderCount || len(after.Merged) != 0 {
		t.Fatalf("after separating: %+v (%v)", after.Totals, err)
	}
	mustNotShow(t, win, "Separar de nuevo a José Núñez")

	// Tags and language.
	var tags *widget.Entry
	var lang *widget.Select
	for _, e := range visible[*widget.Entry](w.customers.card) {
		if e.PlaceHolder == "Etiquetas, separadas por comas (vip, mayorista…)" {
			tags = e
		}
	}
	if selects := visible[*widget.Select](w.customers.card); len(selects) > 0 {
		lang = selects[0]
	}
	if tags == nil || lang == nil || lang.Selected != "El de la tienda" {
		t.Fatalf("tags %v, language %+v", tags != nil, lang)
	}
	test.Type(tags, "vip, mayorista")
	tags.OnSubmitted(tags.Text)
	lang.SetSelected("English")
	card, _ = orders.CardByID(context.Background(), db, keep)
	a, _ := reminders.ForCustomer(context.Background(), db, keep)
	if strings.Join(card.Customer.Tags, ",") != "mayorista,vip" && strings.Join(card.Customer.Tags, ",") != "vip,mayorista" ||
		a.Language != "en" {
		t.Fatalf("tags %q, language %q", card.Customer.Tags, a.Language)
	}
}
