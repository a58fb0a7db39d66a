package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The order list: every order of the shop, newest first, narrowed by what
// the owner has to do with it (ship it, wait for it to arrive) and by a
// search, for the window's Orders room.

// Status filters for ListOrders: groups of Order.Status values.
const (
	FilterAll       = "all"
	FilterOpen      = "open"      // still to ship: paid, pending, partial, open
	FilterShipped   = "shipped"   // on its way
	FilterDelivered = "delivered" // arrived
	// FilterClosed: cancelled or refunded, and the orders whose payment was
	// voided or failed: none of them is to be shipped.
	FilterClosed = "closed"
)

// Filters lists the status filters in the order the window offers them.
func Filters() []string {
	return []string{FilterAll, FilterOpen, FilterShipped, FilterDelivered, FilterClosed}
}

// filterStatuses are the Order.Status values each filter keeps.
var filterStatuses = map[string][]string{
	FilterOpen:      {"paid", "pending", "partial", "open"},
	FilterShipped:   {"shipped"},
	FilterDelivered: {"delivered"},
	FilterClosed:    {"cancelled", "refunded", "voided", "failed"},
}

// statusSQL is Order.summary written in SQL, on the orders table: the
// filters select on the same word the list shows
// (TestStatusSQLMatchesSummary). It is, word for word, the expression of
// the index orders_status (schema step 3), so that SQLite uses the index.
const statusSQL = `CASE
		WHEN cancelled THEN 'cancelled'
		WHEN payment_status = 'refunded' THEN 'refunded'
		WHEN fulfillment_status IN ('delivered', 'shipped', 'partial') THEN fulfillment_status
		WHEN payment_status IN ('paid', 'partially_refunded') THEN 'paid'
		WHEN payment_status IN ('pending', 'failed', 'voided') THEN payment_status
		ELSE 'open' END`

// OrderRow is one line of the order list.
type OrderRow struct {
	ID         int64      `json:"id"`
	Platform   string     `json:"platform"`
	Number     string     `json:"number"`
	PlacedAt   *time.Time `json:"placedAt,omitempty"`
	CustomerID int64      `json:"customerId"`
	Name       string     `json:"name"`            // the customer's, else as the order wrote it
	Email      string     `json:"email,omitempty"` // the customer's address, else the order's
	Currency   string     `json:"currency,omitempty"`
	// Total is what the order came to: its total, else its subtotal, else
	// the sum of its lines when every line has a price; nil: unknown.
	Total       *int64 `json:"total,omitempty"`
	Status      string `json:"status"` // as Order.Status
	Carrier     string `json:"carrier,omitempty"`
	Tracking    string `json:"tracking,omitempty"`
	TrackingURL string `json:"trackingUrl,omitempty"`
}

// ErrUnknownFilter is a status filter ListOrders does not know.
var ErrUnknownFilter = errors.New("unknown order filter")

