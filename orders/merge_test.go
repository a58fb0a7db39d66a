package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// mergeShop is a shop where Ana is two customers: ana@example.com (two
// orders, a booking, tagged vip) and ana.trabajo@example.com (an order from
// her work address, with a phone, notes, tags and a booking of her own);
// and Carlos, who has nothing to do with it.
type mergeShop struct {
	db         *sql.DB
	now        time.Time
	ana, work  int64
	carlos     int64
	orders     string // the orders file
	bookings   string // the bookings file
	importedAt time.Time
}

const mergeOrdersHeader = "Order,Date,Customer,Email,Phone,Item,Qty,Price,Total,Status\n"

func newMergeShop(t *testing.T) *mergeShop {
	t.Helper()
	s := &mergeShop{db: newDB(t), now: time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)}
	s.orders = mergeOrdersHeader +
		"A-1,2026-01-10 11:00,Ana Pérez,ana@example.com,,Jabón de lavanda,2,10.00,20.00,Paid\n" +
		"A-2,2026-02-10 11:00,Ana Pérez,ana@example.com,,Champú sólido,1,15.00,15.00,Delivered\n" +
		"B-1,2026-03-01 11:00,Ana P.,ana.trabajo@example.com,+34 611 22 33 44,Vela,3,10.00,30.00,Paid\n" +
		"C-1,2026-03-02 11:00,Carlos Ruiz,carlos@example.com,,Vela,1,10.00,10.00,Paid\n"
	s.bookings = "Nombre;Correo;Servicio;Inicio;Duración\n" +
		"Ana Pérez;ana@example.com;Corte;12/03/2026 10:00;45\n" +
		"Ana P.;ana.trabajo@example.com;Tinte;13/03/2026 17:00;90\n"
	s.importOrders(t, s.orders)
	s.importBookings(t, s.bookings)
	s.ana, s.work, s.carlos = s.id(t, "ana@example.com"), s.id(t, "ana.trabajo@example.com"), s.id(t, "carlos@example.com")
	ctx := context.Background()
	if err := SetTags(ctx, s.db, s.ana, []string{"vip"}, s.now); err != nil {
		t.Fatal(err)
	}
	if err := SetTags(ctx, s.db, s.work, []string{"VIP", "empresa"}, s.now); err != nil {
		t.Fatal(err)
	}
	if err := SetNotes(ctx, s.db, s.work, "Factura a nombre de la empresa.", s.now); err != nil {
		t.Fatal(err)
	}
	s.now = s.now.Add(time.Hour)
	return s
}

func (s *mergeShop) clock() time.Time { return s.now }

func (s *mergeShop) importOrders(t *testing.T, csv string) *Result {
	t.Helper()
	res, err := ImportBytes(context.Background(), s.db, "pedidos.csv", []byte(csv), Options{Now: s.clock, Location: madrid})
	if err != nil {
		t.Fatal(err)
	}
	wantNoRejections(t, res)
	return res
}

func (s *mergeShop) importBookings(t *testing.T, csv string) *AppointmentResult {
	t.Helper()
	res := apptImportBytes(t, s.db, []byte(csv), Options{Now: s.clock, Location: madrid})
	apptNoRejections(t, res)
	return res
}

func (s *mergeShop) id(t *testing.T, email string) int64 {
	t.Helper()
	return cardOf(t, s.db, email).Customer.ID
}

func (s *mergeShop) card(t *testing.T, id int64) *Card {
	t.Helper()
	c, err := CardByID(context.Background(), s.db, id)
	if err != nil {
		t.Fatalf("card %d: %v", id, err)
	}
	return c
}

