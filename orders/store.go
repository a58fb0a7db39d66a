package orders

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
)

// Change is something an import noticed about an order: the input of the
// automated emails. Import itself sends nothing.
type Change struct {
	Kind          string     `json:"kind"` // new shipped delivered cancelled refunded tracking updated
	Platform      string     `json:"platform"`
	Order         string     `json:"order"`
	OrderID       int64      `json:"orderId"`
	CustomerID    int64      `json:"customerId"`
	CustomerEmail string     `json:"customerEmail,omitempty"`
	PlacedAt      *time.Time `json:"placedAt,omitempty"`
	At            *time.Time `json:"at,omitempty"` // when it happened, if the file says
	Carrier       string     `json:"carrier,omitempty"`
	Tracking      string     `json:"tracking,omitempty"`
	TrackingURL   string     `json:"trackingUrl,omitempty"`
	From          string     `json:"from,omitempty"`
	To            string     `json:"to,omitempty"`
	Fields        []string   `json:"fields,omitempty"`
}

// orderFields are an order's own values as stored; "" and !OK mean unknown.
type orderFields struct {
	email, name, phone           string
	placedAt, currency           string
	subtotal, shipping, tax      amount
	discount, total, refunded    amount
	payment, fulfillment, status string
	carrier, tracking, trackURL  string
	shipMethod                   string
	shippedAt, deliveredAt       string
	cancelledAt                  string
	cancelled                    bool
	note                         string
}

const timeLayout = "2006-01-02T15:04:05Z"

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func (r *record) fields() orderFields {
	return orderFields{
		email: r.email, name: r.name, phone: r.phone, placedAt: timeText(r.placedAt), currency: r.currency,
		subtotal: r.subtotal, shipping: r.shipping, tax: r.tax, discount: r.discount, total: r.total,
		refunded: r.refunded, payment: r.payment, fulfillment: r.fulfillment,
		status: strings.Join(r.statusText, " / "), carrier: r.carrier, tracking: r.tracking,
		trackURL: r.trackingURL, shipMethod: r.shippingMethod, shippedAt: timeText(r.shippedAt),
		deliveredAt: timeText(r.deliveredAt), cancelledAt: timeText(r.cancelledAt), cancelled: r.cancelled,
		note: r.note,
	}
}

// merge lays what a file says over what is known: an empty cell never erases.
func merge(old, n orderFields) orderFields {
	m := old
	str := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	amt := func(dst *amount, v amount) {
		if v.OK {
			*dst = v
		}
	}
	str(&m.email, n.email)
	str(&m.name, n.name)
	str(&m.phone, n.phone)
	str(&m.placedAt, n.placedAt)
	str(&m.currency, n.currency)
	amt(&m.subtotal, n.subtotal)
	amt(&m.shipping, n.shipping)
	amt(&m.tax, n.tax)
	amt(&m.discount, n.discount)
	amt(&m.total, n.total)
	amt(&m.refunded, n.refunded)
	str(&m.payment, n.payment)
	str(&m.fulfillment, n.fulfillment)
	str(&m.status, n.status)
	str(&m.carrier, n.carrier)
	str(&m.tracking, n.tracking)
	str(&m.trackURL, n.trackURL)
	str(&m.shipMethod, n.shipMethod)
	str(&m.shippedAt, n.shippedAt)
	str(&m.deliveredAt, n.deliveredAt)
	str(&m.cancelledAt, n.cancelledAt)
	m.cancelled = old.cancelled || n.cancelled
	str(&m.note, n.note)
	return m
}

