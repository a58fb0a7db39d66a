package reminders

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"mostrador/internal/database"
	"mostrador/internal/settings"
	"mostrador/orders"
)

// Planning turns what changed in the order log (orders.Import's changes,
// an appointment created or moved) into jobs. Nothing is planned about the
// past: importing two years of history plans nothing for its old orders.

// How fresh a change must be to plan anything.
const (
	thankYouWindow       = 3 * 24 * time.Hour  // a thank-you only for orders placed this recently
	deliveryWindow       = 7 * 24 * time.Hour  // a delivery update only for changes this recent
	followUpAfterShipped = 10 * 24 * time.Hour // a follow-up when no delivery date comes
	// waitingLimit is how long a job that waits (for the frequency cap, for
	// the shop's answer to the customer) may wait before it is given up.
	waitingLimit = 14 * 24 * time.Hour
	// reminderGap: an appointment reminder is planned only if it would go
	// this long after the confirmation; a booking made 90 minutes ahead gets
	// the confirmation alone.
	reminderGap = 2 * time.Hour
	// lateReminder24 is how much of the appointment's lead a 24-hour
	// reminder must still have to be worth sending after a laptop was closed.
	lateReminder24 = 3 * time.Hour
	lateReminder2  = 30 * time.Minute
)

// Planner plans jobs from changes.
type Planner struct {
	DB     *sql.DB
	Now    func() time.Time // nil: time.Now
	DryRun bool             // count what would be planned, write nothing
}

// Planned counts what planning did.
type Planned struct {
	Jobs      map[string]int `json:"jobs"`      // new jobs by rule
	Cancelled int            `json:"cancelled"` // planned jobs a change made pointless
	TooOld    int            `json:"tooOld"`    // changes about the past: nothing planned
	Off       int            `json:"off"`       // jobs not planned because their rule is off
	NoEmail   int            `json:"noEmail"`   // changes about customers without an address
}

// Total is how many emails were planned.
func (p Planned) Total() int {
	n := 0
	for _, c := range p.Jobs {
		n += c
	}
	return n
}

func (p *Planned) add(q Planned) {
	if p.Jobs == nil {
		p.Jobs = map[string]int{}
	}
	for r, n := range q.Jobs {
		p.Jobs[r] += n
	}
	p.Cancelled += q.Cancelled
	p.TooOld += q.TooOld
	p.Off += q.Off
	p.NoEmail += q.NoEmail
}

// planning is one planning transaction.
type planning struct {
	ctx    context.Context
	tx     *sql.Tx
	now    time.Time
	rules  map[string]RuleSetting
	quiet  Quiet
	out    Planned
	supply map[string]int // see supplies
	stmts  database.Stmts
	within bool // tx is the caller's: end neither commits nor rolls back
}

// begin starts a planning in a transaction of its own, or, given one, in
// the caller's (an import's, so that its emails land with it).
func (p *Planner) begin(ctx context.Context, in ...*sql.Tx) (*planning, error) {
	now := time.Now()
	if p.Now != nil {
		now = p.Now()
	}
	rs, err := settingsOf(ctx, p.DB)
	if err != nil {
		return nil, err
	}
	quiet, err := quietOf(ctx, p.DB)
	if err != nil {
		return nil, err
	}
	var tx *sql.Tx
	if len(in) > 0 {
		tx = in[0]
	} else if tx, err = p.DB.BeginTx(ctx, nil); err != nil {
		return nil, err
	}
	return &planning{ctx: ctx, tx: tx, now: now.UTC(), rules: rs, quiet: quiet,
		out: Planned{Jobs: map[string]int{}}, stmts: database.Stmts{On: tx}, within: len(in) > 0}, nil
}

func (p *Planner) end(pl *planning, err error) (Planned, error) {
	if pl.within {
		pl.stmts.Close()
		return pl.out, err
	}
	if err != nil || p.DryRun {
		pl.tx.Rollback()
		return pl.out, err
	}
	return pl.out, pl.tx.Commit()
}

// quietOf reads the shop's quiet hours in its time zone.
func quietOf(ctx context.Context, db *sql.DB) (Quiet, error) {
	zone, err := settings.Location(ctx, db)
	if err != nil {
		return Quiet{}, err
	}
	s, err := settings.Get(ctx, db, settings.QuietHours)
	if err != nil {
		return Quiet{}, err
	}
	return ParseQuiet(s.Value, zone)
}

// job is a job to plan.
type job struct {
	rule, step         string
	customer           int64
	about              string
	version            int64
	order, appointment int64
	critical           bool
	due                time.Time
	deadline           time.Time // zero: none
	anytime            bool      // goes even in the quiet hours
	// revive: a job of the same key cancelled with this reason is planned
	// again (an appointment moved back to a time it had); "": never.
	revive string
	data   map[string]any
}

