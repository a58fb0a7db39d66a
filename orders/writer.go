package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// writer applies records to the database inside the import's transaction,
// with in-memory indexes of what already exists, so that an unchanged order
// costs no query at all, and new rows inserted in batches. New customers and
// orders get their ids here (the transaction holds the write lock), so that
// orders and items can be queued before their parents reach the table.
type writer struct {
	ctx context.Context
	tx  *sql.Tx
	f   *format
	now string
	res *Result

	existing map[uint64]known // textSum(order number) -> id and hash, for this platform
	byEmail  map[string]*cust
	byPhone  map[uint64]*cust // by fingerprint of phoneKey
	byName   map[uint64]*cust // by fingerprint of nameKey; nil: two customers share the name
	noEmail  map[int64]*cust  // customers without email, by id
	updated  map[int64]bool   // customers already counted as updated
	collided map[string]bool  // numbers written whose fingerprint another number holds
	// The addresses, phones and names of customers merged into others
	// (MergeCustomers), each leading to the customer it was merged into;
	// consulted when the live customers have no match.
	aliasEmail map[string]*cust
	aliasPhone map[uint64]*cust
	aliasName  map[uint64]*cust // nil: two customers share the name

	updOrder, insItem, delItems, setHashes, insEvent *sql.Stmt
	updCust, setEmail                                *sql.Stmt
	custs, orders, items                             *batch
	nextCust, nextOrder                              int64
	anonymous                                        int
	emailColumn                                      string       // the file's email header, for rejections
	onChange                                         func(Change) // nil: changes are gathered in res.Changes
	args                                             []any        // a new order's values, reused
}

// change reports one change: to the caller's function as it happens, or into
// the result. A caller importing a big history passes a function, so that
// hundreds of thousands of "new" changes need not be held at once.
func (w *writer) change(c Change) {
	if w.onChange != nil {
		w.onChange(c)
		return
	}
	w.res.Changes = append(w.res.Changes, c)
}

// known is an order already in the table. It is kept small (16 bytes, keyed
// by a fingerprint of the number): a re-import of a big shop's history holds
// one per order. Two numbers sharing a fingerprint are told apart when the
// order is read back (see write).
type known struct {
	id   int64  // negative once this import wrote it: seeing it again means scattered rows
	hash uint64 // what this kind of file said last time (0: nothing)
}

// hashFor picks one source's hash out of "source=hash;source=hash".
func hashFor(hashes, source string) uint64 {
	for _, pair := range strings.Split(hashes, ";") {
		if s, h, ok := strings.Cut(pair, "="); ok && s == source {
			v, _ := strconv.ParseUint(h, 16, 64)
			return v
		}
	}
	return 0
}

func hashText(source string, hash uint64) string { return fmt.Sprintf("%s=%016x", source, hash) }

