package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"mostrador/orders"
)

func TestCustomerListShowsImportedCustomers(t *testing.T) {
	db := newShopDB(t)
	importFixtures(t, db, "shopify_orders.csv", "tiendanube_es.csv")
	_, win := openWindow(t, db, "es")

	// 5 Shopify customers (Ana Pérez twice, under two spellings of her
	// email) and 3 Tiendanube ones (Martina Gómez twice).
	mustShow(t, win,
		"8 clientes",
		"Martina Gómez", "martina.gomez@example.com.ar · 2 pedidos",
		"Federico Álvarez", "fede.alvarez@example.com · 1 pedido",
		"Sofía Peña", "sofia.pena@example.com · 1 pedido",
		"Ana Pérez", "ana.perez@example.com · 2 pedidos",
		"Michael O'Brien", "mike.obrien@example.com · 1 pedido",
		"Lucía Fernández", "Emily Carter", "José Núñez",
	)
	mustNotShow(t, win, "Bienvenido a Mostrador")
	// The newest buyer comes first and her card is open.
	mustShow(t, win, "martina.gomez@example.com.ar", "2 pedidos · valor total 24.700,00 ARS")
	mustBeTranslated(t, win)
}

func TestFirstSelectedCustomerIsInView(t *testing.T) {
	db := newShopDB(t)
	importFixtures(t, db, "shopify_orders.csv", "tiendanube_es.csv", "woocommerce_plugin.csv",
		"etsy_sold_orders.csv", "generic_es.csv", "bad_rows.csv")
	w, _ := openWindow(t, db, "es")
	// Selecting the first row before the list was laid out used to scroll
	// it one row down, hiding the selected customer above the top.
	if off := w.customers.list.GetScrollOffset(); off != 0 {
		t.Errorf("the list opens scrolled by %v; the first, selected customer is hidden", off)
	}
}

func TestSearchFiltersTheList(t *testing.T) {
	db := newShopDB(t)
	importFixtures(t, db, "shopify_orders.csv", "tiendanube_es.csv")
	w, win := openWindow(t, db, "es")

	test.Type(w.customers.search, "gomez")
	mustShow(t, win, "1 cliente", "Martina Gómez", "martina.gomez@example.com.ar · 2 pedidos")
	mustNotShow(t, win, "Ana Pérez", "Sofía Peña", "Ningún cliente coincide con la búsqueda.")

	w.customers.search.SetText("ANA.PEREZ@")
	mustShow(t, win, "1 cliente", "Ana Pérez", "ana.perez@example.com")
	mustNotShow(t, win, "Martina Gómez")

	w.customers.search.SetText("nadie se llama así")
	mustShow(t, win, "0 clientes", "Ningún cliente coincide con la búsqueda.", "nadie se llama así")
	mustNotShow(t, win, "Ana Pérez", "ana.perez@example.com", "Bienvenido a Mostrador")
	mustBeTranslated(t, win)
	if w.customers.current != 0 || len(w.customers.card.Objects) != 0 {
		t.Errorf("a card is still shown for a search without results")
	}

	w.customers.search.SetText("")
	mustShow(t, win, "8 clientes", "Ana Pérez", "Martina Gómez")
	mustNotShow(t, win, "Ningún cliente coincide con la búsqueda.")
}

func TestCardShowsOrdersItemsStatusAndTracking(t *testing.T) {
	db := newShopDB(t)
	importFixtures(t, db, "shopify_orders.csv", "tiendanube_es.csv", "woocommerce_plugin.csv")
	w, win := openWindow(t, db, "es")

	selectCustomer(t, w, "Ana Pérez")
	mustShow(t, win,
		"Ana Pérez", "ana.perez@example.com", "Teléfono: +13055550142",
		"2 pedidos · valor total 84,66 USD",
		"11/03/2024 · 25,21 USD", "Pagado", "4 × Jabón de oliva - 100 g — 18,00 USD", "Pedido #1004 · Shopify",
		"05/03/2024 · 59,45 USD", "Enviado", "2 × Jabón de oliva - 100 g — 9,00 USD",
		"1 × Vela de soja - Lavanda — 15,00 USD", "Pedido #1001 · Shopify",
	)
	mustNotShow(t, win, "Sin correo: no se le puede escribir por email")

	// A delivered order with its tracking number; Tiendanube's Excel
	// formula around it (="TN…") is gone.
	selectCustomer(t, w, "Martina Gómez")
	mustShow(t, win, "20/12/2025 · 24.700,00 ARS", "Entregado", "Envío: TN123456789AR",
		"2 × Vela de soja Ámbar 200 g — 17.000,00 ARS", "Pedido 512 · Tiendanube",
		"23/12/2025 · 14.100,00 ARS", "Pago pendiente")

	// Carrier and tracking, a refunded order left out of the lifetime value.
	selectCustomer(t, w, "María José García Núñez")
	mustShow(t, win, "2 pedidos · valor total 30,40", "Reembolsado", "Envío: Correos PQ4F6P0703611230108001K",
		"Envío: Correos PQ4F6P0703526580108001X", "Pedido 2041 · WooCommerce")
	mustBeTranslated(t, win)
}