func (s *mergeShop) merge(t *testing.T, keep, other int64) int64 {
	t.Helper()
	id, err := MergeCustomers(context.Background(), s.db, keep, other, s.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (s *mergeShop) unmerge(t *testing.T, merge int64) {
	t.Helper()
	if err := UnmergeCustomers(context.Background(), s.db, merge, s.now, nil); err != nil {
		t.Fatal(err)
	}
}

func (s *mergeShop) listed(t *testing.T, query string) []int64 {
	t.Helper()
	rows, err := ListCustomers(context.Background(), s.db, query, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := []int64{}
	for _, r := range rows {
		out = append(out, r.ID)
	}
	return out
}

func cardNumbers(c *Card) []string {
	var out []string
	for _, o := range c.Orders {
		out = append(out, o.Number)
	}
	return out
}

func services(c *Card) []string {
	var out []string
	for _, a := range c.Appointments {
		out = append(out, a.Service)
	}
	return out
}

// Merged, Ana is one card under either address, with both's orders,
// bookings, lifetime value and tags, her empty fields filled from the
// other's; the customers list shows her once. Unmerged, both cards are
// exactly what they were.
func TestMergeAndUnmergeCustomers(t *testing.T) {
	s := newMergeShop(t)
	ctx := context.Background()
	anaBefore, workBefore, carlosBefore := s.card(t, s.ana), s.card(t, s.work), s.card(t, s.carlos)
	if got := s.listed(t, ""); len(got) != 3 {
		t.Fatalf("listed before: %v", got)
	}

	m := s.merge(t, s.ana, s.work)
	for _, email := range []string{"ana@example.com", " ANA.Trabajo@example.com "} {
		c := cardOf(t, s.db, email)
		if c.Customer.ID != s.ana {
			t.Fatalf("card by %q is customer %d, want %d", email, c.Customer.ID, s.ana)
		}
	}
	c := s.card(t, s.ana)
	if got := s.card(t, s.work); !reflect.DeepEqual(got, c) {
		t.Errorf("the merged-away customer's card by id is not the kept one's: %+v", got.Customer)
	}
	if got, want := cardNumbers(c), []string{"B-1", "A-2", "A-1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("orders %v, want %v", got, want)
	}
	if got, want := services(c), []string{"Tinte", "Corte"}; !reflect.DeepEqual(got, want) {
		t.Errorf("appointments %v, want %v", got, want)
	}
	if c.Totals.OrderCount != 3 || !reflect.DeepEqual(c.Totals.LifetimeValue, []Money{{"", 6500}}) ||
		!c.Totals.FirstOrder.Equal(*anaBefore.Totals.FirstOrder) || !c.Totals.LastOrder.Equal(*workBefore.Totals.LastOrder) {
		t.Errorf("totals %+v, want 3 orders worth 65.00 from A-1 to B-1", c.Totals)
	}
	cu := c.Customer
	if cu.Email != "ana@example.com" || cu.Name != "Ana Pérez" || cu.Phone != "+34 611 22 33 44" ||
		cu.Notes != "Factura a nombre de la empresa." || !reflect.DeepEqual(cu.Tags, []string{"vip", "empresa"}) {
		t.Errorf("kept customer %+v: want her own address and name, the other's phone, notes and new tags", cu)
	}
	if len(c.Merged) != 1 || c.Merged[0] != (MergedCustomer{MergeID: m, ID: s.work, Email: "ana.trabajo@example.com",
		Name: "Ana P.", Phone: "+34 611 22 33 44", Into: s.ana, At: s.now.Truncate(time.Second)}) {
		t.Errorf("merged %+v", c.Merged)
	}
	if id, err := CustomerByEmail(ctx, s.db, "ana.trabajo@example.com"); err != nil || id != s.ana {
		t.Errorf("CustomerByEmail(other address) = %d, %v; want %d", id, err, s.ana)
	}
	if got := s.listed(t, ""); !reflect.DeepEqual(got, []int64{s.carlos, s.ana}) {
		t.Errorf("listed %v, want Carlos and Ana (once)", got)
	}
	for _, q := range []string{"trabajo", "Ana P.", "611223344", "#empresa"} {
		if got := s.listed(t, q); !reflect.DeepEqual(got, []int64{s.ana}) {
			t.Errorf("ListCustomers(%q) = %v, want the kept customer [%d]", q, got, s.ana)
		}
	}
	if !reflect.DeepEqual(s.card(t, s.carlos), carlosBefore) {
		t.Error("Carlos's card changed")
	}

	// Importing both files again changes nothing: the other address's
	// orders and bookings are found on the kept customer.
	if res := s.importOrders(t, s.orders); res.Orders != (OrderCounts{0, 0, 4}) || res.Customers.Inserted != 0 {
		t.Errorf("orders again: %+v %+v", res.Orders, res.Customers)
	}
	if res := s.importBookings(t, s.bookings); res.Appointments != (AppointmentCounts{0, 0, 2}) || res.Customers.Inserted != 0 {
		t.Errorf("bookings again: %+v %+v", res.Appointments, res.Customers)
	}
	if got := s.card(t, s.ana); !reflect.DeepEqual(got, c) {
		t.Errorf("the merged card changed on importing again: %+v", got.Customer)
	}

	s.now = s.now.Add(time.Hour)
	s.unmerge(t, m)
	if got := s.card(t, s.ana); !reflect.DeepEqual(got, anaBefore) {
		t.Errorf("kept customer after unmerge:\n%+v\nwant\n%+v", got, anaBefore)
	}
	if got := s.card(t, s.work); !reflect.DeepEqual(got, workBefore) {
		t.Errorf("other customer after unmerge:\n%+v\nwant\n%+v", got, workBefore)
	}
	if got := cardOf(t, s.db, "ana.trabajo@example.com").Customer.ID; got != s.work {
		t.Errorf("the other address finds customer %d after unmerge, want %d", got, s.work)
	}
	if got := s.listed(t, ""); len(got) != 3 {
		t.Errorf("listed after unmerge: %v", got)
	}
	// The bookings are keyed by their customers again.
	if res := s.importBookings(t, s.bookings); res.Appointments != (AppointmentCounts{0, 0, 2}) {
		t.Errorf("bookings after unmerge: %+v", res.Appointments)
	}
	if res := s.importOrders(t, s.orders); res.Orders != (OrderCounts{0, 0, 4}) {
		t.Errorf("orders after unmerge: %+v", res.Orders)
	}
}

// While merged, an order or a booking under the other address (or the
// other's phone, without address) lands on the kept customer, whose name
// the file's spelling does not overwrite; unmerged, the other customer gets
// the orders imported under its address.
func TestImportWhileMerged(t *testing.T) {
	s := newMergeShop(t)
	m := s.merge(t, s.ana, s.work)
	s.now = s.now.Add(24 * time.Hour)
	res := s.importOrders(t, mergeOrdersHeader+
		"B-2,2026-03-11 09:00,Ana P.,Ana.Trabajo@example.com,,Vela,1,10.00,10.00,Paid\n"+
		"T-1,2026-03-11 10:00,Ana P.,,611 22 33 44,Jabón,1,5.00,5.00,Paid\n")
	if res.Orders.Inserted != 2 || res.Customers.Inserted != 0 || res.Customers.Updated != 0 {
		t.Fatalf("import: %+v %+v", res.Orders, res.Customers)
	}
	for _, ch := range res.Changes {
		if ch.CustomerID != s.ana || ch.CustomerEmail != "ana@example.com" {
			t.Errorf("change %s %s for customer %d <%s>, want the kept one", ch.Kind, ch.Order, ch.CustomerID, ch.CustomerEmail)
		}
	}
	b := s.importBookings(t, "Nombre;Correo;Servicio;Inicio;Duración\nAna P.;ana.trabajo@example.com;Manicura;20/03/2026 12:00;30\n")
	if b.Appointments.Inserted != 1 || b.Customers.Inserted != 0 {
		t.Fatalf("bookings: %+v %+v", b.Appointments, b.Customers)
	}
	c := s.card(t, s.ana)
	if got, want := cardNumbers(c), []string{"T-1", "B-2", "B-1", "A-2", "A-1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("orders %v, want %v", got, want)
	}
	if got, want := services(c), []string{"Manicura", "Tinte", "Corte"}; !reflect.DeepEqual(got, want) {
		t.Errorf("appointments %v, want %v", got, want)
	}
	if c.Customer.Name != "Ana Pérez" {
		t.Errorf("kept customer renamed %q by the other's spelling", c.Customer.Name)
	}

	s.unmerge(t, m)
	// The order under the other address goes with it; the one found by
	// phone, and the booking (which has no address of its own), stay.
	if got, want := cardNumbers(s.card(t, s.work)), []string{"B-2", "B-1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("other customer's orders %v, want %v", got, want)
	}
	if got, want := cardNumbers(s.card(t, s.ana)), []string{"T-1", "A-2", "A-1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("kept customer's orders %v, want %v", got, want)
	}
}

// A customer without an address (a phone order) merged with one who has
// an address takes it: the merged card can be emailed. Unmerged, the
// address goes back.
func TestMergeMovesTheAddress(t *testing.T) {
	s := newMergeShop(t)
	s.importOrders(t, mergeOrdersHeader+"T-1,2026-03-05 10:00,A. Pérez,,600 999 888,Jabón,1,5.00,5.00,Paid\n")
	var phoneOnly int64
	if err := s.db.QueryRow(`SELECT id FROM customer WHERE email IS NULL`).Scan(&phoneOnly); err != nil {
		t.Fatal(err)
	}
	before, workBefore := s.card(t, phoneOnly), s.card(t, s.work)
	if before.Customer.Emailable {
		t.Fatal("a phone order's customer has an address")
	}
	m := s.merge(t, phoneOnly, s.work)
	c := cardOf(t, s.db, "ana.trabajo@example.com")
	if c.Customer.ID != phoneOnly || !c.Customer.Emailable || c.Customer.Email != "ana.trabajo@example.com" ||
		c.Customer.Phone != "600 999 888" || len(c.Orders) != 2 {
		t.Errorf("merged card %+v with %d orders", c.Customer, len(c.Orders))
	}
	if len(c.Merged) != 1 || c.Merged[0].Email != "ana.trabajo@example.com" {
		t.Errorf("merged %+v: the other's own address", c.Merged)
	}
	s.unmerge(t, m)
	if got := s.card(t, phoneOnly); !reflect.DeepEqual(got, before) {
		t.Errorf("phone customer after unmerge: %+v", got.Customer)
	}
	if got := s.card(t, s.work); !reflect.DeepEqual(got, workBefore) {
		t.Errorf("other customer after unmerge: %+v", got.Customer)
	}
}

// What the owner changed on the kept customer while merged stays; what
// the merge filled and nobody touched is emptied again.
func TestUnmergeKeepsTheOwnersChanges(t *testing.T) {
	s := newMergeShop(t)
	ctx := context.Background()
	m := s.merge(t, s.ana, s.work)
	if err := SetNotes(ctx, s.db, s.ana, "Prefiere recoger en tienda.", s.now); err != nil {
		t.Fatal(err)
	}
	if err := SetTags(ctx, s.db, s.ana, []string{"vip", "empresa", "recoge"}, s.now); err != nil {
		t.Fatal(err)
	}
	s.unmerge(t, m)
	cu := s.card(t, s.ana).Customer
	if cu.Notes != "Prefiere recoger en tienda." || cu.Phone != "" || !reflect.DeepEqual(cu.Tags, []string{"vip", "recoge"}) {
		t.Errorf("kept customer after unmerge %+v: want the owner's notes and tag, no phone, the merge's tag gone", cu)
	}
	w := s.card(t, s.work).Customer
	if w.Notes != "Factura a nombre de la empresa." || !reflect.DeepEqual(w.Tags, []string{"VIP", "empresa"}) {
		t.Errorf("other customer after unmerge %+v", w)
	}
}

// A merge of a merge: the first customer's address finds the last one;
// undoing goes in the reverse order.
func TestMergeChain(t *testing.T) {
	s := newMergeShop(t)
	first := s.merge(t, s.work, s.ana) // ana into work
	second := s.merge(t, s.carlos, s.work)
	if got := cardOf(t, s.db, "ana@example.com").Customer.ID; got != s.carlos {
		t.Errorf("the first address finds customer %d, want %d", got, s.carlos)
	}
	c := s.card(t, s.carlos)
	if len(c.Orders) != 4 || len(c.Merged) != 2 || c.Merged[0].ID != s.ana || c.Merged[0].Into != s.work ||
		c.Merged[1].ID != s.work || c.Merged[1].Into != s.carlos {
		t.Errorf("card: %d orders, merged %+v", len(c.Orders), c.Merged)
	}
	if got := s.listed(t, "ana@"); !reflect.DeepEqual(got, []int64{s.carlos}) {
		t.Errorf("ListCustomers(ana@) = %v, want [%d]", got, s.carlos)
	}
	err := UnmergeCustomers(context.Background(), s.db, first, s.now, nil)
	want := fmt.Sprintf("merge %d (customer %d (ana@example.com) into customer %d (ana.trabajo@example.com)): "+
		"customer %d (ana.trabajo@example.com) was merged into customer %d (carlos@example.com) since: undo merge %d first",
		first, s.ana, s.work, s.work, s.carlos, second)
	if !errors.Is(err, ErrMerged) || err.Error() != want {
		t.Errorf("unmerge out of order: %v\nwant %s", err, want)
	}
	s.unmerge(t, second)
	s.unmerge(t, first)
	for email, n := range map[string]int{"ana@example.com": 2, "ana.trabajo@example.com": 1, "carlos@example.com": 1} {
		if c := cardOf(t, s.db, email); len(c.Orders) != n || c.Merged != nil {
			t.Errorf("%s after both unmerges: %d orders, merged %+v", email, len(c.Orders), c.Merged)
		}
	}
}

// Merges that make no sense are refused, naming the customers, and change
// nothing.
func TestMergeRefuses(t *testing.T) {
	s := newMergeShop(t)
	ctx := context.Background()
	m := s.merge(t, s.ana, s.work)
	before := s.card(t, s.ana)
	for _, c := range []struct {
		keep, other int64
		is          error
		want        string
	}{
		{s.carlos, s.carlos, ErrSameCustomer, fmt.Sprintf("customer %d (carlos@example.com): cannot be merged with itself", s.carlos)},
		{s.ana, 404, ErrNoCustomer, "customer 404: no such customer"},
		{404, s.ana, ErrNoCustomer, "customer 404: no such customer"},
		{s.carlos, s.work, ErrMerged, fmt.Sprintf("customer %d (ana.trabajo@example.com): merged into customer %d (ana@example.com)", s.work, s.ana)},
		{s.work, s.carlos, ErrMerged, fmt.Sprintf("customer %d (ana.trabajo@example.com): merged into customer %d (ana@example.com)", s.work, s.ana)},
		{s.ana, s.work, ErrMerged, fmt.Sprintf("customer %d (ana.trabajo@example.com): merged into customer %d (ana@example.com)", s.work, s.ana)},
	} {
		_, err := MergeCustomers(ctx, s.db, c.keep, c.other, s.now, nil)
		if !errors.Is(err, c.is) || err.Error() != c.want {
			t.Errorf("merge %d into %d: %v, want %q", c.other, c.keep, err, c.want)
		}
	}
	if err := UnmergeCustomers(ctx, s.db, 99, s.now, nil); !errors.Is(err, ErrNoMerge) || err.Error() != "merge 99: no such merge" {
		t.Errorf("unmerge 99: %v", err)
	}
	if n := count(t, s.db, `SELECT count(*) FROM customer_merge`); n != 1 {
		t.Errorf("%d merges recorded, want 1", n)
	}
	if got := s.card(t, s.ana); !reflect.DeepEqual(got, before) {
		t.Error("a refused merge changed the card")
	}
	s.unmerge(t, m)
	err := UnmergeCustomers(ctx, s.db, m, s.now, nil)
	if !errors.Is(err, ErrUnmerged) || !strings.Contains(err.Error(), fmt.Sprintf("merge %d (customer %d (ana.trabajo@example.com) into customer %d (ana@example.com)): undone already on 2026-03-10 11:00 UTC", m, s.work, s.ana)) {
		t.Errorf("unmerge twice: %v", err)
	}
}

// An error of what runs within the merge (the automated emails' part)
// undoes the whole merge, and within sees what the merge did.
func TestMergeWithinFails(t *testing.T) {
	s := newMergeShop(t)
	ctx := context.Background()
	before := s.card(t, s.ana)
	boom := errors.New("boom")
	var seen Merge
	_, err := MergeCustomers(ctx, s.db, s.ana, s.work, s.now, func(ctx context.Context, tx *sql.Tx, m Merge) error {
		seen = m
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM orders WHERE customer_id = ?`, m.Keep).Scan(&n); err != nil {
			return err
		}
		if n != 3 {
			return fmt.Errorf("within sees %d orders on the kept customer", n)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("merge: %v, want within's error", err)
	}
	if seen.Keep != s.ana || seen.Other != s.work || seen.OtherEmail != "ana.trabajo@example.com" ||
		!reflect.DeepEqual(seen.Filled, []string{"phone", "notes"}) || seen.FilledEmail() {
		t.Errorf("within saw %+v", seen)
	}
	if got := s.card(t, s.ana); !reflect.DeepEqual(got, before) {
		t.Error("a failed merge changed the card")
	}
	if n := count(t, s.db, `SELECT count(*) FROM customer_merge`); n != 0 {
		t.Errorf("%d merges recorded", n)
	}
}
