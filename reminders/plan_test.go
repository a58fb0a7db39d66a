package reminders

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"mostrador/orders"
)

// tuesday is 10 March 2026, 11:00 in Madrid: not in the quiet hours.
var tuesday = time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)

// importOrders imports a generic CSV as the owner would, at now, and plans
// the changes it reports.
func importOrders(t *testing.T, db *sql.DB, now time.Time, csv string) Planned {
	t.Helper()
	p, err := importAndPlan(db, now, csv, false)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// importAndPlan imports orders and plans their emails in the import's
// transaction, as the command line and the window do.
func importAndPlan(db *sql.DB, now time.Time, csv string, dryRun bool) (Planned, error) {
	var p Planned
	res, err := orders.ImportBytes(context.Background(), db, "orders.csv", []byte(csv), orders.Options{
		Now: func() time.Time { return now }, Location: madrid, DryRun: dryRun,
		WithinOrders: func(ctx context.Context, tx *sql.Tx, changes []orders.Change) (err error) {
			p, err = (&Planner{DB: db, Now: func() time.Time { return now }}).OrdersIn(ctx, tx, changes)
			return err
		}})
	if err != nil {
		return p, err
	}
	if len(res.Rejected) > 0 {
		return p, fmt.Errorf("rejected rows: %+v", res.Rejected)
	}
	return p, nil
}

var madrid, _ = time.LoadLocation("Europe/Madrid")

const ordersHeader = "Order,Date,Customer,Email,Item,Qty,Price,Total,Status,Carrier,Tracking\n"

func orderLine(number string, placed time.Time, email, item, status, carrier, tracking string) string {
	return fmt.Sprintf("%s,%s,Ana Pérez,%s,%s,1,10.00,10.00,%s,%s,%s\n", number, placed.In(madrid).Format("2006-01-02 15:04"),
		email, item, status, carrier, tracking)
}

// Two years of history plan nothing but the thank-you for yesterday's order.
func TestHistoricImportPlansNothingOld(t *testing.T) {
	db := testDB(t)
	var csv strings.Builder
	csv.WriteString(ordersHeader)
	for i := range 50 {
		placed := tuesday.AddDate(0, 0, -730+i*14)
		csv.WriteString(orderLine(fmt.Sprintf("H-%d", i), placed, fmt.Sprintf("c%d@example.com", i), "Jabón", "Delivered",
			"Correos", fmt.Sprintf("PK%d", i)))
	}
	csv.WriteString(orderLine("N-1", tuesday.Add(-20*time.Hour), "ana@example.com", "Jabón", "Paid", "", ""))

	// Before the first import, the caller asks what it would plan.
	ctx := context.Background()
	res, err := orders.ImportBytes(ctx, db, "orders.csv", []byte(csv.String()), orders.Options{DryRun: true,
		Now: func() time.Time { return tuesday }})
	if err != nil {
		t.Fatal(err)
	}
	preview, err := (&Planner{DB: db, Now: func() time.Time { return tuesday }, DryRun: true}).Orders(ctx, res.Changes)
	if err != nil {
		t.Fatal(err)
	}
	if preview.Total() != 1 || preview.Jobs[ThankYou] != 1 || preview.TooOld != 50 {
		t.Fatalf("preview %+v, want one thank-you and 50 too old", preview)
	}
	if got := jobs(t, db, ""); len(got) != 0 {
		t.Fatalf("a dry run wrote jobs: %+v", got)
	}

	p := importOrders(t, db, tuesday, csv.String())
	if p.Total() != 1 || p.Jobs[ThankYou] != 1 {
		t.Fatalf("planned %+v, want one thank-you", p)
	}
	got := jobs(t, db, "")
	if len(got) != 1 || got[0].Rule != ThankYou || !got[0].Due.Equal(tuesday) {
		t.Fatalf("jobs %+v, want the thank-you due now (its hour after the order is past)", got)
	}
	// The same file again plans nothing new.
	if p := importOrders(t, db, tuesday.Add(time.Minute), csv.String()); p.Total() != 0 {
		t.Fatalf("the same file again planned %+v", p)
	}
}

// An order goes from paid to shipped to delivered: a thank-you an hour after
// it was placed, a delivery update at each step with the tracking, and a
// follow-up ten days after shipping that delivery moves to a week after.
func TestOrderLifecyclePlansDeliveryAndFollowUp(t *testing.T) {
	db := testDB(t)
	placed := tuesday.Add(-10 * time.Minute)
	importOrders(t, db, tuesday, ordersHeader+orderLine("P-1", placed, "ana@example.com", "Jabón", "Paid", "", ""))
	got := jobs(t, db, "")
	if len(got) != 1 || got[0].Rule != ThankYou || !got[0].Due.Equal(placed.Add(time.Hour)) {
		t.Fatalf("after the order: %+v", got)
	}

	shipped := tuesday.Add(24 * time.Hour)
	importOrders(t, db, shipped, ordersHeader+orderLine("P-1", placed, "ana@example.com", "Jabón", "Shipped", "Correos", "PK1"))
	d := jobs(t, db, "rule = ?", Delivery)
	if len(d) != 1 || d[0].Step != "shipped" || !d[0].Due.Equal(shipped) || !strings.Contains(d[0].Data, `"PK1"`) {
		t.Fatalf("after shipping: %+v", d)
	}
	f := jobs(t, db, "rule = ?", FollowUp)
	if len(f) != 1 || !f[0].Due.Equal(shipped.Add(followUpAfterShipped)) {
		t.Fatalf("follow-up after shipping: %+v", f)
	}

	delivered := shipped.Add(48 * time.Hour)
	importOrders(t, db, delivered, ordersHeader+orderLine("P-1", placed, "ana@example.com", "Jabón", "Delivered", "Correos", "PK1"))
	if d := jobs(t, db, "rule = ? AND step = 'delivered'", Delivery); len(d) != 1 || !d[0].Due.Equal(delivered) {
		t.Fatalf("after delivery: %+v", d)
	}
	if f := jobs(t, db, "rule = ?", FollowUp); len(f) != 1 || !f[0].Due.Equal(delivered.Add(7*24*time.Hour)) {
		t.Fatalf("follow-up after delivery: %+v", f)
	}
}

// A cancelled order cancels what was planned about it.
func TestCancelledOrderCancelsItsJobs(t *testing.T) {
	db := testDB(t)
	placed := tuesday.Add(-10 * time.Minute)
	importOrders(t, db, tuesday, ordersHeader+orderLine("P-1", placed, "ana@example.com", "Jabón", "Paid", "", ""))
	p := importOrders(t, db, tuesday.Add(5*time.Minute), ordersHeader+orderLine("P-1", placed, "ana@example.com", "Jabón",
		"Cancelled", "", ""))
	if p.Cancelled != 1 {
		t.Fatalf("planned %+v, want one cancelled", p)
	}
	if got := jobs(t, db, ""); len(got) != 1 || got[0].State != "cancelled" || got[0].Reason != "job.orderCancelled" {
		t.Fatalf("jobs %+v", got)
	}
}

// A rule switched off plans nothing; switched on again, it does.
func TestRuleOffPlansNothing(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	if err := Enable(ctx, db, []string{ThankYou}, false, tuesday); err != nil {
		t.Fatal(err)
	}
	p := importOrders(t, db, tuesday, ordersHeader+orderLine("P-1", tuesday.Add(-time.Minute), "ana@example.com", "Jabón", "Paid", "", ""))
	if p.Total() != 0 || p.Off != 1 {
		t.Fatalf("planned %+v with the rule off", p)
	}
	if err := Enable(ctx, db, []string{"nope"}, true, tuesday); err == nil || !strings.Contains(err.Error(), "thank-you") {
		t.Fatalf("unknown rule: %v, want an error listing the rules", err)
	}
}

// Reorder reminders: a few days before the supply ends, and cancelled when
// the customer orders the product again.
func TestReorderReminder(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `INSERT INTO supply(product, days, updated_at) VALUES('Café molido 250g', 30, ?)`,
		stamp(tuesday)); err != nil {
		t.Fatal(err)
	}
	placed := tuesday.Add(-time.Hour)
	importOrders(t, db, tuesday, ordersHeader+orderLine("P-1", placed, "ana@example.com", "café molido 250G", "Paid", "", ""))
	r := jobs(t, db, "rule = ?", Reorder)
	if len(r) != 1 || !r[0].Due.Equal(placed.Add(27*24*time.Hour)) {
		t.Fatalf("reorder jobs %+v, want one 27 days after the order", r)
	}
	later := tuesday.Add(20 * 24 * time.Hour)
	importOrders(t, db, later, ordersHeader+orderLine("P-2", later.Add(-time.Hour), "ana@example.com", "Café molido 250g",
		"Paid", "", ""))
	r = jobs(t, db, "rule = ?", Reorder)
	if len(r) != 2 || r[0].State != "cancelled" || r[0].Reason != "job.orderedAgain" || r[1].State != "planned" {
		t.Fatalf("after ordering again: %+v", r)
	}
}

