package orders

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// orderEvents lists an order's order_event rows as "kind seen_at detail".
func orderEvents(t *testing.T, db *sql.DB, orderID int64) []string {
	t.Helper()
	rows, err := db.Query(`SELECT kind, seen_at, detail FROM order_event WHERE order_id = ? ORDER BY id`, orderID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k, s, d string
		if err := rows.Scan(&k, &s, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, k+" "+s+" "+d)
	}
	return out
}

// orderRecorder is a Within that keeps what it was given and what the order
// looked like inside the transaction.
type orderRecorder struct {
	calls   int
	changes []Change
	status  string // fulfillment_status as the transaction sees it
}

func (r *orderRecorder) within(ctx context.Context, tx *sql.Tx, changes []Change) error {
	r.calls++
	r.changes = changes
	if len(changes) > 0 {
		return tx.QueryRowContext(ctx, `SELECT fulfillment_status FROM orders WHERE id = ?`, changes[0].OrderID).Scan(&r.status)
	}
	return nil
}

func TestMarkShipped(t *testing.T) {
	db := newDB(t)
	importFixture(t, db, "shopify_orders.csv", Options{})
	o, _ := findOrder(t, db, "shopify", "#1004") // paid, not shipped
	now := at("2024-03-12T10:00:00Z")
	var rec orderRecorder
	changes, err := MarkShipped(context.Background(), db, o.ID, " Correos ", " PK123ES ", "", now, rec.within)
	if err != nil {
		t.Fatal(err)
	}
	placed := at("2024-03-11T15:02:00Z")
	want := []Change{{Kind: "shipped", Platform: "shopify", Order: "#1004", OrderID: o.ID, CustomerID: changes[0].CustomerID,
		CustomerEmail: "ana.perez@example.com", PlacedAt: &placed, At: &now, Carrier: "Correos", Tracking: "PK123ES",
		From: "unfulfilled", To: "shipped"}}
	if !reflect.DeepEqual(changes, want) {
		t.Errorf("changes = %+v\nwant %+v", changes, want)
	}
	if rec.calls != 1 || !reflect.DeepEqual(rec.changes, want) || rec.status != "shipped" {
		t.Errorf("within: %d calls with %+v, seeing the order %q", rec.calls, rec.changes, rec.status)
	}
	got, _ := findOrder(t, db, "shopify", "#1004")
	if got.Status != "shipped" || got.Carrier != "Correos" || got.Tracking != "PK123ES" || got.TrackingURL != "" ||
		!sameTime(got.ShippedAt, "2024-03-12T10:00:00Z") || got.DeliveredAt != nil {
		t.Errorf("stored: %+v", got)
	}
	if ev := orderEvents(t, db, o.ID); !reflect.DeepEqual(ev, []string{"shipped 2024-03-12T10:00:00Z Correos PK123ES"}) {
		t.Errorf("events = %q", ev)
	}

	// The same again: nothing changes, nothing is planned.
	rec = orderRecorder{}
	before := dump(t, db)
	changes, err = MarkShipped(context.Background(), db, o.ID, "Correos", "PK123ES", "", now.Add(time.Hour), rec.within)
	if err != nil || len(changes) != 0 || rec.calls != 0 {
		t.Errorf("marked again: %v, %+v, within called %d times", err, changes, rec.calls)
	}
	if dump(t, db) != before {
		t.Errorf("marking shipped again changed the order log")
	}

	// Another number: a "tracking" change, as an import reports it; the
	// link given is kept.
	later := now.Add(2 * time.Hour)
	changes, err = MarkShipped(context.Background(), db, o.ID, "", "PK999ES", "https://correos.es/t?n=PK999ES", later, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 || changes[0].Kind != "tracking" || changes[0].From != "PK123ES" || changes[0].To != "PK999ES" ||
		changes[0].Carrier != "Correos" || changes[0].TrackingURL != "https://correos.es/t?n=PK999ES" ||
		changes[1].Kind != "updated" || !reflect.DeepEqual(changes[1].Fields, []string{"trackingUrl"}) {
		t.Errorf("new number: %+v", changes)
	}
	got, _ = findOrder(t, db, "shopify", "#1004")
	if got.Tracking != "PK999ES" || got.TrackingURL != "https://correos.es/t?n=PK999ES" ||
		!sameTime(got.ShippedAt, "2024-03-12T10:00:00Z") {
		t.Errorf("stored after the new number: %+v", got)
	}
	// The same number without a link keeps the link.
	if changes, err := MarkShipped(context.Background(), db, o.ID, "Correos", "PK999ES", "", later, nil); err != nil || len(changes) != 0 {
		t.Errorf("the same number without its link: %v %+v", err, changes)
	}

	// A re-import of the same file leaves the order as marked: the file
	// has not changed.
	res := importFixture(t, db, "shopify_orders.csv", Options{})
	wantCounts(t, res, 0, 0, 6)
	if got, _ = findOrder(t, db, "shopify", "#1004"); got.Status != "shipped" {
		t.Errorf("after a re-import the order is %s", got.Status)
	}
}

func TestMarkDelivered(t *testing.T) {
	db := newDB(t)
	importFixture(t, db, "shopify_orders.csv", Options{})
	o, _ := findOrder(t, db, "shopify", "#1001") // shipped by the file, with no tracking number
	now := at("2024-03-09T18:30:00Z")
	var rec orderRecorder
	changes, err := MarkDelivered(context.Background(), db, o.ID, now, rec.within)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Kind != "delivered" || changes[0].At == nil || !changes[0].At.Equal(now) ||
		changes[0].From != "shipped" || changes[0].To != "delivered" || changes[0].Order != "#1001" ||
		changes[0].CustomerEmail != "ana.perez@example.com" || changes[0].OrderID != o.ID {
		t.Errorf("changes = %+v", changes)
	}
	if rec.calls != 1 || rec.status != "delivered" {
		t.Errorf("within: %d calls, seeing %q", rec.calls, rec.status)
	}
	got, _ := findOrder(t, db, "shopify", "#1001")
	if got.Status != "delivered" || !sameTime(got.DeliveredAt, "2024-03-09T18:30:00Z") ||
		!sameTime(got.ShippedAt, "2024-03-06T15:15:22Z") {
		t.Errorf("stored: %+v", got)
	}
	if ev := orderEvents(t, db, o.ID); !reflect.DeepEqual(ev, []string{"delivered 2024-03-09T18:30:00Z delivered"}) {
		t.Errorf("events = %q", ev)
	}

	// Delivered again: no change, no email, nothing written.
	rec = orderRecorder{}
	before := dump(t, db)
	changes, err = MarkDelivered(context.Background(), db, o.ID, now.Add(24*time.Hour), rec.within)
	if err != nil || len(changes) != 0 || rec.calls != 0 || dump(t, db) != before {
		t.Errorf("delivered again: %v %+v, within called %d times, log changed: %v", err, changes, rec.calls, dump(t, db) != before)
	}

	// Straight to delivered (collected at the shop): one change, not a
	// "shipped" one beside it.
	p, _ := findOrder(t, db, "shopify", "#1004")
	changes, err = MarkDelivered(context.Background(), db, p.ID, now, nil)
	if err != nil || len(changes) != 1 || changes[0].Kind != "delivered" || changes[0].From != "unfulfilled" {
		t.Errorf("straight to delivered: %v %+v", err, changes)
	}
	if got, _ := findOrder(t, db, "shopify", "#1004"); got.Status != "delivered" || got.ShippedAt != nil {
		t.Errorf("stored: %+v", got)
	}
	if ev := orderEvents(t, db, p.ID); len(ev) != 1 || !strings.HasPrefix(ev[0], "delivered ") {
		t.Errorf("events = %q", ev)
	}
}

func TestMarkByHandRollsBackWhenWithinFails(t *testing.T) {
	db := newDB(t)
	importFixture(t, db, "shopify_orders.csv", Options{})
	o, _ := findOrder(t, db, "shopify", "#1004")
	before := dump(t, db)
	boom := errors.New("planning failed")
	fail := func(context.Context, *sql.Tx, []Change) error { return boom }
	now := at("2024-03-12T10:00:00Z")
	for name, mark := range map[string]func() ([]Change, error){
		"shipped": func() ([]Change, error) {
			return MarkShipped(context.Background(), db, o.ID, "Correos", "PK1", "", now, fail)
		},
		"delivered": func() ([]Change, error) { return MarkDelivered(context.Background(), db, o.ID, now, fail) },
	} {
		changes, err := mark()
		if !errors.Is(err, boom) || !strings.Contains(err.Error(), "#1004") || changes != nil {
			t.Errorf("%s: %v, %+v; want the error of within, naming the order", name, err, changes)
		}
		if dump(t, db) != before {
			t.Errorf("%s: a failed within left the order changed", name)
		}
	}
}

func TestMarkByHandRefuses(t *testing.T) {
	db := newDB(t)
	importFixture(t, db, "shopify_orders.csv", Options{})
	importFixture(t, db, "tiendanube_es.csv", Options{})
	open, _ := findOrder(t, db, "shopify", "#1004")
	refunded, _ := findOrder(t, db, "shopify", "#1003")
	cancelled, _ := findOrder(t, db, "tiendanube", "514")
	now := at("2024-03-12T10:00:00Z")
	ctx := context.Background()
	before := dump(t, db)
	for _, tc := range []struct {
		name, order string
		err         error
		mark        func() ([]Change, error)
	}{
		{"no tracking", "#1004", ErrNoTracking, func() ([]Change, error) {
			return MarkShipped(ctx, db, open.ID, "Correos", "  ", "", now, nil)
		}},
		{"bad link", "#1004", ErrTrackingURL, func() ([]Change, error) {
			return MarkShipped(ctx, db, open.ID, "Correos", "PK1", "correos.es/PK1", now, nil)
		}},
		{"refunded", "#1003", ErrOrderClosed, func() ([]Change, error) {
			return MarkShipped(ctx, db, refunded.ID, "Correos", "PK1", "", now, nil)
		}},
		{"cancelled", "514", ErrOrderClosed, func() ([]Change, error) { return MarkDelivered(ctx, db, cancelled.ID, now, nil) }},
		{"missing", "999", ErrNoOrder, func() ([]Change, error) { return MarkDelivered(ctx, db, 999, now, nil) }},
	} {
		_, err := tc.mark()
		if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), "order "+tc.order+":") {
			t.Errorf("%s: %v, want %v naming order %s", tc.name, err, tc.err, tc.order)
		}
	}
	if dump(t, db) != before {
		t.Errorf("a refused change was written")
	}
}

