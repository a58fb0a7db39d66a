package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// numbers are the rows' order numbers, in the list's order.
func numbers(rows []OrderRow) string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Number)
	}
	return strings.Join(out, " ")
}

func listOrders(t *testing.T, db *sql.DB, filter, query string, limit int) []OrderRow {
	t.Helper()
	rows, err := ListOrders(context.Background(), db, filter, query, limit)
	if err != nil {
		t.Fatalf("ListOrders(%q, %q): %v", filter, query, err)
	}
	return rows
}

func TestListOrdersNewestFirstWithFilters(t *testing.T) {
	db := newDB(t)
	importFixture(t, db, "shopify_orders.csv", Options{})
	importFixture(t, db, "tiendanube_es.csv", Options{})

	for _, tc := range []struct{ filter, want string }{
		{FilterAll, "515 514 513 512 #1006 #1005 #1004 #1003 #1002 #1001"},
		{"", "515 514 513 512 #1006 #1005 #1004 #1003 #1002 #1001"},
		{FilterOpen, "515 513 #1004 #1002"},
		{FilterShipped, "#1006 #1001"},
		{FilterDelivered, "512"},
		{FilterClosed, "514 #1005 #1003"},
	} {
		if got := numbers(listOrders(t, db, tc.filter, "", 0)); got != tc.want {
			t.Errorf("filter %q lists %q, want %q", tc.filter, got, tc.want)
		}
	}
	if got := numbers(listOrders(t, db, FilterAll, "", 3)); got != "515 514 513" {
		t.Errorf("limit 3 lists %q", got)
	}
	if _, err := ListOrders(context.Background(), db, "sent", "", 0); !errors.Is(err, ErrUnknownFilter) {
		t.Errorf("an unknown filter gives %v, want ErrUnknownFilter", err)
	}

	// A row has what the table shows.
	rows := listOrders(t, db, FilterDelivered, "", 0)
	r := rows[0]
	if r.Name != "Martina Gómez" || r.Email != "martina.gomez@example.com.ar" || r.Currency != "ARS" ||
		r.Total == nil || *r.Total != 2470000 || r.Status != "delivered" || r.Tracking != "TN123456789AR" ||
		!sameTime(r.PlacedAt, "2025-12-20T09:00:00Z") || r.Platform != "tiendanube" {
		t.Errorf("row = %+v", r)
	}
}

func TestListOrdersSearch(t *testing.T) {
	db := newDB(t)
	importFixture(t, db, "shopify_orders.csv", Options{})
	importFixture(t, db, "tiendanube_es.csv", Options{})

	for _, tc := range []struct{ filter, query, want string }{
		{FilterAll, "gomez", "515 512"},          // a name without its accent
		{FilterAll, "  GÓMEZ ", "515 512"},       // with it, in capitals
		{FilterAll, "ana.perez@", "#1004 #1001"}, // an address, whatever its case in the file
		{FilterAll, "#1003", "#1003"},            // a number
		{FilterAll, "100", "#1006 #1005 #1004 #1003 #1002 #1001"},
		{FilterOpen, "gomez", "515"},    // the filter and the search together
		{FilterShipped, "ana", "#1001"}, //
		{FilterAll, "nadie", ""},        //
		{FilterAll, "ana_perez@", ""},   // "_" is a character, not LIKE's wildcard
		{FilterAll, "%", ""},            // and so is "%"
	} {
		if got := numbers(listOrders(t, db, tc.filter, tc.query, 0)); got != tc.want {
			t.Errorf("filter %q search %q lists %q, want %q", tc.filter, tc.query, got, tc.want)
		}
	}
}

// TestStatusSQLMatchesSummary: the filters select on the word the list
// shows, for every mix of cancellation, payment and fulfillment.
func TestStatusSQLMatchesSummary(t *testing.T) {
	db := newDB(t)
	if _, err := db.Exec(`INSERT INTO customer(id, email, name, created_at, updated_at)
		VALUES(1, 'a@example.com', 'A', 'x', 'x')`); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, cancelled := range []int{0, 1} {
		for _, pay := range []string{"", "pending", "paid", "partially_refunded", "refunded", "voided", "failed"} {
			for _, ful := range []string{"", "unfulfilled", "partial", "shipped", "delivered"} {
				n++
				if _, err := db.Exec(`INSERT INTO orders(platform, number, customer_id, placed_at, payment_status,
					fulfillment_status, cancelled, created_at, updated_at) VALUES('generic', ?, 1, ?, ?, ?, ?, 'x', 'x')`,
					fmt.Sprint(n), fmt.Sprintf("2024-01-01T00:%02d:%02dZ", n/60, n%60), pay, ful, cancelled); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	seen := 0
	for _, f := range Filters()[1:] {
		for _, r := range listOrders(t, db, f, "", 1000) {
			seen++
			if !slices.Contains(filterStatuses[f], r.Status) {
				t.Errorf("filter %s lists order %s, whose status is %s", f, r.Number, r.Status)
			}
		}
	}
	if seen != n {
		t.Errorf("the filters other than all list %d orders between them, want each of the %d once", seen, n)
	}
	if all := listOrders(t, db, FilterAll, "", 1000); len(all) != n {
		t.Errorf("all lists %d of %d", len(all), n)
	}
}

func TestOrderByID(t *testing.T) {
	db := newDB(t)
	importFixture(t, db, "shopify_orders.csv", Options{})
	o, _ := findOrder(t, db, "shopify", "#1001")
	d, err := OrderByID(context.Background(), db, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Number != "#1001" || d.Customer.Email != "ana.perez@example.com" || d.Customer.Name != "Ana Pérez" ||
		len(d.Items) != 3 || d.Items[0].Name != "Jabón de oliva - 100 g" || d.Status != "shipped" ||
		d.ShippingMethod != "Standard Shipping" {
		t.Errorf("detail = %+v", d)
	}
	if _, err := OrderByID(context.Background(), db, 999); !errors.Is(err, ErrNoOrder) || !strings.Contains(err.Error(), "999") {
		t.Errorf("a missing order gives %v", err)
	}
}

// TestListOrdersUsesTheIndexes: a page is chosen from an index, never by
// sorting every order. Should statusSQL and the index orders_status (schema
// step 3) drift apart, SQLite stops using the index and this fails.
func TestListOrdersUsesTheIndexes(t *testing.T) {
	db := newDB(t)
	for _, tc := range []struct{ filter, query, index string }{
		{FilterAll, "", "orders_placed"},
		{FilterOpen, "", "orders_status"},
		{FilterShipped, "", "orders_status"},
		{FilterDelivered, "", "orders_status"},
		{FilterClosed, "", "orders_status"},
		{FilterAll, "gomez", "orders_customer"},
	} {
		q, args, err := listQuery(tc.filter, tc.query, 100)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query("EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, " | ")
		if !strings.Contains(text, "INDEX "+tc.index) || strings.Contains(text, "SCAN orders |") ||
			strings.HasSuffix(text, "SCAN orders") {
			t.Errorf("filter %q search %q: plan %q, want it to use %s and read no whole table", tc.filter, tc.query, text, tc.index)
		}
	}
}
