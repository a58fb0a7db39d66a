package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Status changes the owner makes by hand, in the window: a parcel handed to
// the carrier, a parcel that arrived. They are recorded as an import records
// what a file says (the same fields, the same order_event rows, the same
// Changes), so the card, the history and the automated emails cannot tell
// them apart.

// Why a change by hand is refused.
var (
	ErrNoTracking  = errors.New("a tracking number is needed")
	ErrTrackingURL = errors.New("the tracking link must be a web address (https://...)")
	// ErrOrderClosed: a cancelled or refunded order is not shipped, and its
	// customer must not be told it was.
	ErrOrderClosed = errors.New("the order is cancelled or refunded")
)

// Within runs inside a change's transaction before the commit, with the
// changes made, as Options.WithinOrders does for an import: what it writes
// (the automated emails the changes plan) lands with them or not at all,
// and its error undoes the change.
type Within func(ctx context.Context, tx *sql.Tx, changes []Change) error

// MarkShipped records that an order left with carrier under tracking (the
// link to follow it is optional), at now, and returns the changes: "shipped"
// when it had not left yet; "tracking" when it had, under another number.
// Marking it again with the same details changes nothing, writes nothing
// and does not call within. A link left empty keeps the stored one while
// the number stays the same: the window has no table of carriers' tracking
// pages, and neither has the order log (an export's link is kept as given).
func MarkShipped(ctx context.Context, db *sql.DB, orderID int64, carrier, tracking, trackingURL string,
	now time.Time, within Within) ([]Change, error) {
	carrier, tracking, trackingURL = strings.TrimSpace(carrier), strings.TrimSpace(tracking), strings.TrimSpace(trackingURL)
	return markByHand(ctx, db, orderID, now, within, func(old orderFields) (orderFields, error) {
		if tracking == "" {
			return old, ErrNoTracking
		}
		if trackingURL != "" && !webAddress(trackingURL) {
			return old, ErrTrackingURL
		}
		n := old
		if fulfillmentRank(old.fulfillment) < 3 {
			n.fulfillment, n.shippedAt = "shipped", timeText(now)
		}
		if carrier != "" {
			n.carrier = carrier
		}
		if trackingURL == "" && tracking != old.tracking {
			n.trackURL = "" // the old link follows another parcel
		} else if trackingURL != "" {
			n.trackURL = trackingURL
		}
		n.tracking = tracking
		return n, nil
	})
}

// MarkDelivered records that an order reached its customer at now, and
// returns the change ("delivered"). An order delivered already is left as
// it is: no change, no email. An order that had not been marked shipped
// goes straight to delivered: the "shipped" change an import would report
// beside it is left out, since its email ("on its way") would be planned
// only to be cancelled by the delivery's.
func MarkDelivered(ctx context.Context, db *sql.DB, orderID int64, now time.Time, within Within) ([]Change, error) {
	return markByHand(ctx, db, orderID, now, within, func(old orderFields) (orderFields, error) {
		n := old
		if old.fulfillment != "delivered" {
			n.fulfillment, n.deliveredAt = "delivered", timeText(now)
		}
		return n, nil
	})
}

// markByHand applies set to one order in a transaction of its own, records
// the changes it makes as an import would, and runs within before the
// commit. Errors name the order.
func markByHand(ctx context.Context, db *sql.DB, orderID int64, now time.Time, within Within,
	set func(orderFields) (orderFields, error)) ([]Change, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("order %d: %w", orderID, err)
	}
	defer tx.Rollback()
	old, custID, _, err := loadOrderFields(ctx, tx, orderID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("order %d: %w", orderID, ErrNoOrder)
	}
	if err != nil {
		return nil, fmt.Errorf("order %d: %w", orderID, err)
	}
	name := old.number
	var platform string
	var email sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT o.platform, c.email FROM orders o JOIN customer c ON c.id = o.customer_id
		WHERE o.id = ?`, orderID).Scan(&platform, &email); err != nil {
		return nil, fmt.Errorf("order %s: %w", name, err)
	}
	if old.cancelled || old.payment == "refunded" {
		return nil, fmt.Errorf("order %s: %w", name, ErrOrderClosed)
	}
	n, err := set(old)
	if err != nil {
		return nil, fmt.Errorf("order %s: %w", name, err)
	}
	base := Change{Platform: platform, Order: old.number, OrderID: orderID, CustomerID: custID,
		CustomerEmail: email.String}
	if t, err := time.Parse(timeLayout, old.placedAt); err == nil {
		base.PlacedAt = &t
	}
	if n == old {
		return nil, nil
	}
	changes := diff(base, old, n)
	if n.fulfillment == "delivered" && old.fulfillment != "delivered" {
		kept := changes[:0]
		for _, c := range changes {
			if c.Kind != "shipped" {
				kept = append(kept, c)
			}
		}
		changes = kept
	}
	if n.tracking != old.tracking && old.tracking == "" && !hasKind(changes, "shipped") {
		// A number for a parcel that left without one (an export said
		// "fulfilled" and nothing more): diff reports a new number only
		// over an old one, but the delivery email not yet sent needs it.
		c := base
		c.Kind, c.Carrier, c.Tracking, c.TrackingURL, c.To = "tracking", n.carrier, n.tracking, n.trackURL, n.tracking
		changes = append([]Change{c}, changes...)
	}
	stamp := timeText(now)
	if _, err := tx.ExecContext(ctx, `UPDATE orders SET fulfillment_status = ?, carrier = ?, tracking = ?,
		tracking_url = ?, shipped_at = ?, delivered_at = ?, updated_at = ? WHERE id = ?`,
		n.fulfillment, n.carrier, n.tracking, n.trackURL, nullText(n.shippedAt), nullText(n.deliveredAt), stamp,
		orderID); err != nil {
		return nil, fmt.Errorf("order %s: %w", name, err)
	}
	for _, ch := range changes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO order_event(order_id, kind, seen_at, detail) VALUES(?, ?, ?, ?)`,
			orderID, ch.Kind, stamp, eventDetail(ch)); err != nil {
			return nil, fmt.Errorf("order %s: %w", name, err)
		}
	}
	if within != nil {
		if err := within(ctx, tx, changes); err != nil {
			return nil, fmt.Errorf("order %s: %w", name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("order %s: commit: %w", name, err)
	}
	return changes, nil
}

func hasKind(changes []Change, kind string) bool {
	for _, c := range changes {
		if c.Kind == kind {
			return true
		}
	}
	return false
}

// eventDetail is what an order_event row says besides its kind, written as
// the import writes it (see writer.write).
func eventDetail(ch Change) string {
	switch {
	case ch.Kind == "updated":
		return fmt.Sprint(ch.Fields)
	case ch.Tracking != "":
		return ch.Carrier + " " + ch.Tracking
	}
	return ch.To
}

// webAddress says whether s is a link a browser opens: http or https, with
// a host.
func webAddress(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