// plan inserts a job unless its key is taken, moving it out of the quiet
// hours; it reports whether it was new.
func (pl *planning) plan(j job) (bool, error) {
	rs, ok := pl.rules[j.rule]
	if !ok {
		return false, fmt.Errorf("%w: %q", ErrUnknownRule, j.rule)
	}
	if !rs.Enabled {
		pl.out.Off++
		return false, nil
	}
	if j.due.Before(pl.now) {
		j.due = pl.now
	}
	if moved, quiet := pl.quiet.Move(j.due, j.critical, pl.now); quiet && !j.anytime {
		j.due = moved
	}
	if !j.deadline.IsZero() && j.due.After(j.deadline) {
		pl.out.TooOld++
		return false, nil
	}
	if j.data == nil {
		j.data = map[string]any{}
	}
	var revive any // NULL matches no reason
	if j.revive != "" {
		revive = j.revive
	}
	data, err := json.Marshal(j.data)
	if err != nil {
		return false, err
	}
	var deadline any
	if !j.deadline.IsZero() {
		deadline = stamp(j.deadline)
	}
	res, err := pl.exec(`INSERT INTO job(rule, step, customer_id, about, version, order_id,
		appointment_id, transactional, critical, anytime, due_at, deadline, data, planned_at, updated_at)
		VALUES(?, ?, ?, ?, ?, nullif(?, 0), nullif(?, 0), ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(rule, step, customer_id, about, version) DO UPDATE SET state = 'planned', reason = '',
		due_at = excluded.due_at, deadline = excluded.deadline, updated_at = excluded.updated_at
		WHERE job.state = 'cancelled' AND job.reason = ?`,
		j.rule, j.step, j.customer, j.about, j.version, j.order, j.appointment, rs.Transactional, j.critical,
		j.anytime, stamp(j.due), deadline, string(data), stamp(pl.now), stamp(pl.now), revive)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	pl.out.Jobs[j.rule]++
	return true, nil
}

// exec runs one of the planning's few statements, each prepared once.
func (pl *planning) exec(query string, args ...any) (sql.Result, error) {
	return pl.stmts.Exec(pl.ctx, query, args...)
}

// cancel cancels the planned jobs a condition selects, with a reason.
func (pl *planning) cancel(reason, where string, args ...any) error {
	res, err := pl.exec(`UPDATE job SET state = 'cancelled', reason = ?, updated_at = ?
		WHERE state = 'planned' AND `+where, append([]any{reason, stamp(pl.now)}, args...)...)
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	pl.out.Cancelled += int(n)
	return nil
}

// Orders plans the jobs of the order log's changes.
func (p *Planner) Orders(ctx context.Context, changes []orders.Change) (Planned, error) {
	return p.orders(ctx, changes)
}

// OrdersIn plans them in the caller's transaction (orders.Options'
// WithinOrders): committed, or rolled back, with it; DryRun is the
// caller's to honour.
func (p *Planner) OrdersIn(ctx context.Context, tx *sql.Tx, changes []orders.Change) (Planned, error) {
	return p.orders(ctx, changes, tx)
}

func (p *Planner) orders(ctx context.Context, changes []orders.Change, in ...*sql.Tx) (Planned, error) {
	pl, err := p.begin(ctx, in...)
	if err != nil {
		return Planned{}, err
	}
	for _, c := range changes {
		if err = pl.order(c); err != nil {
			break
		}
	}
	return p.end(pl, err)
}

// maxSupply is the longest a product can last (supply days).
const maxSupply = 365 * 24 * time.Hour

// Plannable reports whether an order change can plan anything at now. A
// caller gathering a big import's changes to plan keeps only these, rather
// than every old order's.
func Plannable(c orders.Change, now time.Time) bool {
	switch c.Kind {
	case "new":
		return c.PlacedAt != nil && now.Sub(*c.PlacedAt) <= maxSupply // a reorder reminder may still lie ahead
	case "shipped", "delivered":
		return c.At == nil || now.Sub(*c.At) <= deliveryWindow
	case "tracking", "cancelled", "refunded":
		return true
	}
	return false
}

// seenAt is when a change happened: the file's date, else now (the import
// noticed it).
func (pl *planning) seenAt(t *time.Time) time.Time {
	if t == nil || t.After(pl.now) {
		return pl.now
	}
	return *t
}