// withHash sets one source's hash in "source=hash;source=hash".
func withHash(hashes, source string, hash uint64) string {
	out := []string{hashText(source, hash)}
	for _, pair := range strings.Split(hashes, ";") {
		if s, _, ok := strings.Cut(pair, "="); ok && s != source {
			out = append(out, pair)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ";")
}

// isDuplicateOrder recognizes the insert of an order number that this import
// already inserted: the file's rows of one order are not together.
func isDuplicateOrder(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed: orders.platform, orders.number")
}

// errScattered stops a streaming import that meets an order whose rows are
// not next to each other; the import starts again gathering orders first.
var errScattered = errors.New("rows of one order are scattered through the file")

// cust is a customer as the import needs it. Name and phone are kept as
// fingerprints only: an import of a big shop holds one cust per customer, and
// needs the values only to notice that a file brings new ones.
type cust struct {
	id          int64
	email       string
	name, phone uint64 // textSum of the stored values
	preexisting bool
}

// numberSum keys w.existing. A variable only so that a test can make every
// number collide.
var numberSum = textSum

// textSum fingerprints a text for the in-memory indexes; "" is 0.
func textSum(s string) uint64 {
	if s == "" {
		return 0
	}
	h := newFingerprint()
	h.str(s)
	return uint64(h)
}

func newWriter(ctx context.Context, conn *sql.Conn, tx *sql.Tx, f *format, now time.Time, res *Result) (*writer, error) {
	w := &writer{ctx: ctx, tx: tx, f: f, now: timeText(now), res: res,
		existing: map[uint64]known{}, byEmail: map[string]*cust{}, byPhone: map[uint64]*cust{},
		byName: map[uint64]*cust{}, noEmail: map[int64]*cust{}, updated: map[int64]bool{},
		collided: map[string]bool{}}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM orders WHERE platform = ?`, f.platform).Scan(&n); err != nil {
		return nil, err
	}
	w.existing = make(map[uint64]known, n)
	rows, err := tx.QueryContext(ctx, `SELECT number, id, source_hashes FROM orders WHERE platform = ?`, f.platform)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var num, hashes string
		var k known
		if err := rows.Scan(&num, &k.id, &hashes); err != nil {
			rows.Close()
			return nil, err
		}
		k.hash = hashFor(hashes, f.source)
		w.existing[numberSum(num)] = k
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	away, err := mergedAway(ctx, tx)
	if err != nil {
		return nil, err
	}
	type alias struct {
		keep               int64
		email, name, phone string
	}
	var aliases []alias
	keeps := map[int64]*cust{}
	for _, k := range away {
		keeps[k] = nil
	}
	rows, err = tx.QueryContext(ctx, `SELECT id, coalesce(email, ''), name, phone FROM customer`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		c := &cust{preexisting: true}
		var name, phone string
		if err := rows.Scan(&c.id, &c.email, &name, &phone); err != nil {
			rows.Close()
			return nil, err
		}
		if k, ok := away[c.id]; ok {
			aliases = append(aliases, alias{k, c.email, name, phone})
			continue
		}
		if _, ok := keeps[c.id]; ok {
			keeps[c.id] = c
		}
		c.name, c.phone = textSum(name), textSum(phone)
		w.index(c, name, phone)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(aliases) > 0 {
		w.aliasEmail, w.aliasPhone, w.aliasName = map[string]*cust{}, map[uint64]*cust{}, map[uint64]*cust{}
	}
	for _, a := range aliases {
		if c := keeps[a.keep]; c != nil {
			w.alias(c, a.email, a.name, a.phone)
		}
	}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM customer`).Scan(&w.nextCust); err != nil {
		return nil, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM orders`).Scan(&w.nextOrder); err != nil {
		return nil, err
	}
	// Foreign keys are checked at COMMIT, so that the batches can reach their
	// tables in any order. A bigger page cache than the default 2 MiB saves
	// re-reading index pages; 8 MiB is as fast as 32 here and keeps a
	// million-row import under 100 MB resident.
	for _, pragma := range []string{`PRAGMA defer_foreign_keys = ON`, `PRAGMA cache_size = -8192`} {
		if _, err := tx.ExecContext(ctx, pragma); err != nil {
			return nil, err
		}
	}
	mk := func(dst **batch, table, cols string, size int) {
		if err == nil {
			*dst, err = newBatch(ctx, conn, table, cols, size)
		}
	}
	mk(&w.custs, "customer", "id, email, name, phone, phone_key, name_key, created_at, updated_at", 128)
	mk(&w.orders, "orders", "id, platform, number, customer_id, "+orderColumns+", source_hashes, created_at, updated_at", 64)
	mk(&w.items, "order_item", "order_id, position, quantity, name, sku, variant, unit_price, line_total", 128)
	prep := func(dst **sql.Stmt, q string) {
		if err == nil {
			*dst, err = tx.PrepareContext(ctx, q)
		}
	}
	prep(&w.updOrder, `UPDATE orders SET customer_id = ?, email = ?, name = ?, phone = ?, placed_at = ?, currency = ?,
		subtotal = ?, shipping = ?, tax = ?, discount = ?, total = ?, refunded = ?, payment_status = ?,
		fulfillment_status = ?, status_text = ?, carrier = ?, tracking = ?, tracking_url = ?, shipping_method = ?,
		shipped_at = ?, delivered_at = ?, cancelled_at = ?, cancelled = ?, note = ?, updated_at = ? WHERE id = ?`)
	prep(&w.insItem, `INSERT INTO order_item(order_id, position, quantity, name, sku, variant, unit_price, line_total)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?)`)
	prep(&w.delItems, `DELETE FROM order_item WHERE order_id = ?`)
	prep(&w.setHashes, `UPDATE orders SET source_hashes = ? WHERE id = ?`)
	prep(&w.insEvent, `INSERT INTO order_event(order_id, kind, seen_at, detail) VALUES(?, ?, ?, ?)`)
	prep(&w.setEmail, `UPDATE customer SET email = ?, updated_at = ? WHERE id = ?`)
	// An empty name or phone here means "keep the stored one".
	prep(&w.updCust, `UPDATE customer SET name = coalesce(nullif(?1, ''), name), phone = coalesce(nullif(?2, ''), phone),
		phone_key = CASE WHEN ?2 = '' THEN phone_key ELSE ?3 END, name_key = CASE WHEN ?1 = '' THEN name_key ELSE ?4 END,
		updated_at = ?5 WHERE id = ?6`)
	if err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

// flush writes the queued rows, parents first.
func (w *writer) flush() error {
	for _, b := range []*batch{w.custs, w.orders, w.items} {
		if err := b.flush(); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) close() {
	for _, s := range []*sql.Stmt{w.updOrder, w.insItem, w.delItems, w.setHashes, w.insEvent, w.updCust, w.setEmail} {
		if s != nil {
			s.Close()
		}
	}
	for _, b := range []*batch{w.custs, w.orders, w.items} {
		b.close()
	}
	if w.anonymous > 0 {
		w.res.Warnings = append(w.res.Warnings, Warning{Code: "warn.anonymous", Args: map[string]any{"Count": w.anonymous}})
		w.anonymous = 0
	}
}

// index makes a customer findable by email, phone and name.
func (w *writer) index(c *cust, name, phone string) {
	if c.email != "" {
		w.byEmail[c.email] = c
		delete(w.noEmail, c.id)
	} else {
		w.noEmail[c.id] = c
	}
	if k := textSum(phoneKey(phone)); k != 0 {
		if _, ok := w.byPhone[k]; !ok {
			w.byPhone[k] = c
		}
	}
	if k := textSum(nameKey(name)); k != 0 {
		if other, ok := w.byName[k]; ok && other != c {
			w.byName[k] = nil // ambiguous: never guess between two people
		} else if !ok {
			w.byName[k] = c
		}
	}
}

// alias makes a customer findable by the address, phone and name of a
// customer merged into it.
func (w *writer) alias(c *cust, email, name, phone string) {
	if email != "" {
		w.aliasEmail[email] = c
	}
	if k := textSum(phoneKey(phone)); k != 0 {
		if _, ok := w.aliasPhone[k]; !ok {
			w.aliasPhone[k] = c
		}
	}
	if k := textSum(nameKey(name)); k != 0 {
		if other, ok := w.aliasName[k]; ok && other != c {
			w.aliasName[k] = nil
		} else if !ok {
			w.aliasName[k] = c
		}
	}
}

// write stores one order, prepared by the parser (see record.prepare).
func (w *writer) write(r *record) error {
	if r.rejected {
		w.rejectRest(r, "reject.orderRejected")
		return nil
	}
	if r.email == "" && r.name == "" && phoneKey(r.phone) == "" {
		if w.f.source == "square" || w.f.source == "woocommerce-analytics" {
			w.anonymous++ // a walk-in sale: nobody to follow up
			return nil
		}
		w.rejectAll(r, w.emailColumn, "reject.noCustomer")
		return nil
	}
	h, f := r.sum, r.f
	key := numberSum(r.number)
	ex, found := w.existing[key]
	if found && ex.id < 0 { // written by this import: the same order, or a number with the same fingerprint
		if err := w.flush(); err != nil {
			return err
		}
		var num string
		if err := w.tx.QueryRowContext(w.ctx, `SELECT number FROM orders WHERE id = ?`, -ex.id).Scan(&num); err != nil {
			return fmt.Errorf("order %s: %w", r.number, err)
		}
		if num == r.number {
			return errScattered
		}
		ex = known{-ex.id, 0} // read back below, and told apart
	}
	if found && ex.hash == h { // the fingerprint covers the number too
		w.existing[key] = known{-ex.id, h}
		w.res.Orders.Unchanged++
		return nil
	}
	var old orderFields
	var oldCust int64
	var oldHashes string
	collided := false
	if found {
		var err error
		if old, oldCust, oldHashes, err = loadOrderFields(w.ctx, w.tx, ex.id); err != nil {
			return fmt.Errorf("order %s: %w", r.number, err)
		}
		if old.number != r.number { // another number with the same fingerprint
			collided = true
			if w.collided[r.number] {
				return errScattered
			}
			w.collided[strings.Clone(r.number)] = true
			if err := w.flush(); err != nil {
				return err
			}
			err := w.tx.QueryRowContext(w.ctx, `SELECT id FROM orders WHERE platform = ? AND number = ?`,
				w.f.platform, r.number).Scan(&ex.id)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				found, old, oldCust, oldHashes = false, orderFields{}, 0, ""
			case err != nil:
				return fmt.Errorf("order %s: %w", r.number, err)
			default:
				if old, oldCust, oldHashes, err = loadOrderFields(w.ctx, w.tx, ex.id); err != nil {
					return fmt.Errorf("order %s: %w", r.number, err)
				}
			}
		}
	}
	c, err := w.customer(r, oldCust)
	if err != nil {
		return err
	}
	number := strings.Clone(r.number) // kept: not the whole row it was cut from
	base := Change{Platform: w.f.platform, Order: number, CustomerID: c.id, CustomerEmail: c.email}
	if !r.placedAt.IsZero() {
		t := r.placedAt
		base.PlacedAt = &t
	}
	if !found {
		w.nextOrder++
		id := w.nextOrder
		w.args = append(append(w.args[:0], id, w.f.platform, number, c.id), orderArgs(f)...)
		if err := w.orders.add(append(w.args, hashText(w.f.source, h), w.now, w.now)...); err != nil {
			return fmt.Errorf("order %s: %w", r.number, err)
		}
		for i, it := range r.items {
			if err := w.items.add(id, i+1, it.Quantity, it.Name, it.SKU, it.Variant,
				nullInt(it.UnitPrice), nullInt(it.LineTotal)); err != nil {
				return fmt.Errorf("order %s: %w", r.number, err)
			}
		}
		// Not remembered in w.existing: should the same number come again
		// further down (scattered rows), the table's UNIQUE(platform, number)
		// says so (see isDuplicateOrder), and a big import keeps no map of
		// every order it inserted.
		w.res.Orders.Inserted++
		base.Kind, base.OrderID = "new", id
		if fulfillmentRank(f.fulfillment) >= 3 || f.cancelled || f.payment == "refunded" {
			base.To = f.fulfillment
		}
		w.change(base)
		return nil
	}

	base.OrderID = ex.id
	// Updates go straight to the tables: what they touch must be there.
	if err := w.flush(); err != nil {
		return err
	}
	merged := merge(old, f)
	changes := diff(base, old, merged)
	itemsChanged := false
	var items []Item
	if r.hasItems {
		oldItems, err := itemsOf(w.ctx, w.tx, ex.id)
		if err != nil {
			return err
		}
		items = mergeItems(oldItems, r.items)
		itemsChanged = !sameItems(oldItems, items)
	}
	if itemsChanged {
		if n := len(changes); n > 0 && changes[n-1].Kind == "updated" {
			changes[n-1].Fields = append(changes[n-1].Fields, "items")
		} else {
			c := base
			c.Kind, c.Fields = "updated", []string{"items"}
			changes = append(changes, c)
		}
	}
	if _, err := w.setHashes.ExecContext(w.ctx, withHash(oldHashes, w.f.source, h), ex.id); err != nil {
		return err
	}
	if !collided {
		w.existing[key] = known{-ex.id, h}
	}
	if len(changes) == 0 && oldCust == c.id {
		w.res.Orders.Unchanged++
		return nil
	}
	args := append([]any{c.id}, orderArgs(merged)...)
	if _, err := w.updOrder.ExecContext(w.ctx, append(args, w.now, ex.id)...); err != nil {
		return fmt.Errorf("order %s: %w", r.number, err)
	}
	if itemsChanged {
		if err := w.putItems(ex.id, items, true); err != nil {
			return err
		}
	}
	for _, ch := range changes {
		detail := ch.To
		if ch.Kind == "updated" {
			detail = fmt.Sprint(ch.Fields)
		} else if ch.Tracking != "" {
			detail = ch.Carrier + " " + ch.Tracking
		}
		if _, err := w.insEvent.ExecContext(w.ctx, ex.id, ch.Kind, w.now, detail); err != nil {
			return err
		}
	}
	w.res.Orders.Updated++
	for _, ch := range changes {
		w.change(ch)
	}
	return nil
}

func (w *writer) putItems(orderID int64, items []Item, replace bool) error {
	if replace {
		if _, err := w.delItems.ExecContext(w.ctx, orderID); err != nil {
			return err
		}
	}
	for i, it := range items {
		if _, err := w.insItem.ExecContext(w.ctx, orderID, i+1, it.Quantity, it.Name, it.SKU, it.Variant,
			nullInt(it.UnitPrice), nullInt(it.LineTotal)); err != nil {
			return fmt.Errorf("order item: %w", err)
		}
	}
	return nil
}

// customer finds or creates the order's customer: by email; without one, by
// phone, then by a name that only one customer has. An order that belonged
// to a customer without email (imported from a file that has none) and now
// comes with an address gives that customer the address, rather than
// splitting the person in two.
//
// The address, phone or name of a customer merged into another finds the
// customer it was merged into, when no live customer has it; the file's name and phone then
// are the merged-away customer's, and do not overwrite the kept one's.
func (w *writer) customer(r *record, prev int64) (*cust, error) {
	var c *cust
	switch {
	case r.email != "":
		c = w.byEmail[r.email]
		if a := w.aliasEmail[r.email]; c == nil && a != nil {
			return a, nil
		}
		if p := w.noEmail[prev]; c == nil && p != nil {
			if err := w.custs.flush(); err != nil {
				return nil, err
			}
			if _, err := w.setEmail.ExecContext(w.ctx, r.email, w.now, p.id); err != nil {
				return nil, fmt.Errorf("customer %s: %w", r.email, err)
			}
			p.email = strings.Clone(r.email)
			w.index(p, "", "")
			if p.preexisting && !w.updated[p.id] {
				w.updated[p.id] = true
				w.res.Customers.Updated++
			}
			c = p
		}
	default:
		if k := textSum(phoneKey(r.phone)); k != 0 {
			c = w.byPhone[k]
			if a := w.aliasPhone[k]; c == nil && a != nil {
				return a, nil
			}
		}
		if c == nil {
			if k := textSum(nameKey(r.name)); k != 0 {
				var ok bool
				c, ok = w.byName[k] // nil when ok: two live customers share the name
				if a := w.aliasName[k]; !ok && a != nil {
					return a, nil
				}
			}
		}
	}
	if c == nil {
		w.nextCust++
		c = &cust{id: w.nextCust, email: strings.Clone(r.email), name: textSum(r.name), phone: textSum(r.phone)}
		if err := w.custs.add(c.id, nullText(r.email), r.name, r.phone, phoneKey(r.phone),
			nameKey(r.name), w.now, w.now); err != nil {
			return nil, fmt.Errorf("customer %s: %w", r.email, err)
		}
		w.index(c, r.name, r.phone)
		w.res.Customers.Inserted++
		return c, nil
	}
	// A file brings a name or phone only where its cell is not empty: the
	// other value stays as stored. Nor does it bring the name or phone of a
	// customer merged into this one: that is another spelling of the same
	// person, not news.
	newName := r.name != "" && textSum(r.name) != c.name && w.aliasName[textSum(nameKey(r.name))] != c
	newPhone := r.phone != "" && textSum(r.phone) != c.phone && w.aliasPhone[textSum(phoneKey(r.phone))] != c
	if !newName && !newPhone {
		return c, nil
	}
	if err := w.custs.flush(); err != nil {
		return nil, err
	}
	name, phone := "", ""
	if newName {
		name, c.name = r.name, textSum(r.name)
	}
	if newPhone {
		phone, c.phone = r.phone, textSum(r.phone)
	}
	if _, err := w.updCust.ExecContext(w.ctx, name, phone, phoneKey(phone), nameKey(name), w.now, c.id); err != nil {
		return nil, fmt.Errorf("customer %s: %w", c.email, err)
	}
	w.index(c, name, phone)
	if c.preexisting && !w.updated[c.id] {
		w.updated[c.id] = true
		w.res.Customers.Updated++
	}
	return c, nil
}

// rejectRest reports the rows of a rejected order that have no problem of
// their own, so that every row of the file is accounted for.
func (w *writer) rejectRest(r *record, code string) {
	for _, row := range r.rows {
		if !r.badRows[row] {
			w.res.Rejected = append(w.res.Rejected, Rejection{Row: row, Code: code,
				Args: map[string]any{"Order": r.number, "Row": r.firstRow}})
		}
	}
}

func (w *writer) rejectAll(r *record, column, code string) {
	for _, row := range r.rows {
		w.res.Rejected = append(w.res.Rejected, Rejection{Row: row, Column: column, Code: code,
			Args: map[string]any{"Order": r.number}})
	}
}
