package shop

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"mostrador/inbox"
	"mostrador/orders"
)

// CustomerLine is a customer as the customers list shows them: what the
// order log knows (orders, last order) and what the mailbox knows (the
// last conversation, and whether they wait for an answer).
type CustomerLine struct {
	orders.CustomerRow
	LastContact  *time.Time `json:"lastContact,omitempty"`  // the latest order or conversation
	WaitingSince *time.Time `json:"waitingSince,omitempty"` // they wait for the shop's answer
}

// The orders a customers list can be sorted in.
const (
	SortRecent  = "recent"  // latest buyers first (the order log's own order)
	SortName    = "name"    // by name
	SortOrders  = "orders"  // most orders first
	SortContact = "contact" // latest contact (order or conversation) first
	SortWaiting = "waiting" // those waiting longest first, then the rest by latest contact
)

// Customers lists customers as orders.ListCustomers finds them (at most
// limit, matching query), with their mail facts, in the order asked. The
// order applies to the customers found: with no query, the limit most
// recent buyers.
func Customers(ctx context.Context, db *sql.DB, query string, limit int, sortBy string) ([]CustomerLine, error) {
	rows, err := orders.ListCustomers(ctx, db, query, limit)
	if err != nil {
		return nil, err
	}
	addrs := make([]string, 0, len(rows))
	for _, r := range rows {
		if r.Email != "" {
			addrs = append(addrs, r.Email)
		}
	}
	contacts, err := inbox.Contacts(ctx, db, addrs)
	if err != nil {
		return nil, err
	}
	out := make([]CustomerLine, len(rows))
	for i, r := range rows {
		l := CustomerLine{CustomerRow: r, LastContact: r.LastOrder}
		if c, ok := contacts[r.Email]; ok && r.Email != "" {
			l.WaitingSince = c.WaitingSince
			if l.LastContact == nil || c.LastAt.After(*l.LastContact) {
				at := c.LastAt
				l.LastContact = &at
			}
		}
		out[i] = l
	}
	// Later first, unknown last.
	later := func(a, b *time.Time) int {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return 1
		case b == nil:
			return -1
		}
		return b.Compare(*a)
	}
	byName := func(a, b CustomerLine) int {
		return strings.Compare(orders.Fold(a.Name+" "+a.Email), orders.Fold(b.Name+" "+b.Email))
	}
	switch sortBy {
	case SortName:
		slices.SortStableFunc(out, byName)
	case SortOrders:
		slices.SortStableFunc(out, func(a, b CustomerLine) int { return cmp.Compare(b.Orders, a.Orders) })
	case SortContact:
		slices.SortStableFunc(out, func(a, b CustomerLine) int { return later(a.LastContact, b.LastContact) })
	case SortWaiting:
		slices.SortStableFunc(out, func(a, b CustomerLine) int {
			switch {
			case a.WaitingSince != nil && b.WaitingSince != nil:
				return a.WaitingSince.Compare(*b.WaitingSince) // longest waiting first
			case a.WaitingSince != nil:
				return -1
			case b.WaitingSince != nil:
				return 1
			}
			return later(a.LastContact, b.LastContact)
		})
	}
	return out, nil
}
