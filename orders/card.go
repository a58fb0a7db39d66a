package orders

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"
	"time"
	"unicode"
)

// ErrNoCustomer is returned when no customer has the given email or id.
var ErrNoCustomer = errors.New("no such customer")

// Customer is a person the shop sells to.
type Customer struct {
	ID        int64  `json:"id"`
	Email     string `json:"email,omitempty"`
	Name      string `json:"name"`
	Phone     string `json:"phone,omitempty"`
	Emailable bool   `json:"emailable"`       // false: no address known, cannot be contacted by email
	Notes     string `json:"notes,omitempty"` // the owner's, on the card
	// Tags are the owner's words for the customer ("vip"), in their order:
	// filled on the card (CardByID, CardByEmail), not in lists.
	Tags []string `json:"tags,omitempty"`
}

// Money is an amount in minor units of a currency.
type Money struct {
	Currency string `json:"currency"`
	Minor    int64  `json:"minor"`
}

// Order is an order as the card shows it.
type Order struct {
	ID                int64      `json:"id"`
	Platform          string     `json:"platform"`
	Number            string     `json:"number"`
	PlacedAt          *time.Time `json:"placedAt,omitempty"`
	Currency          string     `json:"currency,omitempty"`
	Total             *int64     `json:"total,omitempty"`
	Refunded          *int64     `json:"refunded,omitempty"`
	Status            string     `json:"status"` // the one word to show: see Order.summary
	PaymentStatus     string     `json:"paymentStatus,omitempty"`
	FulfillmentStatus string     `json:"fulfillmentStatus,omitempty"`
	StatusText        string     `json:"statusText,omitempty"`
	Cancelled         bool       `json:"cancelled"`
	Carrier           string     `json:"carrier,omitempty"`
	Tracking          string     `json:"tracking,omitempty"`
	TrackingURL       string     `json:"trackingUrl,omitempty"`
	ShippedAt         *time.Time `json:"shippedAt,omitempty"`
	DeliveredAt       *time.Time `json:"deliveredAt,omitempty"`
	Items             []Item     `json:"items"`
	subtotal          *int64
}

// Card is everything the order log knows about one customer.
type Card struct {
	Customer Customer `json:"customer"`
	Orders   []Order  `json:"orders"`
	Totals   Totals   `json:"totals"`
	// Appointments are the customer's bookings, latest first.
	Appointments []Appointment `json:"appointments"`
	// Merged are the customers merged into this one (MergeCustomers), in
	// the order they were merged: their orders and bookings are above, and
	// their addresses are this customer's too.
	Merged []MergedCustomer `json:"merged,omitempty"`
}

// Totals sum up a customer's orders. Lifetime value counts what was paid and
// kept: cancelled orders and refunds are left out.
type Totals struct {
	OrderCount    int        `json:"orderCount"`
	LifetimeValue []Money    `json:"lifetimeValue"`
	FirstOrder    *time.Time `json:"firstOrder,omitempty"`
	LastOrder     *time.Time `json:"lastOrder,omitempty"`
}

// CardByEmail loads the card of the customer with this email address: of
// the one it was merged into, for the address of a customer merged away.
func CardByEmail(ctx context.Context, db *sql.DB, email string) (*Card, error) {
	id, err := CustomerByEmail(ctx, db, email)
	if err != nil {
		return nil, err
	}
	return CardByID(ctx, db, id)
}

