package orders

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// The latest buyers, found from the newest orders, are the list the full
// count-and-sort gives, in the same order: ties on the date by name,
// customers without dated orders last by name; at every limit.
func TestRecentCustomersMatchTheFullSort(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(3, 11))
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	stamp := base.Format(time.RFC3339)
	names := []string{"Ana", "Bea", "Carla", "Dani", "Eva", "Íñigo", "Zoe", "ana"}
	for i := 1; i <= 300; i++ {
		email := any(fmt.Sprintf("c%d@example.com", i))
		if i%37 == 0 {
			email = nil // no address
		}
		if _, err := db.Exec(`INSERT INTO customer(id, email, name, created_at, updated_at) VALUES(?, ?, ?, ?, ?)`,
			i, email, names[rnd.IntN(len(names))]+fmt.Sprint(rnd.IntN(5)), stamp, stamp); err != nil {
			t.Fatal(err)
		}
	}
	for k := 1; k <= 900; k++ {
		var placed any = base.Add(time.Duration(rnd.IntN(200)) * time.Hour).Format(time.RFC3339) // many ties
		if k%50 == 0 {
			placed = nil // an order without a date
		}
		customer := 1 + rnd.IntN(250) // customers 251-300 never order
		if _, err := db.Exec(`INSERT INTO orders(id, platform, number, customer_id, email, name, placed_at, currency,
			created_at, updated_at) VALUES(?, 'shopify', ?, ?, '', '', ?, 'EUR', ?, ?)`,
			k, fmt.Sprint(k), customer, placed, stamp, stamp); err != nil {
			t.Fatal(err)
		}
	}
	// Page after page, the pager lists everyone once, in the same order.
	full, err := searchCustomers(ctx, db, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range []int{1, 9, 64, 1000} {
		p := NewCustomerPager(db)
		var all []CustomerRow
		for !p.Done() && len(all) <= len(full) {
			got, err := p.Next(ctx, page)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, got...)
		}
		if !reflect.DeepEqual(all, full) {
			for i := range min(len(all), len(full)) {
				if !reflect.DeepEqual(all[i], full[i]) {
					t.Fatalf("pages of %d: row %d is %+v, the full sort has %+v", page, i, all[i], full[i])
				}
			}
			t.Fatalf("pages of %d: %d rows, the full sort has %d", page, len(all), len(full))
		}
	}
	for _, limit := range []int{1, 7, 50, 240, 260, 1000} {
		fast, err := recentCustomers(ctx, db, limit)
		if err != nil {
			t.Fatal(err)
		}
		full, err := searchCustomers(ctx, db, "", limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(fast) != min(limit, 300) || !reflect.DeepEqual(fast, full) {
			for i := range min(len(fast), len(full)) {
				if !reflect.DeepEqual(fast[i], full[i]) {
					t.Fatalf("limit %d: row %d is %+v, the full sort has %+v", limit, i, fast[i], full[i])
				}
			}
			t.Fatalf("limit %d: %d rows, the full sort has %d", limit, len(fast), len(full))
		}
	}
}