// diff names what changed between two versions of an order, as the changes
// the reminders care about, and the other fields as one "updated" change.
func diff(base Change, old, n orderFields) []Change {
	var out []Change
	at := func(s string) *time.Time {
		if t, err := time.Parse(timeLayout, s); err == nil {
			return &t
		}
		return nil
	}
	ch := func(kind string) Change {
		c := base
		c.Kind = kind
		return c
	}
	shippedNow := fulfillmentRank(n.fulfillment) >= 3 && fulfillmentRank(old.fulfillment) < 3
	if shippedNow {
		c := ch("shipped")
		c.Carrier, c.Tracking, c.TrackingURL, c.At = n.carrier, n.tracking, n.trackURL, at(n.shippedAt)
		c.From, c.To = old.fulfillment, "shipped"
		out = append(out, c)
	}
	if n.fulfillment == "delivered" && old.fulfillment != "delivered" {
		c := ch("delivered")
		c.Carrier, c.Tracking, c.TrackingURL, c.At = n.carrier, n.tracking, n.trackURL, at(n.deliveredAt)
		c.From, c.To = old.fulfillment, "delivered"
		out = append(out, c)
	}
	if n.cancelled && !old.cancelled {
		c := ch("cancelled")
		c.At = at(n.cancelledAt)
		out = append(out, c)
	}
	if (n.payment == "refunded" || n.payment == "partially_refunded") && n.payment != old.payment {
		c := ch("refunded")
		c.From, c.To = old.payment, n.payment
		out = append(out, c)
	}
	if !shippedNow && old.tracking != "" && n.tracking != old.tracking {
		c := ch("tracking")
		c.Carrier, c.Tracking, c.TrackingURL, c.From, c.To = n.carrier, n.tracking, n.trackURL, old.tracking, n.tracking
		out = append(out, c)
	}
	var fields []string
	note := func(name string, changed bool) {
		if changed {
			fields = append(fields, name)
		}
	}
	note("email", old.email != n.email)
	note("name", old.name != n.name)
	note("phone", old.phone != n.phone)
	note("placedAt", old.placedAt != n.placedAt)
	note("currency", old.currency != n.currency)
	note("subtotal", old.subtotal != n.subtotal)
	note("shipping", old.shipping != n.shipping)
	note("tax", old.tax != n.tax)
	note("discount", old.discount != n.discount)
	note("total", old.total != n.total)
	note("refunded", old.refunded != n.refunded && !(n.payment != old.payment && (n.payment == "refunded" || n.payment == "partially_refunded")))
	note("paymentStatus", old.payment != n.payment && len(out) == 0)
	note("fulfillmentStatus", old.fulfillment != n.fulfillment && !shippedNow && n.fulfillment != "delivered")
	note("status", old.status != n.status && len(out) == 0)
	note("carrier", old.carrier != n.carrier && !shippedNow)
	note("trackingUrl", old.trackURL != n.trackURL && !shippedNow)
	note("shippingMethod", old.shipMethod != n.shipMethod)
	note("shippedAt", old.shippedAt != n.shippedAt && !shippedNow)
	note("deliveredAt", old.deliveredAt != n.deliveredAt && n.fulfillment != "delivered")
	note("cancelledAt", old.cancelledAt != n.cancelledAt && n.cancelled == old.cancelled)
	note("note", old.note != n.note)
	if len(fields) > 0 {
		c := ch("updated")
		c.Fields = fields
		out = append(out, c)
	}
	return out
}