// CardByID loads a customer's card; a customer merged into another one has
// that one's card.
func CardByID(ctx context.Context, db *sql.DB, id int64) (*Card, error) {
	var c Card
	var email sql.NullString
	id, err := keptCustomer(ctx, db, id)
	if err != nil {
		return nil, err
	}
	err = db.QueryRowContext(ctx, `SELECT id, email, name, phone, notes FROM customer WHERE id = ?`, id).
		Scan(&c.Customer.ID, &email, &c.Customer.Name, &c.Customer.Phone, &c.Customer.Notes)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoCustomer
	}
	if err != nil {
		return nil, err
	}
	c.Customer.Email, c.Customer.Emailable = email.String, email.Valid
	if c.Customer.Tags, err = tagsOf(ctx, db, id); err != nil {
		return nil, err
	}
	c.Orders, err = customerOrders(ctx, db, id)
	if err != nil {
		return nil, err
	}
	c.Totals = totals(c.Orders)
	if c.Appointments, err = customerAppointments(ctx, db, id); err != nil {
		return nil, err
	}
	if c.Merged, err = mergedCustomers(ctx, db, id); err != nil {
		return nil, err
	}
	return &c, nil
}

// fill sets what an order's row stored as nullable: its dates and amounts,
// then the status they and the rest make.
func (o *Order) fill(placed, shipped, delivered sql.NullString, total, subtotal, refunded sql.NullInt64) {
	o.PlacedAt, o.ShippedAt, o.DeliveredAt = parseStored(placed), parseStored(shipped), parseStored(delivered)
	if total.Valid {
		o.Total = &total.Int64
	}
	if subtotal.Valid {
		o.subtotal = &subtotal.Int64
	}
	if refunded.Valid {
		o.Refunded = &refunded.Int64
	}
	o.Status = o.summary()
}