// Bookings show in the card's timeline at the clock time they were booked
// in, with their state, newest first among the orders; a customer who only
// books says so instead of an empty total.
func TestCardShowsAppointments(t *testing.T) {
	db := newShopDB(t)
	importFixtures(t, db, "shopify_orders.csv")
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"appointments_es.csv", "appointments_es_later.csv"} {
		if _, err := orders.ImportAppointmentsFile(context.Background(), db, fixtures+name,
			orders.Options{Location: madrid}); err != nil {
			t.Fatalf("import %s: %v", name, err)
		}
	}
	// The window's own zone is another one: the booking's zone wins.
	w, win := openWindow(t, db, "es")

	selectCustomer(t, w, "Lucía Fernández")
	mustShow(t, win, "1 pedido · valor total 37,45 USD", "Pedido #1006 · Shopify", "Reservada")
	texts := screenTexts(win)
	later := slices.Index(texts, "28/03/2024 10:00 · Taller de cerámica (iniciación) · Marta")
	booking := slices.Index(texts, "14/03/2024 10:00 · Taller de cerámica (iniciación) · Marta")
	order := slices.Index(texts, "12/03/2024 · 37,45 USD")
	if later < 0 || booking < 0 || order < 0 || !(later < booking && booking < order) {
		t.Errorf("Lucía's bookings are not shown at 10:00 Madrid time, newest first, above her order of the 12th: %q", texts)
	}

	selectCustomer(t, w, "Jordi Puig")
	mustShow(t, win, "Sin pedidos todavía", "Reservada")
	mustNotShow(t, win, "0 pedidos · valor total —")
	selectCustomer(t, w, "Pedro Sánchez")
	mustShow(t, win, "Cancelada", "Sin correo: no se le puede escribir por email")
	mustBeTranslated(t, win)

	w2, win2 := openWindow(t, db, "en")
	selectCustomer(t, w2, "Jordi Puig")
	mustShow(t, win2, "Mar 21, 2024 18:30 · Cata de café · Andrés", "Booked", "No orders yet")
	mustBeTranslated(t, win2)
}

func TestLifetimeValueIsPerCurrency(t *testing.T) {
	db := newShopDB(t)
	// Lucía Fernández bought in USD on Shopify and, in a sheet without a
	// currency, in the shop: the two sums are not added together.
	importFixtures(t, db, "shopify_orders.csv", "generic_es.csv")
	w, win := openWindow(t, db, "en")
	selectCustomer(t, w, "Lucía Fernández")
	mustShow(t, win, "2 orders · lifetime value 13.50 + 37.45 USD",
		"Mar 12, 2024 · 37.45 USD", "Mar 2, 2024 · 13.50", "Delivered",
		"Shipment: Correos PQ4F6P0712340010108001A", "Order P-001 · spreadsheet")
}

func TestCustomerWithoutEmailCannotBeEmailed(t *testing.T) {
	db := newShopDB(t)
	importFixtures(t, db, "generic_es.csv")
	w, win := openWindow(t, db, "es")
	mustShow(t, win, "sin correo · 1 pedido")

	selectCustomer(t, w, "Pedro Sánchez")
	mustShow(t, win, "Pedro Sánchez", "Sin correo: no se le puede escribir por email", "Teléfono: 699 888 777",
		"13/03/2024 · 24,00", "2 × Vela de soja — 24,00")

	selectCustomer(t, w, "Jordi Puig")
	mustShow(t, win, "jordi.puig@example.cat")
	mustNotShow(t, win, "Sin correo: no se le puede escribir por email")

	_, win = openWindow(t, db, "en")
	mustShow(t, win, "no email · 1 order")
}