// A dry run plans in the import's transaction and rolls both back: its
// count has the reorder reminders, which need the order's items stored.
func TestDryRunCountsEveryEmailAndWritesNothing(t *testing.T) {
	db := testDB(t)
	if err := SetSupply(context.Background(), db, "Café molido 250g", 60, tuesday); err != nil {
		t.Fatal(err)
	}
	csv := ordersHeader + orderLine("P-1", tuesday.Add(-time.Hour), "ana@example.com", "Café molido 250g", "Paid", "", "")
	p, err := importAndPlan(db, tuesday, csv, true)
	if err != nil || p.Total() != 2 || p.Jobs[ThankYou] != 1 || p.Jobs[Reorder] != 1 {
		t.Fatalf("dry run would plan %+v (%v), want a thank-you and a reorder reminder", p, err)
	}
	var n int
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM job) + (SELECT count(*) FROM orders)`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a dry run left %d jobs and orders (%v)", n, err)
	}
	if p := importOrders(t, db, tuesday, csv); p.Total() != 2 {
		t.Fatalf("the import planned %+v, not what its dry run said", p)
	}
}

// Orders and their emails land together or not at all: when planning fails
// the import is undone, and importing the file again plans the emails (it
// does not find the orders "unchanged" with no emails planned).
func TestPlanningFailureUndoesTheImport(t *testing.T) {
	db := testDB(t)
	csv := ordersHeader + orderLine("P-1", tuesday.Add(-time.Hour), "ana@example.com", "Jabón", "Paid", "", "")
	// A job table the planner cannot write to.
	if _, err := db.Exec(`CREATE TRIGGER no_jobs BEFORE INSERT ON job BEGIN SELECT raise(ABORT, 'disk trouble'); END`); err != nil {
		t.Fatal(err)
	}
	if _, err := importAndPlan(db, tuesday, csv, false); err == nil || !strings.Contains(err.Error(), "disk trouble") ||
		!strings.Contains(err.Error(), "orders.csv") {
		t.Fatalf("import with failing planning: %v, want the planner's error naming the file", err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM orders`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d orders stored without their emails (%v)", n, err)
	}
	if _, err := db.Exec(`DROP TRIGGER no_jobs`); err != nil {
		t.Fatal(err)
	}
	if p := importOrders(t, db, tuesday, csv); p.Jobs[ThankYou] != 1 {
		t.Fatalf("the import again planned %+v, want the thank-you", p)
	}
}

// An order imported days late still gets its reorder reminder (not its
// thank-you).
func TestLateImportedOrderStillPlansReorder(t *testing.T) {
	db := testDB(t)
	if err := SetSupply(context.Background(), db, "Café molido 250g", 60, tuesday); err != nil {
		t.Fatal(err)
	}
	p := importOrders(t, db, tuesday, ordersHeader+orderLine("P-1", tuesday.AddDate(0, 0, -5), "ana@example.com",
		"Café molido 250g", "Paid", "", ""))
	if p.Jobs[ThankYou] != 0 || p.Jobs[Reorder] != 1 {
		t.Fatalf("planned %+v, want the reorder reminder alone", p)
	}
}
