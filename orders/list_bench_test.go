package orders

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"
)

const benchOrders = 100000

// fillOrders writes n orders of about n*3/20 customers straight into the
// tables, oldest first, as a shop a few years old has them: the newest 300
// still to ship or on their way, the rest delivered, one in twenty of them
// cancelled and refunded.
func fillOrders(tb testing.TB, db *sql.DB, n int) {
	tb.Helper()
	tx, err := db.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	customers := max(1, n*3/20)
	cust, err := tx.Prepare(`INSERT INTO customer(id, email, name, name_key, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?)`)
	if err != nil {
		tb.Fatal(err)
	}
	defer cust.Close()
	for i := 1; i <= customers; i++ {
		name := fmt.Sprintf("Cliente Número %d", i)
		if _, err := cust.Exec(i, fmt.Sprintf("customer%d@example.com", i), name, foldText(name), "x", "x"); err != nil {
			tb.Fatal(err)
		}
	}
	ord, err := tx.Prepare(`INSERT INTO orders(platform, number, customer_id, email, name, placed_at, currency, total,
		payment_status, fulfillment_status, cancelled, carrier, tracking, created_at, updated_at)
		VALUES('shopify', ?, ?, ?, ?, ?, 'EUR', ?, ?, ?, ?, ?, ?, 'x', 'x')`)
	if err != nil {
		tb.Fatal(err)
	}
	defer ord.Close()
	start := time.Date(2022, 1, 1, 9, 0, 0, 0, time.UTC)
	step := 3 * 365 * 24 * time.Hour / time.Duration(n)
	for i := 0; i < n; i++ {
		c := 1 + (i*7919)%customers
		pay, ful, cancelled, carrier, tracking := "paid", "delivered", 0, "Correos", fmt.Sprintf("PK%08dES", i)
		switch {
		case i >= n-300 && i%3 == 0:
			ful, carrier, tracking = "unfulfilled", "", ""
		case i >= n-300 && i%3 == 1:
			pay, ful, carrier, tracking = "pending", "unfulfilled", "", ""
		case i >= n-300:
			ful = "shipped"
		case i%20 == 0:
			pay, cancelled = "refunded", 1
		}
		if _, err := ord.Exec(fmt.Sprintf("#%d", 1001+i), c, fmt.Sprintf("customer%d@example.com", c),
			fmt.Sprintf("Cliente Número %d", c), timeText(start.Add(time.Duration(i)*step)), 1000+i%9000,
			pay, ful, cancelled, carrier, tracking); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkListOrders measures the Orders room's list on a shop of 100,000
// orders: a page of the newest under each filter, and searches.
//
//	go test -tags ci -run '^$' -bench ListOrders ./orders
func BenchmarkListOrders(b *testing.B) {
	db := newDB(b)
	fillOrders(b, db, benchOrders)
	ctx := context.Background()
	for _, bc := range []struct{ name, filter, query string }{
		{"all", FilterAll, ""},
		{"open", FilterOpen, ""},
		{"shipped", FilterShipped, ""},
		{"delivered", FilterDelivered, ""},
		{"closed", FilterClosed, ""},
		{"search-customer", FilterAll, "cliente número 1234"},
		{"search-email", FilterAll, "customer4321@"},
		{"search-number", FilterAll, "#99999"},
		{"search-nothing", FilterAll, "nadie"},
		{"search-broad", FilterAll, "1"},
		{"open-search", FilterOpen, "customer77"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			rows, err := ListOrders(ctx, db, bc.filter, bc.query, 1000)
			if err != nil {
				b.Fatal(err)
			}
			if len(rows) == 0 && bc.name != "search-nothing" {
				b.Fatalf("no rows: the case does not measure what it says")
			}
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if _, err := ListOrders(ctx, db, bc.filter, bc.query, 1000); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/op")
			b.ReportMetric(float64(len(rows)), "rows")
		})
	}
}

// BenchmarkListCustomers100k lists a shop of 100,000 customers and 150,000
// orders as the customers room does: the latest 1,000 buyers (the room's
// page), every customer, and a search.
//
//	go test -tags ci -run '^$' -bench ListCustomers100k -benchmem ./orders
func BenchmarkListCustomers100k(b *testing.B) {
	db := newDB(b)
	for _, q := range []string{
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
		INSERT INTO customer(id, email, name, name_key, created_at, updated_at)
		SELECT i, 'cliente' || i || '@example.com', 'Cliente ' || i, 'cliente ' || i, 'x', 'x' FROM n`,
		`WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 150000)
		INSERT INTO orders(id, platform, number, customer_id, email, name, placed_at, currency, created_at, updated_at)
		SELECT k, 'shopify', '#' || k, 1 + (k * 7919) % 100000, '', '',
			strftime('%Y-%m-%dT%H:%M:%SZ', 1790000000 - k * 600, 'unixepoch'), 'EUR', 'x', 'x' FROM n`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	for _, bc := range []struct {
		name, query string
		limit, want int
	}{{"latest-1000", "", 1000, 1000}, {"all-100k", "", 100000, 100000}, {"search", "cliente 4242", 1000, 1}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				rows, err := ListCustomers(ctx, db, bc.query, bc.limit)
				if err != nil || len(rows) < bc.want {
					b.Fatalf("%d rows (%v)", len(rows), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
		})
	}
}