func (pl *planning) order(c orders.Change) error {
	if c.Kind == "reset" {
		return nil
	}
	if c.CustomerEmail == "" {
		pl.out.NoEmail++
		return nil
	}
	about := fmt.Sprintf("order:%d", c.OrderID)
	base := job{customer: c.CustomerID, about: about, order: c.OrderID}
	switch c.Kind {
	case "new":
		if c.PlacedAt == nil {
			pl.out.TooOld++
			return nil
		}
		// The thank-you only soon after the order; its reorder reminder may
		// still lie ahead for an order imported late.
		if pl.now.Sub(*c.PlacedAt) > thankYouWindow {
			pl.out.TooOld++
		} else {
			j := base
			j.rule, j.due, j.deadline = ThankYou, c.PlacedAt.Add(pl.rules[ThankYou].Delay), c.PlacedAt.Add(thankYouWindow)
			if _, err := pl.plan(j); err != nil {
				return err
			}
		}
		return pl.reorder(c)
	case "shipped", "delivered":
		at := pl.seenAt(c.At)
		if pl.now.Sub(at) > deliveryWindow {
			pl.out.TooOld++
			return nil
		}
		if c.Kind == "delivered" {
			// Arrived before "on its way" went: one email says it all.
			if err := pl.cancel("job.alreadyDelivered", `rule = ? AND step = 'shipped' AND about = ? AND customer_id = ?`,
				Delivery, about, c.CustomerID); err != nil {
				return err
			}
		}
		j := base
		j.rule, j.step, j.due, j.deadline = Delivery, c.Kind, at.Add(pl.rules[Delivery].Delay), at.Add(deliveryWindow)
		j.data = map[string]any{"carrier": c.Carrier, "tracking": c.Tracking, "trackingUrl": c.TrackingURL}
		if _, err := pl.plan(j); err != nil {
			return err
		}
		// The follow-up: a week after delivery, or ten days after shipping
		// while no delivery is known. A delivery moves a planned one.
		due := at.Add(pl.rules[FollowUp].Delay)
		if c.Kind == "shipped" {
			due = at.Add(followUpAfterShipped)
		} else if _, err := pl.exec(`UPDATE job SET due_at = ?, deadline = ?, updated_at = ?
			WHERE rule = ? AND about = ? AND customer_id = ? AND state = 'planned'`,
			stamp(due), stamp(due.Add(waitingLimit)), stamp(pl.now), FollowUp, about, c.CustomerID); err != nil {
			return err
		}
		j = base
		j.rule, j.due, j.deadline = FollowUp, due, due.Add(waitingLimit)
		_, err := pl.plan(j)
		return err
	case "tracking":
		// A new tracking number reaches the delivery email not yet sent.
		data, err := json.Marshal(map[string]any{"carrier": c.Carrier, "tracking": c.Tracking, "trackingUrl": c.TrackingURL})
		if err != nil {
			return err
		}
		_, err = pl.exec(`UPDATE job SET data = ?, updated_at = ? WHERE rule = ? AND about = ?
			AND customer_id = ? AND state = 'planned'`, string(data), stamp(pl.now), Delivery, about, c.CustomerID)
		return err
	case "cancelled", "refunded":
		if c.Kind == "refunded" && c.To != "refunded" {
			return nil // a partial refund: the order stands
		}
		return pl.cancel("job.orderCancelled", `about = ? AND customer_id = ?`, about, c.CustomerID)
	}
	return nil
}

// supplies are the products that run out and their days, by lower-case
// SKU or name, read once a planning.
func (pl *planning) supplies() (map[string]int, error) {
	if pl.supply != nil {
		return pl.supply, nil
	}
	rows, err := pl.tx.QueryContext(pl.ctx, `SELECT product, days FROM supply`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	pl.supply = map[string]int{}
	for rows.Next() {
		var p string
		var d int
		if err := rows.Scan(&p, &d); err != nil {
			return nil, err
		}
		pl.supply[strings.ToLower(p)] = d
	}
	return pl.supply, rows.Err()
}

// reorder plans the reminders for the new order's products that run out,
// and cancels the ones this order makes pointless: the customer ordered
// that product again.
func (pl *planning) reorder(c orders.Change) error {
	supplies, err := pl.supplies()
	if err != nil || len(supplies) == 0 {
		return err
	}
	items, err := orders.ItemsOf(pl.ctx, pl.tx, c.OrderID)
	if err != nil {
		return err
	}
	type supply struct {
		product string
		days    int
	}
	var list []supply
	for _, it := range items {
		for _, name := range []string{it.SKU, it.Name} {
			if days, ok := supplies[strings.ToLower(name)]; ok && name != "" &&
				!slices.ContainsFunc(list, func(s supply) bool { return strings.EqualFold(s.product, name) }) {
				list = append(list, supply{name, days})
				break
			}
		}
	}
	for _, s := range list {
		if err := pl.cancel("job.orderedAgain", `rule = ? AND step = ? COLLATE NOCASE AND customer_id = ? AND about <> ?`,
			Reorder, s.product, c.CustomerID, fmt.Sprintf("order:%d", c.OrderID)); err != nil {
			return err
		}
		due := c.PlacedAt.Add(time.Duration(s.days)*24*time.Hour - pl.rules[Reorder].Delay)
		if due.Before(pl.now) {
			pl.out.TooOld++
			continue
		}
		j := job{rule: Reorder, step: s.product, customer: c.CustomerID, about: fmt.Sprintf("order:%d", c.OrderID),
			order: c.OrderID, due: due, deadline: due.Add(waitingLimit)}
		if _, err := pl.plan(j); err != nil {
			return err
		}
	}
	return nil
}