// ListOrders lists the orders under a status filter (FilterAll, "": every
// order) whose number, customer name or email contains query, newest first
// (orders without a date last), at most limit (0: 500).
//
// The page's ids are chosen from indexes alone (orders_placed, or
// orders_status under a filter; a search reads the numbers' index and the
// matching customers' orders), and only the page's rows are read: the cost
// follows the page, not the shop's history (BenchmarkListOrders).
func ListOrders(ctx context.Context, db *sql.DB, filter, query string, limit int) ([]OrderRow, error) {
	q, args, err := listQuery(filter, query, limit)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	defer rows.Close()
	out := []OrderRow{}
	for rows.Next() {
		var r OrderRow
		var placed sql.NullString
		var total sql.NullInt64
		var o Order
		if err := rows.Scan(&r.ID, &r.Platform, &r.Number, &placed, &r.CustomerID, &r.Name, &r.Email, &r.Currency,
			&total, &o.PaymentStatus, &o.FulfillmentStatus, &o.Cancelled, &r.Carrier, &r.Tracking,
			&r.TrackingURL); err != nil {
			return nil, fmt.Errorf("list orders: %w", err)
		}
		r.PlacedAt = parseStored(placed)
		if total.Valid {
			r.Total = &total.Int64
		}
		r.Status = o.summary()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	return out, nil
}

// listQuery is ListOrders' statement and its arguments.
func listQuery(filter, query string, limit int) (string, []any, error) {
	if limit <= 0 {
		limit = 500
	}
	var where []string
	var args []any
	if filter != "" && filter != FilterAll {
		statuses, ok := filterStatuses[filter]
		if !ok {
			return "", nil, fmt.Errorf("%w: %q", ErrUnknownFilter, filter)
		}
		where = append(where, "("+statusSQL+") IN (?"+strings.Repeat(", ?", len(statuses)-1)+")")
		args = append(args, anySlice(statuses)...)
	}
	if q := strings.TrimSpace(query); q != "" {
		// Names are matched folded ("gomez" finds "Gómez"); addresses and
		// numbers as typed, ignoring case. Two index-friendly halves rather
		// than one OR, which would read every order's row.
		name, text := likePattern(foldText(q)), likePattern(strings.ToLower(q))
		where = append(where, `id IN (SELECT id FROM orders WHERE number LIKE ? ESCAPE '\'
			UNION ALL SELECT id FROM orders WHERE customer_id IN
				(SELECT id FROM customer WHERE name_key LIKE ? ESCAPE '\' OR email LIKE ? ESCAPE '\'))`)
		args = append(args, text, name, text)
	}
	cond := "1"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	return `SELECT o.id, o.platform, o.number, o.placed_at, o.customer_id,
		coalesce(nullif(c.name, ''), o.name), coalesce(c.email, o.email), o.currency,
		coalesce(o.total, o.subtotal, (SELECT CASE WHEN count(*) > 0 AND count(line_total) = count(*)
			THEN sum(line_total) END FROM order_item WHERE order_id = o.id)),
		o.payment_status, o.fulfillment_status, o.cancelled, o.carrier, o.tracking, o.tracking_url
		FROM (SELECT id FROM orders WHERE ` + cond + ` ORDER BY placed_at DESC, id DESC LIMIT ?) page
		JOIN orders o ON o.id = page.id JOIN customer c ON c.id = o.customer_id
		ORDER BY o.placed_at DESC, o.id DESC`, append(args, limit), nil
}

// likePattern is "%text%" with LIKE's own wildcards escaped: an address
// such as "ana_perez@" means the underscore.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// ErrNoOrder is returned when no order has the given id.
var ErrNoOrder = errors.New("no such order")

// OrderDetail is one order with its customer, for the Orders room.
type OrderDetail struct {
	Order
	Customer       Customer `json:"customer"`
	ShippingMethod string   `json:"shippingMethod,omitempty"`
	Note           string   `json:"note,omitempty"`
}

// OrderByID loads one order, its items and its customer.
func OrderByID(ctx context.Context, db *sql.DB, id int64) (*OrderDetail, error) {
	var d OrderDetail
	o := &d.Order
	var placed, shipped, delivered sql.NullString
	var total, subtotal, refunded sql.NullInt64
	var email sql.NullString
	var orderName, orderEmail string
	err := db.QueryRowContext(ctx, `SELECT o.id, o.platform, o.number, o.placed_at, o.currency, o.total, o.subtotal,
		o.refunded, o.payment_status, o.fulfillment_status, o.status_text, o.cancelled, o.carrier, o.tracking,
		o.tracking_url, o.shipped_at, o.delivered_at, o.shipping_method, o.note, o.name, o.email,
		c.id, c.email, c.name, c.phone
		FROM orders o JOIN customer c ON c.id = o.customer_id WHERE o.id = ?`, id).Scan(
		&o.ID, &o.Platform, &o.Number, &placed, &o.Currency, &total, &subtotal, &refunded, &o.PaymentStatus,
		&o.FulfillmentStatus, &o.StatusText, &o.Cancelled, &o.Carrier, &o.Tracking, &o.TrackingURL, &shipped,
		&delivered, &d.ShippingMethod, &d.Note, &orderName, &orderEmail,
		&d.Customer.ID, &email, &d.Customer.Name, &d.Customer.Phone)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("order %d: %w", id, ErrNoOrder)
	}
	if err != nil {
		return nil, fmt.Errorf("order %d: %w", id, err)
	}
	d.Customer.Email, d.Customer.Emailable = email.String, email.Valid
	if d.Customer.Name == "" {
		d.Customer.Name = orderName
	}
	o.fill(placed, shipped, delivered, total, subtotal, refunded)
	o.Items, err = itemsOf(ctx, db, id)
	if err != nil {
		return nil, fmt.Errorf("order %s: %w", o.Number, err)
	}
	return &d, nil
}

// itemsOf lists an order's items, on the database or in a transaction.
func itemsOf(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, orderID int64) ([]Item, error) {
	rows, err := q.QueryContext(ctx, `SELECT quantity, name, sku, variant, unit_price, line_total
		FROM order_item WHERE order_id = ? ORDER BY position`, orderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Item{}
	for rows.Next() {
		var it Item
		var up, lt sql.NullInt64
		if err := rows.Scan(&it.Quantity, &it.Name, &it.SKU, &it.Variant, &up, &lt); err != nil {
			return nil, err
		}
		if up.Valid {
			it.UnitPrice = &up.Int64
		}
		if lt.Valid {
			it.LineTotal = &lt.Int64
		}
		out = append(out, it)
	}
	return out, rows.Err()
}