// hash is a fingerprint of everything a file says about an order.
func (r *record) hash(source string) string {
	h := fnv.New128a()
	var n [8]byte
	w := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	a := func(v amount) {
		if !v.OK {
			h.Write([]byte{1})
			return
		}
		binary.LittleEndian.PutUint64(n[:], uint64(v.V))
		h.Write(n[:])
	}
	f := r.fields()
	w(source)
	for _, s := range []string{f.email, f.name, f.phone, f.placedAt, f.currency, f.payment, f.fulfillment,
		f.status, f.carrier, f.tracking, f.trackURL, f.shipMethod, f.shippedAt, f.deliveredAt, f.cancelledAt,
		f.note, strconv.FormatBool(f.cancelled), strconv.FormatBool(r.hasItems)} {
		w(s)
	}
	for _, v := range []amount{f.subtotal, f.shipping, f.tax, f.discount, f.total, f.refunded} {
		a(v)
	}
	for _, it := range r.items {
		w(strconv.Itoa(it.Quantity))
		w(it.Name)
		w(it.SKU)
		w(it.Variant)
		a(optAmount(it.UnitPrice))
		a(optAmount(it.LineTotal))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func optAmount(p *int64) amount {
	if p == nil {
		return amount{}
	}
	return amount{*p, true}
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullAmount(a amount) any {
	if !a.OK {
		return nil
	}
	return a.V
}

func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// loadOrderFields reads an order's stored values back.
func loadOrderFields(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id int64) (orderFields, int64, error) {
	var f orderFields
	var cust int64
	var placed, shipped, delivered, cancelledAt sql.NullString
	var sub, ship, tax, disc, tot, ref sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT customer_id, email, name, phone, placed_at, currency, subtotal, shipping,
		tax, discount, total, refunded, payment_status, fulfillment_status, status_text, carrier, tracking,
		tracking_url, shipping_method, shipped_at, delivered_at, cancelled_at, cancelled, note
		FROM orders WHERE id = ?`, id).Scan(&cust, &f.email, &f.name, &f.phone, &placed, &f.currency, &sub, &ship,
		&tax, &disc, &tot, &ref, &f.payment, &f.fulfillment, &f.status, &f.carrier, &f.tracking, &f.trackURL,
		&f.shipMethod, &shipped, &delivered, &cancelledAt, &f.cancelled, &f.note)
	if err != nil {
		return f, 0, err
	}
	f.placedAt, f.shippedAt, f.deliveredAt, f.cancelledAt = placed.String, shipped.String, delivered.String, cancelledAt.String
	for _, p := range []struct {
		dst *amount
		v   sql.NullInt64
	}{{&f.subtotal, sub}, {&f.shipping, ship}, {&f.tax, tax}, {&f.discount, disc}, {&f.total, tot}, {&f.refunded, ref}} {
		*p.dst = amount{p.v.Int64, p.v.Valid}
	}
	return f, cust, nil
}

func orderArgs(f orderFields) []any {
	return []any{f.email, f.name, f.phone, nullText(f.placedAt), f.currency, nullAmount(f.subtotal),
		nullAmount(f.shipping), nullAmount(f.tax), nullAmount(f.discount), nullAmount(f.total),
		nullAmount(f.refunded), f.payment, f.fulfillment, f.status, f.carrier, f.tracking, f.trackURL,
		f.shipMethod, nullText(f.shippedAt), nullText(f.deliveredAt), nullText(f.cancelledAt),
		boolInt(f.cancelled), f.note}
}

const orderColumns = `email, name, phone, placed_at, currency, subtotal, shipping, tax, discount, total, refunded,
	payment_status, fulfillment_status, status_text, carrier, tracking, tracking_url, shipping_method,
	shipped_at, delivered_at, cancelled_at, cancelled, note`

func loadItems(ctx context.Context, tx *sql.Tx, orderID int64) ([]Item, error) {
	rows, err := tx.QueryContext(ctx, `SELECT quantity, name, sku, variant, unit_price, line_total
		FROM order_item WHERE order_id = ? ORDER BY position`, orderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item
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

func sameItems(a, b []Item) bool {
	if len(a) != len(b) {
		return false
	}
	eq := func(x, y *int64) bool { return x == nil && y == nil || x != nil && y != nil && *x == *y }
	for i := range a {
		x, y := a[i], b[i]
		if x.Quantity != y.Quantity || x.Name != y.Name || x.SKU != y.SKU || x.Variant != y.Variant ||
			!eq(x.UnitPrice, y.UnitPrice) || !eq(x.LineTotal, y.LineTotal) {
			return false
		}
	}
	return true
}