func customerOrders(ctx context.Context, db *sql.DB, customerID int64) ([]Order, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, platform, number, placed_at, currency, total, subtotal, refunded,
		payment_status, fulfillment_status, status_text, cancelled, carrier, tracking, tracking_url, shipped_at,
		delivered_at FROM orders WHERE customer_id = ? ORDER BY placed_at DESC, id DESC`, customerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Order{}
	byID := map[int64]int{}
	for rows.Next() {
		var o Order
		var placed, shipped, delivered sql.NullString
		var total, subtotal, refunded sql.NullInt64
		if err := rows.Scan(&o.ID, &o.Platform, &o.Number, &placed, &o.Currency, &total, &subtotal, &refunded,
			&o.PaymentStatus, &o.FulfillmentStatus, &o.StatusText, &o.Cancelled, &o.Carrier, &o.Tracking,
			&o.TrackingURL, &shipped, &delivered); err != nil {
			return nil, err
		}
		o.fill(placed, shipped, delivered, total, subtotal, refunded)
		o.Items = []Item{}
		byID[o.ID] = len(out)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	items, err := db.QueryContext(ctx, `SELECT i.order_id, i.quantity, i.name, i.sku, i.variant, i.unit_price,
		i.line_total FROM order_item i JOIN orders o ON o.id = i.order_id WHERE o.customer_id = ?
		ORDER BY i.order_id, i.position`, customerID)
	if err != nil {
		return nil, err
	}
	defer items.Close()
	for items.Next() {
		var oid int64
		var it Item
		var up, lt sql.NullInt64
		if err := items.Scan(&oid, &it.Quantity, &it.Name, &it.SKU, &it.Variant, &up, &lt); err != nil {
			return nil, err
		}
		if up.Valid {
			it.UnitPrice = &up.Int64
		}
		if lt.Valid {
			it.LineTotal = &lt.Int64
		}
		if i, ok := byID[oid]; ok {
			out[i].Items = append(out[i].Items, it)
		}
	}
	return out, items.Err()
}

func parseStored(s sql.NullString) *time.Time {
	if !s.Valid {
		return nil
	}
	t, err := time.Parse(timeLayout, s.String)
	if err != nil {
		return nil
	}
	return &t
}

// value is what the order is worth when the file gave no total: the
// subtotal, else the sum of its lines.
func (o *Order) value() (int64, bool) {
	if o.Total != nil {
		return *o.Total, true
	}
	if o.subtotal != nil {
		return *o.subtotal, true
	}
	var sum int64
	for _, it := range o.Items {
		if it.LineTotal == nil {
			return 0, false
		}
		sum += *it.LineTotal
	}
	return sum, len(o.Items) > 0
}

// summary is the single status word the window and card show.
func (o *Order) summary() string {
	switch {
	case o.Cancelled:
		return "cancelled"
	case o.PaymentStatus == "refunded":
		return "refunded"
	case o.FulfillmentStatus == "delivered":
		return "delivered"
	case o.FulfillmentStatus == "shipped":
		return "shipped"
	case o.FulfillmentStatus == "partial":
		return "partial"
	case o.PaymentStatus == "paid" || o.PaymentStatus == "partially_refunded":
		return "paid"
	case o.PaymentStatus == "pending" || o.PaymentStatus == "failed" || o.PaymentStatus == "voided":
		return o.PaymentStatus
	}
	return "open"
}

func totals(orders []Order) Totals {
	t := Totals{OrderCount: len(orders), LifetimeValue: []Money{}}
	sum := map[string]int64{}
	for _, o := range orders {
		if o.PlacedAt != nil {
			if t.FirstOrder == nil || o.PlacedAt.Before(*t.FirstOrder) {
				t.FirstOrder = o.PlacedAt
			}
			if t.LastOrder == nil || o.PlacedAt.After(*t.LastOrder) {
				t.LastOrder = o.PlacedAt
			}
		}
		switch {
		case o.Cancelled:
			continue
		case o.PaymentStatus == "refunded", o.PaymentStatus == "pending", o.PaymentStatus == "failed",
			o.PaymentStatus == "voided":
			continue // not (or no longer) money the shop has
		}
		v, ok := o.value()
		if !ok {
			continue
		}
		if o.Refunded != nil {
			v -= *o.Refunded
		}
		sum[o.Currency] += v
	}
	for cur, v := range sum {
		t.LifetimeValue = append(t.LifetimeValue, Money{Currency: cur, Minor: v})
	}
	sort.Slice(t.LifetimeValue, func(i, j int) bool { return t.LifetimeValue[i].Currency < t.LifetimeValue[j].Currency })
	return t
}

// CustomerRow is one line of the customer list.
type CustomerRow struct {
	Customer
	Orders    int        `json:"orders"`
	LastOrder *time.Time `json:"lastOrder,omitempty"`
}

// ListCustomers returns customers whose name, email or phone contains query
// (all when empty), most recent buyers first. A query that starts with "#"
// also finds the customers tagged with the rest ("#vip": tagged "VIP"). A
// customer merged into another is not listed: the query finds the one it
// was merged into.
func ListCustomers(ctx context.Context, db *sql.DB, query string, limit int) ([]CustomerRow, error) {
	if limit <= 0 {
		limit = 500
	}
	if strings.TrimSpace(query) == "" {
		return recentCustomers(ctx, db, limit)
	}
	return searchCustomers(ctx, db, query, limit)
}

// searchCustomers is ListCustomers with a query (with none, it would count
// every customer's orders to sort them: recentCustomers does it faster).
func searchCustomers(ctx context.Context, db *sql.DB, query string, limit int) ([]CustomerRow, error) {
	q := "%" + foldText(query) + "%"
	// A phone number matches however it is written: "611 22 33 44" finds
	// "+34 611223344".
	phone := ""
	if k := phoneKey(query); len(k) >= 6 && !strings.ContainsFunc(query, unicode.IsLetter) {
		phone = "%" + k + "%"
	}
	tag := ""
	if t := strings.TrimSpace(query); strings.HasPrefix(t, "#") {
		tag = tagKey(strings.Join(strings.Fields(strings.TrimLeft(t, "#")), " "))
	}
	// A customer merged into another is found as that one (away: who is
	// merged into whom, following merges of merges), and not listed itself.
	// CROSS JOIN walks the few merges and reads their customers by id,
	// rather than reading every customer a second time.
	rows, err := db.QueryContext(ctx, `WITH RECURSIVE away(other, keep) AS (
			SELECT other_id, keep_id FROM customer_merge WHERE unmerged_at IS NULL
			UNION SELECT a.other, m.keep_id FROM away a JOIN customer_merge m ON m.other_id = a.keep AND m.unmerged_at IS NULL)
		SELECT c.id, c.email, c.name, c.phone, count(o.id), max(o.placed_at)
		FROM customer c LEFT JOIN orders o ON o.customer_id = c.id
		WHERE (?1 = '%%' OR c.name_key LIKE ?1 OR coalesce(c.email, '') LIKE ?1 OR c.phone LIKE ?1
		   OR (?2 <> '' AND c.phone_key LIKE ?2)
		   OR (?3 <> '' AND c.id IN (SELECT customer_id FROM customer_tag WHERE tag_key = ?3))
		   OR c.id IN (SELECT a.keep FROM away a CROSS JOIN customer x ON x.id = a.other
				WHERE x.name_key LIKE ?1 OR coalesce(x.email, '') LIKE ?1 OR x.phone LIKE ?1
				   OR (?2 <> '' AND x.phone_key LIKE ?2)))
		  AND c.id NOT IN (SELECT other FROM away)
		GROUP BY c.id ORDER BY max(o.placed_at) IS NULL, max(o.placed_at) DESC, c.name, c.id LIMIT ?4`,
		q, phone, tag, limit)
	return scanCustomerRows(rows, err)
}

// recentCustomers is ListCustomers without a query: the latest buyers,
// found by walking the orders from the newest (orders_placed) until there
// are limit of them, rather than counting every customer's orders to sort
// them all; then, if the list is not full, those with no dated order, by
// name. The same list, in the same order, at any size of shop.
func recentCustomers(ctx context.Context, db *sql.DB, limit int) ([]CustomerRow, error) {
	out, err := NewCustomerPager(db).Next(ctx, limit)
	if len(out) > limit {
		out = out[:limit] // the page's last date had more customers than room
	}
	return out, err
}

// CustomerPager reads the customers list without a query a page at a
// time, in ListCustomers' order: the latest buyers first, by the date of
// their latest order, then by name; then those with no dated order, by
// name. A list of a hundred thousand customers is read as it scrolls.
type CustomerPager struct {
	db     *sql.DB
	seen   map[int64]bool // the customers listed so far
	before string         // the next page's buyers ordered before this date ("" at first)
	buyers bool           // false once the buyers are all listed
	rest   int            // how many of the others are listed
	done   bool
}

// NewCustomerPager starts at the top of the list.
func NewCustomerPager(db *sql.DB) *CustomerPager {
	return &CustomerPager{db: db, seen: map[int64]bool{}, buyers: true}
}

// Done reports whether every customer has been listed.
func (p *CustomerPager) Done() bool { return p.done }

// Next lists about n more customers: n, or a few more when the last date
// of the page is shared (the page then ends after every customer of that
// date, so that the next one starts clean), or fewer at the end.
func (p *CustomerPager) Next(ctx context.Context, n int) ([]CustomerRow, error) {
	var out []CustomerRow
	if p.buyers {
		got, err := p.nextBuyers(ctx, n)
		if err != nil {
			return nil, err
		}
		out = got
	}
	if len(out) >= n || p.done {
		return out, nil
	}
	// Then those who never ordered (or only without a date), by name.
	// Those merged into another customer are that one's (and have no orders).
	rest, err := customerRows(ctx, p.db, `NOT EXISTS (SELECT 1 FROM orders d WHERE d.customer_id = c.id
		AND d.placed_at IS NOT NULL)
		AND c.id NOT IN (SELECT other_id FROM customer_merge WHERE unmerged_at IS NULL)
		ORDER BY c.name, c.id LIMIT ? OFFSET ?`, n-len(out), p.rest)
	if err != nil {
		return nil, err
	}
	p.rest += len(rest)
	if len(rest) < n-len(out) {
		p.done = true
	}
	return append(out, rest...), nil
}

// nextBuyers walks the orders from the newest (orders_placed) until it
// has n customers not listed yet, and every other customer whose latest
// order shares the date of the n-th.
func (p *CustomerPager) nextBuyers(ctx context.Context, n int) ([]CustomerRow, error) {
	query, args := `SELECT customer_id, placed_at FROM orders WHERE placed_at IS NOT NULL
		ORDER BY placed_at DESC`, []any{}
	if p.before != "" {
		query, args = `SELECT customer_id, placed_at FROM orders WHERE placed_at < ?
			ORDER BY placed_at DESC`, []any{p.before}
	}
	rows, err := p.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	last := map[int64]string{}
	var ids []int64
	var edge string // the date of the n-th customer: ties with it still belong in
	ended := true
	for rows.Next() {
		var id int64
		var at string
		if err := rows.Scan(&id, &at); err != nil {
			rows.Close()
			return nil, err
		}
		if len(ids) >= n && at < edge {
			ended = false
			break
		}
		if p.seen[id] {
			continue
		}
		p.seen[id] = true
		last[id] = at
		ids = append(ids, id)
		if len(ids) == n {
			edge = at
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if ended {
		p.buyers = false
	} else {
		p.before = edge
	}
	out := make([]CustomerRow, 0, len(ids))
	const batch = 500
	for start := 0; start < len(ids); start += batch {
		part := ids[start:min(start+batch, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		got, err := customerRows(ctx, p.db, `c.id IN (?`+strings.Repeat(", ?", len(part)-1)+`)`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := last[out[i].ID], last[out[j].ID]; a != b {
			return a > b
		}
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// customerRows reads the list rows of the customers where selects.
func customerRows(ctx context.Context, db *sql.DB, where string, args ...any) ([]CustomerRow, error) {
	rows, err := db.QueryContext(ctx, `SELECT c.id, c.email, c.name, c.phone,
		(SELECT count(*) FROM orders o WHERE o.customer_id = c.id),
		(SELECT max(placed_at) FROM orders o WHERE o.customer_id = c.id)
		FROM customer c WHERE `+where, args...)
	return scanCustomerRows(rows, err)
}

// scanCustomerRows reads list rows: id, email, name, phone, order count,
// last order.
func scanCustomerRows(rows *sql.Rows, err error) ([]CustomerRow, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CustomerRow{}
	for rows.Next() {
		var r CustomerRow
		var email, last sql.NullString
		if err := rows.Scan(&r.ID, &email, &r.Name, &r.Phone, &r.Orders, &last); err != nil {
			return nil, err
		}
		r.Email, r.Emailable, r.LastOrder = email.String, email.Valid, parseStored(last)
		out = append(out, r)
	}
	return out, rows.Err()
}

// FirstOrder is when a customer first ordered.
type FirstOrder struct {
	CustomerID int64
	At         time.Time
}

// FirstOrdersOn lists the customers with an address whose first order was
// placed on one of the days, written "01-31" (month-day, in UTC): the
// anniversaries a greeting may celebrate.
func FirstOrdersOn(ctx context.Context, db *sql.DB, days []string) ([]FirstOrder, error) {
	if len(days) == 0 {
		return nil, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT o.customer_id, min(o.placed_at) AS first FROM orders o
		JOIN customer c ON c.id = o.customer_id WHERE c.email IS NOT NULL AND o.placed_at IS NOT NULL
		GROUP BY o.customer_id HAVING strftime('%m-%d', first) IN (?`+strings.Repeat(", ?", len(days)-1)+`)`,
		anySlice(days)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FirstOrder
	for rows.Next() {
		var f FirstOrder
		var at string
		if err := rows.Scan(&f.CustomerID, &at); err != nil {
			return nil, err
		}
		if f.At, err = time.Parse(timeLayout, at); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func anySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// CountCustomers counts the customers the list shows (not those merged
// into another).
func CountCustomers(ctx context.Context, db *sql.DB) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM customer
		WHERE id NOT IN (SELECT other_id FROM customer_merge WHERE unmerged_at IS NULL)`).Scan(&n)
	return n, err
}