// TestMarkShippedGivesANumberToAParcelWithout: an export said "fulfilled"
// without a tracking number; the number typed later is stored and reported.
func TestMarkShippedGivesANumberToAParcelWithout(t *testing.T) {
	db := newDB(t)
	importFixture(t, db, "shopify_orders.csv", Options{})
	o, _ := findOrder(t, db, "shopify", "#1001")
	if o.Status != "shipped" || o.Tracking != "" {
		t.Fatalf("fixture changed: %s %q", o.Status, o.Tracking)
	}
	changes, err := MarkShipped(context.Background(), db, o.ID, "Correos", "PK42", "", at("2024-03-07T10:00:00Z"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 || changes[0].Kind != "tracking" || changes[0].Tracking != "PK42" || changes[0].Carrier != "Correos" ||
		changes[0].From != "" || changes[1].Kind != "updated" || !reflect.DeepEqual(changes[1].Fields, []string{"carrier"}) {
		t.Errorf("changes = %+v", changes)
	}
	got, _ := findOrder(t, db, "shopify", "#1001")
	if got.Tracking != "PK42" || got.Carrier != "Correos" || !sameTime(got.ShippedAt, "2024-03-06T15:15:22Z") {
		t.Errorf("stored: %+v", got)
	}
	if ev := orderEvents(t, db, o.ID); len(ev) != 2 || ev[0] != "tracking 2024-03-07T10:00:00Z Correos PK42" {
		t.Errorf("events = %q", ev)
	}
}