func TestEmptyShopSaysWhatToDo(t *testing.T) {
	for _, tc := range []struct{ lang, title, button string }{
		{"es", "Bienvenido a Mostrador", "Importar pedidos o citas…"},
		{"en", "Welcome to Mostrador", "Import orders or appointments…"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			w, win := openWindow(t, newShopDB(t), tc.lang)
			mustShow(t, win, tc.title, w.t("ui.noCustomers"), w.t("ui.fileTypes"))
			var buttons int
			for _, s := range screenTexts(win) {
				if s == tc.button {
					buttons++
				}
			}
			if buttons != 1 {
				t.Errorf("want one import button, in the welcome, got %d", buttons)
			}
			// No empty list, search box or customer count beside it.
			mustNotShow(t, win, w.t("ui.searchCustomers"), w.tf("ui.customerCount", map[string]any{"Count": 0}))
			mustBeTranslated(t, win)
		})
	}
}

func TestCardOfAVeryLoyalCustomerStaysLight(t *testing.T) {
	var b strings.Builder
	b.WriteString("Order,Date,Customer Name,Email,Item,Qty,Unit Price,Total,Status\n")
	for i := 1; i <= 2*timelinePage+5; i++ {
		fmt.Fprintf(&b, "F-%d,2024-%02d-%02d,Fiel,fiel@example.com,Café,1,3.00,3.00,Paid\n", i, i%12+1, i%28+1)
	}
	path := filepath.Join(t.TempDir(), "fiel.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	db := newShopDB(t)
	if _, err := orders.ImportFile(context.Background(), db, path, orders.Options{Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	_, win := openWindow(t, db, "es")
	// The lifetime value still counts every order; the card draws the
	// newest, and the rest on demand.
	mustShow(t, win, "35 pedidos · valor total 105,00", "Ver 15 más (quedan 20)")
	count := func() int {
		n := 0
		for _, s := range screenTexts(win) {
			if s == "1 × Café — 3,00" {
				n++
			}
		}
		return n
	}
	if n := count(); n != timelinePage {
		t.Fatalf("the card draws %d orders at first, want %d", n, timelinePage)
	}
	tapButton(t, win, "Ver 15 más (quedan 20)")
	tapButton(t, win, "Ver 5 más (quedan 5)")
	if n := count(); n != 35 {
		t.Fatalf("after showing more, %d orders", n)
	}
	mustNotShow(t, win, "Ver 15 más (quedan 20)", "Ver 5 más (quedan 5)")
}

// The list can be sorted: by who waits longest for an answer (with the
// wait on the row), by the last contact, by name, by number of orders.
func TestCustomersSortAndWaiting(t *testing.T) {
	s := newMailShop(t)
	importFixtures(t, s.db, "shopify_orders.csv")
	now := time.Now().Truncate(time.Minute)
	s.write(t, "Emily Carter <emily.carter@example.com>", "e1@example.com", "Pregunta", "¿Hay talla M?", now.Add(-3*time.Hour))
	s.write(t, "José Núñez <jose.nunez@example.es>", "j1@example.com", "Pedido", "¿Y mi pedido?", now.Add(-26*time.Hour))
	s.sync(t)
	w, win := openWindow(t, s.db, "es")
	w.now = func() time.Time { return now }
	w.openRoom("ui.nav.customers")
	names := func() []string {
		var out []string
		for _, r := range w.customers.rows {
			out = append(out, r.Name)
		}
		return out
	}
	w.customers.sortBy.SetSelected("Esperan respuesta")
	if got := names(); len(got) < 3 || got[0] != "José Núñez" || got[1] != "Emily Carter" {
		t.Fatalf("waiting first: %q", got)
	}
	mustShow(t, win, "espera 26 h", "espera 3 h")
	w.customers.sortBy.SetSelected("Nombre")
	got := names()
	if !slices.IsSortedFunc(got, func(a, b string) int { return strings.Compare(orders.Fold(a), orders.Fold(b)) }) ||
		len(got) != 5 {
		t.Fatalf("by name, accents folded: %q", got)
	}
	w.customers.sortBy.SetSelected("Más pedidos")
	if got := names(); got[0] != "Ana Pérez" {
		t.Fatalf("most orders first: %q (Ana has two)", got)
	}
	w.customers.sortBy.SetSelected("Último contacto")
	if got := names(); got[0] != "Emily Carter" {
		t.Fatalf("latest contact first: %q (Emily wrote 3 hours ago)", got)
	}
	mustBeTranslated(t, win)
}
