package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
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

	existing map[string]known // order number -> id and hash, for this platform
	byEmail  map[string]*cust
	byPhone  map[string]*cust
	byName   map[string]*cust // nil value: two customers share the name
	byID     map[int64]*cust
	updated  map[int64]bool // customers already counted as updated

	updOrder, insItem, delItems, setHashes, insEvent *sql.Stmt
	updCust, setEmail                                *sql.Stmt
	custs, orders, items                             *batch
	nextCust, nextOrder                              int64
	anonymous                                        int
}

type known struct {
	id      int64
	hash    string // what this kind of file said last time
	hashes  string // what every kind of file said (source_hashes)
	written bool   // by this import: seeing the number again means scattered rows
}

// hashFor picks one source's hash out of "source=hash;source=hash".
func hashFor(hashes, source string) string {
	for _, pair := range strings.Split(hashes, ";") {
		if s, h, ok := strings.Cut(pair, "="); ok && s == source {
			return h
		}
	}
	return ""
}

// withHash sets one source's hash in "source=hash;source=hash".
func withHash(hashes, source, hash string) string {
	out := []string{source + "=" + hash}
	for _, pair := range strings.Split(hashes, ";") {
		if s, _, ok := strings.Cut(pair, "="); ok && s != source {
			out = append(out, pair)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ";")
}

// errScattered stops a streaming import that meets an order whose rows are
// not next to each other; the import starts again gathering orders first.
var errScattered = errors.New("rows of one order are scattered through the file")

type cust struct {
	id          int64
	email       string
	name, phone string
	preexisting bool
}

func newWriter(ctx context.Context, tx *sql.Tx, f *format, now time.Time, res *Result) (*writer, error) {
	w := &writer{ctx: ctx, tx: tx, f: f, now: timeText(now), res: res,
		existing: map[string]known{}, byEmail: map[string]*cust{}, byPhone: map[string]*cust{},
		byName: map[string]*cust{}, byID: map[int64]*cust{}, updated: map[int64]bool{}}
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
		k.hashes = hashes
		k.hash = hashFor(hashes, f.source)
		w.existing[num] = k
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT id, coalesce(email, ''), name, phone FROM customer`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		c := &cust{preexisting: true}
		if err := rows.Scan(&c.id, &c.email, &c.name, &c.phone); err != nil {
			rows.Close()
			return nil, err
		}
		w.index(c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM customer`).Scan(&w.nextCust); err != nil {
		return nil, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM orders`).Scan(&w.nextOrder); err != nil {
		return nil, err
	}
	// A bulk import touches many pages: keep them in memory until the commit
	// rather than spilling to the WAL half-way (32 MiB, for this connection).
	// Foreign keys are checked at COMMIT, so that the batches can reach their
	// tables in any order; a bulk import touches many pages, kept in memory
	// until then rather than spilled to the WAL half-way (32 MiB).
	for _, pragma := range []string{`PRAGMA defer_foreign_keys = ON`, `PRAGMA cache_size = -32768`} {
		if _, err := tx.ExecContext(ctx, pragma); err != nil {
			return nil, err
		}
	}
	mk := func(dst **batch, table, cols string, size int) {
		if err == nil {
			*dst, err = newBatch(ctx, tx, table, cols, size)
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
	prep(&w.updCust, `UPDATE customer SET name = ?, phone = ?, phone_key = ?, name_key = ?, updated_at = ? WHERE id = ?`)
	if err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

// flush writes the queued rows, parents first.
func (w *writer) flush() error {
	for _, b := range []*batch{w.custs, w.orders, w.items} {
		if err := b.flush(w.ctx); err != nil {
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
func (w *writer) index(c *cust) {
	w.byID[c.id] = c
	if c.email != "" {
		w.byEmail[c.email] = c
	}
	if k := phoneKey(c.phone); k != "" {
		if _, ok := w.byPhone[k]; !ok {
			w.byPhone[k] = c
		}
	}
	if k := nameKey(c.name); k != "" {
		if other, ok := w.byName[k]; ok && other != c {
			w.byName[k] = nil // ambiguous: never guess between two people
		} else if !ok {
			w.byName[k] = c
		}
	}
}

// write stores one order.
func (w *writer) write(r *record, p *parser) error {
	r.finish()
	if r.rejected {
		w.rejectRest(r, "reject.orderRejected")
		return nil
	}
	if r.email == "" && r.name == "" && phoneKey(r.phone) == "" {
		if w.f.source == "square" || w.f.source == "woocommerce-analytics" {
			w.anonymous++ // a walk-in sale: nobody to follow up
			return nil
		}
		w.rejectAll(r, p.l.columnName(fEmail), "reject.noCustomer")
		return nil
	}
	h := r.hash(w.f.source)
	ex, found := w.existing[r.number]
	if found && ex.written {
		return errScattered
	}
	if found && ex.hash == h {
		w.res.Orders.Unchanged++
		return nil
	}
	var old orderFields
	var oldCust int64
	if found {
		var err error
		if old, oldCust, err = loadOrderFields(w.ctx, w.tx, ex.id); err != nil {
			return fmt.Errorf("order %s: %w", r.number, err)
		}
	}
	c, err := w.customer(r, oldCust)
	if err != nil {
		return err
	}
	f := r.fields()
	base := Change{Platform: w.f.platform, Order: r.number, CustomerID: c.id, CustomerEmail: c.email}
	if !r.placedAt.IsZero() {
		t := r.placedAt
		base.PlacedAt = &t
	}
	if !found {
		w.nextOrder++
		id := w.nextOrder
		args := append([]any{id, w.f.platform, r.number, c.id}, orderArgs(f)...)
		if err := w.orders.add(w.ctx, append(args, w.f.source+"="+h, w.now, w.now)...); err != nil {
			return fmt.Errorf("order %s: %w", r.number, err)
		}
		for i, it := range r.items {
			if err := w.items.add(w.ctx, id, i+1, it.Quantity, it.Name, it.SKU, it.Variant,
				nullInt(it.UnitPrice), nullInt(it.LineTotal)); err != nil {
				return fmt.Errorf("order %s: %w", r.number, err)
			}
		}
		w.existing[r.number] = known{id, h, w.f.source + "=" + h, true}
		w.res.Orders.Inserted++
		base.Kind, base.OrderID = "new", id
		if fulfillmentRank(f.fulfillment) >= 3 || f.cancelled || f.payment == "refunded" {
			base.To = f.fulfillment
		}
		w.res.Changes = append(w.res.Changes, base)
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
	if r.hasItems {
		oldItems, err := loadItems(w.ctx, w.tx, ex.id)
		if err != nil {
			return err
		}
		itemsChanged = !sameItems(oldItems, r.items)
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
	hashes := withHash(ex.hashes, w.f.source, h)
	if _, err := w.setHashes.ExecContext(w.ctx, hashes, ex.id); err != nil {
		return err
	}
	w.existing[r.number] = known{ex.id, h, hashes, true}
	if len(changes) == 0 && oldCust == c.id {
		w.res.Orders.Unchanged++
		return nil
	}
	args := append([]any{c.id}, orderArgs(merged)...)
	if _, err := w.updOrder.ExecContext(w.ctx, append(args, w.now, ex.id)...); err != nil {
		return fmt.Errorf("order %s: %w", r.number, err)
	}
	if itemsChanged {
		if err := w.putItems(ex.id, r.items, true); err != nil {
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
	w.res.Changes = append(w.res.Changes, changes...)
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
func (w *writer) customer(r *record, prev int64) (*cust, error) {
	var c *cust
	switch {
	case r.email != "":
		c = w.byEmail[r.email]
		if p := w.byID[prev]; c == nil && p != nil && p.email == "" {
			if err := w.custs.flush(w.ctx); err != nil {
				return nil, err
			}
			if _, err := w.setEmail.ExecContext(w.ctx, r.email, w.now, p.id); err != nil {
				return nil, fmt.Errorf("customer %s: %w", r.email, err)
			}
			p.email = r.email
			w.index(p)
			if p.preexisting && !w.updated[p.id] {
				w.updated[p.id] = true
				w.res.Customers.Updated++
			}
			c = p
		}
	default:
		if k := phoneKey(r.phone); k != "" {
			c = w.byPhone[k]
		}
		if c == nil {
			if k := nameKey(r.name); k != "" {
				c = w.byName[k]
			}
		}
	}
	if c == nil {
		w.nextCust++
		c = &cust{id: w.nextCust, email: r.email, name: r.name, phone: r.phone}
		if err := w.custs.add(w.ctx, c.id, nullText(r.email), r.name, r.phone, phoneKey(r.phone),
			nameKey(r.name), w.now, w.now); err != nil {
			return nil, fmt.Errorf("customer %s: %w", r.email, err)
		}
		w.index(c)
		w.res.Customers.Inserted++
		return c, nil
	}
	name, phone := c.name, c.phone
	if r.name != "" {
		name = r.name
	}
	if r.phone != "" {
		phone = r.phone
	}
	if name == c.name && phone == c.phone {
		return c, nil
	}
	if err := w.custs.flush(w.ctx); err != nil {
		return nil, err
	}
	if _, err := w.updCust.ExecContext(w.ctx, name, phone, phoneKey(phone), nameKey(name), w.now, c.id); err != nil {
		return nil, fmt.Errorf("customer %s: %w", c.email, err)
	}
	c.name, c.phone = name, phone
	w.index(c)
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
