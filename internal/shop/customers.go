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
	out, err := withContacts(ctx, db, rows)
	if err != nil {
		return nil, err
	}
	sortLines(out, sortBy)
	return out, nil
}

// CustomerPages reads the customers list in its own order (SortRecent)
// a page at a time, with their mail facts: a list of a hundred thousand
// is read as it scrolls.
type CustomerPages struct {
	db    *sql.DB
	pager *orders.CustomerPager
}

// NewCustomerPages starts at the top of the list.
func NewCustomerPages(db *sql.DB) *CustomerPages {
	return &CustomerPages{db: db, pager: orders.NewCustomerPager(db)}
}

// Done reports whether every customer has been read.
func (p *CustomerPages) Done() bool { return p.pager.Done() }

// Next reads about n more (see orders.CustomerPager.Next).
func (p *CustomerPages) Next(ctx context.Context, n int) ([]CustomerLine, error) {
	rows, err := p.pager.Next(ctx, n)
	if err != nil {
		return nil, err
	}
	return withContacts(ctx, p.db, rows)
}

// withContacts adds what the mailbox knows of each customer.
func withContacts(ctx context.Context, db *sql.DB, rows []orders.CustomerRow) ([]CustomerLine, error) {
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
	return out, nil
}

// sortLines puts the lines in the order asked (SortRecent: as they are).
func sortLines(out []CustomerLine, sortBy string) {
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
}
