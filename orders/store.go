package orders

import (
	"context"
	"database/sql"
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
	number                       string // as stored; read back, never written from here
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

// fingerprint is FNV-1a (64 bits), written out so that hashing an order
// allocates nothing.
type fingerprint uint64

func newFingerprint() fingerprint { return 14695981039346656037 }

func (h *fingerprint) byte(b byte) { *h = (*h ^ fingerprint(b)) * 1099511628211 }

func (h *fingerprint) str(s string) {
	for i := 0; i < len(s); i++ {
		h.byte(s[i])
	}
	h.byte(0)
}

func (h *fingerprint) int(v int64) {
	for i := 0; i < 8; i++ {
		h.byte(byte(v >> (8 * i)))
	}
}

func (h *fingerprint) amount(v amount) {
	if !v.OK {
		h.byte(1)
		return
	}
	h.byte(2)
	h.int(v.V)
}

func (h *fingerprint) flag(b bool) {
	if b {
		h.byte(1)
	} else {
		h.byte(0)
	}
}

// hash is a fingerprint of everything a file says about an order (its
// fields f and its items): equal fingerprints mean nothing changed.
func (r *record) hash(source string, f orderFields) uint64 {
	h := newFingerprint()
	h.str(source)
	h.str(r.number)
	for _, s := range []string{f.email, f.name, f.phone, f.placedAt, f.currency, f.payment, f.fulfillment,
		f.status, f.carrier, f.tracking, f.trackURL, f.shipMethod, f.shippedAt, f.deliveredAt, f.cancelledAt,
		f.note} {
		h.str(s)
	}
	h.flag(f.cancelled)
	h.flag(r.hasItems)
	for _, v := range []amount{f.subtotal, f.shipping, f.tax, f.discount, f.total, f.refunded} {
		h.amount(v)
	}
	for _, it := range r.items {
		h.int(int64(it.Quantity))
		h.str(it.Name)
		h.str(it.SKU)
		h.str(it.Variant)
		h.amount(optAmount(it.UnitPrice))
		h.amount(optAmount(it.LineTotal))
	}
	return uint64(h)
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
}, id int64) (orderFields, int64, string, error) {
	var f orderFields
	var cust int64
	var hashes string
	var placed, shipped, delivered, cancelledAt sql.NullString
	var sub, ship, tax, disc, tot, ref sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT customer_id, email, name, phone, placed_at, currency, subtotal, shipping,
		tax, discount, total, refunded, payment_status, fulfillment_status, status_text, carrier, tracking,
		tracking_url, shipping_method, shipped_at, delivered_at, cancelled_at, cancelled, note, source_hashes, number
		FROM orders WHERE id = ?`, id).Scan(&cust, &f.email, &f.name, &f.phone, &placed, &f.currency, &sub, &ship,
		&tax, &disc, &tot, &ref, &f.payment, &f.fulfillment, &f.status, &f.carrier, &f.tracking, &f.trackURL,
		&f.shipMethod, &shipped, &delivered, &cancelledAt, &f.cancelled, &f.note, &hashes, &f.number)
	if err != nil {
		return f, 0, "", err
	}
	f.placedAt, f.shippedAt, f.deliveredAt, f.cancelledAt = placed.String, shipped.String, delivered.String, cancelledAt.String
	for _, p := range []struct {
		dst *amount
		v   sql.NullInt64
	}{{&f.subtotal, sub}, {&f.shipping, ship}, {&f.tax, tax}, {&f.discount, disc}, {&f.total, tot}, {&f.refunded, ref}} {
		*p.dst = amount{p.v.Int64, p.v.Valid}
	}
	return f, cust, hashes, nil
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

// ItemsOf lists an order's items, in the order's own order, inside the
// caller's transaction.
func ItemsOf(ctx context.Context, tx *sql.Tx, orderID int64) ([]Item, error) {
	return itemsOf(ctx, tx, orderID)
}

// mergeItems lays a file's items over the stored ones. When the file lists
// the same items (same quantities, names that agree), it only adds what it
// knows: a summary export such as WooCommerce Analytics writes "Vela
// aromática - Citronela" with no price or SKU, and must not wipe the
// details an orders export stored before. Other lists replace the stored one.
func mergeItems(old, items []Item) []Item {
	if len(old) != len(items) || len(old) == 0 {
		return items
	}
	out := make([]Item, len(old))
	used := make([]bool, len(old))
	for _, it := range items {
		j := -1
		for i, o := range old {
			if !used[i] && o.Quantity == it.Quantity && sameProduct(o, it) {
				j = i
				break
			}
		}
		if j < 0 {
			return items
		}
		used[j] = true
		m := old[j]
		if foldText(it.Name) == foldText(m.Name) || it.Variant != "" {
			m.Name = it.Name // the same words better written, or the name apart from its variant
		}
		if it.SKU != "" {
			m.SKU = it.SKU
		}
		if it.Variant != "" {
			m.Variant = it.Variant
		}
		if it.UnitPrice != nil {
			m.UnitPrice = it.UnitPrice
		}
		if it.LineTotal != nil {
			m.LineTotal = it.LineTotal
		}
		out[j] = m
	}
	return out
}

// sameProduct says whether two item lines name the same product: the same
// SKU, or the same name, or one name followed by its variant
// ("Vela aromática - Citronela").
func sameProduct(a, b Item) bool {
	if a.SKU != "" && b.SKU != "" {
		return a.SKU == b.SKU
	}
	x, y := foldText(a.Name), foldText(b.Name)
	if len(x) > len(y) {
		x, y = y, x
	}
	if x == y {
		return true
	}
	for _, sep := range []string{" - ", " – ", " — ", ", ", " ("} {
		if strings.HasPrefix(y, x+sep) {
			return true
		}
	}
	return false
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
