package orders

import (
	"context"
	"testing"
)

// People who only wrote become customers; known ones keep their order name.
func TestAddContacts(t *testing.T) {
	db := newDB(t)
	importFixture(t, db, "shopify_orders.csv", Options{})
	before := count(t, db, `SELECT count(*) FROM customer`)
	n, err := AddContacts(context.Background(), db, []Contact{
		{Email: "Marta@Example.com", Name: "Marta Ruiz"},
		{Email: "marta@example.com", Name: "Marta"},           // the same person twice
		{Email: "ana.perez@example.com", Name: "Ana (móvil)"}, // a buyer already
		{Email: "not an address", Name: "x"},
	})
	if err != nil || n != 1 {
		t.Fatalf("added %d, %v; want 1", n, err)
	}
	if got := count(t, db, `SELECT count(*) FROM customer`); got != before+1 {
		t.Errorf("%d customers, want %d", got, before+1)
	}
	if c := cardOf(t, db, "marta@example.com"); c.Customer.Name != "Marta Ruiz" || len(c.Orders) != 0 {
		t.Errorf("Marta: %+v", c.Customer)
	}
	if c := cardOf(t, db, "ana.perez@example.com"); c.Customer.Name == "Ana (móvil)" {
		t.Error("a mail header's name replaced the name on the orders")
	}
	// Found by an accent-free search of her name, like buyers.
	rows, err := ListCustomers(context.Background(), db, "marta ruiz", 10)
	if err != nil || len(rows) != 1 {
		t.Errorf("list: %+v %v", rows, err)
	}
	if n, err := AddContacts(context.Background(), db, []Contact{{Email: "marta@example.com"}}); n != 0 || err != nil {
		t.Errorf("again: %d %v", n, err)
	}
}

func TestFindOrders(t *testing.T) {
	db := newDB(t)
	importFixture(t, db, "shopify_orders.csv", Options{})
	for q, want := range map[string]int{"#1004": 1, "1004": 1, "100": 6, "#100": 6, "9999": 0, "": 0, "10 04": 0, "1_0%": 0} {
		hits, err := FindOrders(context.Background(), db, q, 20)
		if err != nil || len(hits) != want {
			t.Errorf("FindOrders(%q): %d hits %v, want %d", q, len(hits), err, want)
		}
	}
	hits, _ := FindOrders(context.Background(), db, "1004", 20)
	if len(hits) == 1 && (hits[0].Customer.Email != "ana.perez@example.com" || hits[0].Number != "#1004") {
		t.Errorf("#1004: %+v", hits[0])
	}
}

// A phone number is found however it is written.
func TestListCustomersByPhone(t *testing.T) {
	db := newDB(t)
	importFixture(t, db, "shopify_orders.csv", Options{})
	for _, q := range []string{"+34 612 345 678", "612345678", "612-34-56-78"} {
		rows, err := ListCustomers(context.Background(), db, q, 10)
		if err != nil || len(rows) != 1 || rows[0].Email != "jose.nunez@example.es" {
			t.Errorf("ListCustomers(%q) = %+v %v", q, rows, err)
		}
	}
}
