package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mostrador/internal/database"
)

// madrid is the shop's zone in most tests; the files without offsets are read in it.
var madrid = mustZone("Europe/Madrid")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func newDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := database.Open(filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := database.Migrate(db, Migrations); err != nil {
		t.Fatal(err)
	}
	return db
}

func fixture(name string) string { return filepath.Join("testdata", "formats", name) }

func importFixture(t testing.TB, db *sql.DB, name string, opts Options) *Result {
	t.Helper()
	if opts.Location == nil {
		opts.Location = madrid
	}
	res, err := ImportFile(context.Background(), db, fixture(name), opts)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return res
}

// findOrder returns an order as the card shows it, and its customer.
func findOrder(t testing.TB, db *sql.DB, platform, number string) (Order, Customer) {
	t.Helper()
	var cid int64
	if err := db.QueryRow(`SELECT customer_id FROM orders WHERE platform = ? AND number = ?`, platform, number).Scan(&cid); err != nil {
		t.Fatalf("order %s/%s: %v", platform, number, err)
	}
	card, err := CardByID(context.Background(), db, cid)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range card.Orders {
		if o.Number == number && o.Platform == platform {
			return o, card.Customer
		}
	}
	t.Fatalf("order %s not on its customer's card", number)
	return Order{}, Customer{}
}

func cardOf(t testing.TB, db *sql.DB, email string) *Card {
	t.Helper()
	c, err := CardByEmail(context.Background(), db, email)
	if err != nil {
		t.Fatalf("card %s: %v", email, err)
	}
	return c
}

func count(t testing.TB, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func wantCounts(t *testing.T, res *Result, ins, upd, unch int) {
	t.Helper()
	if res.Orders != (OrderCounts{ins, upd, unch}) {
		t.Fatalf("orders = %+v, want inserted %d updated %d unchanged %d", res.Orders, ins, upd, unch)
	}
}

func wantNoRejections(t *testing.T, res *Result) {
	t.Helper()
	if len(res.Rejected) > 0 {
		t.Fatalf("rejected rows: %+v", res.Rejected)
	}
}

func total(o Order) int64 {
	if o.Total == nil {
		return -1
	}
	return *o.Total
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func sameTime(p *time.Time, want string) bool { return p != nil && p.Equal(at(want)) }

func price(p *int64) int64 {
	if p == nil {
		return -1
	}
	return *p
}

func fileError(t *testing.T, err error) *FileError {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want a *FileError", err)
	}
	return fe
}

// changeKinds lists the changes other than "new" as "order:kind".
func changeKinds(res *Result) map[string]bool {
	out := map[string]bool{}
	for _, c := range res.Changes {
		if c.Kind != "new" {
			out[c.Order+":"+c.Kind] = true
		}
	}
	return out
}

// dump is the order log's whole content, without bookkeeping timestamps, as
// text to compare.
func dump(t testing.TB, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, coalesce(email,''), name, phone, phone_key, name_key FROM customer ORDER BY id`,
		`SELECT id, platform, number, customer_id, ` + orderColumns + `, source_hashes FROM orders ORDER BY id`,
		`SELECT order_id, position, quantity, name, sku, variant, unit_price, line_total FROM order_item ORDER BY order_id, position`,
		`SELECT order_id, kind, detail FROM order_event ORDER BY id`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}
