package orders

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// writer applies records to the database inside the import's transaction,
// with prepared statements and in-memory indexes of what already exists, so
// that an unchanged order costs no query at all.
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

	insOrder, updOrder, insItem, delItems, setSource, insEvent *sql.Stmt
	insCust, updCust, setEmail                                 *sql.Stmt
	anonymous                                                  int
}

type known struct {
	id   int64
	hash string
}

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
	rows, err := tx.QueryContext(ctx, `SELECT o.number, o.id, coalesce(s.hash, '') FROM orders o
		LEFT JOIN order_source s ON s.order_id = o.id AND s.source = ? WHERE o.platform = ?`, f.source, f.platform)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var num string
		var k known
		if err := rows.Scan(&num, &k.id, &k.hash); err != nil {
			rows.Close()
			return nil, err
		}
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
	prep := func(dst **sql.Stmt, q string) {
		if err == nil {
			*dst, err = tx.PrepareContext(ctx, q)
		}
	}
	prep(&w.insOrder, `INSERT INTO orders(platform, number, customer_id, `+orderColumns+`, created_at, updated_at)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	prep(&w.updOrder, `UPDATE orders SET customer_id = ?, email = ?, name = ?, phone = ?, placed_at = ?, currency = ?,
		subtotal = ?, shipping = ?, tax = ?, discount = ?, total = ?, refunded = ?, payment_status = ?,
		fulfillment_status = ?, status_text = ?, carrier = ?, tracking = ?, tracking_url = ?, shipping_method = ?,
		shipped_at = ?, delivered_at = ?, cancelled_at = ?, cancelled = ?, note = ?, updated_at = ? WHERE id = ?`)
	prep(&w.insItem, `INSERT INTO order_item(order_id, position, quantity, name, sku, variant, unit_price, line_total)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?)`)
	prep(&w.delItems, `DELETE FROM order_item WHERE order_id = ?`)
	prep(&w.setSource, `INSERT INTO order_source(order_id, source, hash) VALUES(?, ?, ?)
		ON CONFLICT(order_id, source) DO UPDATE SET hash = excluded.hash`)
	prep(&w.insEvent, `INSERT INTO order_event(order_id, kind, seen_at, detail) VALUES(?, ?, ?, ?)`)
	prep(&w.insCust, `INSERT INTO customer(email, name, phone, phone_key, name_key, created_at, updated_at)
		VALUES(?, ?, ?, ?, ?, ?, ?)`)
	prep(&w.setEmail, `UPDATE customer SET email = ?, updated_at = ? WHERE id = ?`)
	prep(&w.updCust, `UPDATE customer SET name = ?, phone = ?, phone_key = ?, name_key = ?, updated_at = ? WHERE id = ?`)
	if err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *writer) close() {
	for _, s := range []*sql.Stmt{w.insOrder, w.updOrder, w.insItem, w.delItems, w.setSource, w.insEvent, w.insCust, w.updCust, w.setEmail} {
		if s != nil {
			s.Close()
		}
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
		args := append([]any{w.f.platform, r.number, c.id}, orderArgs(f)...)
		res, err := w.insOrder.ExecContext(w.ctx, append(args, w.now, w.now)...)
		if err != nil {
			return fmt.Errorf("order %s: %w", r.number, err)
		}
		id, _ := res.LastInsertId()
		if err := w.putItems(id, r.items, false); err != nil {
			return err
		}
		if _, err := w.setSource.ExecContext(w.ctx, id, w.f.source, h); err != nil {
			return err
		}
		w.existing[r.number] = known{id, h}
		w.res.Orders.Inserted++
		base.Kind, base.OrderID = "new", id
		if fulfillmentRank(f.fulfillment) >= 3 || f.cancelled || f.payment == "refunded" {
			base.To = f.fulfillment
		}
		w.res.Changes = append(w.res.Changes, base)
		return nil
	}

	base.OrderID = ex.id
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
	if _, err := w.setSource.ExecContext(w.ctx, ex.id, w.f.source, h); err != nil {
		return err
	}
	w.existing[r.number] = known{ex.id, h}
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
		c = &cust{email: r.email, name: r.name, phone: r.phone}
		res, err := w.insCust.ExecContext(w.ctx, nullText(r.email), r.name, r.phone, phoneKey(r.phone),
			nameKey(r.name), w.now, w.now)
		if err != nil {
			return nil, fmt.Errorf("customer %s: %w", r.email, err)
		}
		c.id, _ = res.LastInsertId()
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
